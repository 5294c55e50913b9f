package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleNew() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
		wechat.WithServerToken(os.Getenv("WECHAT_TOKEN")), // the server token (服务器配置), not the access token
		wechat.WithLogger(slog.Default()),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.AppID() == os.Getenv("WECHAT_APPID"))
	// Output: true
}

func ExampleAPIError() {
	client, _ := wechat.New() // no AppID or AppSecret configured
	_, err := client.AccessToken(context.Background())

	var apiErr *wechat.APIError
	switch {
	case errors.Is(err, wechat.ErrMissingConfig):
		fmt.Println("configuration:", err)
	case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeAPIFreqOutOfLimit:
		fmt.Println("quota reached; request id", apiErr.RID)
	}
	// Output: configuration: wechat: missing configuration: AppID (WithAppID)
}

func ExampleJSAPISignature() {
	// The example of appendix 1 of the JS-SDK documentation.
	sig := wechat.JSAPISignature(
		"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value")
	fmt.Println(sig)
	// Output: 0f9de62fce790f9a083d5c99e95740ceb90c27ed
}

// The values a page passes to wx.config, signed with the account's
// jsapi_ticket.
func ExampleClient_JSSDKConfig() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	const page = "https://example.com/shop?item=42#/cart" // the fragment is not signed
	cfg, err := client.JSSDKConfig(ctx, page)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(cfg) // what the page's script receives
	var fields map[string]any
	_ = json.Unmarshal(out, &fields)
	fmt.Println(slices.Sorted(maps.Keys(fields)))

	// The signature is JSAPISignature of the cached ticket.
	ticket, err := client.JSAPITicket(ctx)
	if err != nil {
		log.Fatal(err)
	}
	want := wechat.JSAPISignature(ticket.Value, cfg.NonceStr, strconv.FormatInt(cfg.Timestamp, 10), "https://example.com/shop?item=42")
	fmt.Println(cfg.AppID == srv.AppID(), cfg.Signature == want, srv.Calls("/cgi-bin/ticket/getticket"), "ticket request")
	// Output:
	// [appId nonceStr signature timestamp]
	// true true 1 ticket request
}
