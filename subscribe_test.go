package wechat

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendSubscribeMessage(t *testing.T) {
	ctx := context.Background()
	msg := &SubscribeMessage{
		ToUser:      "OPENID",
		TemplateID:  "TEMPLATE_ID",
		Page:        "https://mp.weixin.qq.com",
		MiniProgram: &MiniProgramLink{AppID: "APPID", PagePath: "index?foo=bar"},
		Data:        SubscribeData{"thing8": "<广州>&腾讯", "name1": "广州腾讯科技有限公司", "time7": "2019年8月8日"},
	}
	const want = `{"touser":"OPENID","template_id":"TEMPLATE_ID","page":"https://mp.weixin.qq.com",
		"miniprogram":{"appid":"APPID","pagepath":"index?foo=bar"},
		"data":{"name1":{"value":"广州腾讯科技有限公司"},"thing8":{"value":"<广州>&腾讯"},"time7":{"value":"2019年8月8日"}}}`

	t.Run("ok", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/message/subscribe/bizsend", fixture(t, "api/ok.json"))
		require.NoError(t, c.SendSubscribeMessage(ctx, msg))
		w := rec.only(t)
		assertWire(t, w, "POST", "/cgi-bin/message/subscribe/bizsend", want)
		assert.Contains(t, string(w.Body), "<广州>&腾讯", "no HTML escaping")
	})
	t.Run("api error", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/message/subscribe/bizsend", fixture(t, "api/errors/47003_argument_invalid.json"))
		err := c.SendSubscribeMessage(ctx, msg)
		apiErr := assertAPIError(t, err, CodeArgumentInvalid, "/cgi-bin/message/subscribe/bizsend")
		assert.Equal(t, "64f6b3c2-0a6c8b6f-79dfddf4", apiErr.RID)
	})
	t.Run("not retried", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/message/subscribe/bizsend", systemBusy)
		require.Error(t, c.SendSubscribeMessage(ctx, msg))
		assert.Len(t, rec.Calls(), 1, "a send is never repeated")
	})
	t.Run("invalid", func(t *testing.T) {
		c := newOfflineClient(t)
		for name, m := range map[string]*SubscribeMessage{
			"nil":         nil,
			"no user":     {TemplateID: "t", Data: SubscribeData{"a": "b"}},
			"no template": {ToUser: "o", Data: SubscribeData{"a": "b"}},
			"no data":     {ToUser: "o", TemplateID: "t"},
			"no appid":    {ToUser: "o", TemplateID: "t", Data: SubscribeData{"a": "b"}, MiniProgram: &MiniProgramLink{PagePath: "x"}},
		} {
			assert.ErrorIs(t, c.SendSubscribeMessage(ctx, m), ErrInvalidArgument, name)
		}
	})
}

func TestSubscribeTemplateLibrary(t *testing.T) {
	ctx := context.Background()
	t.Run("add without id", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/wxaapi/newtmpl/addtemplate", fixture(t, "api/ok.json"))
		_, err := c.AddSubscribeTemplate(ctx, 401, []int{1, 2}, "测试数据")
		assert.ErrorIs(t, err, ErrUnexpectedResponse)
	})
	t.Run("invalid", func(t *testing.T) {
		c := newOfflineClient(t)
		errs := map[string]error{}
		_, errs["no ids"] = c.ListPublicSubscribeTemplates(ctx, nil, 0, 1)
		_, errs["negative start"] = c.ListPublicSubscribeTemplates(ctx, []int{1}, -1, 1)
		_, errs["zero limit"] = c.ListPublicSubscribeTemplates(ctx, []int{1}, 0, 0)
		_, errs["limit 31"] = c.ListPublicSubscribeTemplates(ctx, []int{1}, 0, 31)
		_, errs["tid"] = c.ListSubscribeTemplateKeywords(ctx, 0)
		_, errs["add tid"] = c.AddSubscribeTemplate(ctx, 0, []int{1, 2}, "s")
		_, errs["one keyword"] = c.AddSubscribeTemplate(ctx, 1, []int{1}, "s")
		_, errs["six keywords"] = c.AddSubscribeTemplate(ctx, 1, []int{1, 2, 3, 4, 5, 6}, "s")
		_, errs["no scene"] = c.AddSubscribeTemplate(ctx, 1, []int{1, 2}, "")
		_, errs["long scene"] = c.AddSubscribeTemplate(ctx, 1, []int{1, 2}, strings.Repeat("景", 16))
		errs["delete"] = c.DeleteSubscribeTemplate(ctx, "")
		for name, err := range errs {
			assert.ErrorIs(t, err, ErrInvalidArgument, name)
		}
	})
}

func TestSubscribeTemplateEnums(t *testing.T) {
	c, mt := newTestClient(t)
	stub(mt, "GET", "/wxaapi/newtmpl/gettemplate", []byte(`{"errcode":0,"errmsg":"ok","data":[{"priTmplId":"x","title":"t","content":"c","example":"e","type":3,
		"keywordEnumValueList":[{"keywordCode":"enum_string2.DATA","enumValueList":["客厅","卧室"]}]}]}`))
	list, err := c.ListSubscribeTemplates(context.Background())
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, SubscribeLongTerm, list[0].Type)
	assert.Equal(t, []SubscribeKeywordEnum{{KeywordCode: "enum_string2.DATA", Values: []string{"客厅", "卧室"}}}, list[0].Enums)
}

func TestSendOneTimeSubscribeMessage(t *testing.T) {
	ctx := context.Background()
	t.Run("ok", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/message/template/subscribe", fixture(t, "api/ok.json"))
		require.NoError(t, c.SendOneTimeSubscribeMessage(ctx, &OneTimeSubscribeMessage{
			ToUser:      "OPENID",
			TemplateID:  "TEMPLATE_ID",
			URL:         "https://example.com/a?b=c&d=e",
			MiniProgram: &MiniProgramLink{AppID: "xiaochengxuappid12345", PagePath: "index?foo=bar"},
			Scene:       1000,
			Title:       "TITLE",
			Content:     "VALUE",
			Color:       "#FF0000",
		}))
		assertWire(t, rec.only(t), "POST", "/cgi-bin/message/template/subscribe", `{"touser":"OPENID","template_id":"TEMPLATE_ID",
			"url":"https://example.com/a?b=c&d=e","miniprogram":{"appid":"xiaochengxuappid12345","pagepath":"index?foo=bar"},
			"scene":"1000","title":"TITLE","data":{"content":{"value":"VALUE","color":"#FF0000"}}}`)
	})
	t.Run("minimal", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/message/template/subscribe", fixture(t, "api/ok.json"))
		require.NoError(t, c.SendOneTimeSubscribeMessage(ctx, &OneTimeSubscribeMessage{ToUser: "o", TemplateID: "t", Title: "标题", Content: "正文"}))
		assertWire(t, rec.only(t), "POST", "/cgi-bin/message/template/subscribe",
			`{"touser":"o","template_id":"t","scene":"0","title":"标题","data":{"content":{"value":"正文"}}}`)
	})
	t.Run("invalid", func(t *testing.T) {
		c := newOfflineClient(t)
		ok := OneTimeSubscribeMessage{ToUser: "o", TemplateID: "t", Title: "标题", Content: "正文"}
		mutate := func(f func(m *OneTimeSubscribeMessage)) *OneTimeSubscribeMessage { m := ok; f(&m); return &m }
		for name, m := range map[string]*OneTimeSubscribeMessage{
			"nil":          nil,
			"no user":      mutate(func(m *OneTimeSubscribeMessage) { m.ToUser = "" }),
			"no template":  mutate(func(m *OneTimeSubscribeMessage) { m.TemplateID = "" }),
			"scene -1":     mutate(func(m *OneTimeSubscribeMessage) { m.Scene = -1 }),
			"scene 10001":  mutate(func(m *OneTimeSubscribeMessage) { m.Scene = 10001 }),
			"no title":     mutate(func(m *OneTimeSubscribeMessage) { m.Title = "" }),
			"long title":   mutate(func(m *OneTimeSubscribeMessage) { m.Title = strings.Repeat("标", 16) }),
			"no content":   mutate(func(m *OneTimeSubscribeMessage) { m.Content = "" }),
			"long content": mutate(func(m *OneTimeSubscribeMessage) { m.Content = strings.Repeat("文", 201) }),
			"no appid":     mutate(func(m *OneTimeSubscribeMessage) { m.MiniProgram = &MiniProgramLink{} }),
		} {
			assert.ErrorIs(t, c.SendOneTimeSubscribeMessage(ctx, m), ErrInvalidArgument, name)
		}
	})
}

func TestOneTimeSubscribeURL(t *testing.T) {
	c, err := New(WithAppID("wxaba38c7f163da69b"))
	require.NoError(t, err)
	// The documented example link.
	got, err := c.OneTimeSubscribeURL(1000, "1uDxHNXwYQfBmXOfPJcjAS3FynHArD8aWMEFNRGSbCc", "http://support.qq.com", "test")
	require.NoError(t, err)
	assert.Equal(t, "https://mp.weixin.qq.com/mp/subscribemsg?action=get_confirm&appid=wxaba38c7f163da69b&scene=1000"+
		"&template_id=1uDxHNXwYQfBmXOfPJcjAS3FynHArD8aWMEFNRGSbCc&redirect_url=http%3A%2F%2Fsupport.qq.com&reserved=test#wechat_redirect", got)

	// A redirect URL with its own query is escaped whole; no reserved, no parameter.
	got, err = c.OneTimeSubscribeURL(0, "T", "https://example.com/cb?x=1&y=2", "")
	require.NoError(t, err)
	assert.Equal(t, "https://mp.weixin.qq.com/mp/subscribemsg?action=get_confirm&appid=wxaba38c7f163da69b&scene=0"+
		"&template_id=T&redirect_url=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1%26y%3D2#wechat_redirect", got)
	u, err := url.Parse(got)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/cb?x=1&y=2", u.Query().Get("redirect_url"))

	for name, f := range map[string]func() error{
		"scene":        func() error { _, err := c.OneTimeSubscribeURL(10001, "T", "https://a.com", ""); return err },
		"template":     func() error { _, err := c.OneTimeSubscribeURL(1, "", "https://a.com", ""); return err },
		"relative":     func() error { _, err := c.OneTimeSubscribeURL(1, "T", "/cb", ""); return err },
		"reserved set": func() error { _, err := c.OneTimeSubscribeURL(1, "T", "https://a.com", "a&b"); return err },
		"reserved len": func() error {
			_, err := c.OneTimeSubscribeURL(1, "T", "https://a.com", strings.Repeat("a", 129))
			return err
		},
	} {
		assert.ErrorIs(t, f(), ErrInvalidArgument, name)
	}
	noApp, err := New()
	require.NoError(t, err)
	_, err = noApp.OneTimeSubscribeURL(1, "T", "https://a.com", "")
	assert.ErrorIs(t, err, ErrMissingConfig)
}

// WeChat appends openid, action and scene to the redirect URL: after a
// fragment they would stay in the browser and never reach the server.
func TestOneTimeSubscribeURLRejectsAFragment(t *testing.T) {
	c, err := New(WithAppID("wxaba38c7f163da69b"))
	require.NoError(t, err)
	for _, redirect := range []string{"https://example.com/cb#/done", "https://example.com/cb#"} {
		got, err := c.OneTimeSubscribeURL(1, "T", redirect, "")
		assert.ErrorIs(t, err, ErrInvalidArgument, redirect)
		assert.Empty(t, got, redirect)
	}
}

func TestParseOneTimeSubscribeRedirect(t *testing.T) {
	q, err := url.ParseQuery("openid=OPENID&template_id=TEMPLATE_ID&action=confirm&scene=1000&reserved=test")
	require.NoError(t, err)
	r, err := ParseOneTimeSubscribeRedirect(q)
	require.NoError(t, err)
	assert.Equal(t, &OneTimeSubscribeResult{OpenID: "OPENID", TemplateID: "TEMPLATE_ID", Action: OneTimeSubscribeConfirm, Scene: 1000, Reserved: "test"}, r)
	assert.True(t, r.Confirmed())

	q, _ = url.ParseQuery("template_id=T&action=cancel&scene=5")
	r, err = ParseOneTimeSubscribeRedirect(q)
	require.NoError(t, err)
	assert.False(t, r.Confirmed())

	for _, raw := range []string{"action=maybe&scene=1", "action=confirm", "action=confirm&scene=x", "action=cancel&scene=10001"} {
		q, _ := url.ParseQuery(raw)
		_, err := ParseOneTimeSubscribeRedirect(q)
		assert.ErrorIs(t, err, ErrInvalidArgument, raw)
	}
}

func subscribeEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.SubscribeSend: execCase(`{"touser":"o","template_id":"t","data":{"thing1":{"value":"x"}}}`,
			func(ctx context.Context, c *Client) error {
				return c.SendSubscribeMessage(ctx, &SubscribeMessage{ToUser: "o", TemplateID: "t", Data: SubscribeData{"thing1": "x"}})
			},
			func(ctx context.Context, c *Client) error {
				return c.SendSubscribeMessage(ctx, &SubscribeMessage{ToUser: "o", TemplateID: "t"})
			}),
		endpoint.SubscribeCategories: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListSubscribeCategories(ctx) },
			reply:  "api/subscribe_getcategory.json",
			want:   []SubscribeCategory{{ID: 616, Name: "公交"}},
			noArgs: true,
		},
		endpoint.SubscribePubTitles: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListPublicSubscribeTemplates(ctx, []int{2, 616}, 0, 1)
			},
			query: url.Values{"ids": {"2,616"}, "start": {"0"}, "limit": {"1"}},
			reply: "api/subscribe_getpubtemplatetitles.json",
			want: &PublicSubscribeTemplates{Count: 55, Templates: []PublicSubscribeTemplate{
				{TID: 99, Title: "付款成功通知", Type: SubscribeOneTime, CategoryID: 616},
			}},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.ListPublicSubscribeTemplates(ctx, []int{1}, 0, 31)
				return err
			},
		},
		endpoint.SubscribePubKeywords: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListSubscribeTemplateKeywords(ctx, 99) },
			query: url.Values{"tid": {"99"}},
			reply: "api/subscribe_getpubtemplatekeywords.json",
			want:  []SubscribeKeyword{{KID: 1, Name: "物品名称", Example: "名称", Rule: "thing"}},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.ListSubscribeTemplateKeywords(ctx, 0)
				return err
			},
		},
		endpoint.SubscribeAdd: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddSubscribeTemplate(ctx, 401, []int{1, 2}, "测试数据")
			},
			body:  `{"tid":"401","kidList":[1,2],"sceneDesc":"测试数据"}`,
			reply: "api/subscribe_addtemplate.json",
			want:  "9Aw5ZV1j9xdWTFEkqCpZ7jWySL7aGN6rQom4gXINfJs",
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.AddSubscribeTemplate(ctx, 401, []int{1}, "测试数据")
				return err
			},
		},
		endpoint.SubscribeDelete: execCase(`{"priTmplId":"wDYzYZVxobJivW9oMpSCpuvACOfJXQIoKUm0PY397Tc"}`,
			func(ctx context.Context, c *Client) error {
				return c.DeleteSubscribeTemplate(ctx, "wDYzYZVxobJivW9oMpSCpuvACOfJXQIoKUm0PY397Tc")
			},
			func(ctx context.Context, c *Client) error { return c.DeleteSubscribeTemplate(ctx, "") }),
		endpoint.SubscribeList: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListSubscribeTemplates(ctx) },
			reply: "api/subscribe_gettemplate.json",
			want: []SubscribeTemplate{{
				ID:      "9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU",
				Title:   "报名结果通知",
				Content: "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n",
				Example: "会议时间:2016年8月8日\n会议地点:TIT会议室\n",
				Type:    SubscribeOneTime,
			}},
			noArgs: true,
		},
		endpoint.OneTimeSubscribeSend: execCase(`{"touser":"o","template_id":"t","scene":"0","title":"标题","data":{"content":{"value":"正文"}}}`,
			func(ctx context.Context, c *Client) error {
				return c.SendOneTimeSubscribeMessage(ctx, &OneTimeSubscribeMessage{ToUser: "o", TemplateID: "t", Title: "标题", Content: "正文"})
			},
			func(ctx context.Context, c *Client) error {
				return c.SendOneTimeSubscribeMessage(ctx, &OneTimeSubscribeMessage{ToUser: "o", TemplateID: "t", Title: "标题"})
			}),
	}
}
