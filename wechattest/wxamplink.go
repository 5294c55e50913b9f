package wechattest

import (
	"encoding/json"
	"regexp"
	"slices"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// wxaLinkAPI keeps the Mini Programs linked to the account (公众号关联小程序).
// A link asked for waits for the account's administrator (status 12);
// SetMiniProgramLinkStatus stands in for the administrators of both
// sides, who confirm or refuse it in the WeChat app.
type wxaLinkAPI struct {
	group
	links map[string]*miniProgramLink // by appid
	order []string                    // appids, in the order linked
}

type miniProgramLink struct {
	appID    string
	status   wechat.MiniProgramLinkStatus
	selected bool // show_profile
}

func newWxaLinkAPI(s *Server) *wxaLinkAPI {
	return &wxaLinkAPI{group: group{s: s}, links: make(map[string]*miniProgramLink)}
}

func (g *wxaLinkAPI) routes() []route {
	return []route{
		g.route(endpoint.WxaLinkGet, g.handleGet),
		g.route(endpoint.WxaLink, decoding(g.handleLink)),
		g.route(endpoint.WxaUnlink, decoding(g.handleUnlink)),
	}
}

// appIDPattern is the form of WeChat's appids: the link calls answer
// 40013 for an appid of another form.
var appIDPattern = regexp.MustCompile(`^wx[0-9a-f]{16}$`)

// handleGet answers 获取公众号关联的小程序 (POST wxopen/wxamplinkget, no
// arguments) with {"wxopens":{"items":[...]}}: the links in the order
// asked for, those waiting for a confirmation and those refused
// included. The fake knows nothing of the Mini Programs but their
// appids: their names, original ids and pictures are made up from them.
func (g *wxaLinkAPI) handleGet(*exchange) any {
	items := make([]map[string]any, 0, len(g.order))
	for _, id := range g.order {
		l := g.links[id]
		items = append(items, map[string]any{
			"status": l.status, "appid": l.appID, "username": "gh_" + l.appID[2:14], "source": "SOURCE_NORMAL",
			"nickname": "wechattest " + l.appID, "selected": bitOf(l.selected), "nearby_display_status": 0,
			"released": 1, "headimg_url": "http://wechattest.invalid/" + l.appID + ".png",
			"func_infos": []map[string]any{{"status": 0, "id": 1, "name": "微信认证"}, {"status": 0, "id": 2, "name": "微信支付"}},
		})
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "wxopens": map[string]any{"items": items}}
}

// linkRequest is the body of wxamplink and wxampunlink.
type linkRequest struct {
	AppID       string          `json:"appid"`
	NotifyUsers json.RawMessage `json:"notify_users"`
	ShowProfile json.RawMessage `json:"show_profile"`
}

// handleLink answers 关联小程序 (POST wxopen/wxamplink,
// {"appid","notify_users","show_profile"}, the flags 0 or 1, as numbers
// or strings; 40097 otherwise). The link waits for the account's
// administrator (12); asking again for a link that is waiting or made
// changes nothing, for one refused starts over. notify_users is checked
// but not kept: it makes WeChat tell the followers of the link in the
// WeChat app, which no API reports (wxamplinkget has no such field).
func (g *wxaLinkAPI) handleLink(_ *exchange, req linkRequest) any {
	if !appIDPattern.MatchString(req.AppID) {
		return fail(40013)
	}
	notify, nok := jsonInt(req.NotifyUsers)
	show, sok := jsonInt(req.ShowProfile)
	if !nok || !sok || notify < 0 || notify > 1 || show < 0 || show > 1 {
		return fail(40097)
	}
	l := g.links[req.AppID]
	switch {
	case l == nil:
		l = &miniProgramLink{appID: req.AppID}
		g.links[req.AppID] = l
		g.order = append(g.order, req.AppID)
	case l.status != wechat.MiniProgramLinkRefused:
		return okReply()
	}
	l.status, l.selected = wechat.MiniProgramLinkAwaitingAccount, show == 1
	return okReply()
}

// handleUnlink answers 解除已关联的小程序 (POST wxopen/wxampunlink,
// {"appid"}). The fake unlinks at once, as if the account's
// administrator had confirmed; an appid not linked is answered ok.
func (g *wxaLinkAPI) handleUnlink(_ *exchange, req linkRequest) any {
	if !appIDPattern.MatchString(req.AppID) {
		return fail(40013)
	}
	if g.links[req.AppID] != nil {
		delete(g.links, req.AppID)
		g.order = slices.DeleteFunc(g.order, func(id string) bool { return id == req.AppID })
	}
	return okReply()
}

// SetMiniProgramLinkStatus sets the state of the link to the Mini Program
// appID, as its administrators do when they confirm or refuse it:
// wechat.MiniProgramLinkAwaitingMiniProgram once the account's
// administrator agreed, wechat.MiniProgramLinked once the Mini Program's
// did too, wechat.MiniProgramLinkRefused if they refused. It reports
// false if no link to appID was asked for.
func (s *Server) SetMiniProgramLinkStatus(appID string, status wechat.MiniProgramLinkStatus) bool {
	g := s.wxaLinks
	g.mu.Lock()
	defer g.mu.Unlock()
	return edit(g.links, appID, func(l *miniProgramLink) { l.status = status })
}
