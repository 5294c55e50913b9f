package wechattest

import (
	"strings"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// Documented lifetimes of web authorization (网页授权) credentials.
const (
	oauthCodeLifetime    = 5 * time.Minute
	oauthTokenLifetime   = 2 * time.Hour // expires_in 7200
	oauthRefreshLifetime = 30 * 24 * time.Hour
)

// oauthAPI keeps the codes and user tokens of web authorization (网页授权).
type oauthAPI struct {
	group
	codes   map[string]*oauthCode
	tokens  map[string]*oauthGrant // by user access token
	refresh map[string]*oauthGrant // by refresh token
}

func newOAuthAPI(s *Server) *oauthAPI {
	return &oauthAPI{group: group{s: s}, codes: make(map[string]*oauthCode),
		tokens: make(map[string]*oauthGrant), refresh: make(map[string]*oauthGrant)}
}

// routes are called with the app's credentials or the user's, never the
// account's access token.
func (g *oauthAPI) routes() []route {
	return []route{
		g.route(endpoint.OAuthAccessToken, g.handleOAuthAccessToken),
		g.route(endpoint.OAuthRefreshToken, g.handleOAuthRefreshToken),
		g.route(endpoint.OAuthUserInfo, g.handleSNSUserInfo),
		g.route(endpoint.OAuthCheck, g.handleSNSAuth),
	}
}

// oauthCode is a code that web authorization appended to the redirect
// URI.
type oauthCode struct {
	openID string
	scope  string
	issued time.Time
	used   bool
}

// oauthGrant is a user's web authorization: the user access token and
// the refresh token that renews it.
type oauthGrant struct {
	openID         string
	scope          string
	token          string
	expiresAt      time.Time
	refresh        string
	refreshExpires time.Time
}

// AuthorizeCode simulates a user who opens the authorization page
// (connect/oauth2/authorize) and agrees, or is let through silently for
// wechat.ScopeBase: it returns the code WeChat would append to the
// redirect URI. The code can be exchanged once, within five minutes of
// the server's clock, with sns/oauth2/access_token. openID need not be a
// follower: users who do not follow the account authorize too.
func (s *Server) AuthorizeCode(openID string, scope wechat.OAuthScope) string {
	g := s.oauth
	g.mu.Lock()
	defer g.mu.Unlock()
	code := randomID(32)
	g.codes[code] = &oauthCode{openID: openID, scope: string(scope), issued: s.now()}
	return code
}

// checkOAuthApp validates the appid and, when withSecret is set, the
// secret of a web authorization token request.
func (g *oauthAPI) checkOAuthApp(appID, secret string, withSecret bool) *apiError {
	switch {
	case appID == "":
		return fail(41002)
	case appID != g.s.cfg.appID:
		return fail(40013)
	case !withSecret:
		return nil
	case secret == "":
		return fail(41004)
	case secret != g.s.cfg.appSecret:
		return fail(40125)
	}
	return nil
}

// oauthTokenReply is the reply of sns/oauth2/access_token and
// sns/oauth2/refresh_token.
type oauthTokenReply struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	OpenID       string `json:"openid"`
	Scope        string `json:"scope"`
	UnionID      string `json:"unionid,omitempty"`
}

func (g *oauthGrant) reply(now time.Time) oauthTokenReply {
	return oauthTokenReply{
		AccessToken: g.token, ExpiresIn: seconds(g.expiresAt.Sub(now)),
		RefreshToken: g.refresh, OpenID: g.openID, Scope: g.scope,
	}
}

// newOAuthToken gives a grant a new user access token.
func (g *oauthAPI) newOAuthToken(gr *oauthGrant, now time.Time) {
	delete(g.tokens, gr.token)
	gr.token = randomID(96)
	gr.expiresAt = now.Add(oauthTokenLifetime)
	g.tokens[gr.token] = gr
}

// hasUserInfoScope reports whether a grant's scope, scopes separated by
// commas, includes snsapi_userinfo.
func (g *oauthGrant) hasUserInfoScope() bool {
	for sc := range strings.SplitSeq(g.scope, ",") {
		if sc == string(wechat.ScopeUserInfo) {
			return true
		}
	}
	return false
}

// handleOAuthAccessToken answers 通过 code 换取网页授权 access_token (GET
// sns/oauth2/access_token?appid=&secret=&code=&grant_type=
// authorization_code), which carries the AppSecret instead of an access
// token. A code works once (40163 afterwards) and for five minutes (42003
// afterwards); one the server did not issue fails with 40029. unionid is
// in the reply for snsapi_userinfo when the follower has one.
func (g *oauthAPI) handleOAuthAccessToken(x *exchange) any {
	q := x.r.URL.Query()
	if e := g.checkOAuthApp(q.Get("appid"), q.Get("secret"), true); e != nil {
		return e
	}
	return g.exchangeCode(q.Get("code"), q.Get("grant_type"), x.now)
}

// exchangeCode answers a code exchange whose app credentials were
// checked: sns/oauth2/access_token, and the exchange a third-party
// platform makes for the account (sns/oauth2/component/access_token,
// platform.go).
func (g *oauthAPI) exchangeCode(code, grantType string, now time.Time) any {
	switch {
	case code == "":
		return fail(41008)
	case grantType != "authorization_code":
		return fail(40002)
	}
	c := g.codes[code]
	switch {
	case c == nil:
		return fail(40029)
	case c.used:
		return fail(40163)
	case !now.Before(c.issued.Add(oauthCodeLifetime)):
		return fail(42003)
	}
	c.used = true
	gr := &oauthGrant{
		openID: c.openID, scope: c.scope,
		refresh: randomID(96), refreshExpires: now.Add(oauthRefreshLifetime),
	}
	g.newOAuthToken(gr, now)
	g.refresh[gr.refresh] = gr
	r := gr.reply(now)
	if f, ok := g.s.users.follower(gr.openID); ok && gr.hasUserInfoScope() {
		r.UnionID = f.UnionID
	}
	return r
}

// handleOAuthRefreshToken answers 刷新 access_token (GET
// sns/oauth2/refresh_token?appid=&grant_type=refresh_token&refresh_token=).
// As documented, a user access token that is still valid is extended to a
// full lifetime, and an expired one is replaced. An unknown refresh token
// fails with 40030, one older than 30 days with 42002.
func (g *oauthAPI) handleOAuthRefreshToken(x *exchange) any {
	q := x.r.URL.Query()
	if e := g.checkOAuthApp(q.Get("appid"), "", false); e != nil {
		return e
	}
	return g.refreshGrant(q.Get("refresh_token"), q.Get("grant_type"), x.now)
}

// refreshGrant answers a refresh whose appid was checked:
// sns/oauth2/refresh_token, and its third-party platform form
// (sns/oauth2/component/refresh_token, platform.go).
func (g *oauthAPI) refreshGrant(rt, grantType string, now time.Time) any {
	if grantType != "refresh_token" {
		return fail(40002)
	}
	if rt == "" {
		return fail(41003)
	}
	gr := g.refresh[rt]
	switch {
	case gr == nil:
		return fail(40030)
	case !now.Before(gr.refreshExpires):
		return fail(42002)
	}
	if now.Before(gr.expiresAt) {
		gr.expiresAt = now.Add(oauthTokenLifetime)
	} else {
		g.newOAuthToken(gr, now)
	}
	return gr.reply(now)
}

// checkUserToken validates the user access token and the openid of
// sns/userinfo and sns/auth: 40001 for a token the server did not issue
// (an account access token included), 42001 for an expired one, 40003
// for an openid that is not the token's.
func (g *oauthAPI) checkUserToken(x *exchange) (*oauthGrant, *apiError) {
	q := x.r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		return nil, fail(41001)
	}
	gr := g.tokens[tok]
	switch {
	case gr == nil:
		return nil, fail(40001)
	case !x.now.Before(gr.expiresAt):
		return nil, fail(42001)
	case q.Get("openid") == "":
		return nil, fail(41009)
	case q.Get("openid") != gr.openID:
		return nil, fail(40003)
	}
	return gr, nil
}

// oauthUser is the reply of sns/userinfo.
type oauthUser struct {
	OpenID     string   `json:"openid"`
	Nickname   string   `json:"nickname"`
	Sex        int      `json:"sex"`
	Province   string   `json:"province"`
	City       string   `json:"city"`
	Country    string   `json:"country"`
	HeadImgURL string   `json:"headimgurl"`
	Privilege  []string `json:"privilege"`
	UnionID    string   `json:"unionid,omitempty"`
}

// handleSNSUserInfo answers 拉取用户信息 (GET
// sns/userinfo?access_token=USER_TOKEN&openid=&lang=). It needs a token
// of snsapi_userinfo (48001 otherwise). Nickname, avatar and unionid come
// from the Follower with the openid, if any; sex and region are 0 and
// empty, as WeChat has sent them since 2021.
func (g *oauthAPI) handleSNSUserInfo(x *exchange) any {
	gr, e := g.checkUserToken(x)
	if e != nil {
		return e
	}
	if !gr.hasUserInfoScope() {
		return fail(48001)
	}
	u := oauthUser{OpenID: gr.openID, Privilege: []string{}}
	if f, ok := g.s.users.follower(gr.openID); ok {
		u.Nickname, u.HeadImgURL, u.UnionID = f.Nickname, f.HeadImgURL, f.UnionID
	}
	return u
}

// handleSNSAuth answers 检验授权凭证(access_token)是否有效 (GET
// sns/auth?access_token=USER_TOKEN&openid=) with errcode 0, or the error
// of checkUserToken.
func (g *oauthAPI) handleSNSAuth(x *exchange) any {
	if _, e := g.checkUserToken(x); e != nil {
		return e
	}
	return okReply()
}
