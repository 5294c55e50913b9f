package wechat

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// MsgType is the MsgType of a message WeChat pushes to the webhook (接收普通消息,
// 接收事件推送) or of a passive reply (被动回复用户消息).
type MsgType string

// Message types. Inbound messages carry the first eight; replies use
// text, image, voice, video, music, news and transfer_customer_service.
const (
	MsgTypeText       MsgType = "text"
	MsgTypeImage      MsgType = "image"
	MsgTypeVoice      MsgType = "voice"
	MsgTypeVideo      MsgType = "video"
	MsgTypeShortVideo MsgType = "shortvideo"
	MsgTypeLocation   MsgType = "location"
	MsgTypeLink       MsgType = "link"
	MsgTypeEvent      MsgType = "event"

	MsgTypeMusic                   MsgType = "music"
	MsgTypeNews                    MsgType = "news"
	MsgTypeTransferCustomerService MsgType = "transfer_customer_service"
)

// EventType is the Event of a message whose MsgType is MsgTypeEvent
// (接收事件推送). WeChat mixes upper and lower case; the constants hold the
// exact values it sends.
type EventType string

// Events.
const (
	// 关注/取消关注事件; a subscribe through a parametric QR code carries
	// EventKey "qrscene_<scene>" and Ticket.
	EventSubscribe   EventType = "subscribe"
	EventUnsubscribe EventType = "unsubscribe"
	// 扫描带参数二维码事件, when the user already follows the account.
	EventScan EventType = "SCAN"
	// 上报地理位置事件.
	EventLocation EventType = "LOCATION"

	// 自定义菜单事件.
	EventClick           EventType = "CLICK"
	EventView            EventType = "VIEW"
	EventScanCodePush    EventType = "scancode_push"
	EventScanCodeWaitMsg EventType = "scancode_waitmsg"
	EventPicSysPhoto     EventType = "pic_sysphoto"
	EventPicPhotoOrAlbum EventType = "pic_photo_or_album"
	EventPicWeixin       EventType = "pic_weixin"
	EventLocationSelect  EventType = "location_select"
	EventViewMiniProgram EventType = "view_miniprogram"

	// 模板消息发送结果, 群发结果 and 发布结果 (freepublish).
	EventTemplateSendJobFinish EventType = "TEMPLATESENDJOBFINISH"
	EventMassSendJobFinish     EventType = "MASSSENDJOBFINISH"
	EventPublishJobFinish      EventType = "PUBLISHJOBFINISH"

	// 订阅通知 events.
	EventSubscribeMsgPopup  EventType = "subscribe_msg_popup_event"
	EventSubscribeMsgChange EventType = "subscribe_msg_change_event"
	EventSubscribeMsgSent   EventType = "subscribe_msg_sent_event"

	// 客服会话 events.
	EventKfCreateSession EventType = "kf_create_session"
	EventKfCloseSession  EventType = "kf_close_session"
	EventKfSwitchSession EventType = "kf_switch_session"

	// 微信认证事件推送: the steps of the account's verification.
	EventQualificationVerifySuccess EventType = "qualification_verify_success"
	EventQualificationVerifyFail    EventType = "qualification_verify_fail"
	EventNamingVerifySuccess        EventType = "naming_verify_success"
	EventNamingVerifyFail           EventType = "naming_verify_fail"
	EventAnnualRenew                EventType = "annual_renew"   // 年审通知
	EventVerifyExpired              EventType = "verify_expired" // 认证过期失效通知
)

// Message is a message or event WeChat pushes to the webhook. It carries
// the common fields and the fields of every documented kind; only those
// of its kind are set. A kind this package does not model still parses:
// its common fields are set and Raw (or Lookup) gives the rest.
type Message struct {
	ToUserName   string  // the official account's original ID (gh_…)
	FromUserName string  // the sender's OpenID
	CreateTime   int64   // Unix seconds; see Time
	MsgType      MsgType // MsgTypeText, …, MsgTypeEvent

	// MsgID identifies a message (MsgId) and, for the job-finish
	// events, the job (MsgID). WeChat documents it as a 64-bit integer;
	// it is unsigned here so that every such value fits. Events carry
	// none.
	MsgID uint64
	// MsgDataID and Idx are set when a message comes from an article.
	MsgDataID string
	Idx       string

	Content string // text
	// BizMsgMenuID is the id of the choice the user tapped in a menu
	// message (SendMenuMessage); Content is the choice's text.
	BizMsgMenuID string // text (bizmsgmenuid)
	PicURL       string // image
	MediaID      string // image, voice, video, shortvideo
	MediaID16K   string // voice: the 16 kHz recording
	Format       string // voice: amr, speex, …
	Recognition  string // voice, when speech recognition is enabled
	ThumbMediaID string // video, shortvideo

	LocationX float64 // location: latitude (Location_X)
	LocationY float64 // location: longitude (Location_Y)
	Scale     int     // location: map zoom
	Label     string  // location: place name

	Title       string // link
	Description string // link
	URL         string // link (Url)

	Event    EventType
	EventKey string // CLICK key, VIEW URL, QR scene ("qrscene_…" on subscribe), …
	Ticket   string // subscribe through a QR code, SCAN

	Latitude  float64 // LOCATION
	Longitude float64 // LOCATION
	Precision float64 // LOCATION

	MenuID string // VIEW, view_miniprogram (MenuId)

	ScanCodeInfo     *ScanCodeInfo     // scancode_push, scancode_waitmsg
	SendPicsInfo     *SendPicsInfo     // pic_sysphoto, pic_photo_or_album, pic_weixin
	SendLocationInfo *SendLocationInfo // location_select

	// Status of TEMPLATESENDJOBFINISH ("success", "failed:user block",
	// "failed: system failed", …) and MASSSENDJOBFINISH ("send success",
	// "err(30003)", …).
	Status string

	// MASSSENDJOBFINISH.
	TotalCount           int
	FilterCount          int
	SentCount            int
	ErrorCount           int
	CopyrightCheckResult *CopyrightCheckResult
	ArticleURLResult     *ArticleURLResult

	// PUBLISHJOBFINISH.
	PublishEventInfo *PublishEventInfo

	// subscribe_msg_popup_event, subscribe_msg_change_event and
	// subscribe_msg_sent_event: one entry per template.
	SubscribeMsgPopupEvent  []SubscribeMsgPopup
	SubscribeMsgChangeEvent []SubscribeMsgChange
	SubscribeMsgSentEvent   []SubscribeMsgSent

	// kf_create_session and kf_close_session (KfAccount), kf_switch_session
	// (FromKfAccount, ToKfAccount).
	KfAccount     string
	FromKfAccount string
	ToKfAccount   string

	// ExpiredTime (Unix seconds) is when the account's verification
	// lapses: in qualification_verify_success, naming_verify_success,
	// annual_renew (renew before it) and verify_expired.
	ExpiredTime int64
	// FailTime (Unix seconds) and FailReason tell when and why
	// qualification_verify_fail or naming_verify_fail happened.
	FailTime   int64
	FailReason string

	// Raw is the XML the message was parsed from (decrypted, in safe
	// mode). ParseMessage does not copy it: it is the slice it was given.
	// Treat it as read-only: in a message the webhook parsed, the string
	// fields share its bytes.
	Raw []byte
}

// ScanCodeInfo is the result of a scancode_push or scancode_waitmsg menu
// button.
type ScanCodeInfo struct {
	ScanType   string // "qrcode", "barcode", …
	ScanResult string
}

// SendPicsInfo lists the pictures sent through a pic_* menu button.
type SendPicsInfo struct {
	Count      int
	PicMD5Sums []string // PicList/item/PicMd5Sum
}

// SendLocationInfo is the place chosen through a location_select menu
// button.
type SendLocationInfo struct {
	LocationX float64 // Location_X
	LocationY float64 // Location_Y
	Scale     int
	Label     string
	Poiname   string
}

// CopyrightCheckResult is the originality check of a mass send
// (MASSSENDJOBFINISH).
type CopyrightCheckResult struct {
	Count      int
	ResultList []CopyrightCheckItem
	// CheckState: 1 checking, 2 passed (all original or reprint
	// allowed), 3 failed.
	CheckState int
}

// CopyrightCheckItem is the check of one article of a mass send.
type CopyrightCheckItem struct {
	ArticleIdx            int
	UserDeclareState      int
	AuditState            int
	OriginalArticleURL    string // OriginalArticleUrl
	OriginalArticleType   int
	CanReprint            int
	NeedReplaceContent    int
	NeedShowReprintSource int
}

// ArticleURLResult lists the URLs of the articles of a mass send
// (ArticleUrlResult).
type ArticleURLResult struct {
	Count      int
	ResultList []ArticleURLItem
}

// ArticleURLItem is the URL of one article of a mass send.
type ArticleURLItem struct {
	ArticleIdx int
	ArticleURL string // ArticleUrl
}

// PublishEventInfo is the result of a freepublish job (PUBLISHJOBFINISH).
type PublishEventInfo struct {
	PublishID string // publish_id
	// PublishStatus is the job's outcome (publish_status), the same
	// values GetPublishStatus reports.
	PublishStatus PublishStatus // publish_status
	ArticleID     string        // article_id, on success
	// ArticleCount and Articles are article_detail (count, item), on
	// success.
	ArticleCount int
	Articles     []PublishEventArticle
	// FailIdx lists the failed articles (fail_idx), on failure.
	FailIdx []int
}

// PublishEventArticle is one published article (article_detail/item).
type PublishEventArticle struct {
	Idx        int    // idx, from 1
	ArticleURL string // article_url
}

// SubscribeMsgPopup is the user's choice for one template in the
// subscribe-notification pop-up (subscribe_msg_popup_event).
type SubscribeMsgPopup struct {
	TemplateID            string // TemplateId
	SubscribeStatusString string // "accept" or "reject"
	PopupScene            int    // 1 from a web page, 2 from a message
}

// SubscribeMsgChange is a change the user made to one template in the
// notification settings (subscribe_msg_change_event).
type SubscribeMsgChange struct {
	TemplateID            string // TemplateId
	SubscribeStatusString string // "reject"
}

// SubscribeMsgSent is the delivery result of one subscribe notification
// (subscribe_msg_sent_event).
type SubscribeMsgSent struct {
	TemplateID  string // TemplateId
	MsgID       uint64
	ErrorCode   int    // 0 on success
	ErrorStatus string // "success", "fail:user refuse", "fail:user block", "fail:system error"
}

// Time returns CreateTime as a time.Time.
func (m *Message) Time() time.Time { return time.Unix(m.CreateTime, 0) }

// QRScene returns the scene of a parametric QR code (带参数二维码) the user
// scanned: the EventKey of SCAN, or of subscribe without its "qrscene_"
// prefix. ok is false for other messages.
func (m *Message) QRScene() (scene string, ok bool) {
	if m.MsgType != MsgTypeEvent {
		return "", false
	}
	switch m.Event {
	case EventScan:
		return m.EventKey, m.EventKey != ""
	case EventSubscribe:
		if scene, ok := strings.CutPrefix(m.EventKey, "qrscene_"); ok {
			return scene, true
		}
	}
	return "", false
}

// Lookup returns the text of the first top-level element of Raw called
// name, for the fields of kinds this package does not model (for example
// "CardId" of a card event).
func (m *Message) Lookup(name string) (string, bool) {
	if len(m.Raw) == 0 {
		return "", false
	}
	var buf [32]xmlNode
	nodes, err := parseXML(string(m.Raw), buf[:0])
	if err != nil {
		return "", false
	}
	for c := nodes[0].child; c >= 0; c = nodes[c].next {
		if nodes[c].name == name {
			return nodes[c].text, true
		}
	}
	return "", false
}

// ParseError reports XML that is not well formed or a field that does not
// hold what WeChat documents (a number that is not one).
type ParseError struct {
	Offset int    // byte offset in the input where the problem was found
	Msg    string // what is wrong
	Err    error  // the underlying error, if any
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("wechat: bad XML at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(off int, msg string) error { return &ParseError{Offset: off, Msg: msg} }

// ParseMessage parses a message or event pushed by WeChat (the plaintext
// body, or the decrypted one in safe mode). Malformed XML, a root other
// than <xml>, more than a few thousand elements or a missing MsgType is a
// *ParseError. Kinds this package does not model parse without error; Raw
// keeps their XML.
//
// A number field whose text is not a number of its type (a CreateTime of
// "soon", a Scale beyond int) does not make the message unreadable, since
// WeChat would retry a push it cannot get answered and the message would
// be lost: the field is left zero and its text stays available through
// Lookup.
//
// Raw of the result is data itself: do not modify data afterwards.
func ParseMessage(data []byte) (*Message, error) {
	return parseMessage(data, string(data))
}

// parseOwnedMessage is ParseMessage of a body the webhook owns: a buffer
// it read or decrypted and never writes again. Its fields are substrings
// of the buffer itself, without the copy ParseMessage makes so that a
// caller may reuse its buffer.
func parseOwnedMessage(body []byte) (*Message, error) {
	return parseMessage(body, unsafe.String(unsafe.SliceData(body), len(body)))
}

// parseMessage parses data, whose text is s.
func parseMessage(data []byte, s string) (*Message, error) {
	var buf [32]xmlNode
	nodes, err := parseDocumentString(s, buf[:0])
	if err != nil {
		return nil, err
	}
	m := &Message{Raw: data}
	// A number that does not convert is left zero, as said above.
	_ = readDocument(nodes, m, messageField)
	if m.MsgType == "" {
		return nil, parseErr(0, "no MsgType")
	}
	return m, nil
}

// A kind is what a pushed message is: its MsgType and, for an event, its
// Event. The fields of messageFields name the kinds that carry them.
type kind struct {
	msgType MsgType
	event   EventType
	other   bool // a kind no field names
}

// Kinds that stand for several.
var (
	everyKind    = kind{}                                   // every message and event
	everyEvent   = kind{msgType: MsgTypeEvent}              // every event
	otherMessage = kind{other: true}                        // a message kind no field names
	otherEvent   = kind{msgType: MsgTypeEvent, other: true} // an event no field names
)

func messages(ts ...MsgType) []kind {
	ks := make([]kind, len(ts))
	for i, t := range ts {
		ks[i] = kind{msgType: t}
	}
	return ks
}

func events(es ...EventType) []kind {
	ks := make([]kind, len(es))
	for i, e := range es {
		ks[i] = kind{msgType: MsgTypeEvent, event: e}
	}
	return ks
}

// covers reports whether the kinds ks of a field include k.
func covers(ks []kind, k kind) bool {
	for _, w := range ks {
		if w == k || w == everyKind || w == everyEvent && k.msgType == MsgTypeEvent {
			return true
		}
	}
	return false
}

// messageElement is an element of a pushed message with the kinds that
// carry it.
type messageElement struct {
	field[Message]
	always  []kind // carry it whatever its value
	whenSet []kind // carry it when it is not zero
}

// carriedBy reports whether messages of kind k carry the element, and
// whether only when it is set.
func (e *messageElement) carriedBy(k kind) (carried, whenSet bool) {
	if covers(e.always, k) {
		return true, false
	}
	return covers(e.whenSet, k), true
}

// userMessages are the kinds of 接收普通消息.
var userMessages = append(messages(MsgTypeText, MsgTypeImage, MsgTypeVoice, MsgTypeVideo, MsgTypeShortVideo,
	MsgTypeLocation, MsgTypeLink), otherMessage)

// messageFields declares every element of a pushed message that Message
// models: its name, the field of Message that holds it, and the kinds
// that carry it. ParseMessage reads by it; XML writes each kind's
// elements in this order, which is that of WeChat's samples; the kinds
// it names are the ones known() reports. A new element is one entry here
// and its field in Message.
var messageFields = [...]messageElement{
	{text("ToUserName", func(m *Message) *string { return &m.ToUserName }), []kind{everyKind}, nil},
	{text("FromUserName", func(m *Message) *string { return &m.FromUserName }), []kind{everyKind}, nil},
	{integer("CreateTime", func(m *Message) *int64 { return &m.CreateTime }), []kind{everyKind}, nil},
	{text("MsgType", func(m *Message) *MsgType { return &m.MsgType }), []kind{everyKind}, nil},

	// 接收普通消息.
	{text("Content", func(m *Message) *string { return &m.Content }), messages(MsgTypeText), []kind{otherMessage}},
	{text("PicUrl", func(m *Message) *string { return &m.PicURL }), messages(MsgTypeImage), nil},
	{text("MediaId", func(m *Message) *string { return &m.MediaID }),
		messages(MsgTypeImage, MsgTypeVoice, MsgTypeVideo, MsgTypeShortVideo), nil},
	{text("Format", func(m *Message) *string { return &m.Format }), messages(MsgTypeVoice), nil},
	{text("Recognition", func(m *Message) *string { return &m.Recognition }), nil, messages(MsgTypeVoice)},
	{text("ThumbMediaId", func(m *Message) *string { return &m.ThumbMediaID }), messages(MsgTypeVideo, MsgTypeShortVideo), nil},
	{float("Location_X", func(m *Message) *float64 { return &m.LocationX }), messages(MsgTypeLocation), nil},
	{float("Location_Y", func(m *Message) *float64 { return &m.LocationY }), messages(MsgTypeLocation), nil},
	{integer("Scale", func(m *Message) *int { return &m.Scale }), messages(MsgTypeLocation), nil},
	{text("Label", func(m *Message) *string { return &m.Label }), messages(MsgTypeLocation), nil},
	{text("Title", func(m *Message) *string { return &m.Title }), messages(MsgTypeLink), nil},
	{text("Description", func(m *Message) *string { return &m.Description }), messages(MsgTypeLink), nil},
	{text("Url", func(m *Message) *string { return &m.URL }), messages(MsgTypeLink), nil},
	{unsigned("MsgId", func(m *Message) *uint64 { return &m.MsgID }).alias("MsgID"), userMessages, nil},
	{text("MsgDataId", func(m *Message) *string { return &m.MsgDataID }).plain(), nil, userMessages},
	{text("Idx", func(m *Message) *string { return &m.Idx }).plain(), nil, userMessages},
	{text("MediaId16K", func(m *Message) *string { return &m.MediaID16K }), nil, userMessages},
	{text("bizmsgmenuid", func(m *Message) *string { return &m.BizMsgMenuID }).plain(), nil, messages(MsgTypeText)},

	// 接收事件推送.
	{text("Event", func(m *Message) *EventType { return &m.Event }), []kind{everyEvent}, nil},
	{text("EventKey", func(m *Message) *string { return &m.EventKey }),
		events(EventScan, EventClick, EventView, EventViewMiniProgram, EventScanCodePush, EventScanCodeWaitMsg,
			EventPicSysPhoto, EventPicPhotoOrAlbum, EventPicWeixin, EventLocationSelect),
		append(events(EventSubscribe, EventUnsubscribe), otherEvent)},
	{text("Ticket", func(m *Message) *string { return &m.Ticket }), events(EventScan), events(EventSubscribe, EventUnsubscribe)},
	{float("Latitude", func(m *Message) *float64 { return &m.Latitude }), events(EventLocation), nil},
	{float("Longitude", func(m *Message) *float64 { return &m.Longitude }), events(EventLocation), nil},
	{float("Precision", func(m *Message) *float64 { return &m.Precision }), events(EventLocation), nil},
	{text("MenuId", func(m *Message) *string { return &m.MenuID }).plain(), events(EventViewMiniProgram), events(EventView)},
	{part("ScanCodeInfo", func(m *Message) **ScanCodeInfo { return &m.ScanCodeInfo },
		text("ScanType", func(s *ScanCodeInfo) *string { return &s.ScanType }),
		text("ScanResult", func(s *ScanCodeInfo) *string { return &s.ScanResult }),
	), events(EventScanCodePush, EventScanCodeWaitMsg), nil},
	{part("SendPicsInfo", func(m *Message) **SendPicsInfo { return &m.SendPicsInfo },
		integer("Count", func(s *SendPicsInfo) *int { return &s.Count }),
		list("PicList", func(s *SendPicsInfo) *[]string { return &s.PicMD5Sums },
			group("item", text("PicMd5Sum", self[string]))),
	), events(EventPicSysPhoto, EventPicPhotoOrAlbum, EventPicWeixin), nil},
	{part("SendLocationInfo", func(m *Message) **SendLocationInfo { return &m.SendLocationInfo },
		float("Location_X", func(s *SendLocationInfo) *float64 { return &s.LocationX }).inCDATA(),
		float("Location_Y", func(s *SendLocationInfo) *float64 { return &s.LocationY }).inCDATA(),
		integer("Scale", func(s *SendLocationInfo) *int { return &s.Scale }).inCDATA(),
		text("Label", func(s *SendLocationInfo) *string { return &s.Label }),
		text("Poiname", func(s *SendLocationInfo) *string { return &s.Poiname }),
	), events(EventLocationSelect), nil},

	// 模板消息, 群发 and 发布 results.
	{unsigned("MsgID", func(m *Message) *uint64 { return &m.MsgID }).alias("MsgId"),
		events(EventTemplateSendJobFinish, EventMassSendJobFinish), nil},
	{text("Status", func(m *Message) *string { return &m.Status }), events(EventTemplateSendJobFinish, EventMassSendJobFinish), nil},
	{integer("TotalCount", func(m *Message) *int { return &m.TotalCount }), events(EventMassSendJobFinish), nil},
	{integer("FilterCount", func(m *Message) *int { return &m.FilterCount }), events(EventMassSendJobFinish), nil},
	{integer("SentCount", func(m *Message) *int { return &m.SentCount }), events(EventMassSendJobFinish), nil},
	{integer("ErrorCount", func(m *Message) *int { return &m.ErrorCount }), events(EventMassSendJobFinish), nil},
	{part("CopyrightCheckResult", func(m *Message) **CopyrightCheckResult { return &m.CopyrightCheckResult },
		integer("Count", func(c *CopyrightCheckResult) *int { return &c.Count }),
		list("ResultList", func(c *CopyrightCheckResult) *[]CopyrightCheckItem { return &c.ResultList }, group("item",
			integer("ArticleIdx", func(it *CopyrightCheckItem) *int { return &it.ArticleIdx }),
			integer("UserDeclareState", func(it *CopyrightCheckItem) *int { return &it.UserDeclareState }),
			integer("AuditState", func(it *CopyrightCheckItem) *int { return &it.AuditState }),
			text("OriginalArticleUrl", func(it *CopyrightCheckItem) *string { return &it.OriginalArticleURL }),
			integer("OriginalArticleType", func(it *CopyrightCheckItem) *int { return &it.OriginalArticleType }),
			integer("CanReprint", func(it *CopyrightCheckItem) *int { return &it.CanReprint }),
			integer("NeedReplaceContent", func(it *CopyrightCheckItem) *int { return &it.NeedReplaceContent }),
			integer("NeedShowReprintSource", func(it *CopyrightCheckItem) *int { return &it.NeedShowReprintSource }),
		)),
		integer("CheckState", func(c *CopyrightCheckResult) *int { return &c.CheckState }),
	), nil, events(EventMassSendJobFinish)},
	{part("ArticleUrlResult", func(m *Message) **ArticleURLResult { return &m.ArticleURLResult },
		integer("Count", func(a *ArticleURLResult) *int { return &a.Count }),
		list("ResultList", func(a *ArticleURLResult) *[]ArticleURLItem { return &a.ResultList }, group("item",
			integer("ArticleIdx", func(it *ArticleURLItem) *int { return &it.ArticleIdx }),
			text("ArticleUrl", func(it *ArticleURLItem) *string { return &it.ArticleURL }),
		)),
	), nil, events(EventMassSendJobFinish)},
	{part("PublishEventInfo", func(m *Message) **PublishEventInfo { return &m.PublishEventInfo },
		text("publish_id", func(p *PublishEventInfo) *string { return &p.PublishID }).plain(),
		integer("publish_status", func(p *PublishEventInfo) *PublishStatus { return &p.PublishStatus }),
		text("article_id", func(p *PublishEventInfo) *string { return &p.ArticleID }).optional(),
		group("article_detail",
			integer("count", func(p *PublishEventInfo) *int { return &p.ArticleCount }),
			repeated(func(p *PublishEventInfo) *[]PublishEventArticle { return &p.Articles }, group("item",
				integer("idx", func(a *PublishEventArticle) *int { return &a.Idx }),
				text("article_url", func(a *PublishEventArticle) *string { return &a.ArticleURL }),
			)),
		).optional(),
		repeated(func(p *PublishEventInfo) *[]int { return &p.FailIdx }, integer("fail_idx", self[int])),
	), events(EventPublishJobFinish), nil},

	// 订阅通知 events.
	{list("SubscribeMsgPopupEvent", func(m *Message) *[]SubscribeMsgPopup { return &m.SubscribeMsgPopupEvent }, group("List",
		text("TemplateId", func(it *SubscribeMsgPopup) *string { return &it.TemplateID }),
		text("SubscribeStatusString", func(it *SubscribeMsgPopup) *string { return &it.SubscribeStatusString }),
		integer("PopupScene", func(it *SubscribeMsgPopup) *int { return &it.PopupScene }),
	)), events(EventSubscribeMsgPopup), nil},
	{list("SubscribeMsgChangeEvent", func(m *Message) *[]SubscribeMsgChange { return &m.SubscribeMsgChangeEvent }, group("List",
		text("TemplateId", func(it *SubscribeMsgChange) *string { return &it.TemplateID }),
		text("SubscribeStatusString", func(it *SubscribeMsgChange) *string { return &it.SubscribeStatusString }),
	)), events(EventSubscribeMsgChange), nil},
	{list("SubscribeMsgSentEvent", func(m *Message) *[]SubscribeMsgSent { return &m.SubscribeMsgSentEvent }, group("List",
		text("TemplateId", func(it *SubscribeMsgSent) *string { return &it.TemplateID }),
		unsigned("MsgID", func(it *SubscribeMsgSent) *uint64 { return &it.MsgID }).alias("MsgId"),
		integer("ErrorCode", func(it *SubscribeMsgSent) *int { return &it.ErrorCode }),
		text("ErrorStatus", func(it *SubscribeMsgSent) *string { return &it.ErrorStatus }),
	)), events(EventSubscribeMsgSent), nil},

	// 客服会话 events.
	{text("KfAccount", func(m *Message) *string { return &m.KfAccount }), events(EventKfCreateSession, EventKfCloseSession), nil},
	{text("FromKfAccount", func(m *Message) *string { return &m.FromKfAccount }), events(EventKfSwitchSession), nil},
	{text("ToKfAccount", func(m *Message) *string { return &m.ToKfAccount }), events(EventKfSwitchSession), nil},

	// 微信认证 events.
	{integer("ExpiredTime", func(m *Message) *int64 { return &m.ExpiredTime }),
		events(EventQualificationVerifySuccess, EventNamingVerifySuccess, EventAnnualRenew, EventVerifyExpired), nil},
	{integer("FailTime", func(m *Message) *int64 { return &m.FailTime }),
		events(EventQualificationVerifyFail, EventNamingVerifyFail), nil},
	{text("FailReason", func(m *Message) *string { return &m.FailReason }),
		events(EventQualificationVerifyFail, EventNamingVerifyFail), nil},
}

// messageIndex finds the entries of messageFields by element name, for
// ParseMessage.
var messageIndex = func() *nameIndex {
	var x nameIndex
	for i := range messageFields {
		if f := &messageFields[i]; x.find(f.name) < 0 {
			x.add(f.name, i)
		}
		if f := &messageFields[i]; f.alt != "" && x.find(f.alt) < 0 {
			x.add(f.alt, i)
		}
	}
	return &x
}()

// messageLayouts gives, for each kind messageFields names (otherMessage
// and otherEvent included), the entries its messages carry, in order.
// XML writes by it; a kind without one is not modelled.
var messageLayouts = func() map[kind][]layoutEntry {
	layouts := make(map[kind][]layoutEntry)
	for i := range messageFields {
		f := &messageFields[i]
		for _, k := range append(slices.Clip(f.always), f.whenSet...) {
			if k == everyKind || k == everyEvent || layouts[k] != nil {
				continue
			}
			for j := range messageFields {
				if carried, whenSet := messageFields[j].carriedBy(k); carried {
					layouts[k] = append(layouts[k], layoutEntry{field: j, whenSet: whenSet})
				}
			}
		}
	}
	return layouts
}()

// layoutEntry is an element a kind carries.
type layoutEntry struct {
	field   int  // its index in messageFields
	whenSet bool // carried only when it is not zero
}

// messageField returns the field of the element called name, or nil.
func messageField(name string) *field[Message] {
	if i := messageIndex.find(name); i >= 0 {
		return &messageFields[i].field
	}
	return nil
}

// kind returns the kind of m; known is false, and k otherMessage or
// otherEvent, when no field names it.
func (m *Message) kind() (k kind, known bool) {
	k = kind{msgType: m.MsgType}
	if m.MsgType == MsgTypeEvent {
		k.event = m.Event
	}
	if _, ok := messageLayouts[k]; ok && m.MsgType != "" && k != everyEvent {
		return k, true
	}
	if m.MsgType == MsgTypeEvent {
		return otherEvent, false
	}
	return otherMessage, false
}

// known reports whether messageFields names the kind of m.
func (m *Message) known() bool {
	_, ok := m.kind()
	return ok
}

// Rendering.

// errNoMsgType is returned by XML for a Message without MsgType.
var errNoMsgType = errors.New("wechat: message has no MsgType")

// XML renders m as WeChat pushes it: the element names, order and CDATA
// use of the documented samples, with no indentation. ParseMessage of the
// result gives back m (without Raw), so a parsed message of any kind
// survives the round trip: a kind this package models is written from its
// fields, followed by the top-level elements of Raw that none of them
// holds (the AgentID of an enterprise account, an element WeChat added
// later), copied as they stand; a kind it does not model is Raw itself.
// Without Raw, an unmodelled kind keeps only its common fields (and the
// Event and EventKey of an event). Text is always safe: "]]>" is split
// across CDATA sections and characters XML cannot carry become U+FFFD.
func (m *Message) XML() ([]byte, error) {
	k, known := m.kind()
	if !known && len(m.Raw) > 0 {
		return append([]byte(nil), m.Raw...), nil
	}
	if m.MsgType == "" {
		return nil, errNoMsgType
	}
	if m.MsgType == MsgTypeEvent && m.Event == "" {
		return nil, errors.New("wechat: event message has no Event")
	}
	b := make([]byte, 0, 256+len(m.Content))
	b = append(b, "<xml>"...)
	for _, e := range messageLayouts[k] {
		if f := &messageFields[e.field].field; !(e.whenSet && f.zero(m)) {
			b = f.write(f, b, m)
		}
	}
	b = m.appendUnmodelled(b, k)
	return append(b, "</xml>"...), nil
}

// appendUnmodelled appends the top-level elements of m.Raw that kind k
// does not carry, as they stand. Raw that does not parse adds nothing.
func (m *Message) appendUnmodelled(b []byte, k kind) []byte {
	if len(m.Raw) == 0 {
		return b
	}
	var buf [32]xmlNode
	nodes, err := parseDocument(m.Raw, buf[:0])
	if err != nil {
		return b
	}
	for c := nodes[0].child; c >= 0; c = nodes[c].next {
		if n := &nodes[c]; !carries(k, n.name) {
			b = append(b, m.Raw[n.off:n.end]...)
		}
	}
	return b
}

// carries reports whether kind k carries an element called name. Both
// spellings of an element count: a text message's MsgId is also its
// MsgID, so an <MsgID> in Raw is not written a second time.
func carries(k kind, name string) bool {
	for _, e := range messageLayouts[k] {
		if f := &messageFields[e.field]; f.name == name || f.alt == name {
			return true
		}
	}
	return false
}
