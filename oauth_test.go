package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuthorizeURL checks the links AuthorizeURL builds and the arguments
// it rejects (a case with no want), which get no link.
func TestAuthorizeURL(t *testing.T) {
	c := newOfflineClient(t)
	tests := []struct {
		name     string
		redirect string
		scope    OAuthScope
		state    string
		want     string
	}{
		{
			name:     "userinfo with state",
			redirect: "https://example.com/callback?next=/orders&x=1",
			scope:    ScopeUserInfo,
			state:    "Xy9z",
			// Checked by hand against the documented form
			// ...?appid=APPID&redirect_uri=REDIRECT_URI&response_type=code&scope=SCOPE&state=STATE#wechat_redirect
			want: "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef" +
				"&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback%3Fnext%3D%2Forders%26x%3D1" +
				"&response_type=code&scope=snsapi_userinfo&state=Xy9z#wechat_redirect",
		},
		{
			name:     "base without state",
			redirect: "http://m.example.com/a b",
			scope:    ScopeBase,
			want: "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef" +
				"&redirect_uri=http%3A%2F%2Fm.example.com%2Fa+b" +
				"&response_type=code&scope=snsapi_base#wechat_redirect",
		},
		{
			name:     "longest state",
			redirect: "https://example.com/",
			scope:    ScopeBase,
			state:    strings.Repeat("a", 128),
			want: "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef" +
				"&redirect_uri=https%3A%2F%2Fexample.com%2F&response_type=code&scope=snsapi_base&state=" +
				strings.Repeat("a", 128) + "#wechat_redirect",
		},
		{"state too long", "https://example.com/", ScopeBase, strings.Repeat("a", 129), ""},
		{"state with a dash", "https://example.com/", ScopeBase, "ab-cd", ""},
		{"state with non-ASCII", "https://example.com/", ScopeBase, "状态", ""},
		{"relative redirect", "/callback", ScopeBase, "", ""},
		{"redirect without host", "https:///callback", ScopeBase, "", ""},
		{"redirect with fragment", "https://example.com/#/home", ScopeBase, "", ""},
		{"not http", "javascript:alert(1)", ScopeBase, "", ""},
		{"unknown scope", "https://example.com/", "snsapi_login", "", ""},
		{"empty scope", "https://example.com/", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AuthorizeURL(tt.redirect, tt.scope, tt.state)
			if tt.want == "" {
				assert.ErrorIs(t, err, ErrInvalidArgument)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			// What WeChat will read back out of it.
			u, err := url.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, tt.redirect, u.Query().Get("redirect_uri"))
			assert.Equal(t, "wechat_redirect", u.Fragment)
		})
	}

	noApp, err := New()
	require.NoError(t, err)
	_, err = noApp.AuthorizeURL("https://example.com/", ScopeBase, "")
	assert.ErrorIs(t, err, ErrMissingConfig)
}

// fixedNow makes a test client's clock deterministic.
var fixedNow = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

func TestExchangeCode(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    OAuthToken
	}{
		{
			name:    "documented reply",
			fixture: "api/sns_oauth2_access_token.json",
			want: OAuthToken{AccessToken: "ACCESS_TOKEN", RefreshToken: "REFRESH_TOKEN", OpenID: "OPENID", Scope: "SCOPE",
				ExpiresAt: fixedNow.Add(7200 * time.Second)},
		},
		{
			name:    "snapshot page user with unionid",
			fixture: "api/sns_oauth2_access_token_snapshot.json",
			want: OAuthToken{AccessToken: "ACCESS_TOKEN", RefreshToken: "REFRESH_TOKEN", OpenID: "OPENID", Scope: "SCOPE",
				UnionID: "UNIONID", IsSnapshotUser: true, ExpiresAt: fixedNow.Add(7200 * time.Second)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			c.now = func() time.Time { return fixedNow }
			rec := stub(mt, "GET", "/sns/oauth2/access_token", fixture(t, tt.fixture))

			tok, err := c.ExchangeCode(context.Background(), "CODE_0123")
			require.NoError(t, err)
			assert.Equal(t, tt.want, *tok)

			w := rec.only(t)
			assert.Equal(t, url.Values{
				"appid":      {testAppID},
				"secret":     {testSecret},
				"code":       {"CODE_0123"},
				"grant_type": {"authorization_code"},
			}, w.Query, "query, and no account access_token")
		})
	}
}

func TestOAuthTokenPrintsNoSecret(t *testing.T) {
	tok := OAuthToken{AccessToken: "USER_AT_secret", RefreshToken: "USER_RT_secret", OpenID: "OPENID", ExpiresAt: fixedNow}
	var b bytes.Buffer
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		b.Reset()
		_, _ = fmt.Fprintf(&b, format, tok)
		assert.NotContains(t, b.String(), "secret", format)
		assert.Contains(t, b.String(), "OPENID", format)
		b.Reset()
		_, _ = fmt.Fprintf(&b, format, &tok)
		assert.NotContains(t, b.String(), "secret", format+" pointer")
	}
}

func TestExchangeCodeErrors(t *testing.T) {
	t.Run("invalid code", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/sns/oauth2/access_token", fixture(t, "api/errors/40029_invalid_code.json"))
		_, err := c.ExchangeCode(context.Background(), "USED_CODE_xyz")
		assertAPIError(t, err, 40029, "/sns/oauth2/access_token")
		assert.NotContains(t, err.Error(), testSecret)
		assert.NotContains(t, err.Error(), "USED_CODE_xyz")
	})

	t.Run("credential errors are not treated as the account token", func(t *testing.T) {
		// A 40001 from an sns endpoint is about the AppSecret or the user's
		// token: the Client must neither refresh its own token nor retry.
		c, mt := newTestClient(t)
		tokenRec := stub(mt, "GET", "/cgi-bin/token", fixture(t, "api/token.json"))
		rec := stub(mt, "GET", "/sns/oauth2/access_token", fixture(t, "api/errors/40001_invalid_credential_rid.json"))
		_, err := c.ExchangeCode(context.Background(), "CODE")
		assert.ErrorIs(t, err, ErrTokenInvalid)
		assert.Len(t, rec.Calls(), 1)
		assert.Empty(t, tokenRec.Calls())
	})

	t.Run("reply without token", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/sns/oauth2/access_token", []byte(`{"expires_in":7200}`))
		_, err := c.ExchangeCode(context.Background(), "CODE")
		assert.ErrorIs(t, err, ErrUnexpectedResponse)
	})

	t.Run("before any request", func(t *testing.T) {
		c := newOfflineClient(t)
		_, err := c.ExchangeCode(context.Background(), "")
		assert.ErrorIs(t, err, ErrInvalidArgument)

		noSecret, _ := newTestClient(t, WithAppSecret(""))
		_, err = noSecret.ExchangeCode(context.Background(), "CODE")
		assert.ErrorIs(t, err, ErrMissingConfig)
	})
}

func TestOAuthUserInfo(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		wantSex int
	}{
		{"sex as a string", fixture(t, "api/sns_userinfo.json"), 1},
		{"sex as a number", bytes.Replace(fixture(t, "api/sns_userinfo.json"), []byte(`"sex": "1"`), []byte(`"sex": 2`), 1), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "GET", "/sns/userinfo", tt.body)
			u, err := c.GetOAuthUserInfo(context.Background(), "USER_AT", "OPENID", "en")
			require.NoError(t, err)
			assert.Equal(t, snsUser(tt.wantSex), u)
			assert.Equal(t, url.Values{"access_token": {"USER_AT"}, "openid": {"OPENID"}, "lang": {"en"}}, rec.only(t).Query,
				"the user's token, never the account's")
		})
	}

	t.Run("no lang", func(t *testing.T) {
		c, rec := newStubClient(t, "GET", "/sns/userinfo", fixture(t, "api/sns_userinfo.json"))
		_, err := c.GetOAuthUserInfo(context.Background(), "USER_AT", "OPENID", "")
		require.NoError(t, err)
		assert.False(t, rec.only(t).Query.Has("lang"))
	})

	t.Run("base scope token", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/sns/userinfo", fixture(t, "api/errors/48001_api_unauthorized_rid.json"))
		_, err := c.GetOAuthUserInfo(context.Background(), "USER_AT", "OPENID", "")
		apiErr := assertAPIError(t, err, CodeAPIUnauthorized, "/sns/userinfo")
		assert.Equal(t, "62fb9bc8-078c24da-4202f278", apiErr.RID)
	})

	t.Run("arguments", func(t *testing.T) {
		c := newOfflineClient(t)
		_, err := c.GetOAuthUserInfo(context.Background(), "", "OPENID", "")
		assert.ErrorIs(t, err, ErrInvalidArgument)
		_, err = c.GetOAuthUserInfo(context.Background(), "USER_AT", "", "")
		assert.ErrorIs(t, err, ErrInvalidArgument)
	})
}

// TestOAuthTransportErrorsAreRedacted checks that a network failure on any
// sns endpoint reports the URL without the AppSecret, the code or the
// user's tokens, in the error and in the logs.
func TestOAuthTransportErrorsAreRedacted(t *testing.T) {
	const (
		code    = "CODE_must_not_leak"
		userAT  = "USER_AT_must_not_leak"
		refresh = "REFRESH_must_not_leak"
	)
	calls := []struct {
		name string
		path string
		call func(*Client) error
	}{
		{"ExchangeCode", "/sns/oauth2/access_token", func(c *Client) error {
			_, err := c.ExchangeCode(context.Background(), code)
			return err
		}},
		{"RefreshOAuthToken", "/sns/oauth2/refresh_token", func(c *Client) error {
			_, err := c.RefreshOAuthToken(context.Background(), refresh)
			return err
		}},
		{"GetOAuthUserInfo", "/sns/userinfo", func(c *Client) error {
			_, err := c.GetOAuthUserInfo(context.Background(), userAT, "OPENID", "zh_CN")
			return err
		}},
		{"CheckOAuthToken", "/sns/auth", func(c *Client) error {
			return c.CheckOAuthToken(context.Background(), userAT, "OPENID")
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c, mt := newTestClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			mt.RegisterResponder("GET", testBase+tt.path, httpmock.NewErrorResponder(errors.New("connection reset by peer")))

			err := tt.call(c)
			require.Error(t, err)
			var ue *url.Error
			require.ErrorAs(t, err, &ue)
			assert.Contains(t, err.Error(), "REDACTED")
			assert.Contains(t, err.Error(), "connection reset by peer")
			for _, secret := range []string{testSecret, code, userAT, refresh, testToken} {
				assert.NotContains(t, err.Error(), secret)
				assert.NotContains(t, logs.String(), secret)
			}
		})
	}
}

// The user's token gets the same lifetime checks as the account's: an
// expires_in that would overflow a time.Duration is clamped to WeChat's
// documented 7200 s rather than wrapping into the past, and one of zero or
// less is refused.
func TestOAuthTokenLifetimeFromHostileEndpoint(t *testing.T) {
	for _, tt := range []struct {
		expiresIn string
		want      time.Duration // 0: refused
	}{
		{"7200", 7200 * time.Second},
		{"60", time.Minute},
		{"9223372037", 7200 * time.Second},
		{"9223372036854775807", 7200 * time.Second},
		{"0", 0},
		{"-7200", 0},
	} {
		t.Run(tt.expiresIn, func(t *testing.T) {
			c, mt := newTestClient(t)
			c.now = func() time.Time { return fixedNow }
			stub(mt, "GET", "/sns/oauth2/access_token",
				[]byte(`{"access_token":"USER_AT","expires_in":`+tt.expiresIn+`,"refresh_token":"RT","openid":"OPENID","scope":"snsapi_base"}`))
			tok, err := c.ExchangeCode(context.Background(), "CODE")
			if tt.want == 0 {
				require.ErrorIs(t, err, ErrUnexpectedResponse)
				assert.Contains(t, err.Error(), "expires_in")
				assert.Nil(t, tok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, fixedNow.Add(tt.want), tok.ExpiresAt)
		})
	}
}

func oauthEndpoints() map[endpoint.ID]endpointCase {
	fixed := WithClock(func() time.Time { return fixedNow })
	return map[endpoint.ID]endpointCase{
		endpoint.OAuthAccessToken: {
			opts: []Option{fixed},
			call: func(ctx context.Context, c *Client) (any, error) { return c.ExchangeCode(ctx, "CODE_0123") },
			// No account access_token: the code and the secret are the credentials.
			query: url.Values{"appid": {testAppID}, "secret": {testSecret}, "code": {"CODE_0123"}, "grant_type": {"authorization_code"}},
			reply: "api/sns_oauth2_access_token.json",
			want: &OAuthToken{AccessToken: "ACCESS_TOKEN", RefreshToken: "REFRESH_TOKEN", OpenID: "OPENID", Scope: "SCOPE",
				ExpiresAt: fixedNow.Add(7200 * time.Second)},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.ExchangeCode(ctx, ""); return err },
		},
		endpoint.OAuthRefreshToken: {
			opts:  []Option{fixed},
			call:  func(ctx context.Context, c *Client) (any, error) { return c.RefreshOAuthToken(ctx, "REFRESH_abc") },
			query: url.Values{"appid": {testAppID}, "grant_type": {"refresh_token"}, "refresh_token": {"REFRESH_abc"}},
			reply: "api/sns_oauth2_refresh_token.json",
			want: &OAuthToken{AccessToken: "ACCESS_TOKEN", RefreshToken: "REFRESH_TOKEN", OpenID: "OPENID", Scope: "SCOPE",
				ExpiresAt: fixedNow.Add(2 * time.Hour)},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.RefreshOAuthToken(ctx, ""); return err },
		},
		endpoint.OAuthUserInfo: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetOAuthUserInfo(ctx, "USER_AT", "OPENID", LangEn)
			},
			// The user's token, never the account's.
			query: url.Values{"access_token": {"USER_AT"}, "openid": {"OPENID"}, "lang": {"en"}},
			reply: "api/sns_userinfo.json",
			want:  snsUser(1),
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.GetOAuthUserInfo(ctx, "USER_AT", "", "")
				return err
			},
		},
		endpoint.OAuthCheck: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.CheckOAuthToken(ctx, "USER_AT", "OPENID")
			},
			query:   url.Values{"access_token": {"USER_AT"}, "openid": {"OPENID"}},
			reply:   "api/sns_auth.json",
			invalid: func(ctx context.Context, c *Client) error { return c.CheckOAuthToken(ctx, "", "OPENID") },
		},
	}
}

// snsUser is the profile of sns_userinfo.json, which sends sex as "1".
func snsUser(sex int) *OAuthUser {
	return &OAuthUser{
		OpenID:     "OPENID",
		Nickname:   "NICKNAME",
		Sex:        sex,
		Province:   "PROVINCE",
		City:       "CITY",
		Country:    "COUNTRY",
		HeadImgURL: "http://wx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/46",
		Privilege:  []string{"PRIVILEGE1", "PRIVILEGE2"},
		UnionID:    "o6_bmasdasdsad6_2sgVt7hMZOPfL",
	}
}

// The five places that take an absolute http(s) URL share one check: they
// accept and refuse the same URLs. Only the redirect URLs, to which WeChat
// appends its parameters, refuse a fragment as well.
func TestHTTPURLCheckIsTheSameEverywhere(t *testing.T) {
	c, mt := newTestClient(t, WithJSAPITicket("TICKET", time.Now().Add(time.Hour)))
	mt.RegisterNoResponder(httpmock.NewStringResponder(200, `{"errcode":0,"errmsg":"ok"}`))
	ctx := context.Background()
	checks := []struct {
		name     string
		redirect bool // WeChat appends parameters: a fragment is refused
		check    func(u string) error
	}{
		{"AuthorizeURL", true, func(u string) error { _, err := c.AuthorizeURL(u, ScopeBase, ""); return err }},
		{"OneTimeSubscribeURL", true, func(u string) error { _, err := c.OneTimeSubscribeURL(1, "T", u, ""); return err }},
		{"ImageURL", false, func(u string) error { _, err := c.ScanQRCode(ctx, ImageURL(u)); return err }},
		{"JSSDKConfig", false, func(u string) error { _, err := c.JSSDKConfig(ctx, u); return err }},
		{"WithBaseURL", false, func(u string) error { _, err := New(WithBaseURL(u)); return err }},
	}
	accepted := []string{"https://example.com/cb", "http://example.com", "HTTPS://Example.com/cb?x=1&y=2"}
	refused := []string{"/cb", "https:///cb", "example.com/cb", "javascript:alert(1)", "ftp://example.com/cb", "http://[::1", ""}
	withFragment := []string{"https://example.com/cb#/home", "https://example.com/cb#"}
	for _, ch := range checks {
		t.Run(ch.name, func(t *testing.T) {
			// WithBaseURL refuses with ErrInvalidConfig: it is an option.
			refusal := ErrInvalidArgument
			if ch.name == "WithBaseURL" {
				refusal = ErrInvalidConfig
			}
			for _, u := range accepted {
				assert.NoError(t, ch.check(u), u)
			}
			for _, u := range refused {
				assert.ErrorIs(t, ch.check(u), refusal, u)
			}
			for _, u := range withFragment {
				if err := ch.check(u); ch.redirect {
					assert.ErrorIs(t, err, ErrInvalidArgument, u)
				} else {
					assert.NoError(t, err, u)
				}
			}
		})
	}
}

func TestOAuthTokenLogsAndMarshalsNoSecret(t *testing.T) {
	exp := time.Date(2026, 11, 25, 9, 55, 0, 0, time.UTC)
	tok := OAuthToken{
		AccessToken: "USER_AT_do_not_leak", RefreshToken: "USER_RT_do_not_leak",
		ExpiresAt: exp, OpenID: "oOPENID123", Scope: "snsapi_userinfo", UnionID: "oUNIONID456", IsSnapshotUser: true,
	}
	for _, v := range []any{tok, &tok} {
		for how, s := range renderings(t, v) {
			assert.NotContains(t, s, "do_not_leak", "%s of %T", how, v)
			if how != "fmt %x" && how != "fmt %q" && how != "fmt %d" {
				for _, want := range []string{"2026-11-25T09:55:00", "oOPENID123", "snsapi_userinfo", "oUNIONID456"} {
					assert.Contains(t, s, want, "%s of %T", how, v)
				}
			}
		}
	}
	j, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ExpiresAt":"2026-11-25T09:55:00Z","OpenID":"oOPENID123","Scope":"snsapi_userinfo",
		"UnionID":"oUNIONID456","IsSnapshotUser":true}`, string(j))
}
