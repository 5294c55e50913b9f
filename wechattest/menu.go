package wechattest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/mpkit/wechat/internal/endpoint"
)

// button is the part of a menu button the fake validates. The button is
// stored as sent.
type button struct {
	Type      string   `json:"type"`
	Name      string   `json:"name"`
	Key       string   `json:"key"`
	URL       string   `json:"url"`
	MediaID   string   `json:"media_id"`
	AppID     string   `json:"appid"`
	PagePath  string   `json:"pagepath"`
	ArticleID string   `json:"article_id"`
	SubButton []button `json:"sub_button"`
}

type menuRequest struct {
	Button    json.RawMessage            `json:"button"`
	MatchRule map[string]json.RawMessage `json:"matchrule"`
}

// menuAPI keeps the custom menu and the personalised menus (自定义菜单,
// 个性化菜单).
type menuAPI struct {
	group
	menu        json.RawMessage // button array of the default menu, as created
	menuRaw     json.RawMessage // the menu/create body, as created
	menuID      int64
	conditional []*conditionalMenu
}

func (g *menuAPI) routes() []route {
	return []route{
		g.route(endpoint.MenuCreate, decoding(g.handleMenuCreate)),
		g.route(endpoint.MenuGet, g.handleMenuGet),
		g.route(endpoint.MenuDelete, g.handleMenuDelete),
		g.route(endpoint.MenuAddConditional, decoding(g.handleMenuAddConditional)),
		g.route(endpoint.MenuDelConditional, decoding(g.handleMenuDelConditional)),
		g.route(endpoint.MenuTryMatch, decoding(g.handleMenuTryMatch)),
		g.route(endpoint.SelfMenuInfo, g.handleSelfMenuInfo),
	}
}

// Menu returns the body of the menu/create call that set the current
// default menu, {"button":[...]} as sent, or nil when there is no menu.
func (s *Server) Menu() json.RawMessage {
	g := s.menus
	g.mu.Lock()
	defer g.mu.Unlock()
	return bytes.Clone(g.menuRaw)
}

// conditionalMenu is a personalised menu (个性化菜单).
type conditionalMenu struct {
	id        int64
	button    json.RawMessage
	matchRule map[string]json.RawMessage
}

// Documented limits of the menu (自定义菜单创建接口).
const (
	maxButtons      = 3
	maxSubButtons   = 5
	maxNameBytes    = 16
	maxSubNameBytes = 60
	maxKeyBytes     = 128
	maxURLBytes     = 1024
)

// checkMenu validates the button array of a menu request.
func checkMenu(req menuRequest) *apiError {
	var buttons []button
	if len(req.Button) == 0 || json.Unmarshal(req.Button, &buttons) != nil {
		return fail(40016)
	}
	if code := checkButtons(buttons); code != 0 {
		return fail(code)
	}
	return nil
}

// checkButtons returns the errcode WeChat gives for an invalid menu, or 0.
func checkButtons(buttons []button) int {
	if len(buttons) == 0 || len(buttons) > maxButtons {
		return 40016
	}
	for _, b := range buttons {
		if b.Name == "" || len(b.Name) > maxNameBytes {
			return 40018
		}
		if len(b.SubButton) == 0 {
			if code := checkAction(b, false); code != 0 {
				return code
			}
			continue
		}
		if len(b.SubButton) > maxSubButtons {
			return 40023
		}
		for _, sb := range b.SubButton {
			if sb.Name == "" || len(sb.Name) > maxSubNameBytes {
				return 40025
			}
			if code := checkAction(sb, true); code != 0 {
				return code
			}
		}
	}
	return 0
}

// checkAction validates the type of a button and the field it needs.
func checkAction(b button, sub bool) int {
	typeErr, keyErr, urlErr := 40017, 40019, 40020
	if sub {
		typeErr, keyErr, urlErr = 40024, 40026, 40027
	}
	switch b.Type {
	case "click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
		"pic_photo_or_album", "pic_weixin", "location_select":
		if b.Key == "" || len(b.Key) > maxKeyBytes {
			return keyErr
		}
	case "view":
		if b.URL == "" || len(b.URL) > maxURLBytes {
			return urlErr
		}
	case "miniprogram":
		if b.URL == "" || len(b.URL) > maxURLBytes {
			return urlErr
		}
		if b.AppID == "" || b.PagePath == "" {
			return 47001
		}
	case "media_id", "view_limited":
		if b.MediaID == "" {
			return 40007
		}
	case "article_id", "article_view_limited":
		if b.ArticleID == "" {
			return 47001
		}
	default:
		return typeErr
	}
	return 0
}

// handleMenuCreate answers 创建菜单 (POST menu/create). The new default menu
// replaces the old one; personalised menus stay.
func (g *menuAPI) handleMenuCreate(x *exchange, req menuRequest) any {
	if e := checkMenu(req); e != nil {
		return e
	}
	g.menu = compact(req.Button)
	g.menuRaw = compact(x.body)
	g.menuID = g.s.next() % 1e9
	return okReply()
}

// handleMenuGet answers 查询菜单 (GET menu/get): {"menu":{"button":[...]}}
// plus the personalised menus in "conditionalmenu". Like WeChat, it
// gives every button a "sub_button" array, empty for leaf buttons.
func (g *menuAPI) handleMenuGet(*exchange) any {
	if g.menu == nil {
		return fail(46003)
	}
	menu := map[string]any{"button": withSubButtons(g.menu)}
	out := map[string]any{"menu": menu}
	if len(g.conditional) > 0 {
		menu["menuid"] = g.menuID
		list := make([]any, 0, len(g.conditional))
		for _, m := range g.conditional {
			list = append(list, map[string]any{
				"button":    withSubButtons(m.button),
				"matchrule": m.matchRule,
				"menuid":    m.id,
			})
		}
		out["conditionalmenu"] = list
	}
	return out
}

// handleMenuDelete answers 删除菜单 (GET menu/delete), which removes the
// default menu and every personalised menu.
func (g *menuAPI) handleMenuDelete(*exchange) any {
	g.menu, g.menuRaw, g.conditional = nil, nil, nil
	return okReply()
}

// handleMenuAddConditional answers 创建个性化菜单 (POST
// menu/addconditional). It needs a default menu and a matchrule with at
// least one non-empty field, and returns the new menuid as a string.
func (g *menuAPI) handleMenuAddConditional(_ *exchange, req menuRequest) any {
	if e := checkMenu(req); e != nil {
		return e
	}
	if g.menu == nil {
		return fail(65303)
	}
	rule := make(map[string]json.RawMessage)
	for k, v := range req.MatchRule {
		if t := strings.TrimSpace(string(v)); t != "" && t != `""` && t != "null" {
			rule[k] = v
		}
	}
	if len(rule) == 0 {
		return fail(65304)
	}
	m := &conditionalMenu{id: g.s.next() % 1e9, button: compact(req.Button), matchRule: rule}
	g.conditional = append(g.conditional, m)
	return map[string]any{"menuid": strconv.FormatInt(m.id, 10)}
}

// delConditionalRequest is the body of menu/delconditional.
type delConditionalRequest struct {
	MenuID json.RawMessage `json:"menuid"`
}

// handleMenuDelConditional answers 删除个性化菜单 (POST
// menu/delconditional, {"menuid":"..."}).
func (g *menuAPI) handleMenuDelConditional(_ *exchange, req delConditionalRequest) any {
	id, ok := jsonInt(req.MenuID)
	if !ok {
		return fail(65301)
	}
	i := slices.IndexFunc(g.conditional, func(m *conditionalMenu) bool { return m.id == id })
	if i < 0 {
		return fail(65301)
	}
	g.conditional = slices.Delete(g.conditional, i, i+1)
	return okReply()
}

// tryMatchRequest is the body of menu/trymatch.
type tryMatchRequest struct {
	UserID string `json:"user_id"`
}

// handleMenuTryMatch answers 测试个性化菜单匹配结果 (POST menu/trymatch,
// {"user_id":"openid"}) with the menu the follower sees: the newest
// personalised menu whose rule matches, else the default menu. The fake
// evaluates tag_id and language; a rule on any other field (sex, country,
// client platform...) never matches, since the fake does not know them.
func (g *menuAPI) handleMenuTryMatch(_ *exchange, req tryMatchRequest) any {
	f, ok := g.s.users.follower(req.UserID)
	if !ok {
		return fail(65302)
	}
	if g.menu == nil {
		return fail(46003)
	}
	for i := len(g.conditional) - 1; i >= 0; i-- {
		if m := g.conditional[i]; ruleMatches(m.matchRule, &f) {
			return map[string]any{"button": withSubButtons(m.button)}
		}
	}
	return map[string]any{"button": withSubButtons(g.menu)}
}

// handleSelfMenuInfo answers 查询自定义菜单信息 (GET
// get_current_selfmenu_info) with the default menu created with
// menu/create: {"is_menu_open":1,"selfmenu_info":{"button":[...]}}, each
// button as sent except that sub-buttons are wrapped as
// "sub_button":{"list":[...]}, as WeChat documents for this API. Without a
// menu the reply is {"is_menu_open":0,"selfmenu_info":{"button":[]}}.
// Personalised menus are not reported. The fake has no menus set up on
// the mp.weixin.qq.com website, so the text, img, voice, video and news
// buttons of such menus never appear.
func (g *menuAPI) handleSelfMenuInfo(*exchange) any {
	if g.menu == nil {
		return map[string]any{"is_menu_open": 0, "selfmenu_info": map[string]any{"button": []any{}}}
	}
	return map[string]any{"is_menu_open": 1, "selfmenu_info": map[string]any{"button": selfMenuButtons(g.menu)}}
}

// selfMenuButtons rewrites a button array the way
// get_current_selfmenu_info shows it: a non-empty "sub_button" array
// becomes {"list":[...]}, an empty one is dropped.
func selfMenuButtons(raw json.RawMessage) []map[string]json.RawMessage {
	var buttons []map[string]json.RawMessage
	if json.Unmarshal(raw, &buttons) != nil {
		return []map[string]json.RawMessage{}
	}
	for _, b := range buttons {
		sub, ok := b["sub_button"]
		if !ok {
			continue
		}
		var subs []json.RawMessage
		if json.Unmarshal(sub, &subs) != nil || len(subs) == 0 {
			delete(b, "sub_button")
			continue
		}
		b["sub_button"] = marshal(map[string]any{"list": selfMenuButtons(sub)})
	}
	return buttons
}

func ruleMatches(rule map[string]json.RawMessage, f *Follower) bool {
	for k, v := range rule {
		switch k {
		case "tag_id", "group_id":
			id, ok := jsonInt(v)
			if !ok || !slices.Contains(f.TagIDs, int(id)) {
				return false
			}
		case "language":
			var lang string
			if json.Unmarshal(v, &lang) != nil || lang != f.language() {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// withSubButtons returns the button array with an empty "sub_button" on
// every button that has none, as menu/get shows it.
func withSubButtons(raw json.RawMessage) json.RawMessage {
	var buttons []map[string]json.RawMessage
	if json.Unmarshal(raw, &buttons) != nil {
		return raw
	}
	for _, b := range buttons {
		if sub, ok := b["sub_button"]; ok {
			b["sub_button"] = withSubButtons(sub)
		} else {
			b["sub_button"] = json.RawMessage("[]")
		}
	}
	return marshal(buttons)
}

// compact returns a compact copy of a valid JSON document.
func compact(raw []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return bytes.Clone(raw)
	}
	return buf.Bytes()
}

// jsonInt reads an integer sent as a JSON number or a numeric string.
func jsonInt(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
