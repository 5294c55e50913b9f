package wechattest_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPublisherChecks sends publisher/stat what the client refuses to,
// and checks the errors come in base_resp as WeChat's do.
func TestPublisherChecks(t *testing.T) {
	srv, a := startAPI(t)
	query := func(action, page, size, start, end string) url.Values {
		return url.Values{"action": {action}, "page": {page}, "page_size": {size}, "start_date": {start}, "end_date": {end}}
	}
	tests := []struct {
		name string
		q    url.Values
		ret  int
	}{
		{"unknown action", query("publisher_adunit_general", "1", "10", "2020-04-01", "2020-04-01"), 45010},
		{"no action", url.Values{}, 45010},
		{"page 0", query("publisher_adpos_general", "0", "10", "2020-04-01", "2020-04-01"), 1701},
		{"page size 91", query("publisher_adpos_general", "1", "91", "2020-04-01", "2020-04-01"), 1701},
		{"no page size", query("publisher_cps_general", "1", "", "2020-04-01", "2020-04-01"), 1701},
		{"date format", query("publisher_cps_general", "1", "10", "20200401", "2020-04-01"), 1701},
		{"end before start", query("publisher_settlement", "1", "10", "2020-04-02", "2020-04-01"), 1701},
		{"adpos 91 days", query("publisher_adpos_general", "1", "10", "2020-01-01", "2020-03-31"), 1701},
		{"cps 61 days", query("publisher_cps_general", "1", "10", "2020-01-01", "2020-03-01"), 1701},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get("/publisher/stat", tt.q)
			m := r.JSON(t)
			base, ok := m["base_resp"].(map[string]any)
			require.True(t, ok, "body: %s", r.Body)
			assert.Equal(t, float64(tt.ret), base["ret"], "body: %s", r.Body)
			assert.NotContains(t, m, "list")
		})
	}
	t.Run("an ad slot only where it applies", func(t *testing.T) {
		q := query("publisher_cps_general", "1", "10", "2020-04-01", "2020-04-01")
		q.Set("ad_slot", "SLOT_ID_BIZ_CPS")
		assert.Contains(t, string(a.get("/publisher/stat", q).Body), `"ret":1701`)
		q = query("publisher_adpos_general", "1", "10", "2020-04-01", "2020-04-01")
		q.Set("ad_slot", "SLOT_ID_NONE")
		assert.Contains(t, string(a.get("/publisher/stat", q).Body), `"ret":1701`)
	})
	t.Run("90 and 60 days are served", func(t *testing.T) {
		r := a.get("/publisher/stat", query("publisher_adpos_general", "1", "90", "2020-01-01", "2020-03-30"))
		assert.Contains(t, string(r.Body), `"total_num":90`)
		r = a.get("/publisher/stat", query("publisher_cps_general", "1", "90", "2020-01-01", "2020-02-29"))
		assert.Contains(t, string(r.Body), `"total_num":60`)
	})
	t.Run("no figures before 2016", func(t *testing.T) {
		r := a.get("/publisher/stat", query("publisher_adpos_general", "1", "90", "2015-12-01", "2016-01-02"))
		assert.Contains(t, string(r.Body), `"total_num":2`)
	})
	fails(t, raw(t, srv, "GET", "/publisher/stat", query("publisher_settlement", "1", "10", "2020-04-01", "2020-04-01"), "", nil), 41001, "")
}

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
