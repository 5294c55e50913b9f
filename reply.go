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

func (h *ReplyHeader) appendHeader(b []byte, t MsgType) []byte {
	b = append(b, "<xml>"...)
	b = appendStr(b, "ToUserName", h.ToUserName)
	b = appendStr(b, "FromUserName", h.FromUserName)
	b = appendInt(b, "CreateTime", h.CreateTime)
	return appendStr(b, "MsgType", string(t))
}

// AppendXML implements Reply.
func (r *TextReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = r.appendHeader(b, MsgTypeText)
	b = appendStr(b, "Content", r.Content)
	return append(b, "</xml>"...), nil
}

// AppendXML implements Reply.
func (r *ImageReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = r.appendHeader(b, MsgTypeImage)
	b = append(b, "<Image>"...)
	b = appendStr(b, "MediaId", r.MediaID)
	return append(b, "</Image></xml>"...), nil
}

// AppendXML implements Reply.
func (r *VoiceReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = r.appendHeader(b, MsgTypeVoice)
	b = append(b, "<Voice>"...)
	b = appendStr(b, "MediaId", r.MediaID)
	return append(b, "</Voice></xml>"...), nil
}

// AppendXML implements Reply.
func (r *VideoReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = r.appendHeader(b, MsgTypeVideo)
	b = append(b, "<Video>"...)
	b = appendStr(b, "MediaId", r.MediaID)
	b = appendStr(b, "Title", r.Title)
	b = appendStr(b, "Description", r.Description)
	return append(b, "</Video></xml>"...), nil
}

// AppendXML implements Reply.
func (r *MusicReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = r.appendHeader(b, MsgTypeMusic)
	b = append(b, "<Music>"...)
	b = appendStr(b, "Title", r.Title)
	b = appendStr(b, "Description", r.Description)
	b = appendStr(b, "MusicUrl", r.MusicURL)
	b = appendStr(b, "HQMusicUrl", r.HQMusicURL)
	b = appendStr(b, "ThumbMediaId", r.ThumbMediaID)
	return append(b, "</Music></xml>"...), nil
}

// AppendXML implements Reply. It fails without articles or with more
// than eight.
func (r *NewsReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	if len(r.Articles) == 0 {
		return b, errors.New("wechat: news reply without articles")
	}
	if len(r.Articles) > maxReplyArticles {
		return b, fmt.Errorf("wechat: news reply with %d articles; WeChat accepts at most %d", len(r.Articles), maxReplyArticles)
	}
	b = r.appendHeader(b, MsgTypeNews)
	b = appendInt(b, "ArticleCount", int64(len(r.Articles)))
	b = append(b, "<Articles>"...)
	for _, a := range r.Articles {
		b = append(b, "<item>"...)
		b = appendStr(b, "Title", a.Title)
		b = appendStr(b, "Description", a.Description)
		b = appendStr(b, "PicUrl", a.PicURL)
		b = appendStr(b, "Url", a.URL)
		b = append(b, "</item>"...)
	}
	return append(b, "</Articles></xml>"...), nil
}

// AppendXML implements Reply.
func (r *TransferCustomerServiceReply) AppendXML(b []byte) ([]byte, error) {
	if r == nil {
		return b, errNilReply
	}
	b = r.appendHeader(b, MsgTypeTransferCustomerService)
	if r.KfAccount != "" {
		b = append(b, "<TransInfo>"...)
		b = appendStr(b, "KfAccount", r.KfAccount)
		b = append(b, "</TransInfo>"...)
	}
	return append(b, "</xml>"...), nil
}

// ParseReply parses a passive reply: what a webhook wrote in plain mode,
// or the plaintext of a safe-mode reply (see MessageCipher.Decrypt). The
// result is one of the reply types of this package. An empty body or
// "success", which tell WeChat there is no reply, give a nil Reply and a
// nil error. Malformed XML or an unknown MsgType is a *ParseError.
func ParseReply(data []byte) (Reply, error) {
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "success" {
		return nil, nil
	}
	var buf [32]xmlNode
	nodes, err := parseDocument(data, buf[:0])
	if err != nil {
		return nil, err
	}
	var ferr error
	r := fieldReader{nodes: nodes, err: &ferr}
	var h ReplyHeader
	var t MsgType
	var text string
	var media, title, desc, musicURL, hqURL, thumb, kf string
	var articles []Article
	for n := r.child(&r.nodes[0]); n != nil; n = r.next(n) {
		switch n.name {
		case "ToUserName":
			h.ToUserName = n.text
		case "FromUserName":
			h.FromUserName = n.text
		case "CreateTime":
			h.CreateTime = r.int64(n)
		case "MsgType":
			t = MsgType(n.text)
		case "Content":
			text = n.text
		case "Image", "Voice", "Video", "Music", "TransInfo":
			for f := r.child(n); f != nil; f = r.next(f) {
				switch f.name {
				case "MediaId":
					media = f.text
				case "Title":
					title = f.text
				case "Description":
					desc = f.text
				case "MusicUrl":
					musicURL = f.text
				case "HQMusicUrl":
					hqURL = f.text
				case "ThumbMediaId":
					thumb = f.text
				case "KfAccount":
					kf = f.text
				}
			}
		case "Articles":
			for it := r.child(n); it != nil; it = r.next(it) {
				if it.name != "item" {
					continue
				}
				var a Article
				for f := r.child(it); f != nil; f = r.next(f) {
					switch f.name {
					case "Title":
						a.Title = f.text
					case "Description":
						a.Description = f.text
					case "PicUrl":
						a.PicURL = f.text
					case "Url":
						a.URL = f.text
					}
				}
				articles = append(articles, a)
			}
		}
	}
	if ferr != nil {
		return nil, ferr
	}
	switch t {
	case MsgTypeText:
		return &TextReply{ReplyHeader: h, Content: text}, nil
	case MsgTypeImage:
		return &ImageReply{ReplyHeader: h, MediaID: media}, nil
	case MsgTypeVoice:
		return &VoiceReply{ReplyHeader: h, MediaID: media}, nil
	case MsgTypeVideo:
		return &VideoReply{ReplyHeader: h, MediaID: media, Title: title, Description: desc}, nil
	case MsgTypeMusic:
		return &MusicReply{ReplyHeader: h, Title: title, Description: desc, MusicURL: musicURL, HQMusicURL: hqURL, ThumbMediaID: thumb}, nil
	case MsgTypeNews:
		return &NewsReply{ReplyHeader: h, Articles: articles}, nil
	case MsgTypeTransferCustomerService:
		return &TransferCustomerServiceReply{ReplyHeader: h, KfAccount: kf}, nil
	}
	return nil, parseErr(0, fmt.Sprintf("unknown reply MsgType %q", clip(string(t))))
}
