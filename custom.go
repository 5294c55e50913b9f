package wechat

import (
	"context"

	"github.com/mpkit/wechat/internal/endpoint"
)

// A CustomOption adjusts a customer-service message (SendText, SendImage,
// … SendMiniProgramPage, SendReply).
type CustomOption func(*customMessage)

// AsKFAccount sends the message in the name of the customer-service
// account account, such as "kf2001@gh_abc123", whose nickname and avatar
// the user then sees (customservice.kf_account). An empty account leaves
// the default.
func AsKFAccount(account string) CustomOption {
	return func(m *customMessage) {
		if account != "" {
			m.CustomService = &kfAccountRef{KFAccount: account}
		}
	}
}

// Message types of message/custom/send.
const (
	customText            = "text"
	customImage           = "image"
	customVoice           = "voice"
	customVideo           = "video"
	customMusic           = "music"
	customNews            = "news"
	customMPNews          = "mpnews"
	customMPNewsArticle   = "mpnewsarticle"
	customMenu            = "msgmenu"
	customMiniProgramPage = "miniprogrampage"
)

// customMessage is the body of message/custom/send: msgtype names the one
// content field that is set.
type customMessage struct {
	ToUser          string           `json:"touser"`
	MsgType         string           `json:"msgtype"`
	Text            *textContent     `json:"text,omitempty"`
	Image           *mediaRef        `json:"image,omitempty"`
	Voice           *mediaRef        `json:"voice,omitempty"`
	Video           *VideoMessage    `json:"video,omitempty"`
	Music           *MusicMessage    `json:"music,omitempty"`
	News            *newsContent     `json:"news,omitempty"`
	MPNews          *mediaRef        `json:"mpnews,omitempty"`
	MPNewsArticle   *articleRef      `json:"mpnewsarticle,omitempty"`
	MsgMenu         *MenuMessage     `json:"msgmenu,omitempty"`
	MiniProgramPage *MiniProgramPage `json:"miniprogrampage,omitempty"`
	CustomService   *kfAccountRef    `json:"customservice,omitempty"`
}

type newsContent struct {
	Articles []Article `json:"articles"`
}

type kfAccountRef struct {
	KFAccount string `json:"kf_account"`
}

// VideoMessage is the content of a customer-service video message.
type VideoMessage struct {
	// MediaID is the video, uploaded with UploadMedia.
	MediaID string `json:"media_id"`
	// ThumbMediaID is the cover image, uploaded with UploadMedia.
	ThumbMediaID string `json:"thumb_media_id"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
}

// MusicMessage is the content of a customer-service music message.
type MusicMessage struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// MusicURL is played on a mobile network, HQMusicURL on Wi-Fi.
	MusicURL   string `json:"musicurl"`
	HQMusicURL string `json:"hqmusicurl"`
	// ThumbMediaID is the cover image, uploaded with UploadMedia.
	ThumbMediaID string `json:"thumb_media_id"`
}

// MenuMessage is a message that offers the user a list of choices
// (菜单消息). When the user taps one, WeChat sends the account a text message
// whose content is the choice's Content and whose bizmsgmenuid is its ID.
type MenuMessage struct {
	HeadContent string            `json:"head_content"`
	List        []MenuMessageItem `json:"list"`
	TailContent string            `json:"tail_content"`
}

// MenuMessageItem is one choice of a MenuMessage.
type MenuMessageItem struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

// MiniProgramPage is a card that opens a page of a mini program
// (小程序卡片). The mini program must be linked to the account.
type MiniProgramPage struct {
	Title string `json:"title"`
	AppID string `json:"appid"`
	// PagePath is the page to open, such as "pages/index/index?foo=bar".
	PagePath string `json:"pagepath"`
	// ThumbMediaID is the card image, uploaded with UploadMedia; WeChat
	// suggests 520x416 pixels.
	ThumbMediaID string `json:"thumb_media_id"`
}

// sendCustom applies opts to m and sends it.
func (c *Client) sendCustom(ctx context.Context, m *customMessage, opts []CustomOption) error {
	if m.ToUser == "" {
		return invalidArg("openid is empty")
	}
	for _, opt := range opts {
		if opt != nil {
			opt(m)
		}
	}
	return exec(ctx, c, endpoint.CustomSend, nil, m)
}

// sendMediaRef sends the message of type msgType whose content is only
// the media_id mediaID: an image, a voice recording or a news material.
func (c *Client) sendMediaRef(ctx context.Context, toUser, msgType, mediaID string, opts []CustomOption) error {
	if mediaID == "" {
		return invalidArg("%s media_id is empty", msgType)
	}
	m := &customMessage{ToUser: toUser, MsgType: msgType}
	ref := &mediaRef{mediaID}
	switch msgType {
	case customImage:
		m.Image = ref
	case customVoice:
		m.Voice = ref
	case customMPNews:
		m.MPNews = ref
	}
	return c.sendCustom(ctx, m, opts)
}

// SendText sends a text message to the user toUser (客服消息 文本消息,
// [message/custom/send]). content may hold links, including ones that open a
// mini program (<a href="…" data-miniprogram-appid="…"
// data-miniprogram-path="…">); it is sent without HTML escaping.
//
// Customer-service messages (客服消息: SendText, SendImage, SendVoice,
// SendVideo, SendMusic, SendNews, SendMPNews, SendMPNewsArticle,
// SendMenuMessage, SendMiniProgramPage, SendReply, and SetTyping) are
// free-form messages an account sends to one user. WeChat accepts them only
// for a while after the user interacted with the account: for 48 hours
// after the user sent a message (at most 5 messages), and for a minute
// after a click on a menu, a follow or a QR code scan (at most 3). Outside
// that window WeChat answers [CodeResponseOutOfWindow] (45015). They are
// available to verified subscription and verified service accounts
// (认证订阅号, 认证服务号). A send is never retried after a network error:
// WeChat has no idempotency key, and a retry after a lost reply could
// deliver the message twice.
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendText(ctx context.Context, toUser, content string, opts ...CustomOption) error {
	if content == "" {
		return invalidArg("text content is empty")
	}
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customText, Text: &textContent{content}}, opts)
}

// SendImage sends the image mediaID, uploaded with UploadMedia, to the
// user toUser (客服消息 图片消息, [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendImage(ctx context.Context, toUser, mediaID string, opts ...CustomOption) error {
	return c.sendMediaRef(ctx, toUser, customImage, mediaID, opts)
}

// SendVoice sends the voice recording mediaID, uploaded with UploadMedia,
// to the user toUser (客服消息 语音消息, [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendVoice(ctx context.Context, toUser, mediaID string, opts ...CustomOption) error {
	return c.sendMediaRef(ctx, toUser, customVoice, mediaID, opts)
}

// SendVideo sends a video to the user toUser (客服消息 视频消息,
// [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendVideo(ctx context.Context, toUser string, video VideoMessage, opts ...CustomOption) error {
	if video.MediaID == "" {
		return invalidArg("video media_id is empty")
	}
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customVideo, Video: &video}, opts)
}

// SendMusic sends a piece of music to the user toUser (客服消息 音乐消息,
// [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendMusic(ctx context.Context, toUser string, music MusicMessage, opts ...CustomOption) error {
	if music.MusicURL == "" {
		return invalidArg("music URL is empty")
	}
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customMusic, Music: &music}, opts)
}

// SendNews sends a news message, a card that links to article.URL, to the
// user toUser (客服消息 图文消息, msgtype news, [message/custom/send]).
// WeChat allows one article per message (more fail with errcode 45008),
// hence the single Article.
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendNews(ctx context.Context, toUser string, article Article, opts ...CustomOption) error {
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customNews, News: &newsContent{[]Article{article}}}, opts)
}

// SendMPNews sends the news material mediaID to the user toUser; it opens
// as an article inside WeChat (客服消息 图文消息, msgtype mpnews,
// [message/custom/send]). Like SendNews it carries one article.
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendMPNews(ctx context.Context, toUser, mediaID string, opts ...CustomOption) error {
	return c.sendMediaRef(ctx, toUser, customMPNews, mediaID, opts)
}

// SendMPNewsArticle sends the published article articleID, as returned by
// the publishing APIs, to the user toUser (客服消息 图文消息, msgtype
// mpnewsarticle, [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendMPNewsArticle(ctx context.Context, toUser, articleID string, opts ...CustomOption) error {
	if articleID == "" {
		return invalidArg("article_id is empty")
	}
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customMPNewsArticle, MPNewsArticle: &articleRef{articleID}}, opts)
}

// SendMenuMessage sends a list of choices to the user toUser
// (客服消息 菜单消息, msgtype msgmenu, [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendMenuMessage(ctx context.Context, toUser string, menu MenuMessage, opts ...CustomOption) error {
	if len(menu.List) == 0 {
		return invalidArg("menu message has no choices")
	}
	for i, it := range menu.List {
		if it.ID == "" || it.Content == "" {
			return invalidArg("menu message choice %d has an empty id or content", i)
		}
	}
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customMenu, MsgMenu: &menu}, opts)
}

// SendMiniProgramPage sends a mini program card to the user toUser
// (客服消息 小程序卡片, [message/custom/send]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendMiniProgramPage(ctx context.Context, toUser string, page MiniProgramPage, opts ...CustomOption) error {
	switch {
	case page.AppID == "":
		return invalidArg("mini program appid is empty")
	case page.PagePath == "":
		return invalidArg("mini program page path is empty")
	case page.ThumbMediaID == "":
		return invalidArg("mini program card thumb_media_id is empty")
	}
	return c.sendCustom(ctx, &customMessage{ToUser: toUser, MsgType: customMiniProgramPage, MiniProgramPage: &page}, opts)
}

// SetTyping shows the user toUser that the account is typing, or stops
// showing it when typing is false (客服输入状态, [message/custom/typing]).
// The same window as for sending messages applies.
//
// [message/custom/typing]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_typing.html
func (c *Client) SetTyping(ctx context.Context, toUser string, typing bool) error {
	if toUser == "" {
		return invalidArg("openid is empty")
	}
	command := "CancelTyping"
	if typing {
		command = "Typing"
	}
	body := struct {
		ToUser  string `json:"touser"`
		Command string `json:"command"`
	}{toUser, command}
	return exec(ctx, c, endpoint.CustomTyping, nil, body)
}

// SendReply sends reply, a passive reply built for a push (Message's
// ReplyText, ReplyImage, …), to its addressee as a customer-service
// message instead (客服消息, [message/custom/send]): what a webhook in SendAsCustomerMessage mode
// does with a reply that came too late. Text, image, voice, music and
// news map to their customer-service kinds; a video is sent without a
// cover (passive video replies have none, and WeChat may refuse it); of
// a news reply only the first article is sent, the most a
// customer-service news message holds. A transfer to customer service
// has no customer-service form and is an ErrInvalidArgument, as is a nil
// reply. The 48-hour window of customer-service messages applies (see
// [Client.SendText]).
//
// [message/custom/send]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html
func (c *Client) SendReply(ctx context.Context, reply Reply, opts ...CustomOption) error {
	switch r := reply.(type) {
	case *TextReply:
		if r != nil {
			return c.SendText(ctx, r.ToUserName, r.Content, opts...)
		}
	case *ImageReply:
		if r != nil {
			return c.SendImage(ctx, r.ToUserName, r.MediaID, opts...)
		}
	case *VoiceReply:
		if r != nil {
			return c.SendVoice(ctx, r.ToUserName, r.MediaID, opts...)
		}
	case *VideoReply:
		if r != nil {
			return c.SendVideo(ctx, r.ToUserName, VideoMessage{MediaID: r.MediaID, Title: r.Title, Description: r.Description}, opts...)
		}
	case *MusicReply:
		if r != nil {
			return c.SendMusic(ctx, r.ToUserName, MusicMessage{Title: r.Title, Description: r.Description,
				MusicURL: r.MusicURL, HQMusicURL: r.HQMusicURL, ThumbMediaID: r.ThumbMediaID}, opts...)
		}
	case *NewsReply:
		if r != nil {
			if len(r.Articles) == 0 {
				return invalidArg("news reply without articles")
			}
			return c.SendNews(ctx, r.ToUserName, r.Articles[0], opts...)
		}
	case *TransferCustomerServiceReply:
		if r != nil {
			return invalidArg("a transfer to customer service cannot be sent as a customer-service message")
		}
	}
	return invalidArg("no reply to send (%T)", reply)
}
