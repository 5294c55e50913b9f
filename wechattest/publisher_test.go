package wechattest_test

import (
	"net/url"
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
