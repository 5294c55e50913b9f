package wechat

import (
	"context"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// MassMsgType is the kind of a mass message (群发消息类型).
type MassMsgType string

// Mass message kinds.
const (
	// MassNews sends articles: a draft's media_id (or a legacy news
	// material's).
	MassNews MassMsgType = "mpnews"
	// MassText sends Content as text.
	MassText MassMsgType = "text"
	// MassVoice sends a voice material.
	MassVoice MassMsgType = "voice"
	// MassImage sends one or more images (贴图).
	MassImage MassMsgType = "image"
	// MassVideo sends a video: the media_id UploadMassVideo returns for
	// a video uploaded with UploadMedia.
	MassVideo MassMsgType = "mpvideo"
	// MassCard sends a card or coupon (卡券).
	MassCard MassMsgType = "wxcard"
)

// Limits WeChat sets on mass sends.
const (
	// MassMinOpenIDs and MassMaxOpenIDs bound the openid list of
	// SendMassToUsers.
	MassMinOpenIDs = 2
	MassMaxOpenIDs = 10000
	// maxClientMsgID is the longest clientmsgid, in bytes.
	maxClientMsgID = 64
)

// CodeMassDuplicate is the errcode of a mass send whose ClientMsgID was
// already used in the last 24 hours (45065): the earlier send stands.
const CodeMassDuplicate = 45065

// MassMessage is the content of a mass send or preview. Set Type and the
// fields that kind uses; the others are ignored.
type MassMessage struct {
	Type MassMsgType

	// MediaID is the content of MassNews, MassVoice and MassVideo.
	MediaID string
	// SendIgnoreReprint lets a MassNews go out when WeChat judges an
	// article to be a reprint that its original author allows to be
	// reprinted; without it such a send stops (send_ignore_reprint).
	SendIgnoreReprint bool

	// Title and Description accompany a MassVideo sent to an openid list.
	Title       string
	Description string

	// Content is the text of MassText.
	Content string

	// ImageMediaIDs are the images of MassImage. A preview shows one
	// image only.
	ImageMediaIDs []string
	// Recommend is the caption of MassImage (推荐语).
	Recommend string
	// NeedOpenComment and OnlyFansCanComment open a MassImage to
	// comments, from anyone or only from followers.
	NeedOpenComment    bool
	OnlyFansCanComment bool

	// CardID is the card of MassCard.
	CardID string

	// ClientMsgID identifies the send on the caller's side (at most 64
	// bytes). WeChat refuses a second send with the same ClientMsgID
	// within 24 hours with errcode CodeMassDuplicate, so a send that
	// timed out can be tried again without reaching users twice. When
	// empty, WeChat derives one from the recipients and the content.
	// Previews ignore it.
	ClientMsgID string
}

// MassResult is WeChat's receipt for a mass send. Success means the job
// was accepted; its outcome is pushed later in the MASSSENDJOBFINISH event.
type MassResult struct {
	// MsgID identifies the send for DeleteMass and GetMassStatus.
	MsgID int64
	// MsgDataID identifies the articles of a MassNews in the article
	// statistics APIs; zero for other kinds.
	MsgDataID int64
}

type massMediaJSON struct {
	MediaID     string `json:"media_id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

type massImagesJSON struct {
	MediaIDs           []string    `json:"media_ids"`
	Recommend          string      `json:"recommend,omitempty"`
	NeedOpenComment    lenient.Int `json:"need_open_comment,omitempty"`
	OnlyFansCanComment lenient.Int `json:"only_fans_can_comment,omitempty"`
}

type massCardJSON struct {
	CardID string `json:"card_id"`
}

type massFilterJSON struct {
	IsToAll bool   `json:"is_to_all"`
	TagID   *int64 `json:"tag_id,omitempty"`
}

// massRequest is the body of sendall, send and preview: the recipients and
// one content object named after msgtype.
type massRequest struct {
	Filter            *massFilterJSON `json:"filter,omitempty"`
	ToUser            any             `json:"touser,omitempty"` // []string to send, string to preview
	ToWxName          string          `json:"towxname,omitempty"`
	MsgType           MassMsgType     `json:"msgtype"`
	MPNews            *massMediaJSON  `json:"mpnews,omitempty"`
	Text              *textContent    `json:"text,omitempty"`
	Voice             *massMediaJSON  `json:"voice,omitempty"`
	Images            *massImagesJSON `json:"images,omitempty"`
	Image             *massMediaJSON  `json:"image,omitempty"` // preview only
	MPVideo           *massMediaJSON  `json:"mpvideo,omitempty"`
	WxCard            *massCardJSON   `json:"wxcard,omitempty"`
	SendIgnoreReprint *int            `json:"send_ignore_reprint,omitempty"`
	ClientMsgID       string          `json:"clientmsgid,omitempty"`
}

// content fills in the content of m, for a send or (preview) a preview.
func (m MassMessage) content(preview bool) (*massRequest, error) {
	r := &massRequest{MsgType: m.Type}
	switch m.Type {
	case MassNews:
		if m.MediaID == "" {
			return nil, invalidArg("mpnews mass message has no media_id")
		}
		r.MPNews = &massMediaJSON{MediaID: m.MediaID}
		if !preview {
			ignore := int(bit(m.SendIgnoreReprint))
			r.SendIgnoreReprint = &ignore
		}
	case MassText:
		if m.Content == "" {
			return nil, invalidArg("text mass message is empty")
		}
		r.Text = &textContent{Content: m.Content}
	case MassVoice:
		if m.MediaID == "" {
			return nil, invalidArg("voice mass message has no media_id")
		}
		r.Voice = &massMediaJSON{MediaID: m.MediaID}
	case MassImage:
		if len(m.ImageMediaIDs) == 0 {
			return nil, invalidArg("image mass message has no images")
		}
		if preview {
			// The preview API takes one image, under another name.
			if len(m.ImageMediaIDs) > 1 {
				return nil, invalidArg("a preview shows one image; the message has %d", len(m.ImageMediaIDs))
			}
			r.Image = &massMediaJSON{MediaID: m.ImageMediaIDs[0]}
			break
		}
		r.Images = &massImagesJSON{
			MediaIDs:           m.ImageMediaIDs,
			Recommend:          m.Recommend,
			NeedOpenComment:    bit(m.NeedOpenComment),
			OnlyFansCanComment: bit(m.OnlyFansCanComment),
		}
	case MassVideo:
		if m.MediaID == "" {
			return nil, invalidArg("mpvideo mass message has no media_id")
		}
		r.MPVideo = &massMediaJSON{MediaID: m.MediaID, Title: m.Title, Description: m.Description}
	case MassCard:
		if m.CardID == "" {
			return nil, invalidArg("wxcard mass message has no card_id")
		}
		r.WxCard = &massCardJSON{CardID: m.CardID}
	default:
		return nil, invalidArg("unknown mass message type %q", m.Type)
	}
	if !preview {
		if len(m.ClientMsgID) > maxClientMsgID {
			return nil, invalidArg("clientmsgid is %d bytes; WeChat allows at most %d", len(m.ClientMsgID), maxClientMsgID)
		}
		r.ClientMsgID = m.ClientMsgID
	}
	return r, nil
}

type massReply struct {
	status
	MsgID     lenient.Int `json:"msg_id"`
	MsgDataID lenient.Int `json:"msg_data_id"`
}

// sendMass posts a mass send. It is never retried after a network error:
// WeChat's only guard against a double send is the ClientMsgID.
func (c *Client) sendMass(ctx context.Context, id endpoint.ID, r *massRequest) (*MassResult, error) {
	reply, err := call[massReply](ctx, c, id, nil, r)
	if err != nil {
		return nil, err
	}
	return &MassResult{MsgID: int64(reply.MsgID), MsgDataID: int64(reply.MsgDataID)}, nil
}

// SendMassToAll sends m to every follower (群发给全部用户,
// [message/mass/sendall] with is_to_all). Such a send enters the account's
// message history; WeChat allows one a day for a subscription account and
// four a month for a service account, and an account with API mass-send
// protection waits up to 30 minutes for an administrator to confirm.
//
// Mass sends (群发: SendMassToAll, SendMassToTag, SendMassToUsers, the
// previews, UploadMassVideo, DeleteMass, GetMassStatus and the speed) are
// available to verified subscription and verified service accounts (认证订阅号,
// 认证服务号). They are never retried after a network error; the ClientMsgID of a
// MassMessage is WeChat's only guard against a double send.
//
// [message/mass/sendall]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall.html
func (c *Client) SendMassToAll(ctx context.Context, m MassMessage) (*MassResult, error) {
	r, err := m.content(false)
	if err != nil {
		return nil, err
	}
	r.Filter = &massFilterJSON{IsToAll: true}
	return c.sendMass(ctx, endpoint.MassSendAll, r)
}

// SendMassToTag sends m to the followers with a tag (根据标签群发,
// [message/mass/sendall]). It does not enter the message history.
//
// [message/mass/sendall]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall.html
func (c *Client) SendMassToTag(ctx context.Context, tagID int64, m MassMessage) (*MassResult, error) {
	if tagID < 0 {
		return nil, invalidArg("tag id %d is negative", tagID)
	}
	r, err := m.content(false)
	if err != nil {
		return nil, err
	}
	r.Filter = &massFilterJSON{TagID: &tagID}
	return c.sendMass(ctx, endpoint.MassSendAll, r)
}

// SendMassToUsers sends m to a list of 2 to 10,000 followers (根据 OpenID
// 列表群发, [message/mass/send]). A service account's followers receive at
// most four mass messages a month, however they are sent.
//
// [message/mass/send]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_masssend.html
func (c *Client) SendMassToUsers(ctx context.Context, openIDs []string, m MassMessage) (*MassResult, error) {
	if len(openIDs) < MassMinOpenIDs || len(openIDs) > MassMaxOpenIDs {
		return nil, invalidArg("a mass send goes to %d to %d openids, not %d", MassMinOpenIDs, MassMaxOpenIDs, len(openIDs))
	}
	if err := checkOpenIDList(openIDs); err != nil {
		return nil, err
	}
	r, err := m.content(false)
	if err != nil {
		return nil, err
	}
	r.ToUser = openIDs
	return c.sendMass(ctx, endpoint.MassSend, r)
}

// PreviewMass sends m to one follower, to check how it looks on a phone
// (预览接口, [message/mass/preview]). A preview does not count as a mass send.
//
// [message/mass/preview]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_preview.html
func (c *Client) PreviewMass(ctx context.Context, openID string, m MassMessage) error {
	if openID == "" {
		return invalidArg("openid is empty")
	}
	return c.previewMass(ctx, m, openID, "")
}

// PreviewMassToWxName is PreviewMass addressed by WeChat ID (微信号,
// towxname, [message/mass/preview]) instead of openid, for people who do
// not follow the account yet. WeChat allows 100 such previews a day.
//
// [message/mass/preview]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_preview.html
func (c *Client) PreviewMassToWxName(ctx context.Context, wxName string, m MassMessage) error {
	if wxName == "" {
		return invalidArg("WeChat ID is empty")
	}
	return c.previewMass(ctx, m, "", wxName)
}

// previewMass sends the preview of m to the follower openID or, when it
// is empty, to the WeChat ID wxName.
func (c *Client) previewMass(ctx context.Context, m MassMessage, openID, wxName string) error {
	r, err := m.content(true)
	if err != nil {
		return err
	}
	if openID != "" {
		r.ToUser = openID // touser is left out, not empty, for a WeChat ID
	}
	r.ToWxName = wxName
	return exec(ctx, c, endpoint.MassPreview, nil, r)
}

// DeleteMass deletes a sent MassNews or MassVideo (删除群发,
// [message/mass/delete]): the article at articleIndex (from 1), or all of
// them when articleIndex is 0. Users who received it keep the message
// card, but its pages stop opening. Deleting one send of a material also
// breaks every other send of the same material.
//
// [message/mass/delete]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg.html
func (c *Client) DeleteMass(ctx context.Context, msgID int64, articleIndex int) error {
	if msgID <= 0 {
		return invalidArg("msg_id %d is not a message id", msgID)
	}
	if articleIndex < 0 {
		return invalidArg("article index %d is negative", articleIndex)
	}
	body := struct {
		MsgID      int64 `json:"msg_id"`
		ArticleIdx int   `json:"article_idx"`
	}{msgID, articleIndex}
	return exec(ctx, c, endpoint.MassDelete, nil, body)
}

// DeleteMassByURL deletes a sent article by its link, for sends whose
// msg_id is not at hand ([message/mass/delete] with url).
//
// [message/mass/delete]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg.html
func (c *Client) DeleteMassByURL(ctx context.Context, articleURL string) error {
	if articleURL == "" {
		return invalidArg("article URL is empty")
	}
	body := struct {
		ArticleIdx int    `json:"article_idx"`
		URL        string `json:"url"`
	}{0, articleURL}
	return exec(ctx, c, endpoint.MassDelete, nil, body)
}

// MassStatus is how far a mass send has got.
type MassStatus string

// Mass send states.
const (
	MassSendSuccess MassStatus = "SEND_SUCCESS"
	MassSending     MassStatus = "SENDING"
	MassSendFail    MassStatus = "SEND_FAIL"
	MassDeleted     MassStatus = "DELETE"
)

// GetMassStatus returns the state of a mass send (查询群发消息发送状态,
// [message/mass/get]).
//
// [message/mass/get]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_massmsgget.html
func (c *Client) GetMassStatus(ctx context.Context, msgID int64) (MassStatus, error) {
	if msgID <= 0 {
		return "", invalidArg("msg_id %d is not a message id", msgID)
	}
	// The documented request carries msg_id as a string.
	body := struct {
		MsgID int64 `json:"msg_id,string"`
	}{msgID}
	r, err := call[struct {
		status
		MsgStatus MassStatus `json:"msg_status"`
	}](ctx, c, endpoint.MassGet, nil, body)
	if err != nil {
		return "", err
	}
	return present(endpoint.MassGet, "msg_status", r.MsgStatus)
}

// MassSpeed is how fast mass messages go out.
type MassSpeed struct {
	// Level is 0 (fastest, 800,000 a minute), 1 (600,000), 2 (450,000),
	// 3 (300,000) or 4 (100,000).
	Level int `json:"speed"`
	// RealSpeed is the current rate in units of 10,000 a minute.
	RealSpeed int `json:"realspeed"`
}

// UploadMassVideo prepares a video for a mass send (群发 视频素材转换,
// [media/uploadvideo]): mediaID is a temporary video from UploadMedia, and
// the MediaID of the result is what a MassVideo message carries. Title and
// description are shown with the video; WeChat requires the title.
//
// [media/uploadvideo]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall.html
func (c *Client) UploadMassVideo(ctx context.Context, mediaID, title, description string) (*UploadedMedia, error) {
	if mediaID == "" {
		return nil, invalidArg("media_id is empty")
	}
	if title == "" {
		return nil, invalidArg("title is empty")
	}
	body := struct {
		MediaID     string `json:"media_id"`
		Title       string `json:"title"`
		Description string `json:"description"`
	}{mediaID, title, description}
	out, err := call[uploadedMediaJSON](ctx, c, endpoint.MediaUploadVideo, nil, body)
	if err != nil {
		return nil, err
	}
	return out.result(endpoint.MediaUploadVideo)
}

// GetMassSpeed returns the mass send speed (获取群发速度,
// [message/mass/speed/get]).
//
// [message/mass/speed/get]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_getspeed.html
func (c *Client) GetMassSpeed(ctx context.Context) (*MassSpeed, error) {
	return call[MassSpeed](ctx, c, endpoint.MassSpeedGet, nil, nil)
}

// SetMassSpeed sets the mass send speed level, 0 (fastest) to 4 (设置群发速度,
// [message/mass/speed/set]); see MassSpeed.Level.
//
// [message/mass/speed/set]: https://developers.weixin.qq.com/doc/service/api/notify/message/api_setspeed.html
func (c *Client) SetMassSpeed(ctx context.Context, level int) error {
	if level < 0 || level > 4 {
		return invalidArg("speed level %d is not between 0 and 4", level)
	}
	body := struct {
		Speed int `json:"speed"`
	}{level}
	return exec(ctx, c, endpoint.MassSpeedSet, nil, body)
}
