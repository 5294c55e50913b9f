package wechat

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Industry is one industry of the template-message settings (所属行业).
type Industry struct {
	FirstClass  string `json:"first_class"`
	SecondClass string `json:"second_class"`
}

// TemplateIndustry is the account's pair of template-message industries.
type TemplateIndustry struct {
	Primary   Industry `json:"primary_industry"`
	Secondary Industry `json:"secondary_industry"`
}

// SetTemplateIndustry sets the account's two template-message industries
// by their codes in WeChat's industry table (设置所属行业,
// [template/api_set_industry]), such as 1 for IT科技/互联网|电子商务. WeChat
// allows one change a month.
//
// Template messages (模板消息: the industry, AddTemplate, ListTemplates,
// DeleteTemplate, SendTemplateMessage) are available to verified service
// accounts (认证服务号).
//
// [template/api_set_industry]: https://developers.weixin.qq.com/doc/service/api/notify/template/api_setindustry.html
func (c *Client) SetTemplateIndustry(ctx context.Context, primaryID, secondaryID int) error {
	if primaryID <= 0 || secondaryID <= 0 {
		return invalidArg("industry codes must be positive, got %d and %d", primaryID, secondaryID)
	}
	body := struct {
		ID1 string `json:"industry_id1"`
		ID2 string `json:"industry_id2"`
	}{strconv.Itoa(primaryID), strconv.Itoa(secondaryID)}
	return exec(ctx, c, endpoint.TemplateSetIndustry, nil, body)
}

// GetTemplateIndustry returns the account's template-message industries
// (获取设置的行业信息, [template/get_industry]).
//
// [template/get_industry]: https://developers.weixin.qq.com/doc/service/api/notify/template/api_getindustry.html
func (c *Client) GetTemplateIndustry(ctx context.Context) (*TemplateIndustry, error) {
	r, err := call[struct {
		status
		TemplateIndustry
	}](ctx, c, endpoint.TemplateGetIndustry, nil, nil)
	if err != nil {
		return nil, err
	}
	return &r.TemplateIndustry, nil
}

// AddTemplate adds a template from the template library to the account
// and returns its template ID (获得模板ID / 选用模板,
// [template/api_add_template]). shortID is the library number: "TM…" or
// "OPENTM…" for industry templates, digits for category templates, which
// also need their keywords in order (keyword_name_list).
//
// [template/api_add_template]: https://developers.weixin.qq.com/doc/service/api/notify/template/api_addtemplate.html
func (c *Client) AddTemplate(ctx context.Context, shortID string, keywords ...string) (templateID string, err error) {
	if strings.TrimSpace(shortID) == "" {
		return "", invalidArg("template short ID is empty")
	}
	body := struct {
		ShortID  string   `json:"template_id_short"`
		Keywords []string `json:"keyword_name_list,omitempty"`
	}{shortID, keywords}
	out, err := call[struct {
		status
		TemplateID string `json:"template_id"`
	}](ctx, c, endpoint.TemplateAdd, nil, body)
	if err != nil {
		return "", err
	}
	if out.TemplateID == "" {
		return "", badReply(endpoint.TemplateAdd, "reply has no template_id")
	}
	return out.TemplateID, nil
}

// Template is a message template of the account.
type Template struct {
	ID              string `json:"template_id"`
	Title           string `json:"title"`
	PrimaryIndustry string `json:"primary_industry"`
	DeputyIndustry  string `json:"deputy_industry"`
	// Content has a {{name.DATA}} placeholder for each TemplateMessage.Data
	// key.
	Content string `json:"content"`
	Example string `json:"example"`
}

// ListTemplates returns every template the account has added
// (获取模板列表, [template/get_all_private_template]).
//
// [template/get_all_private_template]: https://developers.weixin.qq.com/doc/service/api/notify/template/api_getalltemplates.html
func (c *Client) ListTemplates(ctx context.Context) ([]Template, error) {
	out, err := call[struct {
		status
		List []Template `json:"template_list"`
	}](ctx, c, endpoint.TemplateList, nil, nil)
	if err != nil {
		return nil, err
	}
	return out.List, nil
}

// DeleteTemplate removes a template from the account (删除模板,
// [template/del_private_template]).
//
// [template/del_private_template]: https://developers.weixin.qq.com/doc/service/api/notify/template/api_deletetemplate.html
func (c *Client) DeleteTemplate(ctx context.Context, templateID string) error {
	if strings.TrimSpace(templateID) == "" {
		return invalidArg("template ID is empty")
	}
	body := struct {
		TemplateID string `json:"template_id"`
	}{templateID}
	return exec(ctx, c, endpoint.TemplateDelete, nil, body)
}

// TemplateMessage is a template message (模板消息) for one follower.
type TemplateMessage struct {
	// ToUser is the follower's OpenID.
	ToUser     string `json:"touser"`
	TemplateID string `json:"template_id"`
	// URL is opened when the message is tapped (accounts registered
	// outside mainland China cannot link).
	URL string `json:"url,omitempty"`
	// MiniProgram opens a mini program page instead; it wins over URL,
	// which remains the fallback for clients that cannot open it.
	MiniProgram *TemplateMiniProgram `json:"miniprogram,omitempty"`
	// ClientMsgID deduplicates sends (防重入 ID): WeChat delivers one
	// message per follower and ClientMsgID within ten minutes, so a send
	// repeated after a lost reply does not reach the follower twice.
	ClientMsgID string `json:"client_msg_id,omitempty"`
	// Data fills the {{name.DATA}} placeholders of the template, by name.
	Data TemplateData `json:"data"`
}

// TemplateData fills the placeholders of a template message, by name. A
// map[string]TemplateField literal is one.
type TemplateData map[string]TemplateField

// MarshalJSON encodes the fields in name order, as encoding/json would,
// without its reflection over the map: a template send is on the hot path
// of many services.
func (d TemplateData) MarshalJSON() ([]byte, error) {
	return d.appendJSON(make([]byte, 0, d.jsonSize())), nil
}

// jsonSize is about the length of d in JSON: enough for one allocation
// unless many characters need escaping.
func (d TemplateData) jsonSize() int {
	size := 2
	for name, f := range d {
		size += len(name) + len(f.Value) + len(f.Color) + 32
	}
	return size
}

func (d TemplateData) appendJSON(b []byte) []byte {
	if d == nil {
		return append(b, "null"...)
	}
	var few [16]string // a template has a handful of fields
	names := few[:0]
	for name := range d {
		names = append(names, name)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		f := d[name]
		b = appendJSONString(b, name)
		b = append(b, `:{"value":`...)
		b = appendJSONString(b, f.Value)
		b = appendOmitEmpty(b, `,"color":`, f.Color)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSON writes m as encodeJSON would, field by field in the order of
// the struct, without encoding/json's reflection and its second pass over
// TemplateData's output (it compacts what a MarshalJSON returns): on a
// template send that was half the SDK's time.
func (m *TemplateMessage) appendJSON(b []byte) []byte {
	b = slices.Grow(b, len(m.ToUser)+len(m.TemplateID)+len(m.URL)+len(m.ClientMsgID)+m.Data.jsonSize()+128)
	b = append(b, `{"touser":`...)
	b = appendJSONString(b, m.ToUser)
	b = append(b, `,"template_id":`...)
	b = appendJSONString(b, m.TemplateID)
	b = appendOmitEmpty(b, `,"url":`, m.URL)
	if mp := m.MiniProgram; mp != nil {
		b = append(b, `,"miniprogram":{"appid":`...)
		b = appendJSONString(b, mp.AppID)
		b = appendOmitEmpty(b, `,"pagepath":`, mp.PagePath)
		b = append(b, '}')
	}
	b = appendOmitEmpty(b, `,"client_msg_id":`, m.ClientMsgID)
	b = append(b, `,"data":`...)
	b = m.Data.appendJSON(b)
	return append(b, '}')
}

// appendOmitEmpty appends member, such as `,"url":`, and s as a JSON
// string, unless s is empty: a string member with omitempty.
func appendOmitEmpty(b []byte, member, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, member...), s)
}

// TemplateMiniProgram is the mini program page a template message opens.
// The mini program must be linked to the official account.
type TemplateMiniProgram struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath,omitempty"` // such as "index?foo=bar"
}

// TemplateField is the value of one template placeholder.
type TemplateField struct {
	Value string `json:"value"`
	// Color such as "#173177". WeChat's 2023 template rules stopped
	// showing custom colours; the field is still accepted.
	Color string `json:"color,omitempty"`
}

// SendTemplateMessage sends a template message (发送模板消息,
// [message/template/send]) and returns its msgid, which the
// TEMPLATESENDJOBFINISH event reports back with the delivery status. The
// msgid can exceed 2^53, so keep it as an int64, never a float64.
//
// The call is never retried after a network error, since a second send
// could reach the follower twice. Set ClientMsgID to resend safely
// yourself.
//
// [message/template/send]: https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.html
func (c *Client) SendTemplateMessage(ctx context.Context, msg *TemplateMessage) (msgID int64, err error) {
	switch {
	case msg == nil:
		return 0, invalidArg("message is nil")
	case strings.TrimSpace(msg.ToUser) == "":
		return 0, invalidArg("openid is empty")
	case strings.TrimSpace(msg.TemplateID) == "":
		return 0, invalidArg("template ID is empty")
	case msg.MiniProgram != nil && strings.TrimSpace(msg.MiniProgram.AppID) == "":
		return 0, invalidArg("mini program appid is empty")
	}
	out, err := call[templateSent](ctx, c, endpoint.TemplateSend, nil, msg)
	if err != nil {
		return 0, err
	}
	return int64(out.MsgID), nil
}

// templateSent is the reply of a template send.
type templateSent struct {
	status
	MsgID lenient.Int `json:"msgid"`
}

func (r *templateSent) setFlat(key, val []byte) bool {
	if string(key) == "msgid" {
		return flatInt(&r.MsgID, val)
	}
	return r.setStatusMember(key, val)
}
