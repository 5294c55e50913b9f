package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleClient_SendText() {
	// A fake WeChat that enforces the customer-service window for every
	// follower, as WeChat does.
	srv := wechattest.NewServer(
		wechattest.WithFollowers(wechattest.Follower{OpenID: "o_user"}),
		wechattest.WithCustomerServiceWindow(),
	)
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	send := func() {
		// Sent in the name of a customer-service account; without the
		// option the message comes from the official account itself.
		err := client.SendText(ctx, "o_user", "您好，请问有什么可以帮您？", wechat.AsKFAccount("kf2001@gh_wechattest0"))
		var apiErr *wechat.APIError
		switch {
		case err == nil:
			fmt.Println("sent")
		case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeResponseOutOfWindow:
			fmt.Println("the user has not talked to the account in the last 48 hours")
		default:
			log.Fatal(err)
		}
	}
	send()
	srv.OpenCustomerServiceWindow("o_user") // the user sends the account a message
	send()

	for _, m := range srv.SentMessages() {
		fmt.Println(m.Kind, m.MsgType, m.ToUser)
	}
	// Output:
	// the user has not talked to the account in the last 48 hours
	// sent
	// custom text o_user
}
