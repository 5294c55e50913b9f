package wechattest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mpkit/wechat/wechattest"
)

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
