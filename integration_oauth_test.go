package wechat_test

// End-to-end tests of web authorization against the fake WeChat server
// (see integration_test.go for the helpers).

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestIntegrationOAuth(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(wechattest.Follower{
		OpenID: "o1", UnionID: "u1", Nickname: "小明", HeadImgURL: "http://thirdwx.qlogo.cn/mmopen/a/132",
	}))
	ctx := context.Background()

	// The page the user is sent to, as the SDK builds it.
	page, err := c.AuthorizeURL("https://app.example.com/callback?from=menu", wechat.ScopeUserInfo, "xyz123")
	require.NoError(t, err)
	u, err := url.Parse(page)
	require.NoError(t, err)
	assert.Equal(t, "open.weixin.qq.com", u.Host)
	assert.Equal(t, srv.AppID(), u.Query().Get("appid"))
	assert.Equal(t, "https://app.example.com/callback?from=menu", u.Query().Get("redirect_uri"))
	assert.Equal(t, "snsapi_userinfo", u.Query().Get("scope"))
	assert.Equal(t, "wechat_redirect", u.Fragment)

	// The user agrees; WeChat redirects with a code.
	code := srv.AuthorizeCode("o1", wechat.ScopeUserInfo)
	tok, err := c.ExchangeCode(ctx, code)
	require.NoError(t, err)
	assert.Equal(t, "o1", tok.OpenID)
	assert.Equal(t, "snsapi_userinfo", tok.Scope)
	assert.Equal(t, "u1", tok.UnionID)
	assert.NotEmpty(t, tok.AccessToken)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.NotContains(t, tok.String(), tok.AccessToken)

	// A code works once.
	_, err = c.ExchangeCode(ctx, code)
	apiErr := requireAPIError(t, err, 40163, "/sns/oauth2/access_token")
	assert.NotContains(t, apiErr.Error(), code, "the code stays out of errors")
	assert.NotContains(t, apiErr.Error(), srv.AppSecret())
	_, err = c.ExchangeCode(ctx, "forged")
	requireAPIError(t, err, 40029, "/sns/oauth2/access_token")

	user, err := c.OAuthUserInfo(ctx, tok.AccessToken, tok.OpenID, wechat.LangZhCN)
	require.NoError(t, err)
	assert.Equal(t, &wechat.OAuthUser{
		OpenID: "o1", Nickname: "小明", HeadImgURL: "http://thirdwx.qlogo.cn/mmopen/a/132",
		Privilege: []string{}, UnionID: "u1",
	}, user)
	require.NoError(t, c.CheckOAuthToken(ctx, tok.AccessToken, tok.OpenID))
	err = c.CheckOAuthToken(ctx, tok.AccessToken, "someone-else")
	requireAPIError(t, err, 40003, "/sns/auth")

	renewed, err := c.RefreshOAuthToken(ctx, tok.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, renewed.AccessToken, "a valid token is extended")
	assert.Equal(t, "o1", renewed.OpenID)
	_, err = c.RefreshOAuthToken(ctx, "forged")
	requireAPIError(t, err, 40030, "/sns/oauth2/refresh_token")

	// A silent authorization cannot read the profile.
	base, err := c.ExchangeCode(ctx, srv.AuthorizeCode("o2", wechat.ScopeBase))
	require.NoError(t, err)
	assert.Empty(t, base.UnionID)
	_, err = c.OAuthUserInfo(ctx, base.AccessToken, base.OpenID, "")
	requireAPIError(t, err, 48001, "/sns/userinfo")
	require.NoError(t, c.CheckOAuthToken(ctx, base.AccessToken, "o2"))

	// Web authorization never touches the account's access token.
	assert.Equal(t, 0, srv.Calls(pathToken))
	for _, r := range srv.Requests() {
		if r.Path == "/sns/userinfo" || r.Path == "/sns/auth" {
			assert.NotEqual(t, "", r.Query.Get("access_token"))
			assert.Contains(t, []string{tok.AccessToken, base.AccessToken}, r.Query.Get("access_token"), "the user's token only")
		} else {
			assert.False(t, r.Query.Has("access_token"), "%s carries no access_token", r.Path)
		}
	}
}

// A user token that has expired is refused by sns/auth and replaced by
// RefreshOAuthToken.
func TestIntegrationOAuthExpiry(t *testing.T) {
	clock := newFakeClock()
	srv, c := startFake(t, wechattest.WithClock(clock.Now))
	ctx := context.Background()
	tok, err := c.ExchangeCode(ctx, srv.AuthorizeCode("o1", wechat.ScopeBase))
	require.NoError(t, err)

	clock.Advance(2 * time.Hour)
	err = c.CheckOAuthToken(ctx, tok.AccessToken, "o1")
	requireAPIError(t, err, 42001, "/sns/auth")
	renewed, err := c.RefreshOAuthToken(ctx, tok.RefreshToken)
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, renewed.AccessToken)
	assert.Equal(t, tok.RefreshToken, renewed.RefreshToken)
	require.NoError(t, c.CheckOAuthToken(ctx, renewed.AccessToken, "o1"))
	err = c.CheckOAuthToken(ctx, tok.AccessToken, "o1")
	requireAPIError(t, err, 40001, "/sns/auth")
	assert.Equal(t, 0, srv.Calls(pathToken))
}
