package wechattest_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

// docFollower is the user of the user/info example
// (testdata/api/user_info.json).
var docFollower = wechattest.Follower{
	OpenID:         "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
	UnionID:        " o6_bmasdasdsad6_2sgVt7hMZOPfL",
	SubscribeTime:  time.Unix(1382694957, 0),
	SubscribeScene: "ADD_SCENE_QR_CODE",
	QRScene:        98765,
	TagIDs:         []int{128, 2},
}

// openIDList returns a JSON array of n openids prefix1..prefixn.
func openIDList(prefix string, n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Quote(prefix + strconv.Itoa(i+1))
	}
	return "[" + strings.Join(ids, ",") + "]"
}

func TestUserInfo(t *testing.T) {
	srv, a := startAPI(t, wechattest.WithFollowers(docFollower,
		wechattest.Follower{OpenID: "gone", UnionID: "u-gone", Unsubscribed: true}))
	assert.JSONEq(t, fixture(t, "api/user_info.json"),
		string(a.get("/cgi-bin/user/info", url.Values{"openid": {docFollower.OpenID}, "lang": {"zh_CN"}}).Body))
	assert.JSONEq(t, `{"subscribe":0,"openid":"gone","unionid":"u-gone"}`,
		string(a.get("/cgi-bin/user/info", url.Values{"openid": {"gone"}}).Body))
	fails(t, a.get("/cgi-bin/user/info", url.Values{"openid": {"nobody"}}), 40003, "invalid openid")
	fails(t, a.get("/cgi-bin/user/info", nil), 41009, "missing openid")

	r := a.post("/cgi-bin/user/info/batchget",
		`{"user_list":[{"openid":"`+docFollower.OpenID+`","lang":"zh_CN"},{"openid":"gone","lang":"zh_CN"}]}`)
	var batch struct {
		List []map[string]any `json:"user_info_list"`
	}
	r.decode(t, &batch)
	require.Len(t, batch.List, 2)
	assert.Equal(t, float64(1), batch.List[0]["subscribe"])
	assert.Equal(t, map[string]any{"subscribe": float64(0), "openid": "gone", "unionid": "u-gone"}, batch.List[1])
	fails(t, a.post("/cgi-bin/user/info/batchget", `{"user_list":[{"openid":"nobody"}]}`), 40003, "")
	fails(t, a.post("/cgi-bin/user/info/batchget", `{"user_list":[]}`), 40032, "")
	fails(t, a.post("/cgi-bin/user/info/batchget", `{"user_list":[`+strings.Repeat(`{"openid":"`+docFollower.OpenID+`"},`, 100)+`{"openid":"`+docFollower.OpenID+`"}]}`), 40032, "")

	fails(t, a.post("/cgi-bin/user/info/updateremark", `{"openid":"`+docFollower.OpenID+`","remark":"`+strings.Repeat("备", 11)+`"}`), 40092, "invalid remark name")
	a.ok(a.post("/cgi-bin/user/info/updateremark", `{"openid":"`+docFollower.OpenID+`","remark":"`+strings.Repeat("备", 10)+`"}`))
	a.ok(a.post("/cgi-bin/user/info/updateremark", `{"openid":"`+docFollower.OpenID+`","remark":"pangzi"}`))
	f, ok := srv.Follower(docFollower.OpenID)
	require.True(t, ok)
	assert.Equal(t, "pangzi", f.Remark)
	assert.Equal(t, "zh_CN", f.Language, "defaults are filled in")
}

func TestUserGetPaging(t *testing.T) {
	var fs []wechattest.Follower
	for i := range 5 {
		fs = append(fs, wechattest.Follower{OpenID: fmt.Sprintf("o%d", i)})
	}
	fs = append(fs[:2], append([]wechattest.Follower{{OpenID: "left", Unsubscribed: true}}, fs[2:]...)...)
	srv, a := startAPI(t, wechattest.WithFollowers(fs...), wechattest.WithPageSize(2))

	page := func(next string) string {
		q := url.Values{}
		if next != "" {
			q.Set("next_openid", next)
		}
		return string(a.get("/cgi-bin/user/get", q).Body)
	}
	assert.JSONEq(t, `{"total":5,"count":2,"data":{"openid":["o0","o1"]},"next_openid":"o1"}`, page(""))
	assert.JSONEq(t, `{"total":5,"count":2,"data":{"openid":["o2","o3"]},"next_openid":"o3"}`, page("o1"))
	assert.JSONEq(t, `{"total":5,"count":1,"data":{"openid":["o4"]},"next_openid":"o4"}`, page("o3"))
	assert.JSONEq(t, `{"total":5,"count":0,"next_openid":""}`, page("o4"), "past the end: no data, empty next_openid")
	fails(t, a.get("/cgi-bin/user/get", url.Values{"next_openid": {"nobody"}}), 40003, "")

	srv.AddFollower(wechattest.Follower{OpenID: "new"})
	assert.JSONEq(t, `{"total":6,"count":1,"data":{"openid":["new"]},"next_openid":"new"}`, page("o4"))
}

func TestTags(t *testing.T) {
	srv, a := startAPI(t, withFollower("o1", "o2", "o3"), wechattest.WithPageSize(1))

	assert.JSONEq(t, `{"tag":{"id":100,"name":"广东"}}`, string(a.post("/cgi-bin/tags/create", `{"tag":{"name":"广东"}}`).Body))
	fails(t, a.post("/cgi-bin/tags/create", `{"tag":{"name":"广东"}}`), 45157, "invalid tag name")
	fails(t, a.post("/cgi-bin/tags/create", `{"tag":{"name":"`+strings.Repeat("标", 11)+`"}}`), 45158, "tag name too long")

	a.ok(a.post("/cgi-bin/tags/members/batchtagging", `{"openid_list":["o1","o3"],"tagid":100}`))
	assert.JSONEq(t, `{"tags":[{"id":2,"name":"星标组","count":0},{"id":100,"name":"广东","count":2}]}`,
		string(a.get("/cgi-bin/tags/get", nil).Body))
	assert.JSONEq(t, `{"tagid_list":[100]}`, string(a.post("/cgi-bin/tags/getidlist", `{"openid":"o1"}`).Body))
	assert.JSONEq(t, `{"tagid_list":[]}`, string(a.post("/cgi-bin/tags/getidlist", `{"openid":"o2"}`).Body))

	assert.JSONEq(t, `{"count":1,"data":{"openid":["o1"]},"next_openid":"o1"}`,
		string(a.post("/cgi-bin/user/tag/get", `{"tagid":100,"next_openid":""}`).Body))
	assert.JSONEq(t, `{"count":1,"data":{"openid":["o3"]},"next_openid":"o3"}`,
		string(a.post("/cgi-bin/user/tag/get", `{"tagid":100,"next_openid":"o1"}`).Body))
	assert.JSONEq(t, `{"count":0,"next_openid":""}`,
		string(a.post("/cgi-bin/user/tag/get", `{"tagid":100,"next_openid":"o3"}`).Body))

	// A batch with an unknown openid changes nothing.
	fails(t, a.post("/cgi-bin/tags/members/batchtagging", `{"openid_list":["o2","nobody"],"tagid":100}`), 40003, "")
	f, _ := srv.Follower("o2")
	assert.Empty(t, f.TagIDs)
	fails(t, a.post("/cgi-bin/tags/members/batchtagging", `{"openid_list":["o2"],"tagid":999}`), 45159, "")
	many := make([]string, 51)
	for i := range many {
		many[i] = `"o1"`
	}
	fails(t, a.post("/cgi-bin/tags/members/batchtagging", `{"openid_list":[`+strings.Join(many, ",")+`],"tagid":100}`), 40032, "")

	a.ok(a.post("/cgi-bin/tags/members/batchuntagging", `{"openid_list":["o3"],"tagid":100}`))
	f, _ = srv.Follower("o3")
	assert.Empty(t, f.TagIDs)

	a.ok(a.post("/cgi-bin/tags/update", `{"tag":{"id":100,"name":"广东人"}}`))
	fails(t, a.post("/cgi-bin/tags/update", `{"tag":{"id":2,"name":"x"}}`), 45058, "")
	fails(t, a.post("/cgi-bin/tags/delete", `{"tag":{"id":2}}`), 45058, "")
	a.ok(a.post("/cgi-bin/tags/delete", `{"tag":{"id":100}}`))
	f, _ = srv.Follower("o1")
	assert.Empty(t, f.TagIDs, "deleting a tag removes it from its followers")
	fails(t, a.post("/cgi-bin/tags/delete", `{"tag":{"id":100}}`), 45159, "")

	// Tag names are at most 30 bytes: ten CJK characters.
	fails(t, a.post("/cgi-bin/tags/create", `{"tag":{"name":"`+strings.Repeat("标", 10)+`x"}}`), 45158, "tag name too long")
	r := a.post("/cgi-bin/tags/create", `{"tag":{"name":"`+strings.Repeat("标", 10)+`"}}`)
	assert.Equal(t, strings.Repeat("标", 10), r.JSON(t)["tag"].(map[string]any)["name"], "body: %s", r.Body)
}

func TestTagLimits(t *testing.T) {
	_, a := startAPI(t, withFollower("o1"))
	for i := range 99 { // tag 2 exists already
		require.Equal(t, 0, a.post("/cgi-bin/tags/create", fmt.Sprintf(`{"tag":{"name":"t%d"}}`, i)).errcode(t))
	}
	fails(t, a.post("/cgi-bin/tags/create", `{"tag":{"name":"one too many"}}`), 45056, "")

	for id := 100; id < 120; id++ {
		a.ok(a.post("/cgi-bin/tags/members/batchtagging", fmt.Sprintf(`{"openid_list":["o1"],"tagid":%d}`, id)))
	}
	fails(t, a.post("/cgi-bin/tags/members/batchtagging", `{"openid_list":["o1"],"tagid":120}`), 45059, "")
}

func TestGroups(t *testing.T) {
	srv, a := startAPI(t, withFollower("o1", "o2"))
	assert.JSONEq(t, `{"group":{"id":100,"name":"test"}}`, string(a.post("/cgi-bin/groups/create", `{"group":{"name":"test"}}`).Body))
	fails(t, a.post("/cgi-bin/groups/create", `{"group":{"name":""}}`), 40051, "invalid group name")

	a.ok(a.post("/cgi-bin/groups/members/update", `{"openid":"o1","to_groupid":100}`))
	assert.JSONEq(t, `{"groupid":100}`, string(a.post("/cgi-bin/groups/getid", `{"openid":"o1"}`).Body))
	fails(t, a.post("/cgi-bin/groups/members/update", `{"openid":"o1","to_groupid":555}`), 40050, "invalid group id")
	fails(t, a.post("/cgi-bin/groups/getid", `{"openid":"nobody"}`), 40003, "")

	a.ok(a.post("/cgi-bin/groups/members/batchupdate", `{"openid_list":["o1","o2"],"to_groupid":2}`))
	a.ok(a.post("/cgi-bin/groups/update", `{"group":{"id":100,"name":"renamed"}}`))
	fails(t, a.post("/cgi-bin/groups/update", `{"group":{"id":1,"name":"x"}}`), 40050, "")
	assert.JSONEq(t, `{"groups":[{"id":0,"name":"未分组","count":0},{"id":1,"name":"黑名单","count":0},`+
		`{"id":2,"name":"星标组","count":2},{"id":100,"name":"renamed","count":0}]}`,
		string(a.get("/cgi-bin/groups/get", nil).Body))

	a.ok(a.post("/cgi-bin/groups/members/update", `{"openid":"o2","to_groupid":100}`))
	a.ok(a.post("/cgi-bin/groups/delete", `{"group":{"id":100}}`))
	f, _ := srv.Follower("o2")
	assert.Equal(t, 0, f.GroupID, "members of a deleted group move to group 0")
	fails(t, a.post("/cgi-bin/groups/delete", `{"group":{"id":0}}`), 40050, "")

	// Group names are at most 30 bytes.
	fails(t, a.post("/cgi-bin/groups/create", `{"group":{"name":"`+strings.Repeat("a", 31)+`"}}`), 40051, "invalid group name")
	r := a.post("/cgi-bin/groups/create", `{"group":{"name":"`+strings.Repeat("a", 30)+`"}}`)
	assert.Equal(t, strings.Repeat("a", 30), r.JSON(t)["group"].(map[string]any)["name"], "body: %s", r.Body)
}

func TestBlacklistPaging(t *testing.T) {
	srv, a := startAPI(t, wechattest.WithPageSize(2), wechattest.WithFollowers(
		wechattest.Follower{OpenID: "b1", Blacklisted: true},
		wechattest.Follower{OpenID: "o1"},
		wechattest.Follower{OpenID: "b2", Blacklisted: true},
		wechattest.Follower{OpenID: "gone", Unsubscribed: true, Blacklisted: true},
	))
	page := func(begin string) string {
		return string(a.post("/cgi-bin/tags/members/getblacklist", `{"begin_openid":"`+begin+`"}`).Body)
	}
	assert.JSONEq(t, `{"total":3,"count":2,"data":{"openid":["b1","b2"]},"next_openid":"b2"}`, page(""))
	assert.JSONEq(t, `{"total":3,"count":1,"data":{"openid":["gone"]},"next_openid":"gone"}`, page("b2"),
		"a user who left stays blacklisted")
	assert.JSONEq(t, `{"total":3,"count":0,"next_openid":""}`, page("gone"), "past the end: no data, empty next_openid")
	fails(t, a.post("/cgi-bin/tags/members/getblacklist", `{"begin_openid":"nobody"}`), 40003, "invalid openid")
	fails(t, a.post("/cgi-bin/tags/members/getblacklist", `{"begin_openid":`), 47001, "data format error")

	f, ok := srv.Follower("b1")
	require.True(t, ok)
	assert.True(t, f.Blacklisted, "Follower reports the seeded state")
	assert.JSONEq(t, `{"total":3,"count":2,"data":{"openid":["b1","o1"]},"next_openid":"o1"}`,
		string(a.get("/cgi-bin/user/get", nil).Body), "blacklisted users still follow the account")
}

func TestBatchBlacklist(t *testing.T) {
	srv, a := startAPI(t, withFollower("o1", "o2", "o3"))
	blacklisted := func() []string {
		var out []string
		for _, id := range []string{"o1", "o2", "o3"} {
			if f, _ := srv.Follower(id); f.Blacklisted {
				out = append(out, id)
			}
		}
		return out
	}

	a.ok(a.post("/cgi-bin/tags/members/batchblacklist", `{"openid_list":["o1","o3"]}`))
	assert.Equal(t, []string{"o1", "o3"}, blacklisted())
	assert.JSONEq(t, `{"total":2,"count":2,"data":{"openid":["o1","o3"]},"next_openid":"o3"}`,
		string(a.post("/cgi-bin/tags/members/getblacklist", `{"begin_openid":""}`).Body))

	a.ok(a.post("/cgi-bin/tags/members/batchunblacklist", `{"openid_list":["o1","o2"]}`))
	assert.Equal(t, []string{"o3"}, blacklisted(), "unblacklisting o2, who was not blacklisted, is no error")

	for _, path := range []string{"/cgi-bin/tags/members/batchblacklist", "/cgi-bin/tags/members/batchunblacklist"} {
		t.Run(path, func(t *testing.T) {
			fails(t, a.post(path, `{"openid_list":["o1","nobody"]}`), 40003, "invalid openid")
			fails(t, a.post(path, `{"openid_list":[]}`), 40032, "invalid openid list size")
			fails(t, a.post(path, `{"openid_list":`+openIDList("o", 21)+`}`), 40032, "invalid openid list size")
			fails(t, a.post(path, ``), 44002, "empty post data")
			assert.Equal(t, []string{"o3"}, blacklisted(), "a rejected call changes nothing")
		})
	}
	// Twenty is the documented maximum: the 40003 here shows the list size
	// passed its check.
	fails(t, a.post("/cgi-bin/tags/members/batchblacklist", `{"openid_list":`+openIDList("o", 20)+`}`), 40003, "")
}

func TestBlacklistedFollowerGetsNoCustomMessages(t *testing.T) {
	srv, a := startAPI(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "b1", Blacklisted: true}))
	fails(t, a.post("/cgi-bin/message/custom/send", `{"touser":"b1","msgtype":"text","text":{"content":"x"}}`),
		45015, "response out of time limit or subscription is canceled")
	a.ok(a.post("/cgi-bin/tags/members/batchunblacklist", `{"openid_list":["b1"]}`))
	a.ok(a.post("/cgi-bin/message/custom/send", `{"touser":"b1","msgtype":"text","text":{"content":"x"}}`))
	assert.Len(t, srv.SentMessages(), 1)
}

func TestChangeOpenID(t *testing.T) {
	const from = "wxoldaccount0000001"
	_, a := startAPI(t, wechattest.WithMigration(from, map[string]string{
		"oEmYbwN-n24jxvk4Sox81qedINkQ": "o2FwqwI9xCsVadFah_HtpPfaR-X4",
	}))

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
