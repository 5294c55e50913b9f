package wechattest

import (
	"strings"
	"time"

	"github.com/mpkit/wechat"
)

// Documented lifetimes of web authorization (网页授权) credentials.
const (
	oauthCodeLifetime    = 5 * time.Minute
	oauthTokenLifetime   = 2 * time.Hour // expires_in 7200
	oauthRefreshLifetime = 30 * 24 * time.Hour
)

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
	s.mu.Lock()
	defer s.mu.Unlock()
	code := randomID(32)
	s.oauthCodes[code] = &oauthCode{openID: openID, scope: string(scope), issued: s.now()}
	return code
}

// checkOAuthApp validates the appid and, when withSecret is set, the
// secret of a web authorization token request.
func (s *Server) checkOAuthApp(appID, secret string, withSecret bool) *apiError {
	switch {
	case appID == "":
		return fail(41002)
	case appID != s.appID:
		return fail(40013)
	case !withSecret:
		return nil
	case secret == "":
		return fail(41004)
	case secret != s.appSecret:
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
func (s *Server) newOAuthToken(g *oauthGrant, now time.Time) {
	delete(s.oauthTokens, g.token)
	g.token = randomID(96)
	g.expiresAt = now.Add(oauthTokenLifetime)
	s.oauthTokens[g.token] = g
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
func (s *Server) handleOAuthAccessToken(x *exchange) any {
	q := x.r.URL.Query()
	if e := s.checkOAuthApp(q.Get("appid"), q.Get("secret"), true); e != nil {
		return e
	}
	code := q.Get("code")
	switch {
	case code == "":
		return fail(41008)
	case q.Get("grant_type") != "authorization_code":
		return fail(40002)
	}
	c := s.oauthCodes[code]
	switch {
	case c == nil:
		return fail(40029)
	case c.used:
		return fail(40163)
	case !x.now.Before(c.issued.Add(oauthCodeLifetime)):
		return fail(42003)
	}
	c.used = true
	g := &oauthGrant{
		openID: c.openID, scope: c.scope,
		refresh: randomID(96), refreshExpires: x.now.Add(oauthRefreshLifetime),
	}
	s.newOAuthToken(g, x.now)
	s.oauthRefresh[g.refresh] = g
	r := g.reply(x.now)
	if f := s.followers[g.openID]; f != nil && g.hasUserInfoScope() {
		r.UnionID = f.UnionID
	}
	return r
}

// handleOAuthRefreshToken answers 刷新 access_token (GET
// sns/oauth2/refresh_token?appid=&grant_type=refresh_token&refresh_token=).
// As documented, a user access token that is still valid is extended to a
// full lifetime, and an expired one is replaced. An unknown refresh token
// fails with 40030, one older than 30 days with 42002.
func (s *Server) handleOAuthRefreshToken(x *exchange) any {
	q := x.r.URL.Query()
	if e := s.checkOAuthApp(q.Get("appid"), "", false); e != nil {
		return e
	}
	if q.Get("grant_type") != "refresh_token" {
		return fail(40002)
	}
	rt := q.Get("refresh_token")
	if rt == "" {
		return fail(41003)
	}
	g := s.oauthRefresh[rt]
	switch {
	case g == nil:
		return fail(40030)
	case !x.now.Before(g.refreshExpires):
		return fail(42002)
	}
	if x.now.Before(g.expiresAt) {
		g.expiresAt = x.now.Add(oauthTokenLifetime)
	} else {
		s.newOAuthToken(g, x.now)
	}
	return g.reply(x.now)
}

// checkUserToken validates the user access token and the openid of
// sns/userinfo and sns/auth: 40001 for a token the server did not issue
// (an account access token included), 42001 for an expired one, 40003
// for an openid that is not the token's.
func (s *Server) checkUserToken(x *exchange) (*oauthGrant, *apiError) {
	q := x.r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		return nil, fail(41001)
	}
	g := s.oauthTokens[tok]
	switch {
	case g == nil:
		return nil, fail(40001)
	case !x.now.Before(g.expiresAt):
		return nil, fail(42001)
	case q.Get("openid") == "":
		return nil, fail(41009)
	case q.Get("openid") != g.openID:
		return nil, fail(40003)
	}
	return g, nil
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
func (s *Server) handleSNSUserInfo(x *exchange) any {
	g, e := s.checkUserToken(x)
	if e != nil {
		return e
	}
	if !g.hasUserInfoScope() {
		return fail(48001)
	}
	u := oauthUser{OpenID: g.openID, Privilege: []string{}}
	if f := s.followers[g.openID]; f != nil {
		u.Nickname, u.HeadImgURL, u.UnionID = f.Nickname, f.HeadImgURL, f.UnionID
	}
	return u
}

// handleSNSAuth answers 检验授权凭证(access_token)是否有效 (GET
// sns/auth?access_token=USER_TOKEN&openid=) with errcode 0, or the error
// of checkUserToken.
func (s *Server) handleSNSAuth(x *exchange) any {
	if _, e := s.checkUserToken(x); e != nil {
		return e
	}
	return okReply()
}
