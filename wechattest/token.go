package wechattest

import (
	"strconv"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// credential is an access token or a ticket the server issued.
type credential struct {
	value     string
	expiresAt time.Time
	retiredAt time.Time // when a newer cgi-bin/token replaced it; zero if not
	revoked   bool
}

// stableForceInterval is the documented minimum interval between two
// stable_token force refreshes; a faster one returns the current token.
const stableForceInterval = 30 * time.Second

// tokenAPI issues and checks access tokens and tickets (获取 Access token,
// stable_token, getticket).
type tokenAPI struct {
	group
	tokens     map[string]*credential // every access token issued, by value
	current    string                 // the newest cgi-bin/token token
	stable     string                 // the current cgi-bin/stable_token token
	lastForced time.Time              // last stable_token force_refresh that refreshed
	tickets    map[string]*credential // the current ticket of each type
}

func newTokenAPI(s *Server) *tokenAPI {
	return &tokenAPI{group: group{s: s}, tokens: make(map[string]*credential), tickets: make(map[string]*credential)}
}

func (g *tokenAPI) routes() []route {
	return []route{
		g.route(endpoint.Token, g.handleToken),
		g.route(endpoint.StableToken, decoding(g.handleStableToken)),
		g.route(endpoint.Ticket, g.handleTicket),
	}
}

// check returns the errcode WeChat answers for an API call carrying the
// access token v, or 0 if the token is good.
func (g *tokenAPI) check(v string, now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if v == "" {
		return 41001
	}
	c := g.tokens[v]
	switch {
	case c == nil || c.revoked:
		return 40001
	case !c.retiredAt.IsZero() && !now.Before(c.retiredAt.Add(g.s.cfg.grace)):
		return 40001 // "access_token is invalid or not latest"
	case !now.Before(c.expiresAt):
		return 42001
	}
	return 0
}

// issue creates an access token valid from now.
func (g *tokenAPI) issue(now time.Time) *credential {
	c := &credential{
		value:     strconv.FormatInt(g.s.next()%1000, 10) + "_" + randomID(120),
		expiresAt: now.Add(g.s.cfg.tokenLife),
	}
	g.tokens[c.value] = c
	return c
}

// checkAppCredentials validates the grant_type, appid and secret of a
// token request in the order WeChat reports them.
func (s *Server) checkAppCredentials(grantType, appID, secret string) *apiError {
	cfg := &s.cfg
	switch {
	case grantType != "client_credential":
		return fail(40002)
	case appID == "":
		return fail(41002)
	case appID != cfg.appID:
		return fail(40013)
	case secret == "":
		return fail(41004)
	case secret != cfg.appSecret:
		return fail(40125)
	}
	return nil
}

type tokenReply struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// seconds returns d in whole seconds, rounded up, at least 1.
func seconds(d time.Duration) int64 {
	n := int64((d + time.Second - 1) / time.Second)
	return max(n, 1)
}

// handleToken answers 获取 Access token (GET cgi-bin/token). Each call
// issues a new token and retires the previous one, which keeps working
// for the grace period.
func (g *tokenAPI) handleToken(x *exchange) any {
	q := x.r.URL.Query()
	if e := g.s.checkAppCredentials(q.Get("grant_type"), q.Get("appid"), q.Get("secret")); e != nil {
		return e
	}
	if old := g.tokens[g.current]; old != nil && old.retiredAt.IsZero() {
		old.retiredAt = x.now
	}
	c := g.issue(x.now)
	g.current = c.value
	return tokenReply{AccessToken: c.value, ExpiresIn: seconds(g.s.cfg.tokenLife)}
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// handleStableToken answers 获取稳定版接口调用凭据 (POST
// cgi-bin/stable_token). In normal mode the current token is returned
// with its remaining lifetime, unless it is within the renewal window of
// its end (five minutes of a two-hour token, scaled to the configured
// lifetime), when a new one is issued and the old one runs out on its own.
// force_refresh retires the current token at once, but at most once every
// 30 seconds.
func (g *tokenAPI) handleStableToken(x *exchange, req stableTokenRequest) any {
	if e := g.s.checkAppCredentials(req.GrantType, req.AppID, req.Secret); e != nil {
		return e
	}
	cur := g.tokens[g.stable]
	valid := cur != nil && !cur.revoked && x.now.Before(cur.expiresAt)
	if req.ForceRefresh {
		if valid && !g.lastForced.IsZero() && x.now.Sub(g.lastForced) < stableForceInterval {
			return tokenReply{AccessToken: cur.value, ExpiresIn: seconds(cur.expiresAt.Sub(x.now))}
		}
		g.lastForced = x.now
		if cur != nil {
			cur.revoked = true
		}
	} else if valid && cur.expiresAt.Sub(x.now) > g.s.cfg.tokenLife/24 {
		return tokenReply{AccessToken: cur.value, ExpiresIn: seconds(cur.expiresAt.Sub(x.now))}
	}
	c := g.issue(x.now)
	g.stable = c.value
	return tokenReply{AccessToken: c.value, ExpiresIn: seconds(g.s.cfg.tokenLife)}
}

// handleTicket answers 获取 jsapi_ticket (GET cgi-bin/ticket/getticket,
// type=jsapi or wx_card). While the current ticket of the type is valid
// it is returned again, with its remaining lifetime.
func (g *tokenAPI) handleTicket(x *exchange) any {
	typ := x.r.URL.Query().Get("type")
	if typ != "jsapi" && typ != "wx_card" {
		return fail(40097)
	}
	c := g.tickets[typ]
	if c == nil || !x.now.Before(c.expiresAt) {
		c = &credential{value: randomID(86), expiresAt: x.now.Add(g.s.cfg.ticketLife)}
		g.tickets[typ] = c
	}
	return map[string]any{
		"errcode": 0, "errmsg": "ok",
		"ticket": c.value, "expires_in": seconds(c.expiresAt.Sub(x.now)),
	}
}

// ExpireTokens makes every access token and ticket issued so far expire
// now: API calls carrying one of the tokens are answered 42001 (access_token
// expired), and the next token or ticket request issues a new one.
func (s *Server) ExpireTokens() {
	g := s.tokens
	g.mu.Lock()
	defer g.mu.Unlock()
	now := s.now()
	for _, c := range g.tokens {
		if c.expiresAt.After(now) {
			c.expiresAt = now
		}
	}
	for _, c := range g.tickets {
		if c.expiresAt.After(now) {
			c.expiresAt = now
		}
	}
}

// RevokeToken makes WeChat forget the access token: calls carrying it are
// answered 40001, as they are when a token was replaced elsewhere. It
// reports whether the server had issued the token.
func (s *Server) RevokeToken(token string) bool {
	g := s.tokens
	g.mu.Lock()
	defer g.mu.Unlock()
	return edit(g.tokens, token, func(c *credential) { c.revoked = true })
}

// RevokeTokens revokes every access token issued so far, as if another
// system had fetched new ones: calls carrying them are answered 40001.
func (s *Server) RevokeTokens() {
	g := s.tokens
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.tokens {
		c.revoked = true
	}
}
