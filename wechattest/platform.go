package wechattest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/platform"
)

// Defaults of the third-party platform (第三方平台) a Server plays.
const (
	DefaultComponentAppID          = "wx000000000c0e0001"
	DefaultComponentSecret         = "wechattest-component-secret"
	DefaultComponentToken          = "wechattest-component-token"
	DefaultComponentEncodingAESKey = "d2VjaGF0dGVzdC1jb21wb25lbnQtYWVzLWtleS0zMmI"
)

// The account WeChat authorizes to a platform to run the release checks
// (全网发布接入检测), as documented: its AppID and its original ID, the
// ToUserName of its pushes.
const (
	ReleaseTestAppID      = "wx570bc396a51b8ff8"
	ReleaseTestOriginalID = "gh_3c884a361561"
)

// Documented lifetimes and limits of the platform's credentials.
const (
	ticketLifetime       = 12 * time.Hour   // component_verify_ticket
	preAuthCodeLifetime  = 10 * time.Minute // pre_auth_code, expires_in 600
	authCodeLifetime     = time.Hour        // AuthorizationCodeExpiredTime of the captured pushes
	maxAuthorizerPage    = 500              // api_get_authorizer_list count
	componentQuotaResets = 10               // clear_quota resets a month
)

// componentConfig is the platform a Server plays: WithComponent.
type componentConfig struct {
	appID, secret, token, aesKey string
}

func defaultComponent() componentConfig {
	return componentConfig{DefaultComponentAppID, DefaultComponentSecret, DefaultComponentToken, DefaultComponentEncodingAESKey}
}

// WithComponent sets the third-party platform the server plays: its
// AppID and AppSecret (api_component_token checks them), and the message
// token and EncodingAESKey its pushes are signed and encrypted with. The
// defaults are DefaultComponentAppID and the other DefaultComponent
// constants. All four are required, and the key must be a valid
// EncodingAESKey.
func WithComponent(appID, secret, token, encodingAESKey string) Option {
	return func(c *config) error {
		if appID == "" || secret == "" || token == "" || encodingAESKey == "" {
			return errors.New("WithComponent: AppID, AppSecret, token and EncodingAESKey are all required")
		}
		if _, err := wechat.NewMessageCipher(token, encodingAESKey, appID); err != nil {
			return fmt.Errorf("WithComponent: %w", err)
		}
		c.component = componentConfig{appID, secret, token, encodingAESKey}
		return nil
	}
}

// platformAPI is WeChat's side of a third-party platform: its tickets,
// component_access_tokens, pre-authorization and authorization codes,
// and the accounts authorized to it, each with an account of its own (a
// Server that listens on nothing, served through this one). It is above
// every other group in the lock hierarchy (see Server): while they hold
// its lock, its handlers take the token and web authorization locks of
// its accounts and the quota lock of its own server; no group calls it.
type platformAPI struct {
	group
	tickets     map[string]time.Time   // every ticket pushed, with its expiry
	tokens      map[string]*credential // component_access_tokens
	preAuth     map[string]time.Time   // unused pre_auth_codes, with their expiry
	codes       map[string]*authCode   // authorization codes
	authorizers map[string]*authorizer // by AppID
	order       []*authorizer          // in order of first authorization
	// owners maps the tokens issued for the accounts (authorizer access
	// tokens and their users' web authorization tokens) to the account:
	// a call carrying one is served by the account's server.
	owners      map[string]*authorizer
	clears      int    // component clear_quota resets this month
	clearsMonth string // the month they count in

	recvMu sync.Mutex
	recv   Receiver
}

// authCode is an authorization code (授权码) of an account.
type authCode struct {
	appID   string
	expires time.Time
}

// authorizer is an account authorized to the platform.
type authorizer struct {
	appID, userName string
	account         *Server
	authorized      bool
	authTime        time.Time
	refresh         string // the authorizer_refresh_token
	rotate          bool   // the next api_authorizer_token issues a new refresh token
	funcs           []int
	options         map[string]string
	refreshes       int               // api_authorizer_token calls that issued a token
	codeTokens      map[string]string // authorization code → the token api_query_auth issued for it
}

// defaultFuncs are the permission sets (权限集) an account grants unless
// a test says otherwise: messages, users, account, web pages,
// customer service, mass sends, materials and Open Platform accounts.
var defaultFuncs = []int{1, 2, 3, 4, 6, 7, 11, 24}

func newPlatformAPI(s *Server) *platformAPI {
	return &platformAPI{group: group{s: s},
		tickets: make(map[string]time.Time), tokens: make(map[string]*credential),
		preAuth: make(map[string]time.Time), codes: make(map[string]*authCode),
		authorizers: make(map[string]*authorizer), owners: make(map[string]*authorizer)}
}

func (g *platformAPI) routes() []route {
	return []route{
		g.route(endpoint.APIComponentToken, decoding(g.handleComponentToken)),
		g.route(endpoint.APICreatePreAuthCode, g.handlePreAuthCode),
		g.route(endpoint.APIQueryAuth, g.handleQueryAuth),
		g.route(endpoint.APIAuthorizerToken, g.handleAuthorizerToken),
		g.route(endpoint.APIGetAuthorizerInfo, g.handleAuthorizerInfo),
		g.route(endpoint.APIGetAuthorizerList, g.handleAuthorizerList),
		g.route(endpoint.APIGetAuthorizerOption, g.handleGetOption),
		g.route(endpoint.APISetAuthorizerOption, g.handleSetOption),
		g.route(endpoint.ComponentClearQuota, g.handleClearQuota),
		g.route(endpoint.ComponentOAuthAccessToken, g.handleOAuthAccessToken),
		g.route(endpoint.ComponentOAuthRefreshToken, g.handleOAuthRefreshToken),
	}
}

// account returns the server of the authorized account a request is
// for: the owner of its access_token, or for cgi-bin/token the account
// whose AppID it names (the account's own credentials, beside the
// platform's). nil means the platform's server itself.
func (g *platformAPI) account(r *http.Request) *Server {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.authorizers) == 0 {
		return nil // a server that is no platform, or has no accounts yet
	}
	q := r.URL.Query()
	if tok := q.Get("access_token"); tok != "" {
		if a := g.owners[tok]; a != nil {
			return a.account
		}
		return nil
	}
	if r.URL.Path == endpoint.Get(endpoint.Token).Path {
		if a := g.authorizers[q.Get("appid")]; a != nil {
			return a.account
		}
	}
	return nil
}

// checkToken validates the component_access_token of a call.
func (g *platformAPI) checkToken(x *exchange) *apiError {
	tok := x.r.URL.Query().Get("component_access_token")
	if tok == "" {
		return fail(41001)
	}
	c := g.tokens[tok]
	switch {
	case c == nil || c.revoked:
		return fail(40001)
	case !x.now.Before(c.expiresAt):
		return fail(42001)
	}
	return nil
}

// componentBody is the body of a call of the platform's APIs: a struct
// that embeds componentRequest.
type componentBody interface{ componentAppID() string }

// decodeCall checks the component_access_token and decodes the body of
// a call into v, whose component_appid must be the platform's (40013).
func (g *platformAPI) decodeCall(x *exchange, v componentBody) *apiError {
	if e := g.checkToken(x); e != nil {
		return e
	}
	if e := x.decode(v); e != nil {
		return e
	}
	if v.componentAppID() != g.s.cfg.component.appID {
		return fail(40013)
	}
	return nil
}

// authorized returns the account appID if it is authorized (61003
// otherwise, as WeChat answers for an account that revoked the
// platform).
func (g *platformAPI) authorized(appID string) (*authorizer, *apiError) {
	a := g.authorizers[appID]
	if a == nil || !a.authorized {
		return nil, fail(61003)
	}
	return a, nil
}

// issue gives account a a new authorizer_access_token.
func (g *platformAPI) issue(a *authorizer, now time.Time) (string, int64) {
	t := a.account.tokens
	t.mu.Lock()
	c := t.issue(now)
	t.mu.Unlock()
	g.owners[c.value] = a
	return c.value, seconds(a.account.cfg.tokenLife)
}

// componentTokenRequest is the body of cgi-bin/component/api_component_token.
type componentTokenRequest struct {
	AppID  string `json:"component_appid"`
	Secret string `json:"component_appsecret"`
	Ticket string `json:"component_verify_ticket"`
}

// handleComponentToken answers 获取令牌 (POST
// cgi-bin/component/api_component_token): a ticket pushed within 12
// hours (61006 for one never pushed, 61005 for an older one) and the
// platform's AppSecret give a new component_access_token; the ones
// issued before stay valid until they expire.
func (g *platformAPI) handleComponentToken(x *exchange, req componentTokenRequest) any {
	cfg := g.s.cfg.component
	switch {
	case req.AppID == "":
		return fail(41002)
	case req.AppID != cfg.appID:
		return fail(61011)
	case req.Secret == "":
		return fail(41004)
	case req.Secret != cfg.secret:
		return fail(40125)
	}
	expires, ok := g.tickets[req.Ticket]
	switch {
	case !ok:
		return fail(61006)
	case !x.now.Before(expires):
		return fail(61005)
	}
	c := &credential{value: randomID(120), expiresAt: x.now.Add(g.s.cfg.tokenLife)}
	g.tokens[c.value] = c
	return map[string]any{"component_access_token": c.value, "expires_in": seconds(g.s.cfg.tokenLife)}
}

type componentRequest struct {
	ComponentAppID string `json:"component_appid"`
}

func (r *componentRequest) componentAppID() string { return r.ComponentAppID }

// accountRequest is the body of a call about one authorized account.
type accountRequest struct {
	componentRequest
	AppID string `json:"authorizer_appid"`
}

func (r *accountRequest) authorizerAppID() string { return r.AppID }

// accountBody is the body of a call about one authorized account: a
// struct that embeds accountRequest.
type accountBody interface {
	componentBody
	authorizerAppID() string
}

// decodeAccountCall is decodeCall for a call about one account, and
// returns the account if it is authorized (61003 otherwise).
func (g *platformAPI) decodeAccountCall(x *exchange, v accountBody) (*authorizer, *apiError) {
	if e := g.decodeCall(x, v); e != nil {
		return nil, e
	}
	return g.authorized(v.authorizerAppID())
}

// handlePreAuthCode answers 获取预授权码 (POST
// cgi-bin/component/api_create_preauthcode): a code for one
// authorization page, valid ten minutes.
func (g *platformAPI) handlePreAuthCode(x *exchange) any {
	var req componentRequest
	if e := g.decodeCall(x, &req); e != nil {
		return e
	}
	code := "preauthcode@@@" + randomID(64)
	g.preAuth[code] = x.now.Add(preAuthCodeLifetime)
	return map[string]any{"pre_auth_code": code, "expires_in": seconds(preAuthCodeLifetime)}
}

type funcInfo struct {
	Category struct {
		ID int `json:"id"`
	} `json:"funcscope_category"`
}

func funcInfos(ids []int) []funcInfo {
	out := make([]funcInfo, len(ids))
	for i, id := range ids {
		out[i].Category.ID = id
	}
	return out
}

// handleQueryAuth answers 使用授权码获取授权信息 (POST
// cgi-bin/component/api_query_auth): the authorization of the account
// whose code it is, with a new authorizer_access_token. A code is valid
// for an hour (61010 after, 61009 for one never issued) and may be
// exchanged again within it, as the redirect URI and the authorized push
// carry the same one; the account must still be authorized (61003).
func (g *platformAPI) handleQueryAuth(x *exchange) any {
	var req struct {
		componentRequest
		Code string `json:"authorization_code"`
	}
	if e := g.decodeCall(x, &req); e != nil {
		return e
	}
	c := g.codes[req.Code]
	switch {
	case c == nil:
		return fail(61009)
	case !x.now.Before(c.expires):
		return fail(61010)
	}
	a, e := g.authorized(c.appID)
	if e != nil {
		return e
	}
	tok, life := g.issue(a, x.now)
	a.codeTokens[req.Code] = tok
	return map[string]any{"authorization_info": map[string]any{
		"authorizer_appid":         a.appID,
		"authorizer_access_token":  tok,
		"expires_in":               life,
		"authorizer_refresh_token": a.refresh,
		"func_info":                funcInfos(a.funcs),
	}}
}

// handleAuthorizerToken answers 获取/刷新接口调用令牌 (POST
// cgi-bin/component/api_authorizer_token): a new authorizer_access_token
// for the account's refresh token (61023 for any other; 61003 once the
// account revoked the platform). The refresh token stays the same unless
// RotateRefreshToken asked for a new one, which replaces it.
func (g *platformAPI) handleAuthorizerToken(x *exchange) any {
	var req struct {
		accountRequest
		Refresh string `json:"authorizer_refresh_token"`
	}
	a, e := g.decodeAccountCall(x, &req)
	if e != nil {
		return e
	}
	if req.Refresh == "" || req.Refresh != a.refresh {
		return fail(61023)
	}
	if a.rotate {
		a.refresh, a.rotate = newRefreshToken(), false
	}
	a.refreshes++
	tok, life := g.issue(a, x.now)
	return map[string]any{"authorizer_access_token": tok, "expires_in": life, "authorizer_refresh_token": a.refresh}
}

func newRefreshToken() string { return "refreshtoken@@@" + randomID(43) }

// handleAuthorizerInfo answers 获取授权账号详情 (POST
// cgi-bin/component/api_get_authorizer_info) with the fake's profile of
// the account: a verified service account.
func (g *platformAPI) handleAuthorizerInfo(x *exchange) any {
	var req accountRequest
	a, e := g.decodeAccountCall(x, &req)
	if e != nil {
		return e
	}
	return map[string]any{
		"authorizer_info": map[string]any{
			"nick_name":         "wechattest " + a.appID,
			"head_img":          "http://wx.qlogo.cn/mmopen/wechattest/0",
			"service_type_info": map[string]int{"id": 2},
			"verify_type_info":  map[string]int{"id": 0},
			"user_name":         a.userName,
			"principal_name":    "wechattest",
			"alias":             "",
			"business_info":     map[string]int{"open_store": 0, "open_scan": 0, "open_pay": 0, "open_card": 0, "open_shake": 0},
			"qrcode_url":        "http://mmbiz.qpic.cn/wechattest/" + a.appID + "/0",
			"account_status":    1,
		},
		"authorization_info": map[string]any{
			"authorizer_appid":         a.appID,
			"authorizer_refresh_token": a.refresh,
			"func_info":                funcInfos(a.funcs),
		},
	}
}

// handleAuthorizerList answers 拉取已授权的账号信息 (POST
// cgi-bin/component/api_get_authorizer_list): the accounts authorized
// now, in order of first authorization, count (1 to 500) from offset.
func (g *platformAPI) handleAuthorizerList(x *exchange) any {
	var req struct {
		componentRequest
		Offset *int `json:"offset"`
		Count  *int `json:"count"`
	}
	if e := g.decodeCall(x, &req); e != nil {
		return e
	}
	if req.Offset == nil || req.Count == nil || *req.Offset < 0 || *req.Count < 1 || *req.Count > maxAuthorizerPage {
		return fail(47003)
	}
	var live []*authorizer
	for _, a := range g.order {
		if a.authorized {
			live = append(live, a)
		}
	}
	list := []map[string]any{}
	for _, a := range live[min(*req.Offset, len(live)):min(*req.Offset+*req.Count, len(live))] {
		list = append(list, map[string]any{"authorizer_appid": a.appID, "refresh_token": a.refresh, "auth_time": a.authTime.Unix()})
	}
	return map[string]any{"total_count": len(live), "list": list}
}

// authorizerOptions are the options of api_get/set_authorizer_option and
// the values each takes; the first is the default.
var authorizerOptions = map[string][]string{
	"location_report":  {"0", "1", "2"},
	"voice_recognize":  {"0", "1"},
	"customer_service": {"0", "1"},
}

type optionRequest struct {
	accountRequest
	Name  string `json:"option_name"`
	Value string `json:"option_value"`
}

// handleGetOption answers 获取授权方选项信息 (POST
// cgi-bin/component/api_get_authorizer_option); an unknown option is
// 47003.
func (g *platformAPI) handleGetOption(x *exchange) any {
	var req optionRequest
	a, e := g.decodeAccountCall(x, &req)
	if e != nil {
		return e
	}
	values, ok := authorizerOptions[req.Name]
	if !ok {
		return fail(47003)
	}
	v, ok := a.options[req.Name]
	if !ok {
		v = values[0]
	}
	return map[string]any{"authorizer_appid": a.appID, "option_name": req.Name, "option_value": v}
}

// handleSetOption answers 设置授权方选项信息 (POST
// cgi-bin/component/api_set_authorizer_option); an unknown option or a
// value it does not take is 47003.
func (g *platformAPI) handleSetOption(x *exchange) any {
	var req optionRequest
	a, e := g.decodeAccountCall(x, &req)
	if e != nil {
		return e
	}
	if !slices.Contains(authorizerOptions[req.Name], req.Value) {
		return fail(47003)
	}
	a.options[req.Name] = req.Value
	return okReply()
}

// handleClearQuota answers 第三方平台对其所有API调用次数清零 (POST
// cgi-bin/component/clear_quota): ten resets a month (48006 beyond),
// each of which sets the daily counts of the platform's APIs to zero.
func (g *platformAPI) handleClearQuota(x *exchange) any {
	var req componentRequest
	if e := g.decodeCall(x, &req); e != nil {
		return e
	}
	month := x.now.In(beijing).Format("2006-01") // as an account's quota month
	if g.clearsMonth != month {
		g.clears, g.clearsMonth = 0, month
	}
	if g.clears >= componentQuotaResets {
		return fail(48006)
	}
	g.clears++
	ops := g.s.ops
	ops.mu.Lock()
	defer ops.mu.Unlock()
	ops.roll(x.now)
	for _, rt := range g.routes() {
		delete(ops.used, rt.path)
	}
	return okReply()
}

// oauthAccount checks what web authorization on an account's behalf
// carries besides its code or refresh token: the component's token and
// AppID, and an authorized account as appid.
func (g *platformAPI) oauthAccount(x *exchange) (*authorizer, *apiError) {
	if e := g.checkToken(x); e != nil {
		return nil, e
	}
	q := x.r.URL.Query()
	if q.Get("component_appid") != g.s.cfg.component.appID {
		return nil, fail(40013)
	}
	if q.Get("appid") == "" {
		return nil, fail(41002)
	}
	return g.authorized(q.Get("appid"))
}

// onBehalf answers a web authorization call on an account's behalf with
// grant of the account's web authorization state, and registers the user
// token of its reply as the account's, so that sns/userinfo and sns/auth
// with it reach the account.
func (g *platformAPI) onBehalf(x *exchange, grant func(o *oauthAPI, q url.Values) any) any {
	a, e := g.oauthAccount(x)
	if e != nil {
		return e
	}
	o := a.account.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	reply := grant(o, x.r.URL.Query())
	if r, ok := reply.(oauthTokenReply); ok {
		g.owners[r.AccessToken] = a
	}
	return reply
}

// handleOAuthAccessToken answers 代公众号发起网页授权, 通过 code 换取
// access_token (GET sns/oauth2/component/access_token): a code of the
// account's web authorization (Account(appID).AuthorizeCode) is
// exchanged as sns/oauth2/access_token exchanges it, without the
// account's AppSecret.
func (g *platformAPI) handleOAuthAccessToken(x *exchange) any {
	return g.onBehalf(x, func(o *oauthAPI, q url.Values) any {
		return o.exchangeCode(q.Get("code"), q.Get("grant_type"), x.now)
	})
}

// handleOAuthRefreshToken answers 刷新 access_token on the account's
// behalf (GET sns/oauth2/component/refresh_token).
func (g *platformAPI) handleOAuthRefreshToken(x *exchange) any {
	return g.onBehalf(x, func(o *oauthAPI, q url.Values) any {
		return o.refreshGrant(q.Get("refresh_token"), q.Get("grant_type"), x.now)
	})
}

// Platform is a fake WeChat for a third-party platform (第三方平台): a
// Server that also plays the platform's side of WeChat, with the
// accounts authorized to it. It pushes the platform its
// component_verify_ticket when asked, stands in for the administrators
// who authorize the platform and revoke it, and serves each authorized
// account's API with that account's own state, reached with its
// authorizer_access_token: Account returns it.
//
//	fake := wechattest.NewPlatform()
//	defer fake.Close()
//	p, err := fake.Client()                    // a *platform.Client for the fake
//	fake.SetReceiver(wechattest.Receiver{Events: p.Events(nil), Messages: p.Messages(bot)})
//	fake.PushTicket(ctx)                       // the platform can fetch its component_access_token
//	fake.Authorize(ctx, "wx1234567890abcdef") // an account authorizes: its code is pushed, exchanged, stored
//	menu, err := p.Authorizer("wx1234567890abcdef") …
//
// The embedded Server's inspection and faults (Calls, Requests, FailNext,
// DropNext, SetLatency) see the platform's own APIs; those of an
// account are its Account's.
type Platform struct {
	*Server
}

// NewPlatform starts a fake WeChat for a third-party platform; opts are
// those of NewServer (WithComponent sets the platform, WithClock and
// WithTokenLifetime apply to the platform and to every account). The
// caller must Close it.
func NewPlatform(opts ...Option) *Platform {
	p := &Platform{Server: NewServer(opts...)}
	consent := http.HandlerFunc(p.serveConsent)
	p.Handle(loginPagePath, consent)
	p.Handle(bindPagePath, consent)
	return p
}

// The authorization pages an administrator opens (授权页): on a computer
// to scan a code, and in WeChat on a phone.
const (
	loginPagePath = "/cgi-bin/componentloginpage"
	bindPagePath  = "/safe/bindcomponent"
)

// Client returns a platform.Client for the fake: its AppID, AppSecret,
// message token and key, URL, HTTP client and clock. opts are applied
// after those and may override them.
func (p *Platform) Client(opts ...platform.Option) (*platform.Client, error) {
	comp := p.cfg.component
	base := []platform.Option{
		platform.WithAppID(comp.appID), platform.WithAppSecret(comp.secret),
		platform.WithServerToken(comp.token), platform.WithEncodingAESKey(comp.aesKey),
		platform.WithBaseURL(p.URL), platform.WithHTTPClient(p.HTTPClient()), platform.WithClock(p.cfg.now),
	}
	return platform.New(append(base, opts...)...)
}

// ComponentAppID returns the platform's AppID.
func (p *Platform) ComponentAppID() string { return p.cfg.component.appID }

// ComponentSecret returns the platform's AppSecret.
func (p *Platform) ComponentSecret() string { return p.cfg.component.secret }

// ComponentToken returns the message token the platform's pushes are
// signed with.
func (p *Platform) ComponentToken() string { return p.cfg.component.token }

// ComponentEncodingAESKey returns the key the platform's pushes are
// encrypted with.
func (p *Platform) ComponentEncodingAESKey() string { return p.cfg.component.aesKey }

// Receiver says where a Platform delivers what WeChat pushes to a
// third-party platform. Each destination is an http.Handler in process or
// a URL; the handler is used when both are set.
type Receiver struct {
	// Events receives the authorization events (授权事件接收URL):
	// component_verify_ticket, authorized, updateauthorized,
	// unauthorized.
	Events   http.Handler
	EventURL string
	// Messages receives the messages and events of the authorized
	// accounts (消息与事件接收URL). MessageURL is the URL configured in
	// WeChat, with "$APPID$" where the account's AppID goes; in process
	// the request's path is MessageURL's, or "/" + the AppID without one.
	Messages   http.Handler
	MessageURL string
	// HTTPClient sends to the URLs; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// SetReceiver sets where the platform's pushes go. Until it is set they
// go nowhere, as WeChat's pushes to a server that does not answer are
// lost.
func (p *Platform) SetReceiver(r Receiver) {
	g := p.platform
	g.recvMu.Lock()
	defer g.recvMu.Unlock()
	g.recv = r
}

func (p *Platform) receiver() Receiver {
	g := p.platform
	g.recvMu.Lock()
	defer g.recvMu.Unlock()
	return g.recv
}

// PushTicket pushes a new component_verify_ticket to the Events
// receiver, as WeChat does every ten minutes, and returns it. A ticket
// stays valid for 12 hours, so those pushed before it still work.
func (p *Platform) PushTicket(ctx context.Context) (string, error) {
	g := p.platform
	ticket := "ticket@@@" + randomID(86)
	now := p.now()
	g.mu.Lock()
	g.tickets[ticket] = now.Add(ticketLifetime)
	g.mu.Unlock()
	return ticket, p.pushEvent(ctx, p.eventXML(now, "component_verify_ticket", "ComponentVerifyTicket", ticket))
}

// Authorize stands in for an account's administrator who opens the
// platform's authorization page and agrees: the account appID is
// authorized to the platform (again, if it was before: its refresh token
// is then replaced), and the Events receiver gets the authorized push
// (updateauthorized for an account authorized already) with the
// authorization code, which Authorize returns too, as the redirect URI
// of the page would carry it. The first authorization of appID creates
// its account, configured by opts as NewServer's are (WithFollowers,
// WithTemplates, …; the platform's clock and token lifetime apply).
func (p *Platform) Authorize(ctx context.Context, appID string, opts ...Option) (string, error) {
	code, info, err := p.authorize(appID, opts)
	if err != nil {
		return "", err
	}
	now := p.now()
	return code, p.pushEvent(ctx, p.eventXML(now, info,
		"AuthorizerAppid", appID, "AuthorizationCode", code,
		"AuthorizationCodeExpiredTime", strconv.FormatInt(now.Add(authCodeLifetime).Unix(), 10),
		"PreAuthCode", "preauthcode@@@"+randomID(64)))
}

// authorize authorizes appID and returns its code and the InfoType of
// the push that tells the platform.
func (p *Platform) authorize(appID string, opts []Option) (code, infoType string, err error) {
	if appID == "" {
		return "", "", errors.New("wechattest: Authorize: empty AppID")
	}
	g := p.platform
	now := p.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.authorizers[appID]
	infoType = "updateauthorized"
	if a == nil {
		acct, err := p.newAccount(appID, opts)
		if err != nil {
			return "", "", err
		}
		a = &authorizer{appID: appID, userName: originalID(appID), account: acct, funcs: defaultFuncs,
			options: make(map[string]string), codeTokens: make(map[string]string)}
		g.authorizers[appID] = a
		g.order = append(g.order, a)
	}
	if !a.authorized {
		infoType = "authorized"
	}
	a.authorized, a.authTime, a.refresh = true, now, newRefreshToken()
	return g.newCode(a, now), infoType, nil
}

// newCode issues an authorization code of a.
func (g *platformAPI) newCode(a *authorizer, now time.Time) string {
	code := "queryauthcode@@@" + randomID(86)
	g.codes[code] = &authCode{appID: a.appID, expires: now.Add(authCodeLifetime)}
	return code
}

// newAccount builds the server of an account authorized for the first
// time: it serves through the platform's, with the platform's clock and
// lifetimes.
func (p *Platform) newAccount(appID string, opts []Option) (*Server, error) {
	cfg := defaultConfig()
	root := p.cfg
	cfg.appID, cfg.appSecret = appID, "wechattest-secret-"+appID
	cfg.now, cfg.tokenLife, cfg.ticketLife, cfg.grace, cfg.pageSize = root.now, root.tokenLife, root.ticketLife, root.grace, root.pageSize
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("wechattest: Authorize %s: %w", appID, err)
		}
	}
	acct, err := newServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("wechattest: Authorize %s: %w", appID, err)
	}
	acct.owner, acct.ts, acct.URL = p.Server, p.ts, p.URL
	return acct, nil
}

// originalID is the original ID (原始ID, the ToUserName of its pushes) of
// an account of the fake.
func originalID(appID string) string {
	if appID == ReleaseTestAppID {
		return ReleaseTestOriginalID
	}
	sum := sha1.Sum([]byte(appID))
	return "gh_" + hex.EncodeToString(sum[:6])
}

// Unauthorize stands in for an administrator who revokes the platform's
// authorization: the account's refresh token and authorizer tokens stop
// working (61003 and 40001), it leaves api_get_authorizer_list, and the
// Events receiver gets the unauthorized push.
func (p *Platform) Unauthorize(ctx context.Context, appID string) error {
	g := p.platform
	g.mu.Lock()
	a := g.authorizers[appID]
	if a == nil || !a.authorized {
		g.mu.Unlock()
		return fmt.Errorf("wechattest: Unauthorize: %s is not authorized", appID)
	}
	a.authorized, a.refresh = false, ""
	acct := a.account
	g.mu.Unlock()
	acct.RevokeTokens()
	return p.pushEvent(ctx, p.eventXML(p.now(), "unauthorized", "AuthorizerAppid", appID))
}

// Account returns the server of an account authorized to the platform
// (now or before), nil for one never authorized. Its state (menus,
// followers, messages sent, …) is the account's; calls reach it with the
// account's authorizer_access_token, or with its own access_token from
// cgi-bin/token (its AppSecret is AppSecret()), through the platform's
// URL. Its Close does nothing: Close the Platform.
func (p *Platform) Account(appID string) *Server {
	return lookup(p, appID, func(a *authorizer) *Server { return a.account })
}

// lookup returns get of the account appID, under the platform's lock, or
// the zero value for an account never authorized.
func lookup[T any](p *Platform, appID string, get func(*authorizer) T) T {
	g := p.platform
	g.mu.Lock()
	defer g.mu.Unlock()
	if a := g.authorizers[appID]; a != nil {
		return get(a)
	}
	var zero T
	return zero
}

// OriginalID returns the original ID (原始ID) of an account of the fake:
// the ToUserName of its messages; "" for one never authorized.
func (p *Platform) OriginalID(appID string) string {
	return lookup(p, appID, func(a *authorizer) string { return a.userName })
}

// RefreshToken returns the authorizer_refresh_token WeChat holds for an
// account, "" for one not authorized: for tests that seed a platform's
// store as an earlier process would have.
func (p *Platform) RefreshToken(appID string) string {
	return lookup(p, appID, func(a *authorizer) string { return a.refresh })
}

// RotateRefreshToken makes the next api_authorizer_token of the account
// answer with a new refresh token, which replaces the one it was called
// with, as WeChat sometimes does: a platform that does not keep the new
// one loses the authorization.
func (p *Platform) RotateRefreshToken(appID string) {
	lookup(p, appID, func(a *authorizer) bool { a.rotate = true; return true })
}

// Refreshes returns how many authorizer_access_tokens api_authorizer_token
// issued for the account.
func (p *Platform) Refreshes(appID string) int {
	return lookup(p, appID, func(a *authorizer) int { return a.refreshes })
}

// ExpireTokens makes every token issued so far expire now: the
// component_access_tokens, every account's authorizer and own tokens, and
// the Server's own (Server.ExpireTokens).
func (p *Platform) ExpireTokens() {
	g := p.platform
	now := p.now()
	g.mu.Lock()
	for _, c := range g.tokens {
		if c.expiresAt.After(now) {
			c.expiresAt = now
		}
	}
	accounts := make([]*Server, 0, len(g.order))
	for _, a := range g.order {
		accounts = append(accounts, a.account)
	}
	g.mu.Unlock()
	for _, acct := range accounts {
		acct.ExpireTokens()
	}
	p.Server.ExpireTokens()
}

// Webhook returns a Webhook that pushes the messages and events of the
// authorized account appID to the Messages receiver as WeChat does: in
// safe mode, signed and encrypted with the platform's token and key, the
// platform's AppID inside, ToUserName the account's original ID. It is
// linked to the account's server (Webhook.Server).
func (p *Platform) Webhook(appID string) *Webhook {
	r := p.receiver()
	u := strings.ReplaceAll(r.MessageURL, "$APPID$", appID)
	if u == "" {
		u = "/" + appID
	}
	comp := p.cfg.component
	return &Webhook{URL: u, Handler: r.Messages, HTTPClient: r.HTTPClient,
		Token: comp.token, Mode: ModeSafe, EncodingAESKey: comp.aesKey, AppID: comp.appID,
		Account: p.OriginalID(appID), Now: p.now, Server: p.Account(appID)}
}

// eventXML is the plaintext of an authorization event: AppId,
// CreateTime and InfoType, then the name and value pairs given.
func (p *Platform) eventXML(now time.Time, infoType string, pairs ...string) []byte {
	var b strings.Builder
	b.WriteString("<xml><AppId><![CDATA[" + p.cfg.component.appID + "]]></AppId>")
	b.WriteString("<CreateTime>" + strconv.FormatInt(now.Unix(), 10) + "</CreateTime>")
	b.WriteString("<InfoType><![CDATA[" + infoType + "]]></InfoType>")
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString("<" + pairs[i] + "><![CDATA[" + pairs[i+1] + "]]></" + pairs[i] + ">")
	}
	b.WriteString("</xml>")
	return []byte(b.String())
}

// pushEvent delivers an authorization event to the Events receiver as
// WeChat does: a POST of its ciphertext, signed, to be answered
// "success". Without a receiver it is not delivered.
func (p *Platform) pushEvent(ctx context.Context, plain []byte) error {
	r := p.receiver()
	if r.Events == nil && r.EventURL == "" {
		return nil
	}
	comp := p.cfg.component
	mc, err := wechat.NewMessageCipher(comp.token, comp.aesKey, comp.appID)
	if err != nil {
		return err
	}
	ts, nonce := strconv.FormatInt(p.now().Unix(), 10), newNonce()
	env, err := mc.Encrypt(plain, ts, nonce)
	if err != nil {
		return err
	}
	body := []byte("<xml><AppId><![CDATA[" + comp.appID + "]]></AppId><Encrypt><![CDATA[" + env.Encrypt + "]]></Encrypt></xml>")
	q := url.Values{
		"signature":     {wechat.Sign(comp.token, ts, nonce)},
		"timestamp":     {ts},
		"nonce":         {nonce},
		"encrypt_type":  {"aes"},
		"msg_signature": {env.MsgSignature},
	}
	w := &Webhook{URL: r.EventURL, Handler: r.Events, HTTPClient: r.HTTPClient}
	ctx, cancel := w.withTimeout(ctx)
	defer cancel()
	req, err := w.newRequest(ctx, http.MethodPost, q, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml")
	status, answer, err := w.roundTrip(req)
	switch {
	case err != nil:
		return err
	case status != http.StatusOK:
		return &StatusError{StatusCode: status, Body: clip(answer)}
	case strings.TrimSpace(string(answer)) != "success":
		return fmt.Errorf("wechattest: the event receiver answered %q, not success", clip(answer))
	}
	return nil
}

// serveConsent is the authorization page (componentloginpage and
// bindcomponent), played by an administrator who agrees at once: the
// account biz_appid (a new one without it) authorizes the platform, and
// the browser is sent to redirect_uri with auth_code and expires_in. The
// pre_auth_code works once.
func (p *Platform) serveConsent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	g := p.platform
	now := p.now()
	g.mu.Lock()
	expires, ok := g.preAuth[q.Get("pre_auth_code")]
	if ok {
		delete(g.preAuth, q.Get("pre_auth_code"))
	}
	g.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("component_appid") != p.cfg.component.appID:
		http.Error(w, "wechattest: component_appid is not the platform's", http.StatusBadRequest)
		return
	case !ok || !now.Before(expires):
		http.Error(w, "wechattest: pre_auth_code is invalid, expired or used", http.StatusBadRequest)
		return
	case err != nil || redirect.Scheme != "http" && redirect.Scheme != "https" || redirect.Host == "":
		http.Error(w, "wechattest: redirect_uri is not an absolute http(s) URL", http.StatusBadRequest)
		return
	}
	appID := q.Get("biz_appid")
	if appID == "" {
		appID = "wx" + randomHex(16)
	}
	code, err := p.Authorize(r.Context(), appID)
	if code == "" {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// The push's failure is the platform's to notice, as with WeChat:
	// the page goes on to the redirect.
	v := redirect.Query()
	v.Set("auth_code", code)
	v.Set("expires_in", strconv.FormatInt(seconds(authCodeLifetime), 10))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// The release checks (全网发布接入检测) WeChat runs against a platform
// before it may serve every account, as documented.
const (
	releaseCheckTimeout = 5 * time.Second // WeChat's, for the customer-service message
	releaseTextQuestion = "TESTCOMPONENT_MSG_TYPE_TEXT"
	releaseTextAnswer   = "TESTCOMPONENT_MSG_TYPE_TEXT_callback"
)

// ReleaseCheckError lists the release checks a platform failed.
type ReleaseCheckError struct {
	Failed []error // one per failed check, naming it
}

// Error lists the failures.
func (e *ReleaseCheckError) Error() string {
	msgs := make([]string, len(e.Failed))
	for i, err := range e.Failed {
		msgs[i] = err.Error()
	}
	return "wechattest: release checks failed: " + strings.Join(msgs, "; ")
}

// Unwrap returns the failures.
func (e *ReleaseCheckError) Unwrap() []error { return e.Failed }

// RunReleaseChecks runs the release checks against the receiver, as
// WeChat does: it authorizes its test account (ReleaseTestAppID, the
// authorized push), then pushes from a user of that account
//
//   - the event LOCATION, which must be answered with the text
//     "LOCATIONfrom_callback";
//   - the text TESTCOMPONENT_MSG_TYPE_TEXT, which must be answered with
//     the text TESTCOMPONENT_MSG_TYPE_TEXT_callback;
//   - the text "QUERY_AUTH_CODE:" and a new authorization code, which
//     must get no reply, and then within five seconds the
//     customer-service text "<code>_from_api" to the user, sent with the
//     authorizer_access_token api_query_auth issued for that code.
//
// It returns nil when all pass, a *ReleaseCheckError naming the failed
// checks otherwise, or the error that kept it from running them.
func (p *Platform) RunReleaseChecks(ctx context.Context) error {
	if _, err := p.Authorize(ctx, ReleaseTestAppID); err != nil {
		return fmt.Errorf("wechattest: release checks: authorizing the test account: %w", err)
	}
	acct := p.Account(ReleaseTestAppID)
	acct.AddFollower(Follower{OpenID: DefaultOpenID})
	wh := p.Webhook(ReleaseTestAppID)
	var failed []error
	expect := func(check string, msg *wechat.Message, want string) {
		reply, err := wh.Send(ctx, msg)
		text, _ := reply.(*wechat.TextReply)
		switch {
		case err != nil:
			failed = append(failed, fmt.Errorf("%s: %w", check, err))
		case text == nil || text.Content != want:
			failed = append(failed, fmt.Errorf("%s: reply is %s, want the text %q", check, describeReply(reply), want))
		}
	}
	expect("event", Event(wechat.EventLocation, ""), string(wechat.EventLocation)+"from_callback")
	expect("text", Text(releaseTextQuestion), releaseTextAnswer)

	g := p.platform
	g.mu.Lock()
	code := g.newCode(g.authorizers[ReleaseTestAppID], p.now())
	g.mu.Unlock()
	reply, err := wh.Send(ctx, Text("QUERY_AUTH_CODE:"+code))
	switch {
	case err != nil:
		failed = append(failed, fmt.Errorf("api text: %w", err))
	case reply != nil:
		failed = append(failed, fmt.Errorf("api text: reply is %s, want none", describeReply(reply)))
	default:
		if err := p.awaitReleaseMessage(ctx, acct, code); err != nil {
			failed = append(failed, fmt.Errorf("api text: %w", err))
		}
	}
	if failed != nil {
		return &ReleaseCheckError{Failed: failed}
	}
	return nil
}

// awaitReleaseMessage waits for the customer-service message of the
// QUERY_AUTH_CODE check and checks its token.
func (p *Platform) awaitReleaseMessage(ctx context.Context, acct *Server, code string) error {
	want := code + "_from_api"
	deadline := time.NewTimer(releaseCheckTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, r := range acct.Requests() {
			if r.Path != endpoint.Get(endpoint.CustomSend).Path {
				continue
			}
			var m struct {
				ToUser  string `json:"touser"`
				MsgType string `json:"msgtype"`
				Text    struct {
					Content string `json:"content"`
				} `json:"text"`
			}
			if json.Unmarshal(r.Body, &m) != nil || m.MsgType != "text" || m.Text.Content != want {
				continue
			}
			g := p.platform
			g.mu.Lock()
			issued := g.authorizers[ReleaseTestAppID].codeTokens[code]
			g.mu.Unlock()
			switch {
			case m.ToUser != DefaultOpenID:
				return fmt.Errorf("the customer-service message went to %q, not the sender %q", m.ToUser, DefaultOpenID)
			case issued == "":
				return errors.New("the code was not exchanged with api_query_auth")
			case r.Query.Get("access_token") != issued:
				return errors.New("the customer-service message was not sent with the token api_query_auth issued for the code")
			}
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return fmt.Errorf("no customer-service text %q within %v", want, releaseCheckTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// describeReply names a reply for a failure message.
func describeReply(r wechat.Reply) string {
	switch r := r.(type) {
	case nil:
		return "none"
	case *wechat.TextReply:
		return fmt.Sprintf("the text %q", r.Content)
	}
	return fmt.Sprintf("a %T", r)
}
