package wechattest_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCustomSend(t *testing.T) {
	clock := newClock()
	srv, a := startAPI(t, wechattest.WithClock(clock.Now), wechattest.WithFollowers(
		wechattest.Follower{OpenID: "o1"}, wechattest.Follower{OpenID: "gone", Unsubscribed: true}))

	body := `{"touser":"o1","msgtype":"text","text":{"content":"Hello <World> & you"}}`
	a.ok(a.post("/cgi-bin/message/custom/send", body))
	sent := srv.SentMessages()
	require.Len(t, sent, 1)
	assert.Equal(t, wechattest.CustomMessage, sent[0].Kind)
	assert.Equal(t, "/cgi-bin/message/custom/send", sent[0].Path)
	assert.Equal(t, "o1", sent[0].ToUser)
	assert.Equal(t, "text", sent[0].MsgType)
	assert.Zero(t, sent[0].MsgID)
	assert.JSONEq(t, body, string(sent[0].Body))
	assert.Equal(t, clock.Now(), sent[0].Time)

	for _, tc := range []struct {
		name string
		body string
		code int
	}{
		{"unknown openid", `{"touser":"nobody","msgtype":"text","text":{"content":"x"}}`, 40003},
		{"unsubscribed", `{"touser":"gone","msgtype":"text","text":{"content":"x"}}`, 43004},
		{"unknown msgtype", `{"touser":"o1","msgtype":"sticker","sticker":{}}`, 40008},
		{"no payload", `{"touser":"o1","msgtype":"text"}`, 47001},
		{"unknown media", `{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA_ID"}}`, 40007},
		{"empty body", ``, 44002},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, a.post("/cgi-bin/message/custom/send", tc.body), tc.code, "")
		})
	}
	assert.Len(t, srv.SentMessages(), 1, "failed sends are not recorded")

	var up struct {
		MediaID string `json:"media_id"`
	}
	a.upload("image", "media", "a.png", "image/png", pngBytes(t)).decode(t, &up)
	a.ok(a.post("/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"image","image":{"media_id":"`+up.MediaID+`"}}`))
	assert.Len(t, srv.SentMessages(), 2)
}

// An mpnewsarticle message carries the article_id of a published
// article; any other fails with 53600.
func TestCustomSendPublishedArticle(t *testing.T) {
	srv, a := startAPI(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
	send := func(articleID string) reply {
		return a.post("/cgi-bin/message/custom/send",
			`{"touser":"o1","msgtype":"mpnewsarticle","mpnewsarticle":{"article_id":"`+articleID+`"}}`)
	}
	fails(t, send("nope"), 53600, "Article ID 无效")
	assert.Empty(t, srv.SentMessages(), "a failed send is not recorded")

	id := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("一", a.cover())+`]}`))
	var sub struct {
		PublishID string `json:"publish_id"`
	}
	a.post("/cgi-bin/freepublish/submit", `{"media_id":"`+id+`"}`).decode(t, &sub)
	var job struct {
		ArticleID string `json:"article_id"`
	}
	a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+sub.PublishID+`"}`).decode(t, &job)
	require.NotEmpty(t, job.ArticleID)

	a.ok(send(job.ArticleID))
	sent := srv.SentMessages()
	require.Len(t, sent, 1)
	assert.Equal(t, "mpnewsarticle", sent[0].MsgType)
	assert.Equal(t, "o1", sent[0].ToUser)
}

const docTemplateSend = `{
  "touser": "o1",
  "template_id": "%s",
  "url": "http://weixin.qq.com/download",
  "client_msg_id": "%s",
  "data": {
    "keyword1": {"value": "巧克力"},
    "keyword2": {"value": "39.8元"},
    "remark": {"value": "欢迎再次购买！"}
  }
}`

func TestTemplateMessages(t *testing.T) {
	clock := newClock()
	srv, a := startAPI(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(24*time.Hour), withFollower("o1"))

	r := a.post("/cgi-bin/template/api_add_template", `{"template_id_short":"TM00015","keyword_name_list":["商品名称","价格"]}`)
	var added struct {
		status
		TemplateID string `json:"template_id"`
	}
	r.decode(t, &added)
	added.succeeded(t)
	require.NotEmpty(t, added.TemplateID)

	r = a.post("/cgi-bin/message/template/send", fmt.Sprintf(docTemplateSend, added.TemplateID, ""))
	var sent struct {
		status
		MsgID int64 `json:"msgid"`
	}
	r.decode(t, &sent)
	sent.succeeded(t)
	assert.Greater(t, sent.MsgID, int64(1)<<32, "msgids do not fit 32 bits")
	msgs := srv.SentMessages()
	require.Len(t, msgs, 1)
	assert.Equal(t, wechattest.TemplateMessage, msgs[0].Kind)
	assert.Equal(t, added.TemplateID, msgs[0].TemplateID)
	assert.Equal(t, sent.MsgID, msgs[0].MsgID)
	assert.Equal(t, "o1", msgs[0].ToUser)

	fails(t, a.post("/cgi-bin/message/template/send", fmt.Sprintf(docTemplateSend, "unknown", "")), 40037, "invalid template_id")
	fails(t, a.post("/cgi-bin/message/template/send",
		`{"touser":"o1","template_id":"`+added.TemplateID+`","data":{"thing41":{"value":""}}}`),
		47003, "argument invalid! data.thing41.value is empty")
	fails(t, a.post("/cgi-bin/message/template/send", `{"touser":"o2","template_id":"`+added.TemplateID+`"}`), 40003, "")

	// The same client_msg_id within ten minutes is sent once.
	first := a.post("/cgi-bin/message/template/send", fmt.Sprintf(docTemplateSend, added.TemplateID, "order-1")).JSON(t)["msgid"]
	clock.Advance(9 * time.Minute)
	again := a.post("/cgi-bin/message/template/send", fmt.Sprintf(docTemplateSend, added.TemplateID, "order-1")).JSON(t)["msgid"]
	assert.Equal(t, first, again)
	assert.Len(t, srv.SentMessages(), 2)
	clock.Advance(time.Minute)
	later := a.post("/cgi-bin/message/template/send", fmt.Sprintf(docTemplateSend, added.TemplateID, "order-1")).JSON(t)["msgid"]
	assert.NotEqual(t, first, later)
	assert.Len(t, srv.SentMessages(), 3)
}

func TestTemplateManagement(t *testing.T) {
	_, a := startAPI(t, wechattest.WithTemplates(wechattest.Template{
		ID: "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s", Title: "领取奖金提醒",
		PrimaryIndustry: "IT科技", DeputyIndustry: "互联网|电子商务",
		Content: "{ {result.DATA} }\n\n领奖金额:{ {withdrawMoney.DATA} }\n", Example: "您已提交领奖申请",
	}))
	assert.JSONEq(t, `{"template_list":[{"template_id":"iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s","title":"领取奖金提醒",`+
		`"primary_industry":"IT科技","deputy_industry":"互联网|电子商务",`+
		`"content":"{ {result.DATA} }\n\n领奖金额:{ {withdrawMoney.DATA} }\n","example":"您已提交领奖申请"}]}`,
		string(a.get("/cgi-bin/template/get_all_private_template", nil).Body))

	a.ok(a.post("/cgi-bin/template/del_private_template", `{"template_id":"iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s"}`))
	fails(t, a.post("/cgi-bin/template/del_private_template", `{"template_id":"iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s"}`), 40037, "")
	assert.JSONEq(t, `{"template_list":[]}`, string(a.get("/cgi-bin/template/get_all_private_template", nil).Body))

	a.ok(a.post("/cgi-bin/template/api_set_industry", `{"industry_id1":"13","industry_id2":"1"}`))
	assert.JSONEq(t, fixture(t, "api/template_get_industry.json"), string(a.get("/cgi-bin/template/get_industry", nil).Body))
	fails(t, a.post("/cgi-bin/template/api_set_industry", `{"industry_id1":"1","industry_id2":"99"}`), 47003, "")

	// Changing the industry deletes the templates.
	a.post("/cgi-bin/template/api_add_template", `{"template_id_short":"TM00015"}`)
	a.ok(a.post("/cgi-bin/template/api_set_industry", `{"industry_id1":"13","industry_id2":"1"}`))
	assert.Len(t, a.get("/cgi-bin/template/get_all_private_template", nil).JSON(t)["template_list"], 1, "same industry: kept")
	a.ok(a.post("/cgi-bin/template/api_set_industry", `{"industry_id1":"1","industry_id2":"4"}`))
	assert.JSONEq(t, `{"template_list":[]}`, string(a.get("/cgi-bin/template/get_all_private_template", nil).Body))

	for range 25 {
		a.post("/cgi-bin/template/api_add_template", `{"template_id_short":"TM00015"}`)
	}
	fails(t, a.post("/cgi-bin/template/api_add_template", `{"template_id_short":"TM00015"}`), 45026, "")
}

func TestMassMessages(t *testing.T) {
	srv, a := startAPI(t, withFollower("o1", "o2"))
	draft := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("标题", a.cover())+`]}`))

	r := a.post("/cgi-bin/message/mass/sendall",
		`{"filter":{"is_to_all":false,"tag_id":2},"mpnews":{"media_id":"`+draft+`"},"msgtype":"mpnews","send_ignore_reprint":0}`)
	doc := r.JSON(t)
	assert.Equal(t, "send job submission success", doc["errmsg"])
	assert.Contains(t, doc, "msg_data_id", "mpnews has a msg_data_id")
	mpnewsID := int64(doc["msg_id"].(float64))

	r = a.post("/cgi-bin/message/mass/send",
		`{"touser":["o1","o2"],"msgtype":"text","text":{"content":"hello from boxer."},"clientmsgid":"send-1"}`)
	doc = r.JSON(t)
	assert.NotContains(t, doc, "msg_data_id")
	textID := doc["msg_id"]

	r = a.post("/cgi-bin/message/mass/send",
		`{"touser":["o1","o2"],"msgtype":"text","text":{"content":"again"},"clientmsgid":"send-1"}`)
	fails(t, r, 45065, "clientmsgid exist")
	assert.Equal(t, textID, r.JSON(t)["msg_id"], "the earlier msg_id comes with 45065")

	a.post("/cgi-bin/message/mass/sendall", `{"filter":{"is_to_all":true},"text":{"content":"all"},"msgtype":"text"}`)
	doc = a.post("/cgi-bin/message/mass/preview", `{"touser":"o1","text":{"content":"preview"},"msgtype":"text"}`).JSON(t)
	assert.Equal(t, "preview success", doc["errmsg"])
	previewID := doc["msg_id"]

	msgs := srv.SentMessages()
	require.Len(t, msgs, 4)
	assert.Equal(t, wechattest.MassMessage, msgs[0].Kind)
	assert.Equal(t, 2, msgs[0].TagID)
	assert.False(t, msgs[0].ToAll)
	assert.Equal(t, "mpnews", msgs[0].MsgType)
	assert.Equal(t, []string{"o1", "o2"}, msgs[1].ToUsers)
	assert.Equal(t, "/cgi-bin/message/mass/send", msgs[1].Path)
	assert.True(t, msgs[2].ToAll)
	assert.Equal(t, wechattest.MassPreview, msgs[3].Kind)
	assert.Equal(t, "o1", msgs[3].ToUser)
	assert.Equal(t, previewID, float64(msgs[3].MsgID))

	fails(t, a.post("/cgi-bin/message/mass/send", `{"touser":["o1"],"msgtype":"text","text":{"content":"x"}}`),
		40130, "invalid openid list size, at least two openid")
	fails(t, a.post("/cgi-bin/message/mass/sendall", `{"filter":{"is_to_all":false,"tag_id":999},"msgtype":"text","text":{"content":"x"}}`), 45159, "")
	fails(t, a.post("/cgi-bin/message/mass/sendall", `{"filter":{"is_to_all":true},"msgtype":"music","music":{}}`), 40008, "")

	get := func() string {
		return string(a.post("/cgi-bin/message/mass/get", `{"msg_id":"`+jsonNumber(mpnewsID)+`"}`).Body)
	}
	assert.JSONEq(t, `{"msg_id":`+jsonNumber(mpnewsID)+`,"msg_status":"SEND_SUCCESS"}`, get())
	a.ok(a.post("/cgi-bin/message/mass/delete", `{"msg_id":`+jsonNumber(mpnewsID)+`,"article_idx":0}`))
	assert.JSONEq(t, `{"msg_id":`+jsonNumber(mpnewsID)+`,"msg_status":"DELETE"}`, get())
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestMassSpeed(t *testing.T) {
	_, a := startAPI(t)
	// speed/get takes no body.
	assert.JSONEq(t, `{"speed":0,"realspeed":80}`, string(a.post("/cgi-bin/message/mass/speed/get", "").Body))

	assert.JSONEq(t, fixture(t, "api/message_mass_speed_set.json"),
		string(a.post("/cgi-bin/message/mass/speed/set", `{"speed":3}`).Body), "success has an empty errmsg, as documented")
	assert.JSONEq(t, `{"speed":3,"realspeed":30}`, string(a.post("/cgi-bin/message/mass/speed/get", "").Body))

	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"speed":5}`, 45083},
		{`{"speed":-1}`, 45083},
		{`{"speed":"fast"}`, 45083},
		{`{}`, 45084},
		{`{"speed":null}`, 45084},
		{``, 44002},
	} {
		fails(t, a.post("/cgi-bin/message/mass/speed/set", tc.body), tc.code, "")
	}
	assert.JSONEq(t, `{"speed":3,"realspeed":30}`, string(a.post("/cgi-bin/message/mass/speed/get", "").Body),
		"a rejected level changes nothing")

	assert.Zero(t, a.post("/cgi-bin/message/mass/speed/set", `{"speed":"4"}`).errcode(t), "a numeric string is a level too")
	assert.JSONEq(t, `{"speed":4,"realspeed":10}`, string(a.post("/cgi-bin/message/mass/speed/get", "").Body))
}

// A clientmsgid keeps a mass send from going out twice for 24 hours
// only: a second send with it just before is answered 45065 with the
// first msg_id, one 24 hours after the first goes out as a new send.
func TestMassClientMsgIDExpires(t *testing.T) {
	clock := newClock()
	srv := start(t, wechattest.WithClock(clock.Now), withFollower("o1", "o2"))
	send := func() reply {
		t.Helper()
		return newAPI(t, srv).post("/cgi-bin/message/mass/send", // a new token: the old one expired
			`{"touser":["o1","o2"],"msgtype":"text","text":{"content":"hello"},"clientmsgid":"daily-1"}`)
	}
	first := send().JSON(t)
	require.Equal(t, "send job submission success", first["errmsg"], "doc: %v", first)

	clock.Advance(24*time.Hour - time.Second)
	r := send()
	fails(t, r, 45065, "clientmsgid exist")
	assert.Equal(t, first["msg_id"], r.JSON(t)["msg_id"])

	clock.Advance(time.Second)
	again := send().JSON(t)
	assert.Equal(t, "send job submission success", again["errmsg"], "doc: %v", again)
	assert.NotEqual(t, first["msg_id"], again["msg_id"], "a new send")
	assert.Len(t, srv.SentMessages(), 2)
}

// A customer-service news or mpnews message carries one article: WeChat
// answers 45008 for more ("图文消息条数限制在1条以内，注意，如果图文数超过1，
// 则将会返回错误码45008", 客服接口-发消息,
// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html).
func TestCustomSendOneArticle(t *testing.T) {
	srv, a := startAPI(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
	one := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("一", a.cover())+`]}`))
	two := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("一", a.cover())+`,`+newsJSON("二", a.cover())+`]}`))
	const article = `{"title":"Happy Day","description":"Is Really A Happy Day","url":"https://example.com/","picurl":"https://example.com/a.png"}`

	fails(t, a.post("/cgi-bin/message/custom/send",
		`{"touser":"o1","msgtype":"mpnews","mpnews":{"media_id":"`+two+`"}}`), 45008, "article size out of limit")
	fails(t, a.post("/cgi-bin/message/custom/send",
		`{"touser":"o1","msgtype":"news","news":{"articles":[`+article+`,`+article+`]}}`), 45008, "article size out of limit")
	assert.Empty(t, srv.SentMessages(), "refused sends are not recorded")

	a.ok(a.post("/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"mpnews","mpnews":{"media_id":"`+one+`"}}`))
	a.ok(a.post("/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"news","news":{"articles":[`+article+`]}}`))
	assert.Len(t, srv.SentMessages(), 2)
}
