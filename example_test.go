package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/mpkit/wechat"
)

func ExampleNew() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
		wechat.WithServerToken(os.Getenv("WECHAT_TOKEN")),
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
