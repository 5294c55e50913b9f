package wechat

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetTemplateIndustry(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "POST", "/cgi-bin/template/api_set_industry", fixture(t, "api/ok.json"))
	require.NoError(t, c.SetTemplateIndustry(context.Background(), 1, 4))
	assertWire(t, rec.only(t), "POST", "/cgi-bin/template/api_set_industry", `{"industry_id1":"1","industry_id2":"4"}`)

	for _, ids := range [][2]int{{0, 4}, {1, 0}, {-1, 2}} {
		err := c.SetTemplateIndustry(context.Background(), ids[0], ids[1])
		require.ErrorIs(t, err, ErrInvalidArgument, "%v", ids)
	}
	assert.Len(t, rec.Calls(), 1)
}

func TestGetTemplateIndustry(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "GET", "/cgi-bin/template/get_industry", fixture(t, "api/template_get_industry.json"))
	got, err := c.GetTemplateIndustry(context.Background())
	require.NoError(t, err)
	assertWire(t, rec.only(t), "GET", "/cgi-bin/template/get_industry", "")
	assert.Equal(t, &TemplateIndustry{
		Primary:   Industry{FirstClass: "运输与仓储", SecondClass: "快递"},
		Secondary: Industry{FirstClass: "IT科技", SecondClass: "互联网|电子商务"},
	}, got)
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
			c, mt := newTestClient(t)
			rec := stub(mt, "POST", "/cgi-bin/template/api_add_template", fixture(t, "api/template_api_add_template.json"))
			id, err := c.AddTemplate(context.Background(), tt.shortID, tt.keywords...)
			require.NoError(t, err)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/template/api_add_template", tt.json)
			assert.Equal(t, "Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk", id)
		})
	}
}

func TestAddTemplateErrors(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "POST", "/cgi-bin/template/api_add_template", fixture(t, "api/errors/45009_api_freq_out_of_limit.json"))
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

func TestListTemplates(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "GET", "/cgi-bin/template/get_all_private_template", fixture(t, "api/template_get_all_private_template.json"))
	got, err := c.ListTemplates(context.Background())
	require.NoError(t, err)
	assertWire(t, rec.only(t), "GET", "/cgi-bin/template/get_all_private_template", "")
	assert.Equal(t, []Template{{
		ID:              "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s",
		Title:           "领取奖金提醒",
		PrimaryIndustry: "IT科技",
		DeputyIndustry:  "互联网|电子商务",
		Content:         "{{result.DATA}}\n\n领奖金额:{{withdrawMoney.DATA}}\n领奖  时间:{{withdrawTime.DATA}}\n银行信息:{{cardInfo.DATA}}\n到账时间:  {{arrivedTime.DATA}}\n{{remark.DATA}}",
		Example:         "您已提交领奖申请\n\n领奖金额：xxxx元\n领奖时间：2013-10-10 12:22:22\n银行信息：xx银行(尾号xxxx)\n到账时间：预计xxxxxxx\n\n预计将于xxxx到达您的银行卡",
	}}, got)
}

func TestListTemplatesAPIError(t *testing.T) {
	c, mt := newTestClient(t)
	stub(mt, "GET", "/cgi-bin/template/get_all_private_template", fixture(t, "api/errors/48001_api_unauthorized_rid.json"))
	_, err := c.ListTemplates(context.Background())
	require.ErrorIs(t, err, &APIError{Code: CodeAPIUnauthorized})
}

func TestDeleteTemplate(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "POST", "/cgi-bin/template/del_private_template", fixture(t, "api/ok.json"))
	require.NoError(t, c.DeleteTemplate(context.Background(), "Dyvp3-Ff0cnail_CDSzk1fIc6-9lOkxsQE7exTJbwUE"))
	assertWire(t, rec.only(t), "POST", "/cgi-bin/template/del_private_template", `{"template_id":"Dyvp3-Ff0cnail_CDSzk1fIc6-9lOkxsQE7exTJbwUE"}`)

	require.ErrorIs(t, c.DeleteTemplate(context.Background(), ""), ErrInvalidArgument)
	assert.Len(t, rec.Calls(), 1)
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
			c, mt := newTestClient(t)
			rec := stub(mt, "POST", "/cgi-bin/message/template/send", fixture(t, "api/message_template_send.json"))
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
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/message/template/send", []byte(`{"errcode":0,"errmsg":"ok","msgid":3147483648123456789}`))
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
			c, mt := newTestClient(t)
			rec := stub(mt, "POST", "/cgi-bin/message/template/send", fixture(t, "api/message_template_send.json"))
			_, err := c.SendTemplateMessage(context.Background(), tt.msg)
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.Empty(t, rec.Calls())
		})
	}
}

func TestSendTemplateMessageAPIError(t *testing.T) {
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/message/template/send", fixture(t, "api/errors/47003_argument_invalid.json"))
	_, err := c.SendTemplateMessage(context.Background(), &TemplateMessage{ToUser: "o", TemplateID: "t", Data: map[string]TemplateField{"thing41": {}}})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, CodeArgumentInvalid, apiErr.Code)
	assert.Equal(t, "64f6b3c2-0a6c8b6f-79dfddf4", apiErr.RID)
	assert.Equal(t, "/cgi-bin/message/template/send", apiErr.Path)
}

func TestSendTemplateMessageIsNotRetried(t *testing.T) {
	msg := &TemplateMessage{ToUser: "o", TemplateID: "t", ClientMsgID: "id-1"}
	t.Run("system busy", func(t *testing.T) {
		c, mt := newTestClient(t)
		rec := stubSeq(mt, "POST", "/cgi-bin/message/template/send", []byte(`{"errcode":-1,"errmsg":"system error"}`), fixture(t, "api/message_template_send.json"))
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
