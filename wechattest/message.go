package wechattest

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// Template is a private template of the account (模板消息), as
// template/get_all_private_template lists it.
type Template struct {
	ID              string
	Title           string
	PrimaryIndustry string
	DeputyIndustry  string
	Content         string
	Example         string
}

// Documented limits of the message APIs.
const (
	maxTemplates       = 25
	templateDedupTime  = 10 * time.Minute // client_msg_id of template/send
	massDedupTime      = 24 * time.Hour   // clientmsgid of mass/sendall and mass/send
	minMassSendOpenIDs = 2
	maxMassSendOpenIDs = 10000
)

// messageAPI keeps template messages and their templates, customer-service
// messages and the customer-service window of each user, and mass sends.
type messageAPI struct {
	group
	templates  []*Template
	industry   [2]int
	templDedup map[string]int64 // openid+client_msg_id → msgid
	massDedup  map[string]massRecord
	mass       map[int64]string // msg_id → status
	massSpeed  int              // level of message/mass/speed/set
	windows    map[string]*csWindow
}

func newMessageAPI(s *Server) *messageAPI {
	g := &messageAPI{group: group{s: s}, templDedup: make(map[string]int64), massDedup: make(map[string]massRecord),
		mass: make(map[int64]string), windows: make(map[string]*csWindow)}
	for _, t := range s.cfg.templates {
		if t.ID == "" {
			t.ID = randomID(43)
		}
		g.templates = append(g.templates, &t)
	}
	return g
}

func (g *messageAPI) routes() []route {
	return []route{
		g.route(endpoint.CustomSend, g.handleCustomSend),
		g.route(endpoint.CustomTyping, decoding(g.handleTyping)),
		g.route(endpoint.TemplateSend, decoding(g.handleTemplateSend)),
		g.route(endpoint.TemplateAdd, decoding(g.handleAddTemplate)),
		g.route(endpoint.TemplateList, g.handleListTemplates),
		g.route(endpoint.TemplateDelete, decoding(g.handleDeleteTemplate)),
		g.route(endpoint.TemplateSetIndustry, decoding(g.handleSetIndustry)),
		g.route(endpoint.TemplateGetIndustry, g.handleGetIndustry),
		g.route(endpoint.MassSendAll, g.handleMassSendAll),
		g.route(endpoint.MassSend, g.handleMassSend),
		g.route(endpoint.MassPreview, g.handleMassPreview),
		g.route(endpoint.MassGet, decoding(g.handleMassGet)),
		g.route(endpoint.MassDelete, decoding(g.handleMassDelete)),
		g.route(endpoint.MassSpeedGet, g.handleMassSpeedGet),
		g.route(endpoint.MassSpeedSet, decoding(g.handleMassSpeedSet)),
	}
}

// isCustomType reports the msgtypes of message/custom/send.
func isCustomType(t string) bool {
	switch t {
	case "text", "image", "voice", "video", "music", "news", "mpnews",
		"mpnewsarticle", "msgmenu", "wxcard", "miniprogrampage":
		return true
	}
	return false
}

// isMassType reports the msgtypes of mass messages.
func isMassType(t string) bool {
	switch t {
	case "mpnews", "text", "voice", "image", "mpvideo", "wxcard":
		return true
	}
	return false
}

// envelope is what the fake reads from any message body; the rest is
// kept raw.
type envelope struct {
	ToUser  json.RawMessage            `json:"touser"`
	MsgType string                     `json:"msgtype"`
	Fields  map[string]json.RawMessage `json:"-"`
}

func (x *exchange) decodeMessage() (*envelope, *apiError) {
	var env envelope
	if e := x.decode(&env); e != nil {
		return nil, e
	}
	if e := x.decode(&env.Fields); e != nil {
		return nil, e
	}
	return &env, nil
}

// payload returns the object under the msgtype key, such as "text".
func (env *envelope) payload() map[string]json.RawMessage {
	var p map[string]json.RawMessage
	if json.Unmarshal(env.Fields[env.MsgType], &p) != nil {
		return nil
	}
	return p
}

// maxCustomArticles is how many articles a customer-service news or
// mpnews message may carry; WeChat answers 45008 for more.
const maxCustomArticles = 1

// checkMedia validates the media of a customer-service message of type
// msgType, whose payload is p, against what the server holds (40007 if
// unknown): the media_id of an image, voice or video message is a
// temporary media or a permanent material of that type, the media_id of
// an mpnews message a draft. A news message, or the draft of an mpnews
// message, has one article (45008 for more).
func (g *messageAPI) checkMedia(msgType string, p map[string]json.RawMessage, now time.Time) *apiError {
	switch msgType {
	case "image", "voice", "video":
		if !g.isMedia(msgType, jsonString(p["media_id"]), now) {
			return fail(40007)
		}
	case "news":
		var articles []json.RawMessage
		if json.Unmarshal(p["articles"], &articles) == nil && len(articles) > maxCustomArticles {
			return fail(45008)
		}
	case "mpnews":
		n := g.s.drafts.articleCount(jsonString(p["media_id"]))
		if n == 0 {
			return fail(40007)
		}
		if n > maxCustomArticles {
			return fail(45008)
		}
	case "mpnewsarticle":
		if !g.s.drafts.isArticle(jsonString(p["article_id"])) {
			return fail(53600)
		}
	}
	return nil
}

// isMedia reports whether id is a temporary media or a permanent material
// of type typ (image, voice or video).
func (g *messageAPI) isMedia(typ, id string, now time.Time) bool {
	if g.s.materials.listTypeOf(id) == typ {
		return true
	}
	m := g.s.media.lookup(id, now)
	return m != nil && m.typ == typ
}

// massPayloadKey is the member that holds the content of a mass message:
// the msgtype, except that sendall and send carry images under "images"
// (a preview shows one, under "image").
func massPayloadKey(env *envelope) string {
	if env.MsgType == "image" {
		if _, ok := env.Fields["images"]; ok {
			return "images"
		}
	}
	return env.MsgType
}

// checkMassMedia validates the media of a mass message or preview (40007
// if unknown): images and voice are temporary media or permanent
// materials of their type, an mpvideo is a video made with
// media/uploadvideo or a permanent video, mpnews a draft.
func (g *messageAPI) checkMassMedia(env *envelope, now time.Time) *apiError {
	var p map[string]json.RawMessage
	_ = json.Unmarshal(env.Fields[massPayloadKey(env)], &p)
	id := jsonString(p["media_id"])
	switch env.MsgType {
	case "image":
		ids := []string{id}
		if _, ok := p["media_ids"]; ok {
			ids = nil
			if json.Unmarshal(p["media_ids"], &ids) != nil || len(ids) == 0 {
				return fail(40007)
			}
		}
		for _, id := range ids {
			if !g.isMedia("image", id, now) {
				return fail(40007)
			}
		}
	case "voice":
		if !g.isMedia("voice", id, now) {
			return fail(40007)
		}
	case "mpvideo":
		m := g.s.media.lookup(id, now)
		if (m == nil || !m.massVideo) && g.s.materials.listTypeOf(id) != "video" {
			return fail(40007)
		}
	case "mpnews":
		if !g.s.drafts.isDraft(id) {
			return fail(40007)
		}
	}
	return nil
}

// handleCustomSend answers 客服接口-发消息 (POST message/custom/send) and
// records the message. The recipient must follow the account and be
// inside the customer-service window (45015 outside it, 45047 once it
// allows no more messages; see windowFor), which never opens for a
// blacklisted follower; the media_id of an image, voice, video or mpnews
// message must be one the server issued, the article_id of an
// mpnewsarticle a published article, and a news or mpnews message
// carries one article (45008 for more). A message sent as a
// customer-service account (customservice.kf_account), or to a user in a
// session with one, enters that account's chat history.
func (g *messageAPI) handleCustomSend(x *exchange) any {
	env, e := x.decodeMessage()
	if e != nil {
		return e
	}
	to := jsonString(env.ToUser)
	f, e := g.s.users.check(to)
	if e != nil {
		return e
	}
	if !isCustomType(env.MsgType) {
		return fail(40008)
	}
	p := env.payload()
	if p == nil {
		return fail(47001)
	}
	if e := g.checkMedia(env.MsgType, p, x.now); e != nil {
		return e
	}
	if e := g.spendWindow(&f, x.now, true); e != nil {
		return e
	}
	var kf struct {
		Account string `json:"kf_account"`
	}
	_ = json.Unmarshal(env.Fields["customservice"], &kf)
	text := "[" + env.MsgType + "]"
	if env.MsgType == "text" {
		text = jsonString(p["content"])
	}
	g.s.kf.sent(to, kf.Account, text, x.now)
	g.s.out.record(SentMessage{Kind: CustomMessage, ToUser: to, MsgType: env.MsgType}, x)
	return okReply()
}

// typingRequest is the body of message/custom/typing.
type typingRequest struct {
	ToUser  string `json:"touser"`
	Command string `json:"command"`
}

// handleTyping answers 客服输入状态 (POST message/custom/typing,
// {"touser","command":"Typing"|"CancelTyping"}). The same window as for
// messages applies, but typing uses none of the messages it allows; a
// command other than the two fails with 40097.
func (g *messageAPI) handleTyping(x *exchange, req typingRequest) any {
	f, e := g.s.users.check(req.ToUser)
	if e != nil {
		return e
	}
	if req.Command != "Typing" && req.Command != "CancelTyping" {
		return fail(40097)
	}
	if e := g.spendWindow(&f, x.now, false); e != nil {
		return e
	}
	return okReply()
}

// Customer-service windows (客服消息下发规则): a message from the user
// allows 5 messages within 48 hours; a menu click, a follow or a QR code
// scan allows 3 within a minute.
const (
	messageWindow      = 48 * time.Hour
	messageWindowSends = 5
	eventWindow        = time.Minute
	eventWindowSends   = 3
)

// csWindow is what a user's pushes allow: grants from their last message
// and from their last qualifying event.
type csWindow struct {
	message, event windowGrant
}

// windowGrant is one allowance of customer-service messages.
type windowGrant struct {
	expires time.Time
	left    int
}

func (w *windowGrant) open(now time.Time) bool { return now.Before(w.expires) }

// opens returns the window a push opens: 48 hours after a message from
// the user, a minute after a subscribe, a scan, a click or a scan-code
// menu event; none (ok false) for other events.
func opens(m *wechat.Message) (event, ok bool) {
	if m.MsgType != wechat.MsgTypeEvent {
		return false, true
	}
	switch m.Event {
	case wechat.EventSubscribe, wechat.EventScan, wechat.EventClick, wechat.EventScanCodePush, wechat.EventScanCodeWaitMsg:
		return true, true
	}
	return false, false
}

// pushed opens the customer-service window of a push from the user.
func (g *messageAPI) pushed(m *wechat.Message, now time.Time) {
	event, ok := opens(m)
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.windows[m.FromUserName]
	if w == nil {
		w = &csWindow{}
		g.windows[m.FromUserName] = w
	}
	if event {
		w.event = windowGrant{expires: now.Add(eventWindow), left: eventWindowSends}
	} else {
		w.message = windowGrant{expires: now.Add(messageWindow), left: messageWindowSends}
	}
}

// OpenCustomerServiceWindow opens the customer-service window of openID
// as a message from the user does: 5 messages within 48 hours by the
// server's clock. It stands in for a push when a test does not link a
// Webhook to the server.
func (s *Server) OpenCustomerServiceWindow(openID string) {
	s.messages.pushed(&wechat.Message{MsgType: wechat.MsgTypeText, FromUserName: openID}, s.now())
}

// spendWindow checks that the customer-service window of f is open and,
// when send is set, uses one message of it. A blacklisted follower never
// opens one (45015). A follower the fake has seen no push for is not
// limited unless WithCustomerServiceWindow is set. Outside every window
// the answer is 45015; within one whose messages are used up, 45047.
func (g *messageAPI) spendWindow(f *Follower, now time.Time, send bool) *apiError {
	if f.Blacklisted {
		return fail(45015)
	}
	w := g.windows[f.OpenID]
	if w == nil {
		if g.s.cfg.csWindow {
			return fail(45015)
		}
		return nil
	}
	var open []*windowGrant
	for _, gr := range []*windowGrant{&w.event, &w.message} {
		if gr.open(now) {
			open = append(open, gr)
		}
	}
	if len(open) == 0 {
		return fail(45015)
	}
	for _, gr := range open {
		if gr.left > 0 {
			if send {
				gr.left--
			}
			return nil
		}
	}
	return fail(45047)
}

type templateSendRequest struct {
	ToUser      string                     `json:"touser"`
	TemplateID  string                     `json:"template_id"`
	ClientMsgID string                     `json:"client_msg_id"`
	Data        map[string]json.RawMessage `json:"data"`
}

// handleTemplateSend answers 发送模板消息 (POST message/template/send) with
// {"errcode":0,"errmsg":"ok","msgid":...} and records the message. The
// template must be one of the account's; every data item needs a
// non-empty value (47003 otherwise). A repeated client_msg_id for the same
// openid within ten minutes is not sent again: the first msgid is returned.
func (g *messageAPI) handleTemplateSend(x *exchange, req templateSendRequest) any {
	if _, e := g.s.users.check(req.ToUser); e != nil {
		return e
	}
	if req.TemplateID == "" {
		return fail(40036)
	}
	if findTemplate(g.templates, req.TemplateID) == nil {
		return fail(40037)
	}
	keys := make([]string, 0, len(req.Data))
	for k := range req.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var item struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(req.Data[k], &item) != nil || item.Value == "" {
			return failf(47003, "argument invalid! data."+k+".value is empty")
		}
	}
	dedupKey := req.ToUser + "\x00" + req.ClientMsgID
	if req.ClientMsgID != "" {
		if id, ok := g.templDedup[dedupKey]; ok {
			if m, ok := g.s.out.byID(id); ok && x.now.Sub(m.Time) < templateDedupTime {
				return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id}
			}
		}
	}
	id := g.s.next()
	if req.ClientMsgID != "" {
		g.templDedup[dedupKey] = id
	}
	g.s.out.record(SentMessage{Kind: TemplateMessage, ToUser: req.ToUser, TemplateID: req.TemplateID, MsgID: id}, x)
	return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id}
}

// templateID makes Template a privateTemplate.
func (t *Template) templateID() string { return t.ID }

// privateTemplate is a private template of the message APIs (Template)
// or of the subscribe messages (subscribeTemplate), which an account
// keeps in a list in the order added.
type privateTemplate interface{ templateID() string }

// findTemplate returns the template of list with id, or the zero T (a
// nil pointer) if there is none.
func findTemplate[T privateTemplate](list []T, id string) T {
	var none T
	if i := slices.IndexFunc(list, func(t T) bool { return t.templateID() == id }); i >= 0 {
		return list[i]
	}
	return none
}

// deleteTemplate answers a call that deletes the template with id from
// *list: 40037 (invalid template_id) when there is none.
func deleteTemplate[T privateTemplate](list *[]T, id string) any {
	i := slices.IndexFunc(*list, func(t T) bool { return t.templateID() == id })
	if i < 0 {
		return fail(40037)
	}
	*list = slices.Delete(*list, i, i+1)
	return okReply()
}

// addTemplateRequest is the body of template/api_add_template.
type addTemplateRequest struct {
	Short    string   `json:"template_id_short"`
	Keywords []string `json:"keyword_name_list"`
}

// handleAddTemplate answers 获得模板ID (POST template/api_add_template,
// {"template_id_short":"TM00015"}). An account holds at most 25 private
// templates.
func (g *messageAPI) handleAddTemplate(_ *exchange, req addTemplateRequest) any {
	if req.Short == "" {
		return fail(40036)
	}
	if len(g.templates) >= maxTemplates {
		return fail(45026)
	}
	t := &Template{ID: randomID(43), Title: req.Short}
	for i, k := range req.Keywords {
		t.Content += k + "：{{keyword" + strconv.Itoa(i+1) + ".DATA}}\n"
	}
	if n := g.industry[0]; n != 0 {
		t.PrimaryIndustry, t.DeputyIndustry = industryName(n)
	}
	g.templates = append(g.templates, t)
	return map[string]any{"errcode": 0, "errmsg": "ok", "template_id": t.ID}
}

// handleListTemplates answers 获取模板列表 (GET
// template/get_all_private_template).
func (g *messageAPI) handleListTemplates(*exchange) any {
	list := []any{}
	for _, t := range g.templates {
		list = append(list, map[string]any{
			"template_id": t.ID, "title": t.Title,
			"primary_industry": t.PrimaryIndustry, "deputy_industry": t.DeputyIndustry,
			"content": t.Content, "example": t.Example,
		})
	}
	return map[string]any{"template_list": list}
}

// deleteTemplateRequest is the body of template/del_private_template.
type deleteTemplateRequest struct {
	TemplateID string `json:"template_id"`
}

// handleDeleteTemplate answers 删除模板 (POST template/del_private_template).
func (g *messageAPI) handleDeleteTemplate(_ *exchange, req deleteTemplateRequest) any {
	return deleteTemplate(&g.templates, req.TemplateID)
}

// industryName returns the classes of a documented industry code (行业代码),
// "" for an unknown one.
func industryName(code int) (first, second string) {
	switch code {
	case 1:
		return "IT科技", "互联网|电子商务"
	case 2:
		return "IT科技", "IT软件与服务"
	case 3:
		return "IT科技", "IT硬件与设备"
	case 4:
		return "IT科技", "电子技术"
	case 5:
		return "IT科技", "通信与运营商"
	case 6:
		return "IT科技", "网络游戏"
	case 7:
		return "金融业", "银行"
	case 8:
		return "金融业", "基金|理财|信托"
	case 9:
		return "金融业", "保险"
	case 10:
		return "餐饮", "餐饮"
	case 11:
		return "酒店旅游", "酒店"
	case 12:
		return "酒店旅游", "旅游"
	case 13:
		return "运输与仓储", "快递"
	case 14:
		return "运输与仓储", "物流"
	case 15:
		return "运输与仓储", "仓储"
	case 16:
		return "教育", "培训"
	case 17:
		return "教育", "院校"
	case 18:
		return "政府与公共事业", "学术科研"
	case 19:
		return "政府与公共事业", "交警"
	case 20:
		return "政府与公共事业", "博物馆"
	case 21:
		return "政府与公共事业", "公共事业|非盈利机构"
	case 22:
		return "医药护理", "医药医疗"
	case 23:
		return "医药护理", "护理美容"
	case 24:
		return "医药护理", "保健与卫生"
	case 25:
		return "交通工具", "汽车相关"
	case 26:
		return "交通工具", "摩托车相关"
	case 27:
		return "交通工具", "火车相关"
	case 28:
		return "交通工具", "飞机相关"
	case 29:
		return "房地产", "建筑"
	case 30:
		return "房地产", "物业"
	case 31:
		return "消费品", "消费品"
	case 32:
		return "商业服务", "法律"
	case 33:
		return "商业服务", "会展"
	case 34:
		return "商业服务", "中介服务"
	case 35:
		return "商业服务", "认证"
	case 36:
		return "商业服务", "审计"
	case 37:
		return "文体娱乐", "传媒"
	case 38:
		return "文体娱乐", "体育"
	case 39:
		return "文体娱乐", "娱乐休闲"
	case 40:
		return "印刷", "印刷"
	case 41:
		return "其它", "其它"
	}
	return "", ""
}

// setIndustryRequest is the body of template/api_set_industry.
type setIndustryRequest struct {
	ID1 json.RawMessage `json:"industry_id1"`
	ID2 json.RawMessage `json:"industry_id2"`
}

// handleSetIndustry answers 设置所属行业 (POST template/api_set_industry,
// {"industry_id1":"1","industry_id2":"4"}). As documented, changing the
// industry deletes the account's templates.
func (g *messageAPI) handleSetIndustry(_ *exchange, req setIndustryRequest) any {
	id1, ok1 := jsonInt(req.ID1)
	id2, ok2 := jsonInt(req.ID2)
	if f, _ := industryName(int(id1)); !ok1 || f == "" {
		return fail(47003)
	}
	if f, _ := industryName(int(id2)); !ok2 || f == "" {
		return fail(47003)
	}
	next := [2]int{int(id1), int(id2)}
	if next != g.industry {
		g.industry = next
		g.templates = nil
	}
	return okReply()
}

// handleGetIndustry answers 获取设置的行业信息 (GET template/get_industry).
func (g *messageAPI) handleGetIndustry(*exchange) any {
	class := func(code int) map[string]string {
		f, sc := industryName(code)
		return map[string]string{"first_class": f, "second_class": sc}
	}
	return map[string]any{
		"primary_industry":   class(g.industry[0]),
		"secondary_industry": class(g.industry[1]),
	}
}

// massRecord remembers a mass send by its clientmsgid.
type massRecord struct {
	msgID int64
	at    time.Time
}

// checkMassContent checks the content of a mass send or preview: a
// msgtype mass sends take (40008 otherwise), its payload (47001) and its
// media (see checkMassMedia).
func (g *messageAPI) checkMassContent(env *envelope, now time.Time) *apiError {
	if !isMassType(env.MsgType) {
		return fail(40008)
	}
	if len(env.Fields[massPayloadKey(env)]) == 0 {
		return fail(47001)
	}
	return g.checkMassMedia(env, now)
}

// massCommon checks what sendall and send share: the msgtype and the
// clientmsgid. It returns a non-nil reply when the request is answered
// without sending.
func (g *messageAPI) massCommon(x *exchange, env *envelope) any {
	if e := g.checkMassContent(env, x.now); e != nil {
		return e
	}
	if clientID := jsonString(env.Fields["clientmsgid"]); clientID != "" {
		if r, ok := g.massDedup[clientID]; ok && x.now.Sub(r.at) < massDedupTime {
			e := fail(45065)
			e.extra = map[string]any{"msg_id": r.msgID}
			return e
		}
	}
	return nil
}

// massAccepted records a mass message and builds the reply of sendall and
// send: msg_data_id is only present for mpnews.
func (g *messageAPI) massAccepted(x *exchange, env *envelope, m SentMessage) any {
	m.Kind, m.MsgType, m.MsgID = MassMessage, env.MsgType, g.s.next()
	if clientID := jsonString(env.Fields["clientmsgid"]); clientID != "" {
		g.massDedup[clientID] = massRecord{msgID: m.MsgID, at: x.now}
	}
	g.mass[m.MsgID] = "SEND_SUCCESS"
	g.s.out.record(m, x)
	out := map[string]any{"errcode": 0, "errmsg": "send job submission success", "msg_id": m.MsgID}
	if env.MsgType == "mpnews" {
		// The articles of the draft take comments under the send's
		// msg_data_id.
		id := g.s.next() % 1e9
		out["msg_data_id"] = id
		g.s.comments.publish(strconv.FormatInt(id, 10), g.s.drafts.commentSettingsOf(jsonString(env.payload()["media_id"])))
	}
	return out
}

// handleMassSendAll answers 根据标签进行群发 (POST message/mass/sendall,
// {"filter":{"is_to_all":false,"tag_id":2},"msgtype":...}). A clientmsgid
// already used within 24 hours is answered 45065 with the earlier msg_id.
func (g *messageAPI) handleMassSendAll(x *exchange) any {
	env, e := x.decodeMessage()
	if e != nil {
		return e
	}
	var filter struct {
		IsToAll bool            `json:"is_to_all"`
		TagID   json.RawMessage `json:"tag_id"`
	}
	if json.Unmarshal(env.Fields["filter"], &filter) != nil {
		return fail(47001)
	}
	var tag int64
	if !filter.IsToAll {
		var ok bool
		tag, ok = jsonInt(filter.TagID)
		if !ok || !g.s.users.tagExists(int(tag)) {
			return fail(45159)
		}
	}
	if r := g.massCommon(x, env); r != nil {
		return r
	}
	return g.massAccepted(x, env, SentMessage{ToAll: filter.IsToAll, TagID: int(tag)})
}

// handleMassSend answers 根据OpenID列表群发 (POST message/mass/send,
// {"touser":[...],"msgtype":...}): two to 10000 openids.
func (g *messageAPI) handleMassSend(x *exchange) any {
	env, e := x.decodeMessage()
	if e != nil {
		return e
	}
	var to []string
	if json.Unmarshal(env.ToUser, &to) != nil {
		return fail(47001)
	}
	if len(to) < minMassSendOpenIDs || len(to) > maxMassSendOpenIDs {
		return fail(40130)
	}
	if r := g.massCommon(x, env); r != nil {
		return r
	}
	return g.massAccepted(x, env, SentMessage{ToUsers: slices.Clone(to)})
}

// handleMassPreview answers 预览接口 (POST message/mass/preview) and
// records the preview. It is addressed to a follower's openid (touser) or
// to anyone's WeChat ID (towxname), which wins when both are sent; a
// WeChat ID that cannot exist (6 to 20 letters, digits, '_' or '-',
// starting with a letter) fails with 40132.
func (g *messageAPI) handleMassPreview(x *exchange) any {
	env, e := x.decodeMessage()
	if e != nil {
		return e
	}
	m := SentMessage{Kind: MassPreview, MsgType: env.MsgType}
	if m.ToWxName = jsonString(env.Fields["towxname"]); m.ToWxName != "" {
		if !isWeChatID(m.ToWxName) {
			return fail(40132)
		}
	} else {
		m.ToUser = jsonString(env.ToUser)
		if _, e := g.s.users.check(m.ToUser); e != nil {
			return e
		}
	}
	if e := g.checkMassContent(env, x.now); e != nil {
		return e
	}
	m.MsgID = g.s.next()
	g.s.out.record(m, x)
	return map[string]any{"errcode": 0, "errmsg": "preview success", "msg_id": m.MsgID}
}

// isWeChatID reports whether id has the form of a WeChat ID (微信号): 6 to
// 20 characters, letters, digits, underscores and hyphens, starting with a
// letter.
func isWeChatID(id string) bool {
	if len(id) < 6 || len(id) > 20 {
		return false
	}
	for i, r := range id {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter || !letter && !(r >= '0' && r <= '9') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// massIDRequest is the {"msg_id":"..."} body of mass/get and
// mass/delete.
type massIDRequest struct {
	MsgID json.RawMessage `json:"msg_id"`
}

// massID returns the id of a mass send the fake made (47003 for any
// other).
func (g *messageAPI) massID(req massIDRequest) (int64, *apiError) {
	id, ok := jsonInt(req.MsgID)
	if !ok || g.mass[id] == "" {
		return 0, fail(47003)
	}
	return id, nil
}

// handleMassGet answers 查询群发消息发送状态 (POST message/mass/get,
// {"msg_id":"..."}): SEND_SUCCESS, or DELETE after mass/delete.
func (g *messageAPI) handleMassGet(_ *exchange, req massIDRequest) any {
	id, e := g.massID(req)
	if e != nil {
		return e
	}
	return map[string]any{"msg_id": id, "msg_status": g.mass[id]}
}

// handleMassDelete answers 删除群发 (POST message/mass/delete).
func (g *messageAPI) handleMassDelete(_ *exchange, req massIDRequest) any {
	id, e := g.massID(req)
	if e != nil {
		return e
	}
	g.mass[id] = "DELETE"
	return okReply()
}

// Mass send speed levels (群发速度) of message/mass/speed/set.
const (
	minMassSpeed = 0
	maxMassSpeed = 4
)

// massRealSpeed returns the documented rate of a speed level, in units of
// 10,000 messages a minute: 0 is 80w/min, 4 is 10w/min.
func massRealSpeed(level int) int {
	switch level {
	case 0:
		return 80
	case 1:
		return 60
	case 2:
		return 45
	case 3:
		return 30
	}
	return 10
}

// handleMassSpeedGet answers 获取群发速度 (POST message/mass/speed/get)
// with {"speed":N,"realspeed":M}. The level is 0 until speed/set changes
// it; realspeed is the documented rate of the level (WeChat reports the
// rate it actually achieves, which may be lower).
func (g *messageAPI) handleMassSpeedGet(*exchange) any {
	return map[string]any{"speed": g.massSpeed, "realspeed": massRealSpeed(g.massSpeed)}
}

// massSpeedRequest is the body of message/mass/speed/set.
type massSpeedRequest struct {
	Speed json.RawMessage `json:"speed"`
}

// handleMassSpeedSet answers 设置群发速度 (POST message/mass/speed/set,
// {"speed":N}): 45084 without a speed, 45083 for a level outside 0 to 4.
// Success is {"errcode":0,"errmsg":""}, as documented.
func (g *messageAPI) handleMassSpeedSet(_ *exchange, req massSpeedRequest) any {
	if len(req.Speed) == 0 || string(req.Speed) == "null" {
		return fail(45084)
	}
	level, ok := jsonInt(req.Speed)
	if !ok || level < minMassSpeed || level > maxMassSpeed {
		return fail(45083)
	}
	g.massSpeed = int(level)
	return map[string]any{"errcode": 0, "errmsg": ""}
}
