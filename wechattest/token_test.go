package wechattest_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestTokenReply(t *testing.T) {
	srv := start(t)
	r := raw(t, srv, "GET", "/cgi-bin/token", url.Values{
		"grant_type": {"client_credential"}, "appid": {wechattest.DefaultAppID}, "secret": {wechattest.DefaultAppSecret},
	}, "", nil)
	assert.Equal(t, "application/json; encoding=utf-8", r.Header.Get("Content-Type"))
	var tr map[string]any
	r.decode(t, &tr)
	assert.Len(t, tr, 2, "only access_token and expires_in, as documented: %s", r.Body)
	assert.Equal(t, float64(7200), tr["expires_in"])
	assert.NotEmpty(t, tr["access_token"])
}

func TestTokenCredentialErrors(t *testing.T) {
	srv := start(t, wechattest.WithAppID("wxapp"), wechattest.WithAppSecret("s3cret"))
	for _, tc := range []struct {
		name  string
		query url.Values
		code  int
		msg   string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credential"}, "appid": {"wxapp"}, "secret": {"nope"}}, 40125, "invalid appsecret"},
		{"wrong appid", url.Values{"grant_type": {"client_credential"}, "appid": {"wxother"}, "secret": {"s3cret"}}, 40013, "invalid appid"},
		{"no appid", url.Values{"grant_type": {"client_credential"}, "secret": {"s3cret"}}, 41002, "appid missing"},
		{"no secret", url.Values{"grant_type": {"client_credential"}, "appid": {"wxapp"}}, 41004, "appsecret missing"},
		{"grant type", url.Values{"grant_type": {"authorization_code"}, "appid": {"wxapp"}, "secret": {"s3cret"}}, 40002, "invalid grant_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, raw(t, srv, "GET", "/cgi-bin/token", tc.query, "", nil), tc.code, tc.msg)
		})
	}
}

func TestAccessTokenChecks(t *testing.T) {
	srv := start(t)
	fails(t, raw(t, srv, "GET", "/cgi-bin/getcallbackip", nil, "", nil), 41001, "access_token missing")
	fails(t, raw(t, srv, "GET", "/cgi-bin/getcallbackip", url.Values{"access_token": {"made-up"}}, "", nil),
		40001, "invalid credential, access_token is invalid or not latest")

	a := newAPI(t, srv)
	assert.JSONEq(t, fixture(t, "api/getcallbackip.json"), string(a.get("/cgi-bin/getcallbackip", nil).Body))
}

// A new cgi-bin/token retires the previous token, which keeps working for
// five minutes.
func TestTokenRetiredAfterGrace(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now))
	old := token(t, srv)
	fresh := token(t, srv)
	require.NotEqual(t, old, fresh)

	call := func(tok string) reply {
		return raw(t, srv, "GET", "/cgi-bin/getcallbackip", url.Values{"access_token": {tok}}, "", nil)
	}
	assert.Equal(t, 0, call(old).errcode(t), "the retired token works during the grace period")
	clock.Advance(wechattest.DefaultRetiredTokenGrace - time.Second)
	assert.Equal(t, 0, call(old).errcode(t))
	clock.Advance(time.Second)
	fails(t, call(old), 40001, "invalid credential, access_token is invalid or not latest")
	assert.Equal(t, 0, call(fresh).errcode(t))
}

func TestTokenExpiresByClock(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(90*time.Second))
	r := raw(t, srv, "GET", "/cgi-bin/token", url.Values{
		"grant_type": {"client_credential"}, "appid": {srv.AppID()}, "secret": {srv.AppSecret()},
	}, "", nil)
	assert.Equal(t, float64(90), r.JSON(t)["expires_in"])
	tok := r.JSON(t)["access_token"].(string)

	call := func() reply {
		return raw(t, srv, "GET", "/cgi-bin/getcallbackip", url.Values{"access_token": {tok}}, "", nil)
	}
	clock.Advance(89 * time.Second)
	assert.Equal(t, 0, call().errcode(t))
	clock.Advance(time.Second)
	fails(t, call(), 42001, "access_token expired")
}

func TestExpireAndRevokeTokens(t *testing.T) {
	srv, a := startAPI(t, wechattest.WithRetiredTokenGrace(time.Hour))
	b := newAPI(t, srv) // retires a's token, which stays usable for the grace period
	assert.Equal(t, 0, a.get("/cgi-bin/getcallbackip", nil).errcode(t))

	srv.ExpireTokens()
	fails(t, a.get("/cgi-bin/getcallbackip", nil), 42001, "access_token expired")
	fails(t, b.get("/cgi-bin/getcallbackip", nil), 42001, "access_token expired")

	c := newAPI(t, srv)
	assert.Equal(t, 0, c.get("/cgi-bin/getcallbackip", nil).errcode(t), "a token issued after ExpireTokens works")
	assert.True(t, srv.RevokeToken(c.tok))
	assert.False(t, srv.RevokeToken("never-issued"))
	fails(t, c.get("/cgi-bin/getcallbackip", nil), 40001, "")

	d := newAPI(t, srv)
	srv.RevokeTokens()
	fails(t, d.get("/cgi-bin/getcallbackip", nil), 40001, "")
}

func stableToken(t *testing.T, srv *wechattest.Server, force bool) (string, int) {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"` + srv.AppID() + `","secret":"` + srv.AppSecret() +
		`","force_refresh":` + strconv.FormatBool(force) + `}`
	r := raw(t, srv, "POST", "/cgi-bin/stable_token", nil, "application/json", []byte(body))
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	r.decode(t, &tr)
	require.NotEmpty(t, tr.AccessToken, "body: %s", r.Body)
	return tr.AccessToken, tr.ExpiresIn
}

func TestStableToken(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now))
	call := func(tok string) reply {
		return raw(t, srv, "GET", "/cgi-bin/getcallbackip", url.Values{"access_token": {tok}}, "", nil)
	}

	first, exp := stableToken(t, srv, false)
	assert.Equal(t, 7200, exp)
	clock.Advance(time.Hour)
	again, exp := stableToken(t, srv, false)
	assert.Equal(t, first, again, "normal mode returns the valid token")
	assert.Equal(t, 3600, exp, "with its remaining lifetime")

	// cgi-bin/token and stable_token are independent.
	token(t, srv)
	token(t, srv)
	assert.Equal(t, 0, call(first).errcode(t))

	// In its last five minutes the stable token is renewed; the old one
	// runs out on its own.
	clock.Advance(time.Hour - 4*time.Minute)
	renewed, exp := stableToken(t, srv, false)
	assert.NotEqual(t, first, renewed)
	assert.Equal(t, 7200, exp)
	assert.Equal(t, 0, call(first).errcode(t))

	// force_refresh retires the current token at once...
	forced, _ := stableToken(t, srv, true)
	assert.NotEqual(t, renewed, forced)
	fails(t, call(renewed), 40001, "")
	// ...but not twice within 30 seconds.
	clock.Advance(29 * time.Second)
	same, _ := stableToken(t, srv, true)
	assert.Equal(t, forced, same)
	clock.Advance(time.Second)
	next, _ := stableToken(t, srv, true)
	assert.NotEqual(t, forced, next)
}

func TestStableTokenErrors(t *testing.T) {
	srv := start(t)
	fails(t, raw(t, srv, "POST", "/cgi-bin/stable_token", nil, "application/json",
		[]byte(`{"grant_type":"client_credential","appid":"`+srv.AppID()+`","secret":"wrong"}`)), 40125, "invalid appsecret")
	fails(t, raw(t, srv, "POST", "/cgi-bin/stable_token", nil, "application/json", nil), 44002, "empty post data")
	fails(t, raw(t, srv, "POST", "/cgi-bin/stable_token", nil, "application/json", []byte(`{"appid":`)), 47001, "data format error")
	fails(t, raw(t, srv, "GET", "/cgi-bin/stable_token", nil, "", nil), 43002, "require POST method")
}

func TestTicket(t *testing.T) {
	clock := newClock()
	_, a := startAPI(t, wechattest.WithClock(clock.Now), wechattest.WithTicketLifetime(time.Hour))
	r := a.get("/cgi-bin/ticket/getticket", url.Values{"type": {"jsapi"}})
	doc := r.JSON(t)
	assert.Equal(t, float64(0), doc["errcode"])
	assert.Equal(t, "ok", doc["errmsg"])
	assert.Equal(t, float64(3600), doc["expires_in"])
	ticket := doc["ticket"]

	clock.Advance(10 * time.Minute)
	doc = a.get("/cgi-bin/ticket/getticket", url.Values{"type": {"jsapi"}}).JSON(t)
	assert.Equal(t, ticket, doc["ticket"], "the valid ticket is returned again")
	assert.Equal(t, float64(3000), doc["expires_in"])

	card := a.get("/cgi-bin/ticket/getticket", url.Values{"type": {"wx_card"}}).JSON(t)
	assert.NotEqual(t, ticket, card["ticket"])

	clock.Advance(50 * time.Minute)
	doc = a.get("/cgi-bin/ticket/getticket", url.Values{"type": {"jsapi"}}).JSON(t)
	assert.NotEqual(t, ticket, doc["ticket"], "an expired ticket is replaced")

	fails(t, a.get("/cgi-bin/ticket/getticket", url.Values{"type": {"other"}}), 40097, "invalid args")
}

func TestClientAccessToken(t *testing.T) {
	srv, c := startClient(t)
	ctx := context.Background()
	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	again, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, tok.Value, again.Value)
	assert.Equal(t, 1, srv.Calls("/cgi-bin/token"), "the Client caches the token")

	q := srv.Requests()[0].Query
	assert.Equal(t, url.Values{"grant_type": {"client_credential"}, "appid": {srv.AppID()}, "secret": {srv.AppSecret()}}, q)
}

// After the token is revoked, the Client's next call gets 40001, fetches
// one new token and retries once.
func TestClientRefreshesOnceAfterRevocation(t *testing.T) {
	srv, c := startClient(t)
	ctx := context.Background()
	first, err := c.JSAPITicket(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, srv.Calls("/cgi-bin/token"))

	srv.RevokeTokens()
	second, err := c.RefreshJSAPITicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, first.Value, second.Value, "the ticket itself is still valid")
	assert.Equal(t, 2, srv.Calls("/cgi-bin/token"), "one refresh")
	assert.Equal(t, 3, srv.Calls("/cgi-bin/ticket/getticket"), "first call, rejected call, retry")

	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, tok.Value, last.Query.Get("access_token"), "the retry carries the new token")
}

// Tokens that expire in the middle of a sequence of calls are refreshed
// by the Client on 42001.
func TestClientTokenExpiresMidSequence(t *testing.T) {
	clock := newClock()
	srv, c := startClient(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(time.Hour))
	ctx := context.Background()
	first, err := c.JSAPITicket(ctx)
	require.NoError(t, err)

	clock.Advance(3 * time.Hour) // the Client's cache runs on real time: it still holds the token
	second, err := c.RefreshJSAPITicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, second.Value, "the ticket expired too")
	assert.Equal(t, 2, srv.Calls("/cgi-bin/token"))
	assert.Equal(t, 3, srv.Calls("/cgi-bin/ticket/getticket"))
}

func TestClientStableToken(t *testing.T) {
	srv := start(t)
	c := client(t, srv, wechat.WithStableToken())
	ctx := context.Background()
	first, err := c.AccessToken(ctx)
	require.NoError(t, err)
	second, err := c.RefreshAccessToken(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, second.Value)
	assert.Equal(t, 2, srv.Calls("/cgi-bin/stable_token"))
	assert.Equal(t, 0, srv.Calls("/cgi-bin/token"))

	reqs := srv.Requests()
	assert.JSONEq(t, `{"grant_type":"client_credential","appid":"`+srv.AppID()+`","secret":"`+srv.AppSecret()+`","force_refresh":true}`,
		string(reqs[len(reqs)-1].Body))
	fails(t, raw(t, srv, "GET", "/cgi-bin/getcallbackip", url.Values{"access_token": {first.Value}}, "", nil), 40001, "")
}

func TestClientWrongSecret(t *testing.T) {
	srv := start(t)
	c := client(t, srv, wechat.WithAppSecret("not-the-secret"))
	_, err := c.AccessToken(context.Background())
	var apiErr *wechat.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, wechat.CodeInvalidAppSecret, apiErr.Code)
	assert.NotEmpty(t, apiErr.RID, "the fake appends a request id like WeChat")
	assert.NotContains(t, err.Error(), "not-the-secret")
}

func TestClientJSSDKConfig(t *testing.T) {
	srv, c := startClient(t)
	ctx := context.Background()
	page := "https://example.com/page?x=1#frag"
	cfg, err := c.JSSDKConfig(ctx, page)
	require.NoError(t, err)
	ticket, err := c.JSAPITicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, srv.AppID(), cfg.AppID)
	assert.Equal(t, wechat.JSAPISignature(ticket.Value, cfg.NonceStr, strconv.FormatInt(cfg.Timestamp, 10), page), cfg.Signature)
	assert.Equal(t, 1, srv.Calls("/cgi-bin/ticket/getticket"))

	var getticket wechattest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/cgi-bin/ticket/getticket" {
			getticket = r
		}
	}
	assert.Equal(t, "jsapi", getticket.Query.Get("type"))
	assert.NotEmpty(t, getticket.Query.Get("access_token"))
}
