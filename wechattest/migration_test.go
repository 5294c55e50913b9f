package wechattest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mpkit/wechat/wechattest"
)

func TestChangeOpenID(t *testing.T) {
	const from = "wxoldaccount0000001"
	srv := start(t, wechattest.WithMigration(from, map[string]string{
		"oEmYbwN-n24jxvk4Sox81qedINkQ": "o2FwqwI9xCsVadFah_HtpPfaR-X4",
	}))
	a := newAPI(t, srv)

	// The documented example: one openid converted, one not.
	assert.JSONEq(t, fixture(t, "api/changeopenid.json"), string(a.post("/cgi-bin/changeopenid",
		`{"from_appid":"`+from+`","openid_list":["oEmYbwN-n24jxvk4Sox81qedINkQ","oEmYbwH9uVd4RKJk7ZZg6SzL6tTo"]}`).Body))

	fails(t, a.post("/cgi-bin/changeopenid", `{"from_appid":"wxother","openid_list":["x"]}`), 40013, "invalid appid")
	fails(t, a.post("/cgi-bin/changeopenid", `{"openid_list":["x"]}`), 41002, "appid missing")
	fails(t, a.post("/cgi-bin/changeopenid", `{"from_appid":"`+from+`","openid_list":[]}`), 40032, "")
	fails(t, a.post("/cgi-bin/changeopenid", `{"from_appid":"`+from+`","openid_list":`+openIDList("x", 101)+`}`), 40032, "")
	r := a.post("/cgi-bin/changeopenid", `{"from_appid":"`+from+`","openid_list":`+openIDList("x", 100)+`}`)
	assert.Len(t, r.JSON(t)["result_list"], 100, "100 openids are accepted")
}
