package wechat

import (
	"context"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Auto-reply rules (自动回复) are what an account set up on the
// mp.weixin.qq.com website: a reply to new followers, a default reply to
// messages, and replies to keywords. WeChat applies them only while the
// account has no server configuration (服务器配置) of its own; a webhook
// replaces them. GetAutoReplyRules reads them, for instance so that a
// webhook taking over an account can answer as the website did. There is
// no API to change them.

// AutoReplyType is the kind of an auto-reply.
type AutoReplyType string

// Auto-reply kinds. The follow and message replies are one of the first
// four; keyword rules can also reply with news.
const (
	AutoReplyText  AutoReplyType = "text"  // Content is the text
	AutoReplyImage AutoReplyType = "img"   // Content is a media id
	AutoReplyVoice AutoReplyType = "voice" // Content is a media id
	AutoReplyVideo AutoReplyType = "video" // Content is a media id, or the video's URL
	AutoReplyNews  AutoReplyType = "news"  // News holds the articles
)

// AutoReply is one reply of a rule.
type AutoReply struct {
	Type AutoReplyType
	// Content is the text of a text reply. For an image, voice or video
	// it is a media id of a temporary media, which WeChat issues anew on
	// each call and keeps for three days (fetch it with DownloadMedia);
	// WeChat's sample shows a video's download URL instead.
	Content string
	// News are the articles of a news reply, from the permanent
	// material of the account. WeChat describes them as it describes
	// the articles of a news button of a website menu.
	News []SelfMenuArticle
}

// KeywordReplyMode is how a keyword rule replies when it has several
// replies.
type KeywordReplyMode string

// Reply modes of a keyword rule.
const (
	KeywordReplyAll       KeywordReplyMode = "reply_all"  // every reply is sent
	KeywordReplyRandomOne KeywordReplyMode = "random_one" // one reply, picked at random
)

// KeywordMatchMode is how a keyword is compared with a message.
type KeywordMatchMode string

// Match modes of a keyword.
const (
	KeywordContain KeywordMatchMode = "contain" // the message contains the keyword
	KeywordEqual   KeywordMatchMode = "equal"   // the message is the keyword, exactly
)

// Keyword is one keyword of a rule.
type Keyword struct {
	// Type is the kind of message it matches; WeChat reports "text".
	Type      string
	MatchMode KeywordMatchMode
	Content   string
}

// Matches reports whether the text message content triggers k.
func (k Keyword) Matches(content string) bool {
	switch k.MatchMode {
	case KeywordEqual:
		return content == k.Content
	case KeywordContain:
		return k.Content != "" && strings.Contains(content, k.Content)
	}
	return false
}

// KeywordRule is one keyword rule (关键词自动回复).
type KeywordRule struct {
	Name       string
	CreateTime time.Time
	ReplyMode  KeywordReplyMode
	// Keywords trigger the rule; any one of them is enough. A rule
	// set up without keywords has none.
	Keywords []Keyword
	Replies  []AutoReply
}

// AutoReplyRules is the account's auto-reply setup (自动回复规则).
type AutoReplyRules struct {
	// FollowReplyOpen reports whether new followers get FollowReply
	// (关注后自动回复).
	FollowReplyOpen bool
	// MessageReplyOpen reports whether messages no keyword matches get
	// MessageReply (消息自动回复).
	MessageReplyOpen bool
	// FollowReply and MessageReply are nil when not set up.
	FollowReply  *AutoReply
	MessageReply *AutoReply
	// KeywordRules are the keyword rules, newest first as WeChat lists
	// them.
	KeywordRules []KeywordRule
}

// newsInfoJSON is the news_info of a news reply or of a news button of
// a website menu.
type newsInfoJSON struct {
	List []struct {
		Title      string      `json:"title"`
		Author     string      `json:"author"`
		Digest     string      `json:"digest"`
		ShowCover  lenient.Int `json:"show_cover"`
		CoverURL   string      `json:"cover_url"`
		ContentURL string      `json:"content_url"`
		SourceURL  string      `json:"source_url"`
	} `json:"list"`
}

func (n newsInfoJSON) articles() []SelfMenuArticle {
	var out []SelfMenuArticle
	for _, a := range n.List {
		out = append(out, SelfMenuArticle{
			Title: a.Title, Author: a.Author, Digest: a.Digest, ShowCover: a.ShowCover != 0,
			CoverURL: a.CoverURL, ContentURL: a.ContentURL, SourceURL: a.SourceURL,
		})
	}
	return out
}

type autoReplyJSON struct {
	Type     string       `json:"type"`
	Content  string       `json:"content"`
	NewsInfo newsInfoJSON `json:"news_info"`
}

func (w *autoReplyJSON) reply() *AutoReply {
	if w == nil {
		return nil
	}
	return &AutoReply{Type: AutoReplyType(w.Type), Content: w.Content, News: w.NewsInfo.articles()}
}

type autoReplyRulesReply struct {
	status
	IsAddFriendReplyOpen lenient.Int    `json:"is_add_friend_reply_open"`
	IsAutoReplyOpen      lenient.Int    `json:"is_autoreply_open"`
	AddFriend            *autoReplyJSON `json:"add_friend_autoreply_info"`
	MessageDefault       *autoReplyJSON `json:"message_default_autoreply_info"`
	Keyword              *struct {
		List []struct {
			RuleName    string      `json:"rule_name"`
			CreateTime  lenient.Int `json:"create_time"`
			ReplyMode   string      `json:"reply_mode"`
			KeywordList []struct {
				Type      string `json:"type"`
				MatchMode string `json:"match_mode"`
				Content   string `json:"content"`
			} `json:"keyword_list_info"`
			ReplyList []autoReplyJSON `json:"reply_list_info"`
		} `json:"list"`
	} `json:"keyword_autoreply_info"`
}

// GetAutoReplyRules returns the auto-reply rules the account set up on
// the website (获取公众号的自动回复规则, [cgi-bin/get_current_autoreply_info]). Rules a
// webhook implements are not reported.
//
// [cgi-bin/get_current_autoreply_info]: https://developers.weixin.qq.com/doc/service/api/notify/autoreplies/api_getcurrentautoreplyinfo.html
func (c *Client) GetAutoReplyRules(ctx context.Context) (*AutoReplyRules, error) {
	r, err := call[autoReplyRulesReply](ctx, c, endpoint.AutoReplyInfo, nil, nil)
	if err != nil {
		return nil, err
	}
	rules := &AutoReplyRules{
		FollowReplyOpen:  r.IsAddFriendReplyOpen != 0,
		MessageReplyOpen: r.IsAutoReplyOpen != 0,
		FollowReply:      r.AddFriend.reply(),
		MessageReply:     r.MessageDefault.reply(),
	}
	if r.Keyword == nil {
		return rules, nil
	}
	for _, w := range r.Keyword.List {
		rule := KeywordRule{Name: w.RuleName, CreateTime: unixTime(int64(w.CreateTime)), ReplyMode: KeywordReplyMode(w.ReplyMode)}
		for _, k := range w.KeywordList {
			rule.Keywords = append(rule.Keywords, Keyword{Type: k.Type, MatchMode: KeywordMatchMode(k.MatchMode), Content: k.Content})
		}
		for i := range w.ReplyList {
			rule.Replies = append(rule.Replies, *w.ReplyList[i].reply())
		}
		rules.KeywordRules = append(rules.KeywordRules, rule)
	}
	return rules, nil
}
