package wechattest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
	srv := start(t, wechattest.WithQuota(quotaGet, 1), wechattest.WithQuota(quotaClear, 1))
	a := newAPI(t, srv)
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
