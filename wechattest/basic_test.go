package wechattest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

// The documented daily limits apply to their APIs, the default to the
// others, and a path the fake does not serve gets the default too.
func TestQuotaDefaults(t *testing.T) {
	srv := start(t)
	for path, want := range map[string]int64{
		"/cgi-bin/token":                 2000,
		"/cgi-bin/user/get":              500,
		"/cgi-bin/message/mass/sendall":  100,
		"/cgi-bin/message/template/send": 100000,
		"/cgi-bin/menu/trymatch":         100000,
		"/cgi-bin/no/such/api":           100000,
	} {
		used, limit := srv.Quota(path)
		assert.Equal(t, [2]int64{0, want}, [2]int64{used, limit}, path)
	}
}

// The quota APIs are not counted, so that a spent quota can always be
// looked at and cleared: a limit of one does not stop the second call.
// (clear_quota and clear_quota/v2 are not counted either, but they reset
// their own count, so counting them could not be seen.)
func TestQuotaAPIsAreNotCounted(t *testing.T) {
	const (
		quotaGet   = "/cgi-bin/openapi/quota/get"
		quotaClear = "/cgi-bin/openapi/quota/clear"
	)
	srv, a := startAPI(t, wechattest.WithQuota(quotaGet, 1), wechattest.WithQuota(quotaClear, 1))
	cgiPath := `{"cgi_path":"/cgi-bin/menu/get"}`
	for range 2 {
		assert.Contains(t, string(a.post(quotaGet, cgiPath).Body), `"errcode":0`)
	}
	for range 2 {
		a.ok(a.post(quotaClear, cgiPath))
	}
	for _, path := range []string{quotaGet, quotaClear} {
		used, _ := srv.Quota(path)
		assert.Zero(t, used, path)
	}
}

// The daily counts start again at midnight in Beijing, not at midnight
// UTC: a call that spent its quota at 23:30 Beijing time is refused until
// 00:00 there, and allowed again (with the count back at 0) at 00:30,
// while it is still the same day in UTC.
func TestQuotaResetsOnBeijingDay(t *testing.T) {
	const path = "/cgi-bin/getcallbackip"
	beijing := time.FixedZone("CST", 8*60*60)
	clock := wechattest.NewClock(time.Date(2024, 3, 10, 23, 30, 0, 0, beijing))
	srv, a := startAPI(t, wechattest.WithClock(clock.Now), wechattest.WithQuota(path, 1))

	assert.Zero(t, a.get(path, nil).errcode(t))
	fails(t, a.get(path, nil), 45009, "reach max api daily quota limit")
	clock.Advance(29 * time.Minute) // 23:59 in Beijing
	fails(t, a.get(path, nil), 45009, "reach max api daily quota limit")
	used, _ := srv.Quota(path)
	require.Equal(t, int64(1), used, "the day has not changed yet")

	clock.Advance(31 * time.Minute) // 00:30 in Beijing, 16:30 UTC of the same UTC day
	require.Equal(t, "2024-03-10", clock.Now().UTC().Format(time.DateOnly), "still the same day in UTC")
	used, limit := srv.Quota(path)
	assert.Equal(t, [2]int64{0, 1}, [2]int64{used, limit}, "a new day in Beijing")
	doc := a.post("/cgi-bin/openapi/quota/get", `{"cgi_path":"`+path+`"}`).JSON(t)
	assert.Equal(t, map[string]any{"daily_limit": 1.0, "used": 0.0, "remain": 1.0}, doc["quota"])
	assert.Zero(t, a.get(path, nil).errcode(t), "the quota is there again")
	used, _ = srv.Quota(path)
	assert.Equal(t, int64(1), used)
}

// openapi/rid/get finds the call answered under a rid for 7 days and
// answers 76001 (rid not found) from then on.
func TestRIDExpiresAfterSevenDays(t *testing.T) {
	clock := newClock()
	srv, a := startAPI(t, wechattest.WithClock(clock.Now))
	r := a.post("/cgi-bin/comment/open", ``)
	fails(t, r, 44002, "empty post data")
	var st status
	r.decode(t, &st)
	_, rid, ok := strings.Cut(st.ErrMsg, ", rid: ")
	require.True(t, ok, "errmsg %q", st.ErrMsg)
	lookup := func() reply {
		t.Helper()
		return newAPI(t, srv).post("/cgi-bin/openapi/rid/get", `{"rid":"`+rid+`"}`) // a new token: the old one expired
	}

	clock.Advance(7*24*time.Hour - time.Second)
	doc := lookup().JSON(t)
	require.Equal(t, 0.0, doc["errcode"], "doc: %v", doc)
	req, _ := doc["request"].(map[string]any)
	assert.Equal(t, 1700000000.0, req["invoke_time"], "the call answered under the rid; doc: %v", doc)
	assert.Contains(t, req["response_body"], `"errcode":44002`, "doc: %v", doc)

	clock.Advance(time.Second)
	fails(t, lookup(), 76001, "rid not found")
}
