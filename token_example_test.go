package wechat_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// Two Clients of one AppID that share a store make one token request
// between them. Across processes, use a shared store such as
// github.com/mpkit/wechat/redisstore.
func ExampleWithTokenStore() {
	srv := wechattest.NewServer()
	defer srv.Close()

	store := wechat.NewMemoryStore()
	ctx := context.Background()
	for range 2 {
		client, err := srv.Client(wechat.WithTokenStore(store))
		if err != nil {
			log.Fatal(err)
		}
		if _, err := client.ListCallbackIPs(ctx); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(srv.Calls("/cgi-bin/token"), "token request")
	// Output:
	// 1 token request
}

// With stable tokens, another system that fetches the AppID's token does
// not log this Client out, and the AppSecret travels in a request body,
// never in a URL.
func ExampleWithStableToken() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client(wechat.WithStableToken())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	tok, err := client.AccessToken(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("printed without its value:", !strings.Contains(fmt.Sprint(tok), tok.Value))
	fmt.Println(srv.Calls("/cgi-bin/stable_token"), "stable_token request,", srv.Calls("/cgi-bin/token"), "token request")
	// Output:
	// printed without its value: true
	// 1 stable_token request, 0 token request
}
