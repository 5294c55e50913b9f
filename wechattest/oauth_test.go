package wechattest_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

type oauthToken struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	OpenID       string `json:"openid"`
	Scope        string `json:"scope"`
	UnionID      string `json:"unionid"`
}

// exchange trades a code with sns/oauth2/access_token.
func exchange(t *testing.T, srv *wechattest.Server, code string) reply {
	t.Helper()
	return raw(t, srv, "GET", "/sns/oauth2/access_token", url.Values{
		"appid": {srv.AppID()}, "secret": {srv.AppSecret()}, "code": {code}, "grant_type": {"authorization_code"},
	}, "", nil)
}

func decodeOAuthToken(t *testing.T, r reply) oauthToken {
	t.Helper()
	var tok oauthToken
	r.decode(t, &tok)
	require.NotEmpty(t, tok.AccessToken, "body: %s", r.Body)
	return tok
}

func snsGet(t *testing.T, srv *wechattest.Server, path, token, openID string) reply {
	t.Helper()
	return raw(t, srv, "GET", path, url.Values{"access_token": {token}, "openid": {openID}, "lang": {"zh_CN"}}, "", nil)
}

func TestOAuthCode(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now),
		wechattest.WithFollowers(wechattest.Follower{OpenID: "o1", UnionID: "u1"}))

	code := srv.AuthorizeCode("o1", wechat.ScopeUserInfo)
	r := exchange(t, srv, code)
	tok := decodeOAuthToken(t, r)
	assert.Len(t, r.JSON(t), 6, "access_token, expires_in, refresh_token, openid, scope, unionid: %s", r.Body)
	assert.Equal(t, oauthToken{
		AccessToken: tok.AccessToken, ExpiresIn: 7200, RefreshToken: tok.RefreshToken,
		OpenID: "o1", Scope: "snsapi_userinfo", UnionID: "u1",
	}, tok)
	assert.NotEmpty(t, tok.RefreshToken)
	fails(t, exchange(t, srv, code), 40163, "code been used")

	// snsapi_base: no unionid.
	r = exchange(t, srv, srv.AuthorizeCode("o1", wechat.ScopeBase))
	assert.NotContains(t, r.JSON(t), "unionid", "body: %s", r.Body)

	// A code lasts five minutes.
	code = srv.AuthorizeCode("o2", wechat.ScopeBase)
	clock.Advance(5 * time.Minute)
	fails(t, exchange(t, srv, code), 42003, "code expired")

	fails(t, exchange(t, srv, "never-issued"), 40029, "invalid code")
	for _, tc := range []struct {
		name  string
		query url.Values
		code  int
	}{
		{"no appid", url.Values{"secret": {srv.AppSecret()}, "code": {"c"}, "grant_type": {"authorization_code"}}, 41002},
		{"wrong appid", url.Values{"appid": {"wx1"}, "secret": {srv.AppSecret()}, "code": {"c"}, "grant_type": {"authorization_code"}}, 40013},
		{"wrong secret", url.Values{"appid": {srv.AppID()}, "secret": {"x"}, "code": {"c"}, "grant_type": {"authorization_code"}}, 40125},
		{"no code", url.Values{"appid": {srv.AppID()}, "secret": {srv.AppSecret()}, "grant_type": {"authorization_code"}}, 41008},
		{"wrong grant", url.Values{"appid": {srv.AppID()}, "secret": {srv.AppSecret()}, "code": {"c"}, "grant_type": {"client_credential"}}, 40002},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, raw(t, srv, "GET", "/sns/oauth2/access_token", tc.query, "", nil), tc.code, "")
		})
	}
	assert.Equal(t, 0, srv.Calls("/cgi-bin/token"))
}

func TestOAuthUserInfo(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now), wechattest.WithFollowers(wechattest.Follower{
		OpenID: "o1", UnionID: "u1", Nickname: "小明", HeadImgURL: "http://thirdwx.qlogo.cn/mmopen/x/132",
	}))
	tok := decodeOAuthToken(t, exchange(t, srv, srv.AuthorizeCode("o1", wechat.ScopeUserInfo)))

	assert.JSONEq(t, `{"openid":"o1","nickname":"小明","sex":0,"province":"","city":"","country":"",
		"headimgurl":"http://thirdwx.qlogo.cn/mmopen/x/132","privilege":[],"unionid":"u1"}`,
		string(snsGet(t, srv, "/sns/userinfo", tok.AccessToken, "o1").Body))
	assert.JSONEq(t, `{"errcode":0,"errmsg":"ok"}`, string(snsGet(t, srv, "/sns/auth", tok.AccessToken, "o1").Body))

	// A user who does not follow the account.
	stranger := decodeOAuthToken(t, exchange(t, srv, srv.AuthorizeCode("o9", wechat.ScopeUserInfo)))
	assert.JSONEq(t, `{"openid":"o9","nickname":"","sex":0,"province":"","city":"","country":"",
		"headimgurl":"","privilege":[]}`, string(snsGet(t, srv, "/sns/userinfo", stranger.AccessToken, "o9").Body))

	base := decodeOAuthToken(t, exchange(t, srv, srv.AuthorizeCode("o1", wechat.ScopeBase)))
	fails(t, snsGet(t, srv, "/sns/userinfo", base.AccessToken, "o1"), 48001, "api unauthorized")
	fails(t, snsGet(t, srv, "/sns/userinfo", tok.AccessToken, "o9"), 40003, "invalid openid")
	fails(t, snsGet(t, srv, "/sns/auth", tok.AccessToken, "o9"), 40003, "")
	// The account's access token is not a user's.
	fails(t, snsGet(t, srv, "/sns/userinfo", token(t, srv), "o1"), 40001, "")
	fails(t, snsGet(t, srv, "/sns/auth", "", "o1"), 41001, "")

	clock.Advance(2 * time.Hour)
	fails(t, snsGet(t, srv, "/sns/userinfo", tok.AccessToken, "o1"), 42001, "access_token expired")
	fails(t, snsGet(t, srv, "/sns/auth", tok.AccessToken, "o1"), 42001, "")
}

func TestOAuthRefresh(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now))
	tok := decodeOAuthToken(t, exchange(t, srv, srv.AuthorizeCode("o1", wechat.ScopeBase)))
	refresh := func(rt string) reply {
		return raw(t, srv, "GET", "/sns/oauth2/refresh_token", url.Values{
			"appid": {srv.AppID()}, "grant_type": {"refresh_token"}, "refresh_token": {rt},
		}, "", nil)
	}

	// A valid token is extended.
	clock.Advance(time.Hour)
	same := decodeOAuthToken(t, refresh(tok.RefreshToken))
	assert.Equal(t, tok.AccessToken, same.AccessToken)
	assert.Equal(t, int64(7200), same.ExpiresIn)
	assert.Equal(t, tok.RefreshToken, same.RefreshToken)
	assert.Equal(t, "o1", same.OpenID)
	clock.Advance(90 * time.Minute)
	assert.JSONEq(t, `{"errcode":0,"errmsg":"ok"}`, string(snsGet(t, srv, "/sns/auth", tok.AccessToken, "o1").Body),
		"extended past its first two hours")

	// An expired one is replaced.
	clock.Advance(time.Hour)
	fresh := decodeOAuthToken(t, refresh(tok.RefreshToken))
	assert.NotEqual(t, tok.AccessToken, fresh.AccessToken)
	fails(t, snsGet(t, srv, "/sns/auth", tok.AccessToken, "o1"), 40001, "")
	assert.JSONEq(t, `{"errcode":0,"errmsg":"ok"}`, string(snsGet(t, srv, "/sns/auth", fresh.AccessToken, "o1").Body))

	fails(t, refresh("unknown"), 40030, "invalid refresh_token")
	fails(t, refresh(""), 41003, "")
	fails(t, raw(t, srv, "GET", "/sns/oauth2/refresh_token", url.Values{
		"appid": {"wx1"}, "grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
	}, "", nil), 40013, "")
	clock.Advance(30 * 24 * time.Hour)
	fails(t, refresh(tok.RefreshToken), 42002, "refresh_token expired")
}
