package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleClient_SendTemplateMessage() {
	srv := wechattest.NewServer(
		wechattest.WithFollowers(wechattest.Follower{OpenID: "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"}),
		wechattest.WithTemplates(wechattest.Template{ID: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY", Title: "订单支付成功"}),
	)
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	msgID, err := client.SendTemplateMessage(context.Background(), &wechat.TemplateMessage{
		ToUser:     "oLVPpjqs9BhvzwPj5A-vTYAX3GLc",
		TemplateID: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
		URL:        "https://example.com/orders/1001",
		// Tapping opens the mini program page; URL is the fallback.
		MiniProgram: &wechat.TemplateMiniProgram{AppID: "wx286b93c14bbf93aa", PagePath: "pages/order?id=1001"},
		// The same ClientMsgID within ten minutes is delivered once, so
		// the send can be repeated safely after a timeout.
		ClientMsgID: "order-1001-paid",
		Data: map[string]wechat.TemplateField{
			"thing1":  {Value: "巧克力"},
			"amount2": {Value: "39.8元"},
			"time3":   {Value: "2014年9月22日"},
		},
	})
	var apiErr *wechat.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeArgumentInvalid:
		log.Fatalf("template data rejected: %s (request %s)", apiErr.Message, apiErr.RID)
	case err != nil:
		log.Fatal(err)
	}
	// Match msgID with the TEMPLATESENDJOBFINISH event to learn the outcome.
	sent := srv.SentMessages()[0]
	fmt.Println(sent.Kind, sent.TemplateID, sent.MsgID == msgID)
	// Output:
	// template ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY true
}
