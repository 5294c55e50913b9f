package platform_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
)

// The wire tests talk to WeChat's own host through a mock transport, so
// that the authorization pages are on mp.weixin.qq.com.
const (
	wireBase      = "https://api.weixin.qq.com"
	wireAppID     = "wxcomponent00000001"
	wireSecret    = "component-secret-do-not-leak"
	wireTicket    = "ticket@@@do-not-leak"
	wireCompToken = "61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA"
)

// sent is a request as it crossed the wire.
type sent struct {
	Method string
	Path   string
	Query  url.Values
	Body   string
}

// wire answers paths with fixed bodies and records what it is sent.
type wire struct {
	mu    sync.Mutex
	calls []sent
}

func (w *wire) answer(mt *httpmock.MockTransport, method, path string, body []byte) {
	mt.RegisterResponder(method, wireBase+path, func(req *http.Request) (*http.Response, error) {
		w.record(req)
		return httpmock.NewBytesResponse(http.StatusOK, body), nil
	})
}

// record keeps a request.
func (w *wire) record(req *http.Request) {
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, sent{req.Method, req.URL.Path, req.URL.Query(), string(b)})
}

// to returns the requests sent to path.
func (w *wire) to(path string) []sent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []sent
	for _, c := range w.calls {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// newWireClient is a platform Client on a mock transport, with a ticket
// and the component token of the documented example.
func newWireClient(t *testing.T, opts ...platform.Option) (*platform.Client, *httpmock.MockTransport, *wire) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	w := &wire{}
	w.answer(mt, http.MethodPost, componentTokenPath, fixture(t, "../../testdata/api/component/api_component_token.json"))
	base := []platform.Option{
		platform.WithAppID(wireAppID), platform.WithAppSecret(wireSecret),
		platform.WithHTTPClient(&http.Client{Transport: mt}), platform.WithBaseURL(wireBase),
	}
	c, err := platform.New(append(base, opts...)...)
	require.NoError(t, err)
	require.NoError(t, c.SetTicket(context.Background(), wireTicket))
	return c, mt, w
}

// assertCall checks that one request went to path with the
// component_access_token and the JSON body want.
func assertCall(t *testing.T, w *wire, path, want string) {
	t.Helper()
	calls := w.to(path)
	require.Len(t, calls, 1, path)
	assert.Equal(t, wireCompToken, calls[0].Query.Get("component_access_token"), "component_access_token")
	assert.Empty(t, calls[0].Query.Get("access_token"))
	assert.JSONEq(t, want, calls[0].Body)
}

// The component_access_token is asked for with the AppID, AppSecret and
// the stored ticket in the body, never in the URL.
func TestWireComponentToken(t *testing.T) {
	c, _, w := newWireClient(t)
	tok, err := c.ComponentAccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, wireCompToken, tok.Value)
	calls := w.to(componentTokenPath)
	require.Len(t, calls, 1)
	assert.Equal(t, http.MethodPost, calls[0].Method)
	assert.Empty(t, calls[0].Query)
	assert.JSONEq(t, `{"component_appid":"`+wireAppID+`","component_appsecret":"`+wireSecret+`","component_verify_ticket":"`+wireTicket+`"}`, calls[0].Body)
}

// The authorization links: the documented pages and parameter order,
// each with a new pre-authorization code.
func TestWireAuthorizeURLs(t *testing.T) {
	ctx := context.Background()
	c, mt, w := newWireClient(t)
	w.answer(mt, http.MethodPost, "/cgi-bin/component/api_create_preauthcode", fixture(t, "../../testdata/api/component/api_create_preauthcode.json"))
	const code = "Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw"
	redirect := url.QueryEscape("https://platform.example/done?merchant=7")

	pc, err := c.AuthorizeURL(ctx, "https://platform.example/done?merchant=7", platform.AuthorizeOptions{Type: platform.AuthOfficialAccount})
	require.NoError(t, err)
	assert.Equal(t, "https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid="+wireAppID+
		"&pre_auth_code="+code+"&redirect_uri="+redirect+"&auth_type=1", pc)

	mobile, err := c.MobileAuthorizeURL(ctx, "https://platform.example/done?merchant=7", platform.AuthorizeOptions{BizAppID: "wx1234567890abcdef"})
	require.NoError(t, err)
	assert.Equal(t, "https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid="+wireAppID+
		"&pre_auth_code="+code+"&redirect_uri="+redirect+"&biz_appid=wx1234567890abcdef#wechat_redirect", mobile)

	calls := w.to("/cgi-bin/component/api_create_preauthcode")
	require.Len(t, calls, 2, "a code per link")
	assert.JSONEq(t, `{"component_appid":"`+wireAppID+`"}`, calls[0].Body)

	for _, bad := range []struct {
		redirect string
		opts     platform.AuthorizeOptions
	}{
		{"/relative", platform.AuthorizeOptions{}},
		{"https://platform.example/", platform.AuthorizeOptions{Type: platform.AuthBoth, BizAppID: "wx1234567890abcdef"}},
		{"https://platform.example/", platform.AuthorizeOptions{Type: 4}},
	} {
		_, err := c.AuthorizeURL(ctx, bad.redirect, bad.opts)
		assert.ErrorIs(t, err, wechat.ErrInvalidArgument, "%+v", bad)
	}
	assert.Len(t, w.to("/cgi-bin/component/api_create_preauthcode"), 2, "no code for an invalid link")
}

// QueryAuth sends the code and decodes the documented reply.
func TestWireQueryAuth(t *testing.T) {
	c, mt, w := newWireClient(t)
	w.answer(mt, http.MethodPost, "/cgi-bin/component/api_query_auth", fixture(t, "../../testdata/api/component/api_query_auth.json"))
	auth, err := c.QueryAuth(context.Background(), "queryauthcode@@@1")
	require.NoError(t, err)
	assertCall(t, w, "/cgi-bin/component/api_query_auth", `{"component_appid":"`+wireAppID+`","authorization_code":"queryauthcode@@@1"}`)
	assert.Equal(t, "wxf8b4f85f3a794e77", auth.AuthorizerAppID)
	assert.Equal(t, platform.Secret("dTo-YCXPL4llX-u1W1pPpnp8Hgm4wpJtlR6iV0doKdY"), auth.RefreshToken)
	assert.Equal(t, []int{1, 2, 3}, auth.FuncInfo)
	assert.Equal(t, "QXjUqNqfYVH0yBE1iI_7vuN_9gQbpjfK7hYwJ3P7xOa88a89-Aga5x1NMYJyB8G2yKt1KCl0nPC3W9GJzw0Zzq_dBxc8pxIGUNi_bFes0qM", auth.AccessToken.Value)
}

// An account's token is refreshed with its stored refresh token; the
// account's calls carry it as access_token.
func TestWireAuthorizerToken(t *testing.T) {
	ctx := context.Background()
	refresh := platform.NewMemoryRefreshTokenStore()
	require.NoError(t, refresh.SetRefreshToken(ctx, "wxf8b4f85f3a794e77", "refresh_token_value"))
	c, mt, w := newWireClient(t, platform.WithRefreshTokenStore(refresh))
	w.answer(mt, http.MethodPost, authorizerTokenPath, fixture(t, "../../testdata/api/component/api_authorizer_token.json"))
	w.answer(mt, http.MethodGet, "/cgi-bin/getcallbackip", []byte(`{"ip_list":["127.0.0.1"]}`))
	ac, err := c.Authorizer("wxf8b4f85f3a794e77")
	require.NoError(t, err)
	_, err = ac.ListCallbackIPs(ctx)
	require.NoError(t, err)
	assertCall(t, w, authorizerTokenPath, `{"component_appid":"`+wireAppID+`","authorizer_appid":"wxf8b4f85f3a794e77","authorizer_refresh_token":"refresh_token_value"}`)
	assert.Equal(t, "some-access-token", w.to("/cgi-bin/getcallbackip")[0].Query.Get("access_token"))
}

// The list is walked page by page, 500 at a time, until total_count.
func TestWireAuthorizers(t *testing.T) {
	c, mt, w := newWireClient(t)
	page := func(offset, n, total int) []byte {
		var list []map[string]any
		for i := range n {
			list = append(list, map[string]any{"authorizer_appid": "wx" + strings.Repeat("0", 13) + string(rune('a'+(offset+i)%26)) + "00",
				"refresh_token": "rt", "auth_time": 1558000607})
		}
		b, _ := json.Marshal(map[string]any{"total_count": total, "list": list})
		return b
	}
	var calls int
	mt.RegisterResponder(http.MethodPost, wireBase+"/cgi-bin/component/api_get_authorizer_list", func(req *http.Request) (*http.Response, error) {
		w.record(req)
		calls++
		if calls == 1 {
			return httpmock.NewBytesResponse(http.StatusOK, page(0, 500, 502)), nil
		}
		return httpmock.NewBytesResponse(http.StatusOK, page(500, 2, 502)), nil
	})
	n := 0
	for a, err := range c.Authorizers(context.Background()) {
		require.NoError(t, err)
		assert.Equal(t, time.Unix(1558000607, 0), a.AuthTime)
		n++
	}
	assert.Equal(t, 502, n)
	calls2 := w.to("/cgi-bin/component/api_get_authorizer_list")
	require.Len(t, calls2, 2)
	assert.JSONEq(t, `{"component_appid":"`+wireAppID+`","offset":0,"count":500}`, calls2[0].Body)
	assert.JSONEq(t, `{"component_appid":"`+wireAppID+`","offset":500,"count":500}`, calls2[1].Body)

	// A break stops the fetching.
	for range c.Authorizers(context.Background()) {
		break
	}
	assert.Len(t, w.to("/cgi-bin/component/api_get_authorizer_list"), 3)
}

// The documented example of the account profile.
func TestWireAuthorizerInfo(t *testing.T) {
	c, mt, w := newWireClient(t)
	w.answer(mt, http.MethodPost, "/cgi-bin/component/api_get_authorizer_info", fixture(t, "../../testdata/api/component/api_get_authorizer_info.json"))
	info, err := c.AuthorizerInfo(context.Background(), "wxf8b4f85f3a794e77")
	require.NoError(t, err)
	assertCall(t, w, "/cgi-bin/component/api_get_authorizer_info", `{"component_appid":"`+wireAppID+`","authorizer_appid":"wxf8b4f85f3a794e77"}`)
	assert.Equal(t, "微信SDK Demo Special", info.NickName)
	assert.Equal(t, 2, info.ServiceType)
	assert.Equal(t, 0, info.VerifyType)
	assert.Equal(t, "gh_eb5e3a772040", info.UserName)
	assert.Equal(t, "paytest01", info.Alias)
	assert.Equal(t, 1, info.AccountStatus)
	assert.Equal(t, 0, info.BusinessInfo["open_pay"])
	assert.False(t, info.MiniProgram)
	assert.Equal(t, []int{1, 2}, info.Authorization.FuncInfo)
	assert.Equal(t, platform.Secret("dTo-YCXPL4llX-u1W1pPpnp8Hgm4wpJtlR6iV0doKdY"), info.Authorization.RefreshToken)
}

// Options, the quota and web authorization on behalf, on the wire.
func TestWireOptionsQuotaOAuth(t *testing.T) {
	ctx := context.Background()
	c, mt, w := newWireClient(t)
	w.answer(mt, http.MethodPost, "/cgi-bin/component/api_get_authorizer_option", fixture(t, "../../testdata/api/component/api_get_authorizer_option.json"))
	w.answer(mt, http.MethodPost, "/cgi-bin/component/api_set_authorizer_option", []byte(`{"errcode":0,"errmsg":"ok"}`))
	w.answer(mt, http.MethodPost, "/cgi-bin/component/clear_quota", []byte(`{"errcode":48006,"errmsg":"forbid to clear quota because of reaching the limit"}`))
	w.answer(mt, http.MethodGet, "/sns/oauth2/component/access_token", fixture(t, "../../testdata/api/sns_oauth2_access_token.json"))
	w.answer(mt, http.MethodGet, "/sns/oauth2/component/refresh_token", fixture(t, "../../testdata/api/sns_oauth2_refresh_token.json"))

	v, err := c.AuthorizerOption(ctx, "wx7bc5ba58cabd00f4", platform.OptionVoiceRecognize)
	require.NoError(t, err)
	assert.Equal(t, "1", v)
	assertCall(t, w, "/cgi-bin/component/api_get_authorizer_option", `{"component_appid":"`+wireAppID+`","authorizer_appid":"wx7bc5ba58cabd00f4","option_name":"voice_recognize"}`)
	require.NoError(t, c.SetAuthorizerOption(ctx, "wx7bc5ba58cabd00f4", platform.OptionCustomerService, "0"))
	assertCall(t, w, "/cgi-bin/component/api_set_authorizer_option", `{"component_appid":"`+wireAppID+`","authorizer_appid":"wx7bc5ba58cabd00f4","option_name":"customer_service","option_value":"0"}`)
	assert.ErrorIs(t, c.SetAuthorizerOption(ctx, "wx7bc5ba58cabd00f4", platform.OptionCustomerService, ""), wechat.ErrInvalidArgument)

	err = c.ClearQuota(ctx)
	var apiErr *wechat.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 48006, apiErr.Code)
	assertCall(t, w, "/cgi-bin/component/clear_quota", `{"component_appid":"`+wireAppID+`"}`)

	tok, err := c.ExchangeOAuthCode(ctx, "wxf8b4f85f3a794e77", "CODE")
	require.NoError(t, err)
	assert.Equal(t, "OPENID", tok.OpenID)
	got := w.to("/sns/oauth2/component/access_token")[0].Query
	assert.Equal(t, url.Values{"appid": {"wxf8b4f85f3a794e77"}, "code": {"CODE"}, "grant_type": {"authorization_code"},
		"component_appid": {wireAppID}, "component_access_token": {wireCompToken}}, got)
	_, err = c.RefreshOAuthToken(ctx, "wxf8b4f85f3a794e77", "REFRESH_TOKEN")
	require.NoError(t, err)
	got = w.to("/sns/oauth2/component/refresh_token")[0].Query
	assert.Equal(t, url.Values{"appid": {"wxf8b4f85f3a794e77"}, "grant_type": {"refresh_token"}, "refresh_token": {"REFRESH_TOKEN"},
		"component_appid": {wireAppID}, "component_access_token": {wireCompToken}}, got)
}

// The web authorization page on an account's behalf adds component_appid
// to the account's, before the fragment.
func TestOAuthURL(t *testing.T) {
	c, _, _ := newWireClient(t)
	u, err := c.OAuthURL("wxf8b4f85f3a794e77", "https://platform.example/cb", wechat.ScopeBase, "s1")
	require.NoError(t, err)
	assert.Equal(t, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxf8b4f85f3a794e77&redirect_uri="+
		url.QueryEscape("https://platform.example/cb")+"&response_type=code&scope=snsapi_base&state=s1&component_appid="+wireAppID+"#wechat_redirect", u)
	_, err = c.OAuthURL("wxf8b4f85f3a794e77", "https://platform.example/cb", "snsapi_all", "")
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
}

// New needs the platform's AppID; the token endpoint needs its secret.
func TestNewConfig(t *testing.T) {
	_, err := platform.New()
	assert.ErrorIs(t, err, wechat.ErrMissingConfig)
	_, err = platform.New(platform.WithAppID(wireAppID), platform.WithServerToken("t"), platform.WithEncodingAESKey("short"))
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)
	_, err = platform.New(platform.WithAppID(wireAppID), platform.WithTokenStore(nil))
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)

	c, err := platform.New(platform.WithAppID(wireAppID))
	require.NoError(t, err)
	require.NoError(t, c.SetTicket(context.Background(), wireTicket))
	_, err = c.ComponentAccessToken(context.Background())
	assert.ErrorIs(t, err, wechat.ErrMissingConfig)
}

// A platform API this package does not wrap goes with the
// component_access_token as access_token; one it knows, as the table
// says.
func TestWireCall(t *testing.T) {
	ctx := context.Background()
	c, mt, w := newWireClient(t)
	w.answer(mt, http.MethodPost, "/cgi-bin/component/fastregisterweapp", []byte(`{"errcode":0,"errmsg":"OK"}`))
	require.NoError(t, c.Call(ctx, http.MethodPost, "/cgi-bin/component/fastregisterweapp", url.Values{"action": {"create"}},
		map[string]string{"name": "tencent"}, nil))
	calls := w.to("/cgi-bin/component/fastregisterweapp")
	require.Len(t, calls, 1)
	assert.Equal(t, url.Values{"action": {"create"}, "access_token": {wireCompToken}}, calls[0].Query)
	assert.JSONEq(t, `{"name":"tencent"}`, calls[0].Body)

	w.answer(mt, http.MethodPost, "/cgi-bin/component/clear_quota", []byte(`{"errcode":0,"errmsg":"ok"}`))
	require.NoError(t, c.Call(ctx, http.MethodPost, "/cgi-bin/component/clear_quota", nil, map[string]string{"component_appid": wireAppID}, nil))
	assertCall(t, w, "/cgi-bin/component/clear_quota", `{"component_appid":"`+wireAppID+`"}`)
}

// An expires_in that a time.Duration cannot hold, in every reply that
// carries one. 9,300,000,000 seconds, far beyond what WeChat documents,
// is clamped to wechat.MaxTokenLifetime, as the core clamps its own: the
// credential is neither refused nor dated in the past. -9,300,000,000 is
// a credential that cannot be used, as any expires_in of zero or less
// is: it is refused, rather than wrap around to a long lifetime.
func TestAbsurdLifetimes(t *testing.T) {
	ctx := context.Background()
	const appID = "wxf8b4f85f3a794e77"
	for _, expiresIn := range []string{"9300000000", "-9300000000"} {
		usable := expiresIn[0] != '-'
		// want checks a token fetch: clamped, or refused.
		want := func(t *testing.T, tok wechat.Token, err error, value string) {
			t.Helper()
			if !usable {
				assert.ErrorIs(t, err, wechat.ErrUnexpectedResponse)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, value, tok.Value)
			inLifetime(t, tok.ExpiresAt)
		}
		t.Run(expiresIn+"/component_access_token", func(t *testing.T) {
			c, mt, w := newWireClient(t)
			w.answer(mt, http.MethodPost, componentTokenPath, []byte(`{"component_access_token":"comp-token","expires_in":`+expiresIn+`}`))
			tok, err := c.ComponentAccessToken(ctx)
			want(t, tok, err, "comp-token")
		})
		t.Run(expiresIn+"/authorizer_access_token", func(t *testing.T) {
			refresh := platform.NewMemoryRefreshTokenStore()
			require.NoError(t, refresh.SetRefreshToken(ctx, appID, "refresh_token_value"))
			c, mt, w := newWireClient(t, platform.WithRefreshTokenStore(refresh))
			w.answer(mt, http.MethodPost, authorizerTokenPath, []byte(`{"authorizer_access_token":"account-token","expires_in":`+expiresIn+`}`))
			ac, err := c.Authorizer(appID)
			require.NoError(t, err)
			tok, err := ac.AccessToken(ctx)
			want(t, tok, err, "account-token")
		})
		t.Run(expiresIn+"/api_query_auth", func(t *testing.T) {
			c, mt, w := newWireClient(t)
			w.answer(mt, http.MethodPost, "/cgi-bin/component/api_query_auth", []byte(`{"authorization_info":{"authorizer_appid":"`+appID+
				`","authorizer_access_token":"account-token","expires_in":`+expiresIn+`,"authorizer_refresh_token":"rt"}}`))
			auth, err := c.QueryAuth(ctx, "queryauthcode@@@1")
			require.NoError(t, err, "the authorization is kept: its refresh token is what matters")
			if usable {
				inLifetime(t, auth.AccessToken.ExpiresAt)
			} else {
				assert.False(t, auth.AccessToken.Valid(time.Now()), "expires %v: not a usable token", auth.AccessToken.ExpiresAt)
			}
		})
		t.Run(expiresIn+"/sns/oauth2/component/access_token", func(t *testing.T) {
			c, mt, w := newWireClient(t)
			// is_snapshotuser as a string, as WeChat writes some numbers:
			// the core takes either, and so does the platform.
			w.answer(mt, http.MethodGet, "/sns/oauth2/component/access_token", []byte(`{"access_token":"user-token","expires_in":`+expiresIn+`,`+
				`"refresh_token":"user-refresh","openid":"OPENID","scope":"snsapi_base","is_snapshotuser":"1"}`))
			tok, err := c.ExchangeOAuthCode(ctx, appID, "CODE")
			if !usable {
				assert.ErrorIs(t, err, wechat.ErrUnexpectedResponse)
				return
			}
			require.NoError(t, err)
			assert.True(t, tok.IsSnapshotUser)
			inLifetime(t, tok.ExpiresAt)
		})
	}
}

// inLifetime checks that a credential expires in the future, within
// wechat.MaxTokenLifetime.
func inLifetime(t *testing.T, expires time.Time) {
	t.Helper()
	now := time.Now()
	assert.True(t, expires.After(now), "expires %v, in the future", expires)
	assert.False(t, expires.After(now.Add(wechat.MaxTokenLifetime+time.Second)), "expires %v, within MaxTokenLifetime", expires)
}
