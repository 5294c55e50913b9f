package wechattest_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

// openIDList returns a JSON array of n openids prefix1..prefixn.
func openIDList(prefix string, n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Quote(prefix + strconv.Itoa(i+1))
	}
	return "[" + strings.Join(ids, ",") + "]"
}

func TestBlacklistPaging(t *testing.T) {
	srv := start(t, wechattest.WithPageSize(2), wechattest.WithFollowers(
		wechattest.Follower{OpenID: "b1", Blacklisted: true},
		wechattest.Follower{OpenID: "o1"},
		wechattest.Follower{OpenID: "b2", Blacklisted: true},
		wechattest.Follower{OpenID: "gone", Unsubscribed: true, Blacklisted: true},
	))
	a := newAPI(t, srv)
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
	srv := start(t, withFollower("o1", "o2", "o3"))
	a := newAPI(t, srv)
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
	srv := start(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "b1", Blacklisted: true}))
	a := newAPI(t, srv)
	fails(t, a.post("/cgi-bin/message/custom/send", `{"touser":"b1","msgtype":"text","text":{"content":"x"}}`),
		45015, "response out of time limit or subscription is canceled")
	a.ok(a.post("/cgi-bin/tags/members/batchunblacklist", `{"openid_list":["b1"]}`))
	a.ok(a.post("/cgi-bin/message/custom/send", `{"touser":"b1","msgtype":"text","text":{"content":"x"}}`))
	assert.Len(t, srv.SentMessages(), 1)
}
