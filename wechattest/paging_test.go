package wechattest_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A page far past the end of a list is an empty page, however large its
// number: the offset of page (or start) plus the page size must not
// overflow into a negative slice bound, which made the handler panic and
// the fake drop the connection.
func TestPagePastTheEnd(t *testing.T) {
	_, a := startAPI(t)
	huge := strconv.Itoa(int(^uint(0) >> 1)) // the largest int

	// No subtests: a's helpers report to t.
	for _, action := range []string{"publisher_adpos_general", "publisher_cps_general", "publisher_settlement"} {
		func() {
			r := a.get("/publisher/stat", url.Values{"action": {action}, "page": {huge}, "page_size": {"90"},
				"start_date": {"2020-04-01"}, "end_date": {"2020-04-30"}})
			m := r.JSON(t)
			base, ok := m["base_resp"].(map[string]any)
			require.True(t, ok, "body: %s", r.Body)
			assert.Equal(t, float64(0), base["ret"], "body: %s", r.Body)
			list := "list"
			if action == "publisher_settlement" {
				list = "settlement_list"
			}
			assert.Equal(t, []any{}, m[list], "body: %s", r.Body)
			assert.NotZero(t, m["total_num"], "the range has data")
		}()
	}

	r := a.get("/wxaapi/newtmpl/getpubtemplatetitles", url.Values{"ids": {"616"}, "start": {huge}, "limit": {"30"}})
	m := r.JSON(t)
	assert.Equal(t, float64(0), m["errcode"], "body: %s", r.Body)
	assert.Equal(t, []any{}, m["data"], "body: %s", r.Body)
	assert.Equal(t, float64(1), m["count"], "the library has one title")
}
