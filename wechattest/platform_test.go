package wechattest_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// eventLog is an authorization event receiver that verifies and
// decrypts each push with the core's own checks (Client.OpenPush) and
// keeps the plaintexts.
type eventLog struct {
	c      *wechat.Client
	mu     sync.Mutex
	events []map[string]string
}

func newEventLog(t *testing.T, p *wechattest.Platform, clock *wechattest.Clock) *eventLog {
	t.Helper()
	c, err := wechat.New(wechat.WithAppID(p.ComponentAppID()), wechat.WithServerToken(p.ComponentToken()),
		wechat.WithEncodingAESKey(p.ComponentEncodingAESKey()), wechat.WithClock(clock.Now))
	require.NoError(t, err)
	return &eventLog{c: c}
}

func (l *eventLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := l.c.OpenPush(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	fields, err := flatXML(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	l.events = append(l.events, fields)
	l.mu.Unlock()
	_, _ = w.Write([]byte("success"))
}

// flatXML reads the elements under the root of an InfoType push, which
// ParseMessage (for MsgType pushes) does not take.
func flatXML(b []byte) (map[string]string, error) {
	var doc struct {
		Fields []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range doc.Fields {
		out[f.XMLName.Local] = f.Value
	}
	return out, nil
}

func (l *eventLog) last(t *testing.T) map[string]string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NotEmpty(t, l.events, "events received")
	return l.events[len(l.events)-1]
}

// startPlatform runs a platform fake with a clock and an event log.
func startPlatform(t *testing.T, opts ...wechattest.Option) (*wechattest.Platform, *wechattest.Clock, *eventLog) {
	t.Helper()
	clock := newClock()
	p := wechattest.NewPlatform(append([]wechattest.Option{wechattest.WithClock(clock.Now)}, opts...)...)
	t.Cleanup(p.Close)
	events := newEventLog(t, p, clock)
	p.SetReceiver(wechattest.Receiver{Events: events})
	return p, clock, events
}

// component posts a JSON body to a component API with tok as its
// component_access_token.
func component(t *testing.T, p *wechattest.Platform, path, tok string, body any) reply {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	return raw(t, p.Server, "POST", path, url.Values{"component_access_token": {tok}}, "application/json", b)
}

// componentToken pushes a ticket and fetches a component_access_token.
func componentToken(t *testing.T, p *wechattest.Platform, events *eventLog) string {
	t.Helper()
	ticket, err := p.PushTicket(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ticket, events.last(t)["ComponentVerifyTicket"])
	r := component(t, p, "/cgi-bin/component/api_component_token", "", map[string]string{
		"component_appid": p.ComponentAppID(), "component_appsecret": p.ComponentSecret(), "component_verify_ticket": ticket})
	tok, _ := r.JSON(t)["component_access_token"].(string)
	require.NotEmpty(t, tok, "body: %s", r.Body)
	return tok
}

// componentFake is a platform fake whose component_access_token the test
// holds.
type componentFake struct {
	*wechattest.Platform
	t      *testing.T
	events *eventLog
	tok    string
}

// startComponent runs a platform fake and fetches a
// component_access_token.
func startComponent(t *testing.T) *componentFake {
	t.Helper()
	p, _, events := startPlatform(t)
	return &componentFake{Platform: p, t: t, events: events, tok: componentToken(t, p, events)}
}

// call posts body to a component API with the token, adding the
// platform's component_appid.
func (c *componentFake) call(path string, body map[string]any) reply {
	c.t.Helper()
	body["component_appid"] = c.ComponentAppID()
	return component(c.t, c.Platform, path, c.tok, body)
}

// authorize has the account appID authorize the platform and returns the
// authorization code.
func (c *componentFake) authorize(appID string, opts ...wechattest.Option) string {
	c.t.Helper()
	code, err := c.Authorize(context.Background(), appID, opts...)
	require.NoError(c.t, err)
	return code
}

// queryAuth exchanges an authorization code with api_query_auth and
// returns its authorization_info.
func (c *componentFake) queryAuth(code string) map[string]any {
	c.t.Helper()
	r := c.call("/cgi-bin/component/api_query_auth", map[string]any{"authorization_code": code})
	return r.JSON(c.t)["authorization_info"].(map[string]any)
}

// The component_access_token needs a ticket WeChat pushed within 12 hours
// and the platform's AppID and AppSecret.
func TestPlatformComponentToken(t *testing.T) {
	p, clock, events := startPlatform(t)
	ask := func(appID, secret, ticket string) reply {
		return component(t, p, "/cgi-bin/component/api_component_token", "", map[string]string{
			"component_appid": appID, "component_appsecret": secret, "component_verify_ticket": ticket})
	}
	fails(t, ask(p.ComponentAppID(), p.ComponentSecret(), "ticket@@@never"), 61006, "component ticket is invalid")

	ticket, err := p.PushTicket(context.Background())
	require.NoError(t, err)
	ev := events.last(t)
	assert.Equal(t, "component_verify_ticket", ev["InfoType"])
	assert.Equal(t, p.ComponentAppID(), ev["AppId"])
	assert.Equal(t, ticket, ev["ComponentVerifyTicket"])

	fails(t, ask("wx0000000000000bad", p.ComponentSecret(), ticket), 61011, "invalid component")
	fails(t, ask(p.ComponentAppID(), "wrong", ticket), 40125, "")
	r := ask(p.ComponentAppID(), p.ComponentSecret(), ticket)
	assert.EqualValues(t, 7200, r.JSON(t)["expires_in"])
	tok := r.JSON(t)["component_access_token"].(string)

	// The token is the credential of the platform's APIs, and expires.
	body := map[string]string{"component_appid": p.ComponentAppID()}
	assert.Contains(t, r.JSON(t), "component_access_token")
	pre := component(t, p, "/cgi-bin/component/api_create_preauthcode", tok, body).JSON(t)
	assert.True(t, strings.HasPrefix(pre["pre_auth_code"].(string), "preauthcode@@@"))
	assert.EqualValues(t, 600, pre["expires_in"])
	fails(t, component(t, p, "/cgi-bin/component/api_create_preauthcode", "", body), 41001, "")
	fails(t, component(t, p, "/cgi-bin/component/api_create_preauthcode", "nope", body), 40001, "")
	fails(t, component(t, p, "/cgi-bin/component/api_create_preauthcode", tok, map[string]string{"component_appid": "wxother"}), 40013, "")

	clock.Advance(12 * time.Hour)
	fails(t, component(t, p, "/cgi-bin/component/api_create_preauthcode", tok, body), 42001, "")
	fails(t, ask(p.ComponentAppID(), p.ComponentSecret(), ticket), 61005, "component ticket is expired")
}

// WithComponent sets the platform the fake plays: api_component_token
// takes its AppID and AppSecret and no others, and its pushes are signed
// and encrypted with its token and key.
func TestPlatformWithComponent(t *testing.T) {
	const (
		appID  = "wx000000000c0e0002"
		secret = "wechattest-other-secret"
		token  = "wechattest-other-token"
		aesKey = "d2VjaGF0dGVzdC1vdGhlci1jb21wb25lbnQta2V5LSE"
	)
	p, clock, _ := startPlatform(t, wechattest.WithComponent(appID, secret, token, aesKey))
	assert.Equal(t, appID, p.ComponentAppID())
	assert.Equal(t, secret, p.ComponentSecret())
	assert.Equal(t, token, p.ComponentToken())
	assert.Equal(t, aesKey, p.ComponentEncodingAESKey())

	// A receiver set up with the values given, not the fake's accessors,
	// opens the push.
	c, err := wechat.New(wechat.WithAppID(appID), wechat.WithServerToken(token),
		wechat.WithEncodingAESKey(aesKey), wechat.WithClock(clock.Now))
	require.NoError(t, err)
	events := &eventLog{c: c}
	p.SetReceiver(wechattest.Receiver{Events: events})
	ticket, err := p.PushTicket(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ticket, events.last(t)["ComponentVerifyTicket"])
	assert.Equal(t, appID, events.last(t)["AppId"])

	ask := func(appID, secret string) reply {
		return component(t, p, "/cgi-bin/component/api_component_token", "", map[string]string{
			"component_appid": appID, "component_appsecret": secret, "component_verify_ticket": ticket})
	}
	fails(t, ask(wechattest.DefaultComponentAppID, wechattest.DefaultComponentSecret), 61011, "invalid component")
	fails(t, ask(appID, wechattest.DefaultComponentSecret), 40125, "")
	r := ask(appID, secret)
	assert.NotEmpty(t, r.JSON(t)["component_access_token"], "body: %s", r.Body)
}

// An account that authorizes gets its own state, reached with the
// authorizer_access_token; the push, the code and the refresh token
// follow WeChat's rules through re-authorization and revocation.
// An invalid option of an account is Authorize's error, as every other
// invalid option is: a quota on a path the fake does not model panicked.
func TestPlatformAuthorizeRefusesInvalidOptions(t *testing.T) {
	p := startComponent(t)
	for _, opt := range []wechattest.Option{
		wechattest.WithQuota("/cgi-bin/menu/get", 0),
		wechattest.WithQuota("/cgi-bin/no/such/api", 5),
	} {
		_, err := p.Authorize(context.Background(), "wx1111111111111112", opt)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "wechattest: Authorize wx1111111111111112: WithQuota: ")
	}
	assert.Nil(t, p.Account("wx1111111111111112"), "no account was authorized")
}

func TestPlatformAuthorizeAndRevoke(t *testing.T) {
	ctx := context.Background()
	p := startComponent(t)
	const appID = "wx1111111111111111"

	code := p.authorize(appID)
	ev := p.events.last(t)
	assert.Equal(t, "authorized", ev["InfoType"])
	assert.Equal(t, appID, ev["AuthorizerAppid"])
	assert.Equal(t, code, ev["AuthorizationCode"])
	assert.True(t, strings.HasPrefix(ev["PreAuthCode"], "preauthcode@@@"))
	assert.NotEmpty(t, ev["AuthorizationCodeExpiredTime"])

	auth := p.queryAuth(code)
	assert.Equal(t, appID, auth["authorizer_appid"])
	assert.Equal(t, p.RefreshToken(appID), auth["authorizer_refresh_token"])
	funcs, err := json.Marshal(auth["func_info"])
	require.NoError(t, err)
	assert.JSONEq(t, `[{"funcscope_category":{"id":1}},{"funcscope_category":{"id":2}},{"funcscope_category":{"id":3}},`+
		`{"funcscope_category":{"id":4}},{"funcscope_category":{"id":6}},{"funcscope_category":{"id":7}},`+
		`{"funcscope_category":{"id":11}},{"funcscope_category":{"id":24}}]`, string(funcs), "the default permission sets")
	authTok := auth["authorizer_access_token"].(string)

	// The account's API, with the account's state: the platform's own
	// server sees nothing of it.
	const menu = `{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"}]}`
	r := raw(t, p.Server, "POST", "/cgi-bin/menu/create", url.Values{"access_token": {authTok}}, "application/json", []byte(menu))
	assert.Zero(t, r.errcode(t), "body: %s", r.Body)
	assert.Equal(t, 1, p.Account(appID).Calls("/cgi-bin/menu/create"))
	assert.Zero(t, p.Calls("/cgi-bin/menu/create"))
	assert.JSONEq(t, menu, string(p.Account(appID).Menu()), "the account's menu is the one created")
	assert.Nil(t, p.Menu(), "the platform's server has no menu")

	refresh := func(rt string) reply {
		return p.call("/cgi-bin/component/api_authorizer_token", map[string]any{
			"authorizer_appid": appID, "authorizer_refresh_token": rt})
	}
	old := p.RefreshToken(appID)
	assert.NotEmpty(t, refresh(old).JSON(t)["authorizer_access_token"])
	assert.Equal(t, 1, p.Refreshes(appID))

	// Authorizing again replaces the refresh token and says so.
	p.authorize(appID)
	assert.Equal(t, "updateauthorized", p.events.last(t)["InfoType"])
	fails(t, refresh(old), 61023, "refresh_token is invalid")

	// Revoking stops everything.
	require.NoError(t, p.Unauthorize(ctx, appID))
	assert.Equal(t, "unauthorized", p.events.last(t)["InfoType"])
	assert.NotContains(t, p.events.last(t), "AuthorizationCode")
	fails(t, refresh(p.RefreshToken(appID)), 61003, "component is not authorized by this account")
	r = raw(t, p.Server, "GET", "/cgi-bin/menu/get", url.Values{"access_token": {authTok}}, "", nil)
	assert.Equal(t, 40001, r.errcode(t))
	list := p.call("/cgi-bin/component/api_get_authorizer_list", map[string]any{"offset": 0, "count": 10}).JSON(t)
	assert.EqualValues(t, 0, list["total_count"])
	assert.Error(t, p.Unauthorize(ctx, appID), "revoking twice")
}

// A rotated refresh token replaces the one the refresh was made with.
func TestPlatformRotateRefreshToken(t *testing.T) {
	p := startComponent(t)
	const appID = "wx2222222222222222"
	p.authorize(appID)
	old := p.RefreshToken(appID)
	p.RotateRefreshToken(appID)
	refresh := func() reply {
		return p.call("/cgi-bin/component/api_authorizer_token", map[string]any{
			"authorizer_appid": appID, "authorizer_refresh_token": old})
	}
	got := refresh().JSON(t)["authorizer_refresh_token"]
	assert.NotEqual(t, old, got)
	assert.Equal(t, p.RefreshToken(appID), got)
	fails(t, refresh(), 61023, "")
}

// The list pages through the accounts in order of authorization; info
// and options are the account's.
func TestPlatformListInfoOptions(t *testing.T) {
	p := startComponent(t)
	ids := []string{"wx3333333333333331", "wx3333333333333332", "wx3333333333333333"}
	for _, id := range ids {
		p.authorize(id)
	}
	list := func(offset, count int) reply {
		return p.call("/cgi-bin/component/api_get_authorizer_list", map[string]any{"offset": offset, "count": count})
	}
	page := list(1, 5).JSON(t)
	assert.EqualValues(t, 3, page["total_count"])
	items := page["list"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, ids[1], items[0].(map[string]any)["authorizer_appid"])
	assert.Equal(t, p.RefreshToken(ids[1]), items[0].(map[string]any)["refresh_token"])
	assert.Empty(t, list(3, 5).JSON(t)["list"])
	fails(t, list(0, 501), 47003, "")

	info := p.call("/cgi-bin/component/api_get_authorizer_info", map[string]any{"authorizer_appid": ids[0]}).JSON(t)
	assert.Equal(t, p.OriginalID(ids[0]), info["authorizer_info"].(map[string]any)["user_name"])
	assert.Equal(t, p.RefreshToken(ids[0]), info["authorization_info"].(map[string]any)["authorizer_refresh_token"])

	option := func(path string, body map[string]any) reply {
		body["authorizer_appid"] = ids[0]
		return p.call(path, body)
	}
	get := option("/cgi-bin/component/api_get_authorizer_option", map[string]any{"option_name": "voice_recognize"}).JSON(t)
	assert.Equal(t, "0", get["option_value"])
	assert.Zero(t, option("/cgi-bin/component/api_set_authorizer_option", map[string]any{"option_name": "voice_recognize", "option_value": "1"}).errcode(t))
	get = option("/cgi-bin/component/api_get_authorizer_option", map[string]any{"option_name": "voice_recognize"}).JSON(t)
	assert.Equal(t, "1", get["option_value"])
	fails(t, option("/cgi-bin/component/api_set_authorizer_option", map[string]any{"option_name": "location_report", "option_value": "3"}), 47003, "")
	fails(t, option("/cgi-bin/component/api_get_authorizer_option", map[string]any{"option_name": "nope"}), 47003, "")

	for range 10 {
		assert.Zero(t, p.call("/cgi-bin/component/clear_quota", map[string]any{}).errcode(t))
	}
	fails(t, p.call("/cgi-bin/component/clear_quota", map[string]any{}), 48006, "")
}

// The platform's ten quota resets count per month of Beijing time, as an
// account's do: at 00:30 on the first in Beijing, still the last day of
// the month by UTC, the count starts again.
func TestPlatformClearQuotaMonthIsBeijings(t *testing.T) {
	p, clock, events := startPlatform(t)
	clock.Advance(time.Date(2023, 11, 30, 15, 30, 0, 0, time.UTC).Sub(clock.Now())) // 23:30 in Beijing
	c := &componentFake{Platform: p, t: t, events: events, tok: componentToken(t, p, events)}
	for range 10 {
		assert.Zero(t, c.call("/cgi-bin/component/clear_quota", map[string]any{}).errcode(t))
	}
	fails(t, c.call("/cgi-bin/component/clear_quota", map[string]any{}), 48006, "")
	clock.Advance(time.Hour)
	assert.Zero(t, c.call("/cgi-bin/component/clear_quota", map[string]any{}).errcode(t), "December in Beijing")
}

// The authorization page, with a pre_auth_code that works once,
// authorizes an account and redirects with its code.
func TestPlatformConsentPage(t *testing.T) {
	p := startComponent(t)
	pre := p.call("/cgi-bin/component/api_create_preauthcode", map[string]any{}).JSON(t)["pre_auth_code"].(string)
	q := url.Values{"component_appid": {p.ComponentAppID()}, "pre_auth_code": {pre},
		"redirect_uri": {"https://platform.example/authorized?merchant=7"}, "auth_type": {"1"}, "biz_appid": {"wx4444444444444444"}}
	hc := *p.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(p.URL + "/cgi-bin/componentloginpage?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "platform.example", loc.Host)
	assert.Equal(t, "7", loc.Query().Get("merchant"))
	assert.Equal(t, "3600", loc.Query().Get("expires_in"))
	assert.Equal(t, p.events.last(t)["AuthorizationCode"], loc.Query().Get("auth_code"))
	assert.Equal(t, "wx4444444444444444", p.events.last(t)["AuthorizerAppid"])

	r := raw(t, p.Server, "GET", "/safe/bindcomponent", q, "", nil)
	assert.Equal(t, http.StatusBadRequest, r.Status, "a pre_auth_code works once")
}

// Web authorization on an account's behalf exchanges the account's
// codes; the user token then reaches the account's sns/userinfo.
func TestPlatformOAuthOnBehalf(t *testing.T) {
	p := startComponent(t)
	const appID = "wx5555555555555555"
	p.authorize(appID, wechattest.WithFollowers(wechattest.Follower{OpenID: "o_user", Nickname: "Ada"}))
	code := p.Account(appID).AuthorizeCode("o_user", wechat.ScopeUserInfo)
	q := url.Values{"appid": {appID}, "code": {code}, "grant_type": {"authorization_code"},
		"component_appid": {p.ComponentAppID()}, "component_access_token": {p.tok}}
	got := raw(t, p.Server, "GET", "/sns/oauth2/component/access_token", q, "", nil).JSON(t)
	assert.Equal(t, "o_user", got["openid"])
	user := raw(t, p.Server, "GET", "/sns/userinfo", url.Values{"access_token": {got["access_token"].(string)}, "openid": {"o_user"}}, "", nil).JSON(t)
	assert.Equal(t, "Ada", user["nickname"])
	assert.Equal(t, 40163, raw(t, p.Server, "GET", "/sns/oauth2/component/access_token", q, "", nil).errcode(t), "a code works once")

	q = url.Values{"appid": {appID}, "refresh_token": {got["refresh_token"].(string)}, "grant_type": {"refresh_token"},
		"component_appid": {p.ComponentAppID()}, "component_access_token": {p.tok}}
	assert.Equal(t, "o_user", raw(t, p.Server, "GET", "/sns/oauth2/component/refresh_token", q, "", nil).JSON(t)["openid"])
	q.Set("appid", "wx0000000000000bad")
	assert.Equal(t, 61003, raw(t, p.Server, "GET", "/sns/oauth2/component/refresh_token", q, "", nil).errcode(t))
}

// Open Platform accounts are shared by the accounts of a platform: one
// created for an account binds another.
func TestPlatformOpenAccounts(t *testing.T) {
	p := startComponent(t)
	authTok := func(appID string) string {
		return p.queryAuth(p.authorize(appID))["authorizer_access_token"].(string)
	}
	a, b := authTok("wx6666666666666661"), authTok("wx6666666666666662")
	post := func(tok, path, body string) reply {
		return raw(t, p.Server, "POST", path, url.Values{"access_token": {tok}}, "application/json", []byte(body))
	}
	have := func(tok string) any {
		return raw(t, p.Server, "GET", "/cgi-bin/open/have", url.Values{"access_token": {tok}}, "", nil).JSON(t)["have_open"]
	}
	fails(t, post(a, "/cgi-bin/open/get", `{}`), 89002, "open not exists")
	assert.Equal(t, false, have(a))
	openID := post(a, "/cgi-bin/open/create", `{"appid":"wx6666666666666661"}`).JSON(t)["open_appid"].(string)
	assert.Equal(t, true, have(a))
	fails(t, post(a, "/cgi-bin/open/create", `{}`), 89000, "account has bound open")
	fails(t, post(b, "/cgi-bin/open/bind", `{"appid":"wx6666666666666661","open_appid":"`+openID+`"}`), 40013, "")
	assert.Zero(t, post(b, "/cgi-bin/open/bind", `{"open_appid":"`+openID+`"}`).errcode(t))
	assert.Equal(t, openID, post(b, "/cgi-bin/open/get", `{}`).JSON(t)["open_appid"])
	fails(t, post(b, "/cgi-bin/open/unbind", `{"open_appid":"wxnotthatone"}`), 40013, "")
	assert.Zero(t, post(b, "/cgi-bin/open/unbind", `{"open_appid":"`+openID+`"}`).errcode(t))
	assert.Equal(t, false, have(b))
}

// An event receiver that does not answer success is an error of the
// push, as WeChat counts it undelivered.
func TestPlatformPushNotAnswered(t *testing.T) {
	p, _, _ := startPlatform(t)
	p.SetReceiver(wechattest.Receiver{Events: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})})
	_, err := p.PushTicket(context.Background())
	assert.ErrorContains(t, err, `answered "ok", not success`)
	p.SetReceiver(wechattest.Receiver{Events: http.NotFoundHandler()})
	_, err = p.PushTicket(context.Background())
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.StatusCode)
}

// The release checks a platform fails are each named in the
// *ReleaseCheckError, which unwraps to what went wrong in each.
func TestPlatformReleaseChecksFail(t *testing.T) {
	p, _, events := startPlatform(t)
	p.SetReceiver(wechattest.Receiver{Events: events, Messages: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})})
	err := p.RunReleaseChecks(context.Background())
	var rce *wechattest.ReleaseCheckError
	require.ErrorAs(t, err, &rce)
	require.Len(t, rce.Failed, 3, "%v", err)
	const answer = "wechattest: webhook answered 503 Service Unavailable"
	assert.EqualError(t, err, "wechattest: release checks failed: event: "+answer+"; text: "+answer+"; api text: "+answer)
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se, "the failures are unwrapped")
	assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
}
