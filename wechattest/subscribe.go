package wechattest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// subscribeAPI keeps the subscribe-message templates the account picked
// from the public library (订阅通知), the users' consent to them, and the
// authorizations of one-time subscription messages (一次性订阅消息).
type subscribeAPI struct {
	group
	templates []*subscribeTemplate
	accepted  map[string]bool // openid + template id → long-term consent
	once      map[string]int  // openid + template id (+ scene) → messages allowed
}

// subscribeTemplate is a template of the account.
type subscribeTemplate struct {
	id       string
	title    *libraryTitle
	keywords []libraryKeyword
}

// libraryTitle is a title of WeChat's public template library.
type libraryTitle struct {
	tid      int
	title    string
	typ      int // 2 one-time, 3 long-term
	category int
	keywords []libraryKeyword
}

// libraryKeyword is a keyword of a library title; its data key is rule
// followed by kid ("thing1").
type libraryKeyword struct {
	kid     int
	name    string
	example string
	rule    string
}

func (k libraryKeyword) key() string { return k.rule + strconv.Itoa(k.kid) }

// The account's category and the public library the fake offers: the
// documented sample category, title and first keyword (getcategory,
// getpubtemplatetitles, getpubtemplatekeywords examples), and more
// keywords of the documented value types, so that templates of two to
// five keywords can be combined.
var (
	sampleCategory = struct {
		id   int
		name string
	}{616, "公交"}
	sampleLibrary = []*libraryTitle{{
		tid: 99, title: "付款成功通知", typ: int(wechat.SubscribeOneTime), category: 616,
		keywords: []libraryKeyword{
			{1, "物品名称", "名称", "thing"},
			{2, "支付金额", "¥100", "amount"},
			{3, "支付时间", "2019年10月1日 15:01", "time"},
			{4, "订单号", "20191001150100", "character_string"},
			{5, "支付方式", "微信支付", "phrase"},
			{6, "备注", "请按时乘车", "thing"},
		},
	}}
)

// Documented limits of subscribe messages.
const (
	maxSubscribeTemplates   = 25
	minTemplateKeywords     = 2
	maxTemplateKeywords     = 5
	maxSceneDescRunes       = 15
	maxPublicTitlesPage     = 30
	maxOneTimeTitleRunes    = 15
	maxOneTimeContentRunes  = 200
	maxOneTimeScene         = 10000
	maxThingRunes           = 20
	maxPhraseRunes          = 5
	maxCharacterStringRunes = 32
)

func newSubscribeAPI(s *Server) *subscribeAPI {
	return &subscribeAPI{group: group{s: s}, accepted: make(map[string]bool), once: make(map[string]int)}
}

func (g *subscribeAPI) routes() []route {
	return []route{
		g.route(endpoint.SubscribeSend, decoding(g.handleSend)),
		g.route(endpoint.SubscribeCategories, g.handleCategories),
		g.route(endpoint.SubscribePubTitles, g.handleTitles),
		g.route(endpoint.SubscribePubKeywords, g.handleKeywords),
		g.route(endpoint.SubscribeAdd, decoding(g.handleAdd)),
		g.route(endpoint.SubscribeDelete, decoding(g.handleDelete)),
		g.route(endpoint.SubscribeList, g.handleList),
		g.route(endpoint.OneTimeSubscribeSend, decoding(g.handleOneTime)),
	}
}

func libraryTitleByID(tid int) *libraryTitle {
	for _, t := range sampleLibrary {
		if t.tid == tid {
			return t
		}
	}
	return nil
}

// handleCategories answers 获取公众号类目 (GET wxaapi/newtmpl/getcategory).
func (g *subscribeAPI) handleCategories(*exchange) any {
	return map[string]any{"errcode": 0, "errmsg": "ok", "data": []map[string]any{{"id": sampleCategory.id, "name": sampleCategory.name}}}
}

// handleTitles answers 获取所属类目下的公共模板 (GET
// wxaapi/newtmpl/getpubtemplatetitles?ids=&start=&limit=): 200018
// without ids, 200019 for ids that are not the account's categories,
// 200016 for a negative start, 200017 for a limit outside 1 to 30.
// categoryId is a string, as in the documented example.
func (g *subscribeAPI) handleTitles(x *exchange) any {
	q := x.r.URL.Query()
	if q.Get("ids") == "" {
		return fail(200018)
	}
	var cats []int
	for v := range strings.SplitSeq(q.Get("ids"), ",") {
		id, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || id != sampleCategory.id {
			return fail(200019)
		}
		cats = append(cats, id)
	}
	start, err := strconv.Atoi(q.Get("start"))
	if err != nil || start < 0 {
		return fail(200016)
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > maxPublicTitlesPage {
		return fail(200017)
	}
	var all []*libraryTitle
	for _, t := range sampleLibrary {
		if slices.Contains(cats, t.category) {
			all = append(all, t)
		}
	}
	page := []map[string]any{}
	// start+limit would overflow for a start near the largest int.
	lo := min(start, len(all))
	for _, t := range all[lo:min(lo+limit, len(all))] {
		page = append(page, map[string]any{"tid": t.tid, "title": t.title, "type": t.typ, "categoryId": strconv.Itoa(t.category)})
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "count": len(all), "data": page}
}

// handleKeywords answers 获取模板中的关键词 (GET
// wxaapi/newtmpl/getpubtemplatekeywords?tid=): 200014 for an unknown
// title.
func (g *subscribeAPI) handleKeywords(x *exchange) any {
	tid, _ := strconv.Atoi(x.r.URL.Query().Get("tid"))
	t := libraryTitleByID(tid)
	if t == nil {
		return fail(200014)
	}
	list := []map[string]any{}
	for _, k := range t.keywords {
		list = append(list, map[string]any{"kid": k.kid, "name": k.name, "example": k.example, "rule": k.rule})
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "count": len(list), "data": list}
}

// subscribeAddRequest is the body of wxaapi/newtmpl/addtemplate.
type subscribeAddRequest struct {
	TID       json.RawMessage `json:"tid"`
	KIDList   []int           `json:"kidList"`
	SceneDesc string          `json:"sceneDesc"`
}

// handleAdd answers 选用模板 (POST wxaapi/newtmpl/addtemplate,
// {"tid","kidList","sceneDesc"}) with {"priTmplId"}: 200014 for an
// unknown title, 200020 unless kidList holds 2 to 5 different keywords
// of the title, 200021 for a sceneDesc over 15 characters, 200012 past
// 25 templates. The sceneDesc is checked but not kept: no API returns it
// (gettemplate lists priTmplId, title, content, example and type).
func (g *subscribeAPI) handleAdd(_ *exchange, req subscribeAddRequest) any {
	tid, _ := jsonInt(req.TID)
	t := libraryTitleByID(int(tid))
	if t == nil {
		return fail(200014)
	}
	if len(req.KIDList) < minTemplateKeywords || len(req.KIDList) > maxTemplateKeywords {
		return fail(200020)
	}
	var kws []libraryKeyword
	for i, kid := range req.KIDList {
		j := slices.IndexFunc(t.keywords, func(k libraryKeyword) bool { return k.kid == kid })
		if j < 0 || slices.Contains(req.KIDList[:i], kid) {
			return fail(200020)
		}
		kws = append(kws, t.keywords[j])
	}
	if utf8.RuneCountInString(req.SceneDesc) > maxSceneDescRunes {
		return fail(200021)
	}
	if len(g.templates) >= maxSubscribeTemplates {
		return fail(200012)
	}
	tp := &subscribeTemplate{id: randomID(43), title: t, keywords: kws}
	g.templates = append(g.templates, tp)
	return map[string]any{"errcode": 0, "errmsg": "ok", "priTmplId": tp.id}
}

// templateID makes subscribeTemplate a privateTemplate.
func (t *subscribeTemplate) templateID() string { return t.id }

// subscribeDeleteRequest is the body of wxaapi/newtmpl/deltemplate.
type subscribeDeleteRequest struct {
	PriTmplID string `json:"priTmplId"`
}

// handleDelete answers 删除模板 (POST wxaapi/newtmpl/deltemplate,
// {"priTmplId"}). WeChat documents no code for a template the account
// does not have; the fake answers 40037 (invalid template_id), as the
// message APIs do.
func (g *subscribeAPI) handleDelete(_ *exchange, req subscribeDeleteRequest) any {
	return deleteTemplate(&g.templates, req.PriTmplID)
}

// handleList answers 获取私有模板列表 (GET wxaapi/newtmpl/gettemplate):
// each template's content and example are its keywords in the order
// chosen, "名称:{{key.DATA}}\n" and "名称:示例\n".
func (g *subscribeAPI) handleList(*exchange) any {
	list := []map[string]any{}
	for _, t := range g.templates {
		var content, example strings.Builder
		for _, k := range t.keywords {
			content.WriteString(k.name + ":{{" + k.key() + ".DATA}}\n")
			example.WriteString(k.name + ":" + k.example + "\n")
		}
		list = append(list, map[string]any{
			"priTmplId": t.id, "title": t.title.title, "content": content.String(),
			"example": example.String(), "type": t.title.typ,
		})
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "data": list}
}

func consentKey(openID, templateID string) string { return openID + "\x00" + templateID }

// AcceptSubscribeMessage stands in for the user openID tapping "allow"
// for templateID in the subscribe-notification pop-up (as the
// subscribe_msg_popup_event a linked Webhook delivers does): a one-time
// template then allows one message/subscribe/bizsend, a long-term one
// every send until the user rejects it.
func (s *Server) AcceptSubscribeMessage(openID, templateID string) {
	s.subscribe.consent(openID, templateID, true)
}

// consent records a user's choice for a template.
func (g *subscribeAPI) consent(openID, templateID string, accept bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := consentKey(openID, templateID)
	if !accept {
		delete(g.accepted, k)
		delete(g.once, k)
		return
	}
	if t := findTemplate(g.templates, templateID); t != nil && t.title.typ == int(wechat.SubscribeLongTerm) {
		g.accepted[k] = true
		return
	}
	g.once[k]++
}

// pushed follows the subscribe events a linked Webhook delivered: the
// choices of the pop-up, and templates the user turned off.
func (g *subscribeAPI) pushed(m *wechat.Message) {
	for _, p := range m.SubscribeMsgPopupEvent {
		g.consent(m.FromUserName, p.TemplateID, p.SubscribeStatusString == "accept")
	}
	for _, c := range m.SubscribeMsgChangeEvent {
		if c.SubscribeStatusString == "reject" {
			g.consent(m.FromUserName, c.TemplateID, false)
		}
	}
}

// subscribeSendRequest is the body of message/subscribe/bizsend.
type subscribeSendRequest struct {
	ToUser      string `json:"touser"`
	TemplateID  string `json:"template_id"`
	MiniProgram *struct {
		AppID string `json:"appid"`
	} `json:"miniprogram"`
	Data map[string]struct {
		Value string `json:"value"`
	} `json:"data"`
}

// handleSend answers 发送订阅通知 (POST message/subscribe/bizsend,
// {"touser","template_id","page","miniprogram","data"}) and records the
// message. 40003 for an openid the account does not know, 40037 for a
// template it does not have, 43101 when the user has not accepted the
// template (a one-time consent is used up by the send), 47003 for data
// that misses a keyword of the template or breaks its value rule (thing
// at most 20 characters, phrase at most 5, character_string at most 32;
// amount a number with an optional ¥ or 元).
func (g *subscribeAPI) handleSend(x *exchange, req subscribeSendRequest) any {
	if _, ok := g.s.users.follower(req.ToUser); !ok {
		return fail(40003)
	}
	t := findTemplate(g.templates, req.TemplateID)
	if t == nil {
		return fail(40037)
	}
	k := consentKey(req.ToUser, req.TemplateID)
	if !g.accepted[k] && g.once[k] == 0 {
		return fail(43101)
	}
	if req.MiniProgram != nil && req.MiniProgram.AppID == "" {
		return failf(47003, "argument invalid! miniprogram.appid is empty")
	}
	for _, kw := range t.keywords {
		d, ok := req.Data[kw.key()]
		switch {
		case !ok || d.Value == "":
			return failf(47003, "argument invalid! data."+kw.key()+".value is empty")
		case !validValue(kw.rule, d.Value):
			return failf(47003, "argument invalid! data."+kw.key()+".value invalid")
		}
	}
	if !g.accepted[k] {
		g.once[k]--
	}
	g.s.out.record(SentMessage{Kind: SubscribeMessage, ToUser: req.ToUser, TemplateID: req.TemplateID}, x)
	return okReply()
}

// validValue checks a keyword value against the documented rule of its
// type; types the fake does not check pass.
func validValue(rule, v string) bool {
	n := utf8.RuneCountInString(v)
	switch rule {
	case "thing":
		return n <= maxThingRunes
	case "phrase":
		return n <= maxPhraseRunes
	case "character_string":
		return n <= maxCharacterStringRunes
	case "amount":
		num := strings.TrimSuffix(strings.TrimPrefix(v, "¥"), "元")
		_, err := strconv.ParseFloat(num, 64)
		return err == nil
	}
	return true
}

func onceKey(openID, templateID string, scene int) string {
	return consentKey(openID, templateID) + "\x00" + strconv.Itoa(scene)
}

// ConfirmOneTimeSubscribe stands in for the user openID confirming on the
// authorization page of a one-time subscription message (the page of
// wechat.Client.OneTimeSubscribeURL): it allows one
// message/template/subscribe with templateID and scene.
func (s *Server) ConfirmOneTimeSubscribe(openID, templateID string, scene int) {
	g := s.subscribe
	g.mu.Lock()
	defer g.mu.Unlock()
	g.once[onceKey(openID, templateID, scene)]++
}

// oneTimeRequest is the body of message/template/subscribe.
type oneTimeRequest struct {
	ToUser     string          `json:"touser"`
	TemplateID string          `json:"template_id"`
	Scene      json.RawMessage `json:"scene"`
	Title      string          `json:"title"`
	Data       struct {
		Content struct {
			Value string `json:"value"`
		} `json:"content"`
	} `json:"data"`
}

// handleOneTime answers 推送订阅模板消息给到授权微信用户 (POST
// message/template/subscribe, {"touser","template_id","url","miniprogram",
// "scene","title","data":{"content":{"value","color"}}}) and records the
// message. Each authorization (ConfirmOneTimeSubscribe) allows one send:
// 43101 without one; 40003 for an openid the account does not know;
// 47003 for a scene outside 0 to 10000, an empty title or one over 15
// characters, empty content or content over 200 characters.
func (g *subscribeAPI) handleOneTime(x *exchange, req oneTimeRequest) any {
	if _, ok := g.s.users.follower(req.ToUser); !ok {
		return fail(40003)
	}
	scene, ok := jsonInt(req.Scene)
	content := req.Data.Content.Value
	switch {
	case !ok || scene < 0 || scene > maxOneTimeScene:
		return failf(47003, "argument invalid! scene invalid")
	case strings.TrimFunc(req.Title, unicode.IsSpace) == "" || utf8.RuneCountInString(req.Title) > maxOneTimeTitleRunes:
		return failf(47003, "argument invalid! title invalid")
	case content == "" || utf8.RuneCountInString(content) > maxOneTimeContentRunes:
		return failf(47003, "argument invalid! data.content.value invalid")
	}
	k := onceKey(req.ToUser, req.TemplateID, int(scene))
	if g.once[k] == 0 {
		return fail(43101)
	}
	g.once[k]--
	g.s.out.record(SentMessage{Kind: OneTimeSubscribeMessage, ToUser: req.ToUser, TemplateID: req.TemplateID}, x)
	return okReply()
}
