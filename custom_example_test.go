package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/mpkit/wechat"
)

func ExampleClient_SendText() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Sent in the name of a customer-service account; without the option
	// the message comes from the official account itself.
	err = client.SendText(ctx, "OPENID", "您好，请问有什么可以帮您？", wechat.AsKFAccount("kf2001@gh_abc123"))
	var apiErr *wechat.APIError
	switch {
	case err == nil:
	case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeResponseOutOfWindow:
		fmt.Println("the user has not talked to the account in the last 48 hours")
	default:
		log.Fatal(err)
	}
}
