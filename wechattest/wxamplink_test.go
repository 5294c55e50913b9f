package wechattest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMiniProgramLinkWire(t *testing.T) {
	srv, a := startAPI(t)
	// The flags are 0 or 1, as numbers or strings; both are required.
	a.ok(a.post("/cgi-bin/wxopen/wxamplink", `{"appid":"wx0123456789abcdef","notify_users":1,"show_profile":"0"}`))
	for _, body := range []string{
		`{"appid":"wx0123456789abcdef","notify_users":"2","show_profile":"1"}`,
		`{"appid":"wx0123456789abcdef","show_profile":"1"}`,
		`{"appid":"wx0123456789abcdef","notify_users":"yes","show_profile":"1"}`,
	} {
		fails(t, a.post("/cgi-bin/wxopen/wxamplink", body), 40097, "invalid args")
	}
	fails(t, a.post("/cgi-bin/wxopen/wxamplink", `{"notify_users":1,"show_profile":1}`), 40013, "invalid appid")
	// wxamplinkget takes no body; an empty object is fine too.
	r := raw(t, srv, "POST", "/cgi-bin/wxopen/wxamplinkget", map[string][]string{"access_token": {a.tok}}, "", nil)
	assert.Contains(t, string(r.Body), `"appid":"wx0123456789abcdef"`)
	assert.Contains(t, string(a.post("/cgi-bin/wxopen/wxamplinkget", `{}`).Body), `"status":12`)
	// Unlinking what is not linked changes nothing.
	a.ok(a.post("/cgi-bin/wxopen/wxampunlink", `{"appid":"wxfedcba9876543210"}`))
	assert.Contains(t, string(a.post("/cgi-bin/wxopen/wxamplinkget", `{}`).Body), `"appid":"wx0123456789abcdef"`)
}
