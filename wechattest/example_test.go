package wechattest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleNewServer() {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "oFollower1"}))
	defer srv.Close()

	// A Client pointed at the fake, with its AppID and AppSecret.
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.JSAPITicket(ctx); err != nil {
		log.Fatal(err)
	}

	// WeChat forgets the token (another system fetched a new one): the
	// next call is answered 40001, and the Client fetches one new token
	// and retries once.
	srv.RevokeTokens()
	if _, err := client.RefreshJSAPITicket(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("token requests:", srv.Calls("/cgi-bin/token"))
	fmt.Println("ticket requests:", srv.Calls("/cgi-bin/ticket/getticket"))
	// Output:
	// token requests: 2
	// ticket requests: 3
}

func ExampleServer_FailNext() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	// WeChat is busy for longer than the Client retries.
	srv.FailNext("/cgi-bin/ticket/getticket", 5, wechat.CodeSystemBusy)
	_, err = client.JSAPITicket(context.Background())

	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("errcode:", apiErr.Code, "temporary:", apiErr.Temporary())
	}
	fmt.Println("attempts:", srv.Calls("/cgi-bin/ticket/getticket"))
	// Output:
	// errcode: -1 temporary: true
	// attempts: 3
}
