package wechat

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// A Reply is a passive reply (被动回复用户消息): the XML the webhook writes
// back in answer to a message. The types in this package are TextReply,
// ImageReply, VoiceReply, VideoReply, MusicReply, NewsReply and
// TransferCustomerServiceReply; build them with the Reply* methods of the
// Message being answered.
//
// Outside Client.Webhook (in a gin, echo or chi handler), AppendXML gives
// the bytes to write in plain mode and Client.EncryptReply those of safe
// mode.
type Reply interface {
	// AppendXML appends the reply as WeChat expects it in plain mode
	// and returns the extended buffer. It fails only when the reply
	// cannot be valid (a news reply without articles, say).
	AppendXML(b []byte) ([]byte, error)
}

// ReplyHeader holds the fields every reply starts with.
type ReplyHeader struct {
	ToUserName   string // the user's OpenID: the FromUserName of the message
	FromUserName string // the account's original ID: the ToUserName of the message
	CreateTime   int64  // Unix seconds
}

// ReplyHeader returns the header of a reply to m: sender and receiver
// swapped, CreateTime now.
func (m *Message) ReplyHeader() ReplyHeader {
	return ReplyHeader{ToUserName: m.FromUserName, FromUserName: m.ToUserName, CreateTime: time.Now().Unix()}
}

// TextReply is a text reply (回复文本消息).
type TextReply struct {
	ReplyHeader
	Content string
}

// ImageReply is an image reply (回复图片消息).
type ImageReply struct {
	ReplyHeader
	MediaID string // of an uploaded image
}

// VoiceReply is a voice reply (回复语音消息).
type VoiceReply struct {
	ReplyHeader
	MediaID string // of an uploaded voice recording
}

// VideoReply is a video reply (回复视频消息).
type VideoReply struct {
	ReplyHeader
	MediaID     string // of an uploaded video
	Title       string // optional
	Description string // optional
}

// MusicReply is a music reply (回复音乐消息).
type MusicReply struct {
	ReplyHeader
	Title        string // optional
	Description  string // optional
	MusicURL     string // MusicUrl, optional
	HQMusicURL   string // HQMusicUrl: played on Wi-Fi, optional
	ThumbMediaID string // of an uploaded thumbnail
}

// NewsReply is a news (article card) reply (回复图文消息). It holds one to
// eight articles; in answer to a message the user typed or sent (text,
// image, voice, video, location, link) WeChat shows only the first.
type NewsReply struct {
	ReplyHeader
	Articles []Article
}

// maxReplyArticles is the most articles a news reply may hold.
const maxReplyArticles = 8

// TransferCustomerServiceReply hands the conversation to customer
// service (消息转发到客服, transfer_customer_service).
type TransferCustomerServiceReply struct {
	ReplyHeader
	// KfAccount names one customer-service account (TransInfo); empty
	// lets WeChat pick any online one.
	KfAccount string
}

// ReplyText returns a text reply to m.
func (m *Message) ReplyText(content string) *TextReply {
	return &TextReply{ReplyHeader: m.ReplyHeader(), Content: content}
}

// ReplyImage returns an image reply to m.
func (m *Message) ReplyImage(mediaID string) *ImageReply {
	return &ImageReply{ReplyHeader: m.ReplyHeader(), MediaID: mediaID}
}

// ReplyVoice returns a voice reply to m.
func (m *Message) ReplyVoice(mediaID string) *VoiceReply {
	return &VoiceReply{ReplyHeader: m.ReplyHeader(), MediaID: mediaID}
}

// ReplyVideo returns a video reply to m.
func (m *Message) ReplyVideo(mediaID, title, description string) *VideoReply {
	return &VideoReply{ReplyHeader: m.ReplyHeader(), MediaID: mediaID, Title: title, Description: description}
}

// ReplyMusic returns a music reply to m. Set the optional fields on the
// result.
func (m *Message) ReplyMusic(thumbMediaID string) *MusicReply {
	return &MusicReply{ReplyHeader: m.ReplyHeader(), ThumbMediaID: thumbMediaID}
}

// ReplyNews returns a news reply to m.
func (m *Message) ReplyNews(articles ...Article) *NewsReply {
	return &NewsReply{ReplyHeader: m.ReplyHeader(), Articles: articles}
}

// TransferCustomerService returns a reply that hands the conversation to
// customer service: to kfAccount, or to any online account if it is
// empty.
func (m *Message) TransferCustomerService(kfAccount string) *TransferCustomerServiceReply {
	return &TransferCustomerServiceReply{ReplyHeader: m.ReplyHeader(), KfAccount: kfAccount}
}

// errNilReply is returned by AppendXML on a nil reply pointer.
var errNilReply = errors.New("wechat: nil reply")

// replyForm declares the XML of a reply type R (P is *R): after the
// header and MsgType, its body fields. AppendXML writes by it and
// ParseReply reads by it.
type replyForm[R any, P interface {
	*R
	Reply
	header() *ReplyHeader
}] struct {
	msgType MsgType
	body    []field[R]
}

// header gives the reply forms the ReplyHeader each reply type embeds.
func (h *ReplyHeader) header() *ReplyHeader { return h }

// replyHeaderFields are the elements every reply starts with; MsgType
// follows them.
var replyHeaderFields = []field[ReplyHeader]{
	text("ToUserName", func(h *ReplyHeader) *string { return &h.ToUserName }),
	text("FromUserName", func(h *ReplyHeader) *string { return &h.FromUserName }),
	integer("CreateTime", func(h *ReplyHeader) *int64 { return &h.CreateTime }),
}

var (
	textReply = &replyForm[TextReply, *TextReply]{MsgTypeText, []field[TextReply]{
		text("Content", func(r *TextReply) *string { return &r.Content }),
	}}
	imageReply = &replyForm[ImageReply, *ImageReply]{MsgTypeImage, []field[ImageReply]{
		group("Image", text("MediaId", func(r *ImageReply) *string { return &r.MediaID })),
	}}
	voiceReply = &replyForm[VoiceReply, *VoiceReply]{MsgTypeVoice, []field[VoiceReply]{
		group("Voice", text("MediaId", func(r *VoiceReply) *string { return &r.MediaID })),
	}}
	videoReply = &replyForm[VideoReply, *VideoReply]{MsgTypeVideo, []field[VideoReply]{
		group("Video",
			text("MediaId", func(r *VideoReply) *string { return &r.MediaID }),
			text("Title", func(r *VideoReply) *string { return &r.Title }),
			text("Description", func(r *VideoReply) *string { return &r.Description })),
	}}
	musicReply = &replyForm[MusicReply, *MusicReply]{MsgTypeMusic, []field[MusicReply]{
		group("Music",
			text("Title", func(r *MusicReply) *string { return &r.Title }),
			text("Description", func(r *MusicReply) *string { return &r.Description }),
			text("MusicUrl", func(r *MusicReply) *string { return &r.MusicURL }),
			text("HQMusicUrl", func(r *MusicReply) *string { return &r.HQMusicURL }),
			text("ThumbMediaId", func(r *MusicReply) *string { return &r.ThumbMediaID })),
	}}
	newsReply = &replyForm[NewsReply, *NewsReply]{MsgTypeNews, []field[NewsReply]{
		count("ArticleCount", func(r *NewsReply) int { return len(r.Articles) }),
		list("Articles", func(r *NewsReply) *[]Article { return &r.Articles }, group("item",
			text("Title", func(a *Article) *string { return &a.Title }),
			text("Description", func(a *Article) *string { return &a.Description }),
			text("PicUrl", func(a *Article) *string { return &a.PicURL }),
			text("Url", func(a *Article) *string { return &a.URL }))),
	}}
	transferReply = &replyForm[TransferCustomerServiceReply, *TransferCustomerServiceReply]{MsgTypeTransferCustomerService, []field[TransferCustomerServiceReply]{
		group("TransInfo", text("KfAccount", func(r *TransferCustomerServiceReply) *string { return &r.KfAccount })).optional(),
	}}
)

// replyForms are the reply types of the package: the ones ParseReply
// knows, and the ones the webhook renders into a reused buffer.
var replyForms = []interface {
	replyType() MsgType
	parse(nodes []xmlNode) (Reply, error)
	owns(r Reply) bool
}{textReply, imageReply, voiceReply, videoReply, musicReply, newsReply, transferReply}

func (f *replyForm[R, P]) replyType() MsgType { return f.msgType }

// owns reports whether r is of this form's type.
func (f *replyForm[R, P]) owns(r Reply) bool {
	_, ok := r.(P)
	return ok
}

// appendXML appends r, which may be a nil pointer.
func (f *replyForm[R, P]) appendXML(b []byte, r P) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = append(b, "<xml>"...)
	b = appendFields(b, replyHeaderFields, r.header())
	b = appendStr(b, "MsgType", string(f.msgType))
	b = appendFields(b, f.body, (*R)(r))
	return append(b, "</xml>"...), nil
}

// parse reads a reply of this type from the nodes of a document.
func (f *replyForm[R, P]) parse(nodes []xmlNode) (Reply, error) {
	r := P(new(R))
	if err := readDocument(nodes, r.header(), func(name string) *field[ReplyHeader] {
		return lookup(replyHeaderFields, name)
	}); err != nil {
		return nil, err
	}
	if err := readDocument(nodes, (*R)(r), func(name string) *field[R] {
		return lookup(f.body, name)
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// AppendXML implements Reply.
func (r *TextReply) AppendXML(b []byte) ([]byte, error) { return textReply.appendXML(b, r) }

// AppendXML implements Reply.
func (r *ImageReply) AppendXML(b []byte) ([]byte, error) { return imageReply.appendXML(b, r) }

// AppendXML implements Reply.
func (r *VoiceReply) AppendXML(b []byte) ([]byte, error) { return voiceReply.appendXML(b, r) }

// AppendXML implements Reply.
func (r *VideoReply) AppendXML(b []byte) ([]byte, error) { return videoReply.appendXML(b, r) }

// AppendXML implements Reply.
func (r *MusicReply) AppendXML(b []byte) ([]byte, error) { return musicReply.appendXML(b, r) }

// AppendXML implements Reply. It fails without articles or with more
// than eight.
func (r *NewsReply) AppendXML(b []byte) ([]byte, error) {
	if r != nil && len(r.Articles) == 0 {
		return b, errors.New("wechat: news reply without articles")
	}
	if r != nil && len(r.Articles) > maxReplyArticles {
		return b, fmt.Errorf("wechat: news reply with %d articles; WeChat accepts at most %d", len(r.Articles), maxReplyArticles)
	}
	return newsReply.appendXML(b, r)
}

// AppendXML implements Reply.
func (r *TransferCustomerServiceReply) AppendXML(b []byte) ([]byte, error) {
	return transferReply.appendXML(b, r)
}

// ParseReply parses a passive reply: what a webhook wrote in plain mode,
// or the plaintext of a safe-mode reply (see MessageCipher.Decrypt). The
// result is one of the reply types of this package. An empty body or
// "success", which tell WeChat there is no reply, give a nil Reply and a
// nil error. Malformed XML, an unknown MsgType or a number field that is
// not a number is a *ParseError.
func ParseReply(data []byte) (Reply, error) {
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "success" {
		return nil, nil
	}
	nodes, err := parseDocument(data, nil)
	if err != nil {
		return nil, err
	}
	var t MsgType
	for c := nodes[0].child; c >= 0; c = nodes[c].next {
		if nodes[c].name == "MsgType" {
			t = MsgType(nodes[c].text)
		}
	}
	for _, f := range replyForms {
		if f.replyType() == t {
			return f.parse(nodes)
		}
	}
	return nil, parseErr(0, fmt.Sprintf("unknown reply MsgType %q", clip(string(t))))
}
