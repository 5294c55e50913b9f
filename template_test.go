package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Either industry code out of range is refused before any request; the
// endpoint case checks only the second.
func TestSetTemplateIndustryRejects(t *testing.T) {
	c := newOfflineClient(t)
	for _, ids := range [][2]int{{0, 4}, {1, 0}, {-1, 2}} {
		assert.ErrorIs(t, c.SetTemplateIndustry(context.Background(), ids[0], ids[1]), ErrInvalidArgument, "%v", ids)
	}
}

func TestAddTemplate(t *testing.T) {
	tests := []struct {
		name     string
		shortID  string
		keywords []string
		json     string
	}{
		{"industry template", "TM00015", nil, `{"template_id_short":"TM00015"}`},
		{"category template", "47123", []string{"时间", "地点", "金额"}, `{"template_id_short":"47123","keyword_name_list":["时间","地点","金额"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/template/api_add_template", fixture(t, "api/template_api_add_template.json"))
			id, err := c.AddTemplate(context.Background(), tt.shortID, tt.keywords...)
			require.NoError(t, err)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/template/api_add_template", tt.json)
			assert.Equal(t, "Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk", id)
		})
	}
}

func TestAddTemplateErrors(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/template/api_add_template", fixture(t, "api/errors/45009_api_freq_out_of_limit.json"))
	_, err := c.AddTemplate(context.Background(), "")
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.Empty(t, rec.Calls())

	_, err = c.AddTemplate(context.Background(), "TM00015")
	require.ErrorIs(t, err, &APIError{Code: CodeAPIFreqOutOfLimit})

	c2, mt2 := newTestClient(t)
	stub(mt2, "POST", "/cgi-bin/template/api_add_template", fixture(t, "api/ok.json"))
	_, err = c2.AddTemplate(context.Background(), "TM00015")
	require.ErrorIs(t, err, ErrUnexpectedResponse)
}

func TestSendTemplateMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  *TemplateMessage
		json string
	}{
		{
			"url, mini program, dedup id and colours",
			&TemplateMessage{
				ToUser:      "OPENID",
				TemplateID:  "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
				URL:         "http://weixin.qq.com/download",
				MiniProgram: &TemplateMiniProgram{AppID: "xiaochengxuappid12345", PagePath: "index?foo=bar"},
				ClientMsgID: "MSG_000001",
				Data: map[string]TemplateField{
					"keyword1": {Value: "巧克力", Color: "#173177"},
					"keyword2": {Value: "39.8元"},
					"keyword3": {Value: "2014年9月22日 <b>&</b>"},
				},
			},
			`{"touser":"OPENID","template_id":"ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
			  "url":"http://weixin.qq.com/download",
			  "miniprogram":{"appid":"xiaochengxuappid12345","pagepath":"index?foo=bar"},
			  "client_msg_id":"MSG_000001",
			  "data":{"keyword1":{"value":"巧克力","color":"#173177"},"keyword2":{"value":"39.8元"},"keyword3":{"value":"2014年9月22日 <b>&</b>"}}}`,
		},
		{
			"no jump",
			&TemplateMessage{ToUser: "OPENID", TemplateID: "TPL", Data: map[string]TemplateField{"thing1": {Value: "v"}}},
			`{"touser":"OPENID","template_id":"TPL","data":{"thing1":{"value":"v"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/message/template/send", fixture(t, "api/message_template_send.json"))
			id, err := c.SendTemplateMessage(context.Background(), tt.msg)
			require.NoError(t, err)
			assert.Equal(t, int64(200228332), id)
			w := rec.only(t)
			assertWire(t, w, "POST", "/cgi-bin/message/template/send", tt.json)
			assert.NotContains(t, string(w.Body), `\u003c`, "text is sent as written")
		})
	}
}

func TestSendTemplateMessageLargeMsgID(t *testing.T) {
	// msgids beyond 2^53 (seen in TEMPLATESENDJOBFINISH pushes) survive
	// decoding exactly.
	c, _ := newStubClient(t, "POST", "/cgi-bin/message/template/send", []byte(`{"errcode":0,"errmsg":"ok","msgid":3147483648123456789}`))
	id, err := c.SendTemplateMessage(context.Background(), &TemplateMessage{ToUser: "o", TemplateID: "t"})
	require.NoError(t, err)
	assert.Equal(t, int64(3147483648123456789), id)
}

func TestSendTemplateMessageRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  *TemplateMessage
	}{
		{"nil", nil},
		{"no openid", &TemplateMessage{TemplateID: "t"}},
		{"no template", &TemplateMessage{ToUser: "o", TemplateID: " "}},
		{"mini program without appid", &TemplateMessage{ToUser: "o", TemplateID: "t", MiniProgram: &TemplateMiniProgram{PagePath: "index"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOfflineClient(t)
			_, err := c.SendTemplateMessage(context.Background(), tt.msg)
			require.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestSendTemplateMessageAPIError(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/message/template/send", fixture(t, "api/errors/47003_argument_invalid.json"))
	_, err := c.SendTemplateMessage(context.Background(), &TemplateMessage{ToUser: "o", TemplateID: "t", Data: map[string]TemplateField{"thing41": {}}})
	apiErr := assertAPIError(t, err, CodeArgumentInvalid, "/cgi-bin/message/template/send")
	assert.Equal(t, "64f6b3c2-0a6c8b6f-79dfddf4", apiErr.RID)
}

func TestSendTemplateMessageIsNotRetried(t *testing.T) {
	msg := &TemplateMessage{ToUser: "o", TemplateID: "t", ClientMsgID: "id-1"}
	t.Run("system busy", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "POST", "/cgi-bin/message/template/send", systemBusy, fixture(t, "api/message_template_send.json"))
		_, err := c.SendTemplateMessage(context.Background(), msg)
		require.ErrorIs(t, err, &APIError{Code: CodeSystemBusy})
		assert.Len(t, rec.Calls(), 1)
	})
	t.Run("network error", func(t *testing.T) {
		c, mt := newTestClient(t)
		calls := 0
		mt.RegisterResponder("POST", testBase+"/cgi-bin/message/template/send", func(*http.Request) (*http.Response, error) {
			calls++
			return nil, errors.New("connection reset")
		})
		_, err := c.SendTemplateMessage(context.Background(), msg)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testToken)
		assert.Equal(t, 1, calls)
	})
}

func templateEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.TemplateSetIndustry: execCase(`{"industry_id1":"1","industry_id2":"4"}`,
			func(ctx context.Context, c *Client) error { return c.SetTemplateIndustry(ctx, 1, 4) },
			func(ctx context.Context, c *Client) error { return c.SetTemplateIndustry(ctx, 1, 0) }),
		endpoint.TemplateGetIndustry: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetTemplateIndustry(ctx) },
			reply: "api/template_get_industry.json",
			want: &TemplateIndustry{
				Primary:   Industry{FirstClass: "运输与仓储", SecondClass: "快递"},
				Secondary: Industry{FirstClass: "IT科技", SecondClass: "互联网|电子商务"},
			},
			noArgs: true,
		},
		endpoint.TemplateAdd: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.AddTemplate(ctx, "TM00015") },
			body:    `{"template_id_short":"TM00015"}`,
			reply:   "api/template_api_add_template.json",
			want:    "Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk",
			invalid: func(ctx context.Context, c *Client) error { _, err := c.AddTemplate(ctx, " "); return err },
		},
		endpoint.TemplateList: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListTemplates(ctx) },
			reply: "api/template_get_all_private_template.json",
			want: []Template{{
				ID:              "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s",
				Title:           "领取奖金提醒",
				PrimaryIndustry: "IT科技",
				DeputyIndustry:  "互联网|电子商务",
				Content:         "{{result.DATA}}\n\n领奖金额:{{withdrawMoney.DATA}}\n领奖  时间:{{withdrawTime.DATA}}\n银行信息:{{cardInfo.DATA}}\n到账时间:  {{arrivedTime.DATA}}\n{{remark.DATA}}",
				Example:         "您已提交领奖申请\n\n领奖金额：xxxx元\n领奖时间：2013-10-10 12:22:22\n银行信息：xx银行(尾号xxxx)\n到账时间：预计xxxxxxx\n\n预计将于xxxx到达您的银行卡",
			}},
			noArgs: true,
		},
		endpoint.TemplateDelete: execCase(`{"template_id":"Dyvp3-Ff0cnail_CDSzk1fIc6-9lOkxsQE7exTJbwUE"}`,
			func(ctx context.Context, c *Client) error {
				return c.DeleteTemplate(ctx, "Dyvp3-Ff0cnail_CDSzk1fIc6-9lOkxsQE7exTJbwUE")
			},
			func(ctx context.Context, c *Client) error { return c.DeleteTemplate(ctx, "") }),
		endpoint.TemplateSend: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendTemplateMessage(ctx, &TemplateMessage{ToUser: "OPENID", TemplateID: "TPL", Data: map[string]TemplateField{"thing1": {Value: "<v>"}}})
			},
			body:  `{"touser":"OPENID","template_id":"TPL","data":{"thing1":{"value":"<v>"}}}`,
			reply: "api/message_template_send.json",
			want:  int64(200228332),
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.SendTemplateMessage(ctx, &TemplateMessage{TemplateID: "TPL"})
				return err
			},
		},
	}
}

// reflectTemplateMessage has TemplateMessage's fields and tags but not its
// appendJSON: encoding/json's encoding of it is what appendJSON must write.
type reflectTemplateMessage TemplateMessage

func reflectJSON(t testing.TB, m *TemplateMessage) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode((*reflectTemplateMessage)(m)); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkDataJSON checks that d is written as encoding/json writes the
// plain map: reflectJSON encodes a message's Data through TemplateData's
// own writer, so it holds that writer to nothing.
func checkDataJSON(t testing.TB, d TemplateData) {
	t.Helper()
	want, err := encodeJSON(map[string]TemplateField(d))
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("data:\n got %s\nwant %s", got, want)
	}
}

// fillStrings sets every string field of the struct v points to, and of
// the structs it points to, to s: a field added to TemplateMessage later
// is then sent by encoding/json and must be by appendJSON too.
func fillStrings(v reflect.Value, s string) {
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(s)
		case reflect.Pointer:
			if f.Type().Elem().Kind() == reflect.Struct {
				f.Set(reflect.New(f.Type().Elem()))
				fillStrings(f.Elem(), s)
			}
		}
	}
}

// A template message's body is written by hand (appendJSON) and must be,
// byte for byte, what encoding/json writes for its fields: every field
// set, every optional one left out, and strings that need escaping.
func TestTemplateMessageJSON(t *testing.T) {
	tricky := []string{"", "plain", `q"uote\back`, "<b>&amp;</b>", "line\nfeed\ttab\r\x01", "恭喜你购买成功！",
		"bad\xffutf8", "js\u2028\u2029", "emoji 😀"}
	for _, s := range tricky {
		full := &TemplateMessage{}
		fillStrings(reflect.ValueOf(full).Elem(), s)
		full.Data = TemplateData{s: {Value: s, Color: s}, "first": {Value: "v"}, "remark": {Value: s, Color: "#173177"}}
		cases := map[string]*TemplateMessage{
			"every field":   full,
			"required only": {ToUser: s, TemplateID: s, Data: TemplateData{"k": {Value: s}}},
			"nil data":      {ToUser: s, TemplateID: s},
			"empty data":    {ToUser: s, TemplateID: s, Data: TemplateData{}},
			"mini program":  {ToUser: s, TemplateID: s, MiniProgram: &TemplateMiniProgram{AppID: s}},
		}
		for name, m := range cases {
			want := reflectJSON(t, m)
			got, err := encodeJSON(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, %q:\n got %s\nwant %s", name, s, got, want)
			}
			checkDataJSON(t, m.Data)
		}
	}
}

func FuzzTemplateMessageJSON(f *testing.F) {
	f.Add("oUser", "tpl", "https://example.com/?a=1&b=2", "first", "恭喜\"<", "#173177", "app", "")
	f.Add("", "", "", "", "\xff\u2028", "", "", "\x00")
	f.Fuzz(func(t *testing.T, to, tpl, link, name, value, color, appID, page string) {
		m := &TemplateMessage{ToUser: to, TemplateID: tpl, URL: link, ClientMsgID: page,
			Data: TemplateData{name: {Value: value, Color: color}, "remark": {Value: color}}}
		if appID != "" {
			m.MiniProgram = &TemplateMiniProgram{AppID: appID, PagePath: page}
		}
		got, err := encodeJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		if want := reflectJSON(t, m); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
		checkDataJSON(t, m.Data)
	})
}
