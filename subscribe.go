package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// MiniProgramLink opens a page of a Mini Program linked to the account
// when the user taps a message.
type MiniProgramLink struct {
	AppID string `json:"appid"`
	// PagePath is the page, with query parameters ("index?foo=bar").
	PagePath string `json:"pagepath,omitempty"`
}

// SubscribeData holds the values of a subscribe-message template, keyed by
// the template's keyword names ("thing1", "time2"). Each value is sent as
// {"value": …}.
type SubscribeData map[string]string

// MarshalJSON encodes the data as WeChat wants it: {"key":{"value":"…"}}.
func (d SubscribeData) MarshalJSON() ([]byte, error) {
	type value struct {
		Value string `json:"value"`
	}
	m := make(map[string]value, len(d))
	for k, v := range d {
		m[k] = value{v}
	}
	// encodeJSON, not json.Marshal: a Marshaler's output is not unescaped
	// by the outer encoder, so "<" would reach WeChat as \u003c.
	return encodeJSON(m)
}

// SubscribeMessage is a subscribe message (订阅通知) to one user.
type SubscribeMessage struct {
	// ToUser is the recipient's openid.
	ToUser string `json:"touser"`
	// TemplateID is the template (priTmplId) the account added with
	// AddSubscribeTemplate.
	TemplateID string `json:"template_id"`
	// Page is the web page opened when the user taps the message.
	Page string `json:"page,omitempty"`
	// MiniProgram, if set, opens a Mini Program page instead of Page.
	MiniProgram *MiniProgramLink `json:"miniprogram,omitempty"`
	// Data holds the template's values.
	Data SubscribeData `json:"data"`
}

// SendSubscribeMessage sends a subscribe message (发送订阅通知,
// [message/subscribe/bizsend]). It is not retried after a network error: a
// retry could deliver the message twice. Error 43101 means the user has not
// subscribed (or has unsubscribed).
//
// Subscribe messages (订阅通知) are notifications a user agreed to receive, sent
// with templates the account picked from WeChat's public library
// (ListSubscribeCategories, ListPublicSubscribeTemplates,
// ListSubscribeTemplateKeywords, AddSubscribeTemplate,
// ListSubscribeTemplates, DeleteSubscribeTemplate). The older one-time
// subscription message (一次性订阅消息) is SendOneTimeSubscribeMessage, after the
// user confirmed on the page of OneTimeSubscribeURL.
//
// [message/subscribe/bizsend]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_sendnewsubscribemsg.html
func (c *Client) SendSubscribeMessage(ctx context.Context, m *SubscribeMessage) error {
	switch {
	case m == nil:
		return invalidArg("subscribe message is nil")
	case m.ToUser == "":
		return invalidArg("subscribe message has no recipient (ToUser)")
	case m.TemplateID == "":
		return invalidArg("subscribe message has no TemplateID")
	case len(m.Data) == 0:
		return invalidArg("subscribe message has no Data")
	case m.MiniProgram != nil && m.MiniProgram.AppID == "":
		return invalidArg("subscribe message MiniProgram has no AppID")
	}
	return exec(ctx, c, endpoint.SubscribeSend, nil, m)
}

// Template library (模板库).

// SubscribeTemplateType says how often a template may be sent per
// subscription.
type SubscribeTemplateType int

// Template types.
const (
	SubscribeOneTime  SubscribeTemplateType = 2 // 一次性订阅: one message per subscription
	SubscribeLongTerm SubscribeTemplateType = 3 // 长期订阅
)

// SubscribeCategory is a category of the account (类目); public templates
// are listed by category.
type SubscribeCategory struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// subscribeList calls the endpoint id, one of those of subscription
// messages that reply with a list in data, and returns the list.
func subscribeList[T any](ctx context.Context, c *Client, id endpoint.ID, q query) ([]T, error) {
	resp, err := call[struct {
		status
		Data []T `json:"data"`
	}](ctx, c, id, q, nil)
	if err != nil {
		return nil, err
	}
	return resp.Data, nil
}

// ListSubscribeCategories returns the account's categories (获取公众号类目,
// [wxaapi/newtmpl/getcategory]).
//
// [wxaapi/newtmpl/getcategory]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_getcategory.html
func (c *Client) ListSubscribeCategories(ctx context.Context) ([]SubscribeCategory, error) {
	return subscribeList[SubscribeCategory](ctx, c, endpoint.SubscribeCategories, nil)
}

// PublicSubscribeTemplate is a template title of WeChat's public library.
type PublicSubscribeTemplate struct {
	// TID is the title's id, which AddSubscribeTemplate takes.
	TID        int                   `json:"tid"`
	Title      string                `json:"title"`
	Type       SubscribeTemplateType `json:"type"`
	CategoryID int                   `json:"categoryId"`
}

// UnmarshalJSON accepts categoryId as a number or a numeric string: the
// documented example sends a string.
func (p *PublicSubscribeTemplate) UnmarshalJSON(b []byte) error {
	type plain PublicSubscribeTemplate
	*p = PublicSubscribeTemplate{}
	var category lenient.Int
	err := json.Unmarshal(b, &struct {
		*plain
		CategoryID *lenient.Int `json:"categoryId"`
	}{(*plain)(p), &category})
	p.CategoryID = int(category)
	return err
}

// PublicSubscribeTemplates is one page of public template titles.
type PublicSubscribeTemplates struct {
	// Count is the number of titles in the categories, on all pages.
	Count     int                       `json:"count"`
	Templates []PublicSubscribeTemplate `json:"data"`
}

// MaxPublicSubscribeTemplates is the largest page of
// ListPublicSubscribeTemplates.
const MaxPublicSubscribeTemplates = 30

// ListPublicSubscribeTemplates returns a page of the public template titles
// of the given categories (获取所属类目下的公共模板,
// [wxaapi/newtmpl/getpubtemplatetitles]). start counts from 0; limit is 1 to
// MaxPublicSubscribeTemplates.
//
// [wxaapi/newtmpl/getpubtemplatetitles]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_getpubnewtemplatetitles.html
func (c *Client) ListPublicSubscribeTemplates(ctx context.Context, categoryIDs []int, start, limit int) (*PublicSubscribeTemplates, error) {
	if len(categoryIDs) == 0 {
		return nil, invalidArg("no category ids")
	}
	if start < 0 {
		return nil, invalidArg("start %d is negative", start)
	}
	if limit < 1 || limit > MaxPublicSubscribeTemplates {
		return nil, invalidArg("limit %d is outside 1..%d", limit, MaxPublicSubscribeTemplates)
	}
	ids := make([]string, len(categoryIDs))
	for i, id := range categoryIDs {
		ids[i] = strconv.Itoa(id)
	}
	q := query{{"ids", strings.Join(ids, ",")}, {"start", strconv.Itoa(start)}, {"limit", strconv.Itoa(limit)}}
	return call[PublicSubscribeTemplates](ctx, c, endpoint.SubscribePubTitles, q, nil)
}

// SubscribeKeyword is a keyword of a public template title, to combine
// into a template with AddSubscribeTemplate.
type SubscribeKeyword struct {
	// KID is the keyword's id.
	KID int `json:"kid"`
	// Name is what the keyword shows ("物品名称").
	Name string `json:"name"`
	// Example is a sample value.
	Example string `json:"example"`
	// Rule is the value type ("thing", "time", "phrase", …), which is also
	// the prefix of the data key ("thing1").
	Rule string `json:"rule"`
}

// ListSubscribeTemplateKeywords returns the keywords of a public template
// title (获取模板中的关键词, [wxaapi/newtmpl/getpubtemplatekeywords]).
//
// [wxaapi/newtmpl/getpubtemplatekeywords]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_getpubnewtemplatekeywords.html
func (c *Client) ListSubscribeTemplateKeywords(ctx context.Context, tid int) ([]SubscribeKeyword, error) {
	if tid <= 0 {
		return nil, invalidArg("template title id %d is not positive", tid)
	}
	return subscribeList[SubscribeKeyword](ctx, c, endpoint.SubscribePubKeywords, query{{"tid", strconv.Itoa(tid)}})
}

type addSubscribeTemplateRequest struct {
	TID       string `json:"tid"`
	KIDList   []int  `json:"kidList"`
	SceneDesc string `json:"sceneDesc"`
}

// AddSubscribeTemplate adds a template to the account from a public title
// and 2 to 5 of its keywords, in the order given (选用模板,
// [wxaapi/newtmpl/addtemplate]). sceneDesc describes where the account uses
// it, in at most 15 characters. It returns the template id (priTmplId)
// that SubscribeMessage.TemplateID takes.
//
// [wxaapi/newtmpl/addtemplate]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_addwxanewtemplate.html
func (c *Client) AddSubscribeTemplate(ctx context.Context, tid int, keywordIDs []int, sceneDesc string) (string, error) {
	switch {
	case tid <= 0:
		return "", invalidArg("template title id %d is not positive", tid)
	case len(keywordIDs) < 2 || len(keywordIDs) > 5:
		return "", invalidArg("%d keywords given, a template combines 2 to 5", len(keywordIDs))
	case strings.TrimSpace(sceneDesc) == "":
		return "", invalidArg("scene description is empty")
	case utf8.RuneCountInString(sceneDesc) > 15:
		return "", invalidArg("scene description has %d characters, at most 15 are allowed", utf8.RuneCountInString(sceneDesc))
	}
	body := addSubscribeTemplateRequest{TID: strconv.Itoa(tid), KIDList: keywordIDs, SceneDesc: sceneDesc}
	resp, err := call[struct {
		status
		PriTmplID string `json:"priTmplId"`
	}](ctx, c, endpoint.SubscribeAdd, nil, body)
	if err != nil {
		return "", err
	}
	return present(endpoint.SubscribeAdd, "priTmplId", resp.PriTmplID)
}

// DeleteSubscribeTemplate removes a template from the account (删除模板,
// [wxaapi/newtmpl/deltemplate]).
//
// [wxaapi/newtmpl/deltemplate]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_delwxanewtemplate.html
func (c *Client) DeleteSubscribeTemplate(ctx context.Context, templateID string) error {
	if templateID == "" {
		return invalidArg("template id is empty")
	}
	return exec(ctx, c, endpoint.SubscribeDelete, nil, struct {
		PriTmplID string `json:"priTmplId"`
	}{templateID})
}

// SubscribeKeywordEnum lists the values an enumerated keyword accepts.
type SubscribeKeywordEnum struct {
	KeywordCode string   `json:"keywordCode"`
	Values      []string `json:"enumValueList"`
}

// SubscribeTemplate is a template of the account.
type SubscribeTemplate struct {
	// ID is the template id (priTmplId).
	ID    string `json:"priTmplId"`
	Title string `json:"title"`
	// Content is the template text with {{key.DATA}} placeholders.
	Content string `json:"content"`
	// Example is the text with sample values.
	Example string                `json:"example"`
	Type    SubscribeTemplateType `json:"type"`
	// Enums lists the values of enumerated keywords, where there are any.
	Enums []SubscribeKeywordEnum `json:"keywordEnumValueList,omitempty"`
}

// ListSubscribeTemplates returns the account's templates (获取私有模板列表,
// [wxaapi/newtmpl/gettemplate]).
//
// [wxaapi/newtmpl/gettemplate]: https://developers.weixin.qq.com/doc/service/api/notify/notify/api_getwxapubnewtemplate.html
func (c *Client) ListSubscribeTemplates(ctx context.Context) ([]SubscribeTemplate, error) {
	return subscribeList[SubscribeTemplate](ctx, c, endpoint.SubscribeList, nil)
}

// One-time subscription message (一次性订阅消息).

// Limits of the one-time subscription message.
const (
	MaxOneTimeScene   = 10000 // scene is 0..10000
	maxOneTimeTitle   = 15    // characters
	maxOneTimeContent = 200   // characters
)

// checkOneTimeScene rejects a scene outside 0..MaxOneTimeScene.
func checkOneTimeScene(scene int) error {
	if scene < 0 || scene > MaxOneTimeScene {
		return invalidArg("scene %d is outside 0..%d", scene, MaxOneTimeScene)
	}
	return nil
}

// OneTimeSubscribeMessage is a one-time subscription message (一次性订阅消息),
// sent once per authorization the user gave on the page of
// OneTimeSubscribeURL.
type OneTimeSubscribeMessage struct {
	// ToUser is the openid the authorization returned.
	ToUser string
	// TemplateID is the one-time subscription template.
	TemplateID string
	// URL is opened when the user taps the message (the domain needs an
	// ICP filing).
	URL string
	// MiniProgram, if set, opens a Mini Program page instead of URL.
	MiniProgram *MiniProgramLink
	// Scene is the scene of the authorization, 0 to MaxOneTimeScene.
	Scene int
	// Title has at most 15 characters.
	Title string
	// Content is the message body, at most 200 characters; "\n" breaks
	// lines.
	Content string
	// Color is the color of the body ("#FF0000"), optional.
	Color string
}

type oneTimeSubscribeRequest struct {
	ToUser      string           `json:"touser"`
	TemplateID  string           `json:"template_id"`
	URL         string           `json:"url,omitempty"`
	MiniProgram *MiniProgramLink `json:"miniprogram,omitempty"`
	Scene       string           `json:"scene"`
	Title       string           `json:"title"`
	Data        struct {
		Content struct {
			Value string `json:"value"`
			Color string `json:"color,omitempty"`
		} `json:"content"`
	} `json:"data"`
}

// SendOneTimeSubscribeMessage sends a one-time subscription message
// (推送订阅模板消息给到授权微信用户, [message/template/subscribe]). It is not
// retried after a network error.
//
// [message/template/subscribe]: https://developers.weixin.qq.com/doc/service/api/notify/subscribe/api_templatesubscribe.html
func (c *Client) SendOneTimeSubscribeMessage(ctx context.Context, m *OneTimeSubscribeMessage) error {
	if m == nil {
		return invalidArg("one-time subscribe message is nil")
	}
	switch {
	case m.ToUser == "":
		return invalidArg("one-time subscribe message has no recipient (ToUser)")
	case m.TemplateID == "":
		return invalidArg("one-time subscribe message has no TemplateID")
	}
	if err := checkOneTimeScene(m.Scene); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(m.Title) == "":
		return invalidArg("one-time subscribe message has no Title")
	case utf8.RuneCountInString(m.Title) > maxOneTimeTitle:
		return invalidArg("title has %d characters, at most %d are allowed", utf8.RuneCountInString(m.Title), maxOneTimeTitle)
	case m.Content == "":
		return invalidArg("one-time subscribe message has no Content")
	case utf8.RuneCountInString(m.Content) > maxOneTimeContent:
		return invalidArg("content has %d characters, at most %d are allowed", utf8.RuneCountInString(m.Content), maxOneTimeContent)
	case m.MiniProgram != nil && m.MiniProgram.AppID == "":
		return invalidArg("one-time subscribe message MiniProgram has no AppID")
	}
	body := oneTimeSubscribeRequest{
		ToUser:      m.ToUser,
		TemplateID:  m.TemplateID,
		URL:         m.URL,
		MiniProgram: m.MiniProgram,
		Scene:       strconv.Itoa(m.Scene),
		Title:       m.Title,
	}
	body.Data.Content.Value = m.Content
	body.Data.Content.Color = m.Color
	return exec(ctx, c, endpoint.OneTimeSubscribeSend, nil, body)
}

// OneTimeSubscribeURL returns the page where a user authorizes one
// one-time subscription message (一次性订阅消息 第一步: 用户同意授权,
// [mp/subscribemsg]). Open it in the WeChat app; WeChat then redirects to
// redirectURL with the openid and the user's choice, which
// ParseOneTimeSubscribeRedirect reads. redirectURL must be an absolute
// http(s) URL without a fragment. scene is 0 to MaxOneTimeScene;
// authorizations do not add up within a scene. reserved, optional, is
// returned unchanged (use it against CSRF): at most 128 letters and
// digits.
//
// [mp/subscribemsg]: https://developers.weixin.qq.com/doc/service/guide/product/message/One-time_subscription_info.html
func (c *Client) OneTimeSubscribeURL(scene int, templateID, redirectURL, reserved string) (string, error) {
	if err := c.requireAppID(); err != nil {
		return "", err
	}
	if err := checkOneTimeScene(scene); err != nil {
		return "", err
	}
	if templateID == "" {
		return "", invalidArg("template id is empty")
	}
	if err := checkRedirectURL("redirect URL", redirectURL); err != nil {
		return "", err
	}
	if err := checkOAuthState("reserved", reserved); err != nil {
		return "", err
	}
	// The parameters in the documented order; redirect_url is escaped,
	// the rest are plain identifiers.
	var b strings.Builder
	b.WriteString("https://mp.weixin.qq.com/mp/subscribemsg?action=get_confirm")
	fmt.Fprintf(&b, "&appid=%s&scene=%d&template_id=%s&redirect_url=%s",
		url.QueryEscape(c.appID), scene, url.QueryEscape(templateID), url.QueryEscape(redirectURL))
	if reserved != "" {
		b.WriteString("&reserved=" + reserved)
	}
	b.WriteString("#wechat_redirect")
	return b.String(), nil
}

// OneTimeSubscribeAction is the user's choice on the authorization page.
type OneTimeSubscribeAction string

// User choices.
const (
	OneTimeSubscribeConfirm OneTimeSubscribeAction = "confirm"
	OneTimeSubscribeCancel  OneTimeSubscribeAction = "cancel"
)

// OneTimeSubscribeResult is what WeChat appends to the redirect URL after
// the authorization page.
type OneTimeSubscribeResult struct {
	// OpenID is set only when the user confirmed.
	OpenID     string
	TemplateID string
	Action     OneTimeSubscribeAction
	Scene      int
	Reserved   string
}

// Confirmed reports whether the user agreed to receive the message.
func (r *OneTimeSubscribeResult) Confirmed() bool {
	return r.Action == OneTimeSubscribeConfirm && r.OpenID != ""
}

// ParseOneTimeSubscribeRedirect reads the query of the request WeChat
// redirects to after the authorization page
// (redirect_url?openid=…&template_id=…&action=…&scene=…&reserved=…).
// Compare Reserved with the value you put in the URL before trusting it.
func ParseOneTimeSubscribeRedirect(q url.Values) (*OneTimeSubscribeResult, error) {
	r := &OneTimeSubscribeResult{
		OpenID:     q.Get("openid"),
		TemplateID: q.Get("template_id"),
		Action:     OneTimeSubscribeAction(q.Get("action")),
		Reserved:   q.Get("reserved"),
	}
	if r.Action != OneTimeSubscribeConfirm && r.Action != OneTimeSubscribeCancel {
		return nil, invalidArg("redirect action %q is neither confirm nor cancel", r.Action)
	}
	scene, err := strconv.Atoi(q.Get("scene"))
	if err != nil {
		return nil, invalidArg("redirect scene %q is not a number", q.Get("scene"))
	}
	if err := checkOneTimeScene(scene); err != nil {
		return nil, err
	}
	r.Scene = scene
	return r, nil
}
