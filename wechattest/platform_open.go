package wechattest

import (
	"sync"

	"github.com/mpkit/wechat/internal/endpoint"
)

// maxOpenMembers is how many accounts one Open Platform account may bind
// (89004 beyond).
const maxOpenMembers = 100

// openAPI keeps the Open Platform account the account is bound to
// (开放平台账号管理: cgi-bin/open/*), which a third-party platform manages
// for it.
type openAPI struct {
	group
	openAppID string // the Open Platform account bound, or ""
	reg       openRegistry
}

// openRegistry is every Open Platform account created through the API,
// with its members: shared by the accounts of a third-party platform, so
// that one created for an account can bind another. It is the registry
// of the server that listens (see registry).
type openRegistry struct {
	mu       sync.Mutex
	accounts map[string]int // open appid → accounts bound
}

// create registers a new Open Platform account with one member and
// returns its appid.
func (r *openRegistry) create() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.accounts == nil {
		r.accounts = make(map[string]int)
	}
	id := "wx" + randomHex(16)
	r.accounts[id] = 1
	return id
}

// join adds a member to the Open Platform account id: 40013 for one the
// fake did not create, 89004 for one with maxOpenMembers.
func (r *openRegistry) join(id string) *apiError {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.accounts[id]
	switch {
	case !ok:
		return fail(40013)
	case n >= maxOpenMembers:
		return fail(89004)
	}
	r.accounts[id] = n + 1
	return nil
}

// leave removes a member of the Open Platform account id.
func (r *openRegistry) leave(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accounts[id]--
}

func (g *openAPI) routes() []route {
	return []route{
		g.route(endpoint.OpenCreate, decoding(g.handleCreate)),
		g.route(endpoint.OpenBind, decoding(g.handleBind)),
		g.route(endpoint.OpenUnbind, decoding(g.handleUnbind)),
		g.route(endpoint.OpenGet, decoding(g.handleGet)),
		g.route(endpoint.OpenHave, g.handleHave),
	}
}

// registry returns the registry of Open Platform accounts this account
// shares: that of the platform's server for an authorized account, its
// own otherwise.
func (g *openAPI) registry() *openRegistry {
	s := g.s
	if s.owner != nil {
		s = s.owner
	}
	return &s.open.reg
}

type openRequest struct {
	AppID     string `json:"appid"`
	OpenAppID string `json:"open_appid"`
}

// check checks the body of an open/* call. Its appid may be left out
// (WeChat takes the token's account), but any other is refused with
// 40013.
func (g *openAPI) check(req openRequest) *apiError {
	if req.AppID != "" && req.AppID != g.s.cfg.appID {
		return fail(40013)
	}
	return nil
}

// checkUnbound is check for a call that binds the account: 89000 if it
// is bound already.
func (g *openAPI) checkUnbound(req openRequest) *apiError {
	if e := g.check(req); e != nil {
		return e
	}
	if g.openAppID != "" {
		return fail(89000)
	}
	return nil
}

// handleCreate answers 创建开放平台账号并绑定 (POST cgi-bin/open/create): a
// new Open Platform account with the account bound to it, 89000 if the
// account is bound already.
func (g *openAPI) handleCreate(_ *exchange, req openRequest) any {
	if e := g.checkUnbound(req); e != nil {
		return e
	}
	g.openAppID = g.registry().create()
	return map[string]any{"errcode": 0, "errmsg": "ok", "open_appid": g.openAppID}
}

// handleBind answers 将公众号绑定到开放平台账号下 (POST cgi-bin/open/bind):
// 40013 for an Open Platform account the fake did not create, 89000 for
// an account bound already, 89004 for one with 100 accounts.
func (g *openAPI) handleBind(_ *exchange, req openRequest) any {
	if e := g.checkUnbound(req); e != nil {
		return e
	}
	if e := g.registry().join(req.OpenAppID); e != nil {
		return e
	}
	g.openAppID = req.OpenAppID
	return okReply()
}

// handleUnbind answers 将公众号从开放平台账号下解绑 (POST
// cgi-bin/open/unbind): the account must be bound to the Open Platform
// account named (40013 otherwise).
func (g *openAPI) handleUnbind(_ *exchange, req openRequest) any {
	if e := g.check(req); e != nil {
		return e
	}
	if req.OpenAppID == "" || req.OpenAppID != g.openAppID {
		return fail(40013)
	}
	g.registry().leave(req.OpenAppID)
	g.openAppID = ""
	return okReply()
}

// handleGet answers 获取公众号所绑定的开放平台账号 (POST cgi-bin/open/get),
// 89002 when there is none.
func (g *openAPI) handleGet(_ *exchange, req openRequest) any {
	if e := g.check(req); e != nil {
		return e
	}
	if g.openAppID == "" {
		return fail(89002)
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "open_appid": g.openAppID}
}

// handleHave answers 查询绑定的开放平台账号 (GET cgi-bin/open/have).
func (g *openAPI) handleHave(*exchange) any {
	return map[string]any{"errcode": 0, "errmsg": "ok", "have_open": g.openAppID != ""}
}
