package wechat_test

// End-to-end tests of subscribe messages (订阅通知) and one-time
// subscription messages against wechattest.

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

const pathBizSend = "/cgi-bin/message/subscribe/bizsend"

func TestIntegrationSubscribeTemplates(t *testing.T) {
	_, c := startFake(t)
	ctx := context.Background()

	cats, err := c.ListSubscribeCategories(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wechat.SubscribeCategory{{ID: 616, Name: "公交"}}, cats)
	titles, err := c.ListPublicSubscribeTemplates(ctx, []int{616}, 0, 30)
	require.NoError(t, err)
	require.Equal(t, 1, titles.Count)
	assert.Equal(t, wechat.PublicSubscribeTemplate{TID: 99, Title: "付款成功通知", Type: wechat.SubscribeOneTime, CategoryID: 616}, titles.Templates[0])
	_, err = c.ListPublicSubscribeTemplates(ctx, []int{1}, 0, 30)
	requireAPIError(t, err, 200019, "/wxaapi/newtmpl/getpubtemplatetitles")
	kws, err := c.ListSubscribeTemplateKeywords(ctx, 99)
	require.NoError(t, err)
	assert.Equal(t, wechat.SubscribeKeyword{KID: 1, Name: "物品名称", Example: "名称", Rule: "thing"}, kws[0])
	_, err = c.ListSubscribeTemplateKeywords(ctx, 12345)
	requireAPIError(t, err, 200014, "/wxaapi/newtmpl/getpubtemplatekeywords")

	id, err := c.AddSubscribeTemplate(ctx, 99, []int{2, 1}, "购票成功")
	require.NoError(t, err)
	_, err = c.AddSubscribeTemplate(ctx, 99, []int{1, 99}, "购票成功")
	requireAPIError(t, err, 200020, "/wxaapi/newtmpl/addtemplate")
	_, err = c.AddSubscribeTemplate(ctx, 7, []int{1, 2}, "购票成功")
	requireAPIError(t, err, 200014, "/wxaapi/newtmpl/addtemplate")
	list, err := c.ListSubscribeTemplates(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wechat.SubscribeTemplate{{
		ID: id, Title: "付款成功通知", Type: wechat.SubscribeOneTime,
		Content: "支付金额:{{amount2.DATA}}\n物品名称:{{thing1.DATA}}\n",
		Example: "支付金额:¥100\n物品名称:名称\n",
	}}, list)

	require.NoError(t, c.DeleteSubscribeTemplate(ctx, id))
	list, err = c.ListSubscribeTemplates(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
	err = c.DeleteSubscribeTemplate(ctx, id)
	requireAPIError(t, err, 40037, "/wxaapi/newtmpl/deltemplate")
}

func TestIntegrationSubscribeSend(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(1)...))
	ctx := context.Background()
	id, err := c.AddSubscribeTemplate(ctx, 99, []int{1, 2}, "购票")
	require.NoError(t, err)
	msg := &wechat.SubscribeMessage{ToUser: "o1", TemplateID: id, Page: "https://example.com/order/1",
		Data: wechat.SubscribeData{"thing1": "地铁票", "amount2": "¥3.00"}}

	err = c.SendSubscribeMessage(ctx, msg)
	requireAPIError(t, err, 43101, pathBizSend)

	// The user accepts in the pop-up, pushed to the linked webhook: a
	// one-time template allows one message.
	popup := &wechat.Message{MsgType: wechat.MsgTypeEvent, Event: wechat.EventSubscribeMsgPopup,
		SubscribeMsgPopupEvent: []wechat.SubscribeMsgPopup{{TemplateID: id, SubscribeStatusString: "accept", PopupScene: 2}}}
	_, err = linkedWebhook(t, srv, "o1", silent, nil).Send(ctx, popup)
	require.NoError(t, err)
	require.NoError(t, c.SendSubscribeMessage(ctx, msg))
	err = c.SendSubscribeMessage(ctx, msg)
	requireAPIError(t, err, 43101, pathBizSend)

	srv.AcceptSubscribeMessage("o1", id)
	bad := *msg
	bad.Data = wechat.SubscribeData{"thing1": "一个超过二十个字的物品名称一个超过二十个字的物品名称", "amount2": "¥3.00"}
	err = c.SendSubscribeMessage(ctx, &bad)
	requireAPIError(t, err, wechat.CodeArgumentInvalid, pathBizSend)
	bad.Data = wechat.SubscribeData{"thing1": "地铁票"}
	err = c.SendSubscribeMessage(ctx, &bad)
	requireAPIError(t, err, wechat.CodeArgumentInvalid, pathBizSend)
	assert.Contains(t, err.Error(), "data.amount2.value is empty")
	other := *msg
	other.TemplateID = "no-such-template"
	err = c.SendSubscribeMessage(ctx, &other)
	requireAPIError(t, err, 40037, pathBizSend)

	sent := srv.SentMessages()
	require.Len(t, sent, 1)
	assert.Equal(t, wechattest.SubscribeMessage, sent[0].Kind)
	assert.Equal(t, id, sent[0].TemplateID)
	assert.JSONEq(t, `{"touser":"o1","template_id":"`+id+`","page":"https://example.com/order/1",
		"data":{"thing1":{"value":"地铁票"},"amount2":{"value":"¥3.00"}}}`, string(sent[0].Body))
}

func TestIntegrationOneTimeSubscribe(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(1)...))
	ctx := context.Background()
	m := &wechat.OneTimeSubscribeMessage{ToUser: "o1", TemplateID: "TPL", Scene: 7, Title: "提醒", Content: "明天上课"}

	err := c.SendOneTimeSubscribeMessage(ctx, m)
	requireAPIError(t, err, 43101, "/cgi-bin/message/template/subscribe")
	srv.ConfirmOneTimeSubscribe("o1", "TPL", 7)
	require.NoError(t, c.SendOneTimeSubscribeMessage(ctx, m))
	err = c.SendOneTimeSubscribeMessage(ctx, m)
	requireAPIError(t, err, 43101, "/cgi-bin/message/template/subscribe")

	sent := srv.SentMessages()
	require.Len(t, sent, 1)
	assert.Equal(t, wechattest.OneTimeSubscribeMessage, sent[0].Kind)
	assert.JSONEq(t, `{"touser":"o1","template_id":"TPL","scene":"7","title":"提醒","data":{"content":{"value":"明天上课"}}}`, string(sent[0].Body))
}
