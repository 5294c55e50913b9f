package wechat

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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

	Content      string // text
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

	// Raw is the XML the message was parsed from (decrypted, in safe
	// mode). ParseMessage does not copy it: it is the slice it was given.
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
	var buf [32]xmlNode
	nodes, err := parseDocument(data, buf[:0])
	if err != nil {
		return nil, err
	}
	m := &Message{Raw: data}
	var ferr error
	r := fieldReader{nodes: nodes, err: &ferr}
	r.message(m)
	if m.MsgType == "" {
		return nil, parseErr(0, "no MsgType")
	}
	return m, nil
}

// fieldReader copies parsed nodes into typed fields and keeps the first
// conversion error. A number that does not convert is left zero.
type fieldReader struct {
	nodes []xmlNode
	err   *error // kept apart from nodes, which may live on the stack
}

func (r *fieldReader) fail(e *ParseError) {
	if *r.err == nil {
		*r.err = e
	}
}

func (r *fieldReader) uint64(n *xmlNode) uint64 {
	if n.text == "" {
		return 0
	}
	v, err := strconv.ParseUint(n.text, 10, 64)
	if err != nil {
		r.fail(&ParseError{Offset: int(n.off), Msg: fmt.Sprintf("<%s> is not an unsigned integer", n.name), Err: err})
		return 0
	}
	return v
}

func (r *fieldReader) int64(n *xmlNode) int64 {
	if n.text == "" {
		return 0
	}
	v, err := strconv.ParseInt(n.text, 10, 64)
	if err != nil {
		r.fail(&ParseError{Offset: int(n.off), Msg: fmt.Sprintf("<%s> is not an integer", n.name), Err: err})
		return 0
	}
	return v
}

func (r *fieldReader) int(n *xmlNode) int {
	v := r.int64(n)
	if int64(int(v)) != v {
		r.fail(&ParseError{Offset: int(n.off), Msg: fmt.Sprintf("<%s> is out of range", n.name)})
		return 0
	}
	return int(v)
}

func (r *fieldReader) float(n *xmlNode) float64 {
	if n.text == "" {
		return 0
	}
	v, err := strconv.ParseFloat(n.text, 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = strconv.ErrSyntax
	}
	if err != nil {
		r.fail(&ParseError{Offset: int(n.off), Msg: fmt.Sprintf("<%s> is not a number", n.name), Err: err})
		return 0
	}
	return v
}

func (r *fieldReader) message(m *Message) {
	for c := r.nodes[0].child; c >= 0; c = r.nodes[c].next {
		n := &r.nodes[c]
		switch n.name {
		case "ToUserName":
			m.ToUserName = n.text
		case "FromUserName":
			m.FromUserName = n.text
		case "CreateTime":
			m.CreateTime = r.int64(n)
		case "MsgType":
			m.MsgType = MsgType(n.text)
		case "MsgId", "MsgID":
			m.MsgID = r.uint64(n)
		case "MsgDataId":
			m.MsgDataID = n.text
		case "Idx":
			m.Idx = n.text
		case "Content":
			m.Content = n.text
		case "PicUrl":
			m.PicURL = n.text
		case "MediaId":
			m.MediaID = n.text
		case "MediaId16K":
			m.MediaID16K = n.text
		case "Format":
			m.Format = n.text
		case "Recognition":
			m.Recognition = n.text
		case "ThumbMediaId":
			m.ThumbMediaID = n.text
		case "Location_X":
			m.LocationX = r.float(n)
		case "Location_Y":
			m.LocationY = r.float(n)
		case "Scale":
			m.Scale = r.int(n)
		case "Label":
			m.Label = n.text
		case "Title":
			m.Title = n.text
		case "Description":
			m.Description = n.text
		case "Url":
			m.URL = n.text
		case "Event":
			m.Event = EventType(n.text)
		case "EventKey":
			m.EventKey = n.text
		case "Ticket":
			m.Ticket = n.text
		case "Latitude":
			m.Latitude = r.float(n)
		case "Longitude":
			m.Longitude = r.float(n)
		case "Precision":
			m.Precision = r.float(n)
		case "MenuId":
			m.MenuID = n.text
		case "ScanCodeInfo":
			m.ScanCodeInfo = r.scanCodeInfo(c)
		case "SendPicsInfo":
			m.SendPicsInfo = r.sendPicsInfo(c)
		case "SendLocationInfo":
			m.SendLocationInfo = r.sendLocationInfo(c)
		case "Status":
			m.Status = n.text
		case "TotalCount":
			m.TotalCount = r.int(n)
		case "FilterCount":
			m.FilterCount = r.int(n)
		case "SentCount":
			m.SentCount = r.int(n)
		case "ErrorCount":
			m.ErrorCount = r.int(n)
		case "CopyrightCheckResult":
			m.CopyrightCheckResult = r.copyrightCheckResult(c)
		case "ArticleUrlResult":
			m.ArticleURLResult = r.articleURLResult(c)
		case "PublishEventInfo":
			m.PublishEventInfo = r.publishEventInfo(c)
		case "SubscribeMsgPopupEvent":
			m.SubscribeMsgPopupEvent = r.subscribeMsgPopup(c)
		case "SubscribeMsgChangeEvent":
			m.SubscribeMsgChangeEvent = r.subscribeMsgChange(c)
		case "SubscribeMsgSentEvent":
			m.SubscribeMsgSentEvent = r.subscribeMsgSent(c)
		case "KfAccount":
			m.KfAccount = n.text
		case "FromKfAccount":
			m.FromKfAccount = n.text
		case "ToKfAccount":
			m.ToKfAccount = n.text
		}
	}
}

func (r *fieldReader) scanCodeInfo(i int32) *ScanCodeInfo {
	v := &ScanCodeInfo{}
	for n := r.child(&r.nodes[i]); n != nil; n = r.next(n) {
		switch n.name {
		case "ScanType":
			v.ScanType = n.text
		case "ScanResult":
			v.ScanResult = n.text
		}
	}
	return v
}

func (r *fieldReader) sendPicsInfo(i int32) *SendPicsInfo {
	v := &SendPicsInfo{}
	for c := r.nodes[i].child; c >= 0; c = r.nodes[c].next {
		n := &r.nodes[c]
		switch n.name {
		case "Count":
			v.Count = r.int(n)
		case "PicList":
			for item := r.child(&r.nodes[c]); item != nil; item = r.next(item) {
				if item.name != "item" {
					continue
				}
				sum := ""
				for f := r.child(item); f != nil; f = r.next(f) {
					if f.name == "PicMd5Sum" {
						sum = f.text
					}
				}
				v.PicMD5Sums = append(v.PicMD5Sums, sum)
			}
		}
	}
	return v
}

func (r *fieldReader) sendLocationInfo(i int32) *SendLocationInfo {
	v := &SendLocationInfo{}
	for n := r.child(&r.nodes[i]); n != nil; n = r.next(n) {
		switch n.name {
		case "Location_X":
			v.LocationX = r.float(n)
		case "Location_Y":
			v.LocationY = r.float(n)
		case "Scale":
			v.Scale = r.int(n)
		case "Label":
			v.Label = n.text
		case "Poiname":
			v.Poiname = n.text
		}
	}
	return v
}

func (r *fieldReader) copyrightCheckResult(i int32) *CopyrightCheckResult {
	v := &CopyrightCheckResult{}
	for c := r.nodes[i].child; c >= 0; c = r.nodes[c].next {
		n := &r.nodes[c]
		switch n.name {
		case "Count":
			v.Count = r.int(n)
		case "CheckState":
			v.CheckState = r.int(n)
		case "ResultList":
			for item := r.child(&r.nodes[c]); item != nil; item = r.next(item) {
				if item.name != "item" {
					continue
				}
				var it CopyrightCheckItem
				for f := r.child(item); f != nil; f = r.next(f) {
					switch f.name {
					case "ArticleIdx":
						it.ArticleIdx = r.int(f)
					case "UserDeclareState":
						it.UserDeclareState = r.int(f)
					case "AuditState":
						it.AuditState = r.int(f)
					case "OriginalArticleUrl":
						it.OriginalArticleURL = f.text
					case "OriginalArticleType":
						it.OriginalArticleType = r.int(f)
					case "CanReprint":
						it.CanReprint = r.int(f)
					case "NeedReplaceContent":
						it.NeedReplaceContent = r.int(f)
					case "NeedShowReprintSource":
						it.NeedShowReprintSource = r.int(f)
					}
				}
				v.ResultList = append(v.ResultList, it)
			}
		}
	}
	return v
}

func (r *fieldReader) articleURLResult(i int32) *ArticleURLResult {
	v := &ArticleURLResult{}
	for c := r.nodes[i].child; c >= 0; c = r.nodes[c].next {
		n := &r.nodes[c]
		switch n.name {
		case "Count":
			v.Count = r.int(n)
		case "ResultList":
			for item := r.child(&r.nodes[c]); item != nil; item = r.next(item) {
				if item.name != "item" {
					continue
				}
				var it ArticleURLItem
				for f := r.child(item); f != nil; f = r.next(f) {
					switch f.name {
					case "ArticleIdx":
						it.ArticleIdx = r.int(f)
					case "ArticleUrl":
						it.ArticleURL = f.text
					}
				}
				v.ResultList = append(v.ResultList, it)
			}
		}
	}
	return v
}

func (r *fieldReader) publishEventInfo(i int32) *PublishEventInfo {
	v := &PublishEventInfo{}
	for c := r.nodes[i].child; c >= 0; c = r.nodes[c].next {
		n := &r.nodes[c]
		switch n.name {
		case "publish_id":
			v.PublishID = n.text
		case "publish_status":
			v.PublishStatus = PublishStatus(r.int(n))
		case "article_id":
			v.ArticleID = n.text
		case "fail_idx":
			v.FailIdx = append(v.FailIdx, r.int(n))
		case "article_detail":
			for d := r.child(&r.nodes[c]); d != nil; d = r.next(d) {
				switch d.name {
				case "count":
					v.ArticleCount = r.int(d)
				case "item":
					var it PublishEventArticle
					for f := r.child(d); f != nil; f = r.next(f) {
						switch f.name {
						case "idx":
							it.Idx = r.int(f)
						case "article_url":
							it.ArticleURL = f.text
						}
					}
					v.Articles = append(v.Articles, it)
				}
			}
		}
	}
	return v
}

func (r *fieldReader) subscribeMsgPopup(i int32) []SubscribeMsgPopup {
	var out []SubscribeMsgPopup
	for l := r.child(&r.nodes[i]); l != nil; l = r.next(l) {
		if l.name != "List" {
			continue
		}
		var it SubscribeMsgPopup
		for f := r.child(l); f != nil; f = r.next(f) {
			switch f.name {
			case "TemplateId":
				it.TemplateID = f.text
			case "SubscribeStatusString":
				it.SubscribeStatusString = f.text
			case "PopupScene":
				it.PopupScene = r.int(f)
			}
		}
		out = append(out, it)
	}
	return out
}

func (r *fieldReader) subscribeMsgChange(i int32) []SubscribeMsgChange {
	var out []SubscribeMsgChange
	for l := r.child(&r.nodes[i]); l != nil; l = r.next(l) {
		if l.name != "List" {
			continue
		}
		var it SubscribeMsgChange
		for f := r.child(l); f != nil; f = r.next(f) {
			switch f.name {
			case "TemplateId":
				it.TemplateID = f.text
			case "SubscribeStatusString":
				it.SubscribeStatusString = f.text
			}
		}
		out = append(out, it)
	}
	return out
}

func (r *fieldReader) subscribeMsgSent(i int32) []SubscribeMsgSent {
	var out []SubscribeMsgSent
	for l := r.child(&r.nodes[i]); l != nil; l = r.next(l) {
		if l.name != "List" {
			continue
		}
		var it SubscribeMsgSent
		for f := r.child(l); f != nil; f = r.next(f) {
			switch f.name {
			case "TemplateId":
				it.TemplateID = f.text
			case "MsgID", "MsgId":
				it.MsgID = r.uint64(f)
			case "ErrorCode":
				it.ErrorCode = r.int(f)
			case "ErrorStatus":
				it.ErrorStatus = f.text
			}
		}
		out = append(out, it)
	}
	return out
}

// child returns the first child of n, which points into r.nodes, or nil.
func (r *fieldReader) child(n *xmlNode) *xmlNode {
	if n.child < 0 {
		return nil
	}
	return &r.nodes[n.child]
}

// next returns the next sibling of n, or nil.
func (r *fieldReader) next(n *xmlNode) *xmlNode {
	if n.next < 0 {
		return nil
	}
	return &r.nodes[n.next]
}

// Rendering.

// errNoMsgType is returned by XML for a Message without MsgType.
var errNoMsgType = errors.New("wechat: message has no MsgType")

// XML renders m as WeChat pushes it: the element names, order and CDATA
// use of the documented samples, with no indentation. ParseMessage of the
// result gives back m (without Raw). A kind this package does not model
// is rendered from Raw when m has it, so a parsed message of any kind
// survives the round trip; without Raw only its common fields (and the
// Event and EventKey of an event) are written. Text is always safe: "]]>" is split across CDATA sections and
// characters XML cannot carry become U+FFFD.
func (m *Message) XML() ([]byte, error) {
	if !m.known() && len(m.Raw) > 0 {
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
	b = appendStr(b, "ToUserName", m.ToUserName)
	b = appendStr(b, "FromUserName", m.FromUserName)
	b = appendInt(b, "CreateTime", m.CreateTime)
	b = appendStr(b, "MsgType", string(m.MsgType))
	if m.MsgType == MsgTypeEvent {
		b = m.appendEvent(b)
	} else {
		b = m.appendMessage(b)
	}
	b = append(b, "</xml>"...)
	return b, nil
}

func (m *Message) known() bool {
	switch m.MsgType {
	case MsgTypeText, MsgTypeImage, MsgTypeVoice, MsgTypeVideo, MsgTypeShortVideo, MsgTypeLocation, MsgTypeLink:
		return true
	case MsgTypeEvent:
		switch m.Event {
		case EventSubscribe, EventUnsubscribe, EventScan, EventLocation, EventClick, EventView,
			EventScanCodePush, EventScanCodeWaitMsg, EventPicSysPhoto, EventPicPhotoOrAlbum, EventPicWeixin,
			EventLocationSelect, EventViewMiniProgram, EventTemplateSendJobFinish, EventMassSendJobFinish,
			EventPublishJobFinish, EventSubscribeMsgPopup, EventSubscribeMsgChange, EventSubscribeMsgSent,
			EventKfCreateSession, EventKfCloseSession, EventKfSwitchSession:
			return true
		}
	}
	return false
}

func (m *Message) appendMessage(b []byte) []byte {
	switch m.MsgType {
	case MsgTypeText:
		b = appendStr(b, "Content", m.Content)
	case MsgTypeImage:
		b = appendStr(b, "PicUrl", m.PicURL)
		b = appendStr(b, "MediaId", m.MediaID)
	case MsgTypeVoice:
		b = appendStr(b, "MediaId", m.MediaID)
		b = appendStr(b, "Format", m.Format)
		if m.Recognition != "" {
			b = appendStr(b, "Recognition", m.Recognition)
		}
	case MsgTypeVideo, MsgTypeShortVideo:
		b = appendStr(b, "MediaId", m.MediaID)
		b = appendStr(b, "ThumbMediaId", m.ThumbMediaID)
	case MsgTypeLocation:
		b = appendFloat(b, "Location_X", m.LocationX)
		b = appendFloat(b, "Location_Y", m.LocationY)
		b = appendInt(b, "Scale", int64(m.Scale))
		b = appendStr(b, "Label", m.Label)
	case MsgTypeLink:
		b = appendStr(b, "Title", m.Title)
		b = appendStr(b, "Description", m.Description)
		b = appendStr(b, "Url", m.URL)
	default:
		if m.Content != "" {
			b = appendStr(b, "Content", m.Content)
		}
	}
	b = appendUint(b, "MsgId", m.MsgID)
	if m.MsgDataID != "" {
		b = appendRawText(b, "MsgDataId", m.MsgDataID)
	}
	if m.Idx != "" {
		b = appendRawText(b, "Idx", m.Idx)
	}
	if m.MediaID16K != "" {
		b = appendStr(b, "MediaId16K", m.MediaID16K)
	}
	return b
}

func (m *Message) appendEvent(b []byte) []byte {
	b = appendStr(b, "Event", string(m.Event))
	switch m.Event {
	case EventSubscribe, EventUnsubscribe, EventScan:
		if m.EventKey != "" || m.Event == EventScan {
			b = appendStr(b, "EventKey", m.EventKey)
		}
		if m.Ticket != "" || m.Event == EventScan {
			b = appendStr(b, "Ticket", m.Ticket)
		}
	case EventLocation:
		b = appendFloat(b, "Latitude", m.Latitude)
		b = appendFloat(b, "Longitude", m.Longitude)
		b = appendFloat(b, "Precision", m.Precision)
	case EventClick:
		b = appendStr(b, "EventKey", m.EventKey)
	case EventView, EventViewMiniProgram:
		b = appendStr(b, "EventKey", m.EventKey)
		if m.MenuID != "" || m.Event == EventViewMiniProgram {
			b = appendRawText(b, "MenuId", m.MenuID)
		}
	case EventScanCodePush, EventScanCodeWaitMsg:
		b = appendStr(b, "EventKey", m.EventKey)
		s := m.ScanCodeInfo
		if s == nil {
			s = &ScanCodeInfo{}
		}
		b = append(b, "<ScanCodeInfo>"...)
		b = appendStr(b, "ScanType", s.ScanType)
		b = appendStr(b, "ScanResult", s.ScanResult)
		b = append(b, "</ScanCodeInfo>"...)
	case EventPicSysPhoto, EventPicPhotoOrAlbum, EventPicWeixin:
		b = appendStr(b, "EventKey", m.EventKey)
		p := m.SendPicsInfo
		if p == nil {
			p = &SendPicsInfo{}
		}
		b = append(b, "<SendPicsInfo>"...)
		b = appendInt(b, "Count", int64(p.Count))
		b = append(b, "<PicList>"...)
		for _, sum := range p.PicMD5Sums {
			b = append(b, "<item>"...)
			b = appendStr(b, "PicMd5Sum", sum)
			b = append(b, "</item>"...)
		}
		b = append(b, "</PicList></SendPicsInfo>"...)
	case EventLocationSelect:
		b = appendStr(b, "EventKey", m.EventKey)
		l := m.SendLocationInfo
		if l == nil {
			l = &SendLocationInfo{}
		}
		b = append(b, "<SendLocationInfo>"...)
		b = appendStr(b, "Location_X", strconv.FormatFloat(l.LocationX, 'f', -1, 64))
		b = appendStr(b, "Location_Y", strconv.FormatFloat(l.LocationY, 'f', -1, 64))
		b = appendStr(b, "Scale", strconv.Itoa(l.Scale))
		b = appendStr(b, "Label", l.Label)
		b = appendStr(b, "Poiname", l.Poiname)
		b = append(b, "</SendLocationInfo>"...)
	case EventTemplateSendJobFinish:
		b = appendUint(b, "MsgID", m.MsgID)
		b = appendStr(b, "Status", m.Status)
	case EventMassSendJobFinish:
		b = m.appendMassSendJobFinish(b)
	case EventPublishJobFinish:
		b = m.appendPublishJobFinish(b)
	case EventSubscribeMsgPopup:
		b = append(b, "<SubscribeMsgPopupEvent>"...)
		for _, it := range m.SubscribeMsgPopupEvent {
			b = append(b, "<List>"...)
			b = appendStr(b, "TemplateId", it.TemplateID)
			b = appendStr(b, "SubscribeStatusString", it.SubscribeStatusString)
			b = appendInt(b, "PopupScene", int64(it.PopupScene))
			b = append(b, "</List>"...)
		}
		b = append(b, "</SubscribeMsgPopupEvent>"...)
	case EventSubscribeMsgChange:
		b = append(b, "<SubscribeMsgChangeEvent>"...)
		for _, it := range m.SubscribeMsgChangeEvent {
			b = append(b, "<List>"...)
			b = appendStr(b, "TemplateId", it.TemplateID)
			b = appendStr(b, "SubscribeStatusString", it.SubscribeStatusString)
			b = append(b, "</List>"...)
		}
		b = append(b, "</SubscribeMsgChangeEvent>"...)
	case EventSubscribeMsgSent:
		b = append(b, "<SubscribeMsgSentEvent>"...)
		for _, it := range m.SubscribeMsgSentEvent {
			b = append(b, "<List>"...)
			b = appendStr(b, "TemplateId", it.TemplateID)
			b = appendUint(b, "MsgID", it.MsgID)
			b = appendInt(b, "ErrorCode", int64(it.ErrorCode))
			b = appendStr(b, "ErrorStatus", it.ErrorStatus)
			b = append(b, "</List>"...)
		}
		b = append(b, "</SubscribeMsgSentEvent>"...)
	case EventKfCreateSession, EventKfCloseSession:
		b = appendStr(b, "KfAccount", m.KfAccount)
	case EventKfSwitchSession:
		b = appendStr(b, "FromKfAccount", m.FromKfAccount)
		b = appendStr(b, "ToKfAccount", m.ToKfAccount)
	default:
		// An event this package does not model: EventKey is the one
		// field most of them carry.
		if m.EventKey != "" {
			b = appendStr(b, "EventKey", m.EventKey)
		}
	}
	return b
}

func (m *Message) appendMassSendJobFinish(b []byte) []byte {
	b = appendUint(b, "MsgID", m.MsgID)
	b = appendStr(b, "Status", m.Status)
	b = appendInt(b, "TotalCount", int64(m.TotalCount))
	b = appendInt(b, "FilterCount", int64(m.FilterCount))
	b = appendInt(b, "SentCount", int64(m.SentCount))
	b = appendInt(b, "ErrorCount", int64(m.ErrorCount))
	if c := m.CopyrightCheckResult; c != nil {
		b = append(b, "<CopyrightCheckResult>"...)
		b = appendInt(b, "Count", int64(c.Count))
		b = append(b, "<ResultList>"...)
		for _, it := range c.ResultList {
			b = append(b, "<item>"...)
			b = appendInt(b, "ArticleIdx", int64(it.ArticleIdx))
			b = appendInt(b, "UserDeclareState", int64(it.UserDeclareState))
			b = appendInt(b, "AuditState", int64(it.AuditState))
			b = appendStr(b, "OriginalArticleUrl", it.OriginalArticleURL)
			b = appendInt(b, "OriginalArticleType", int64(it.OriginalArticleType))
			b = appendInt(b, "CanReprint", int64(it.CanReprint))
			b = appendInt(b, "NeedReplaceContent", int64(it.NeedReplaceContent))
			b = appendInt(b, "NeedShowReprintSource", int64(it.NeedShowReprintSource))
			b = append(b, "</item>"...)
		}
		b = append(b, "</ResultList>"...)
		b = appendInt(b, "CheckState", int64(c.CheckState))
		b = append(b, "</CopyrightCheckResult>"...)
	}
	if a := m.ArticleURLResult; a != nil {
		b = append(b, "<ArticleUrlResult>"...)
		b = appendInt(b, "Count", int64(a.Count))
		b = append(b, "<ResultList>"...)
		for _, it := range a.ResultList {
			b = append(b, "<item>"...)
			b = appendInt(b, "ArticleIdx", int64(it.ArticleIdx))
			b = appendStr(b, "ArticleUrl", it.ArticleURL)
			b = append(b, "</item>"...)
		}
		b = append(b, "</ResultList></ArticleUrlResult>"...)
	}
	return b
}

func (m *Message) appendPublishJobFinish(b []byte) []byte {
	p := m.PublishEventInfo
	if p == nil {
		p = &PublishEventInfo{}
	}
	b = append(b, "<PublishEventInfo>"...)
	b = appendRawText(b, "publish_id", p.PublishID)
	b = appendInt(b, "publish_status", int64(p.PublishStatus))
	if p.ArticleID != "" {
		b = appendStr(b, "article_id", p.ArticleID)
	}
	if p.ArticleCount != 0 || len(p.Articles) > 0 {
		b = append(b, "<article_detail>"...)
		b = appendInt(b, "count", int64(p.ArticleCount))
		for _, it := range p.Articles {
			b = append(b, "<item>"...)
			b = appendInt(b, "idx", int64(it.Idx))
			b = appendStr(b, "article_url", it.ArticleURL)
			b = append(b, "</item>"...)
		}
		b = append(b, "</article_detail>"...)
	}
	for _, i := range p.FailIdx {
		b = appendInt(b, "fail_idx", int64(i))
	}
	return append(b, "</PublishEventInfo>"...)
}
