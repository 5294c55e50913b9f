package wechat_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// The web authorization flow: send the user to AuthorizeURL, receive the
// code on the redirect URI, exchange it, then read the user's profile.
func ExampleClient_AuthorizeURL() {
	srv := wechattest.NewServer(wechattest.WithAppID("wx1234567890abcdef"))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	// 1. Redirect the user's browser here; keep the state in their session.
	authURL, err := client.AuthorizeURL("https://example.com/wechat/callback", wechat.ScopeUserInfo, "s3ss10nState")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(authURL)

	// The user agrees, and WeChat redirects to the callback with a code.
	code := srv.AuthorizeCode("o6_bmjrPTlm6_2sgVt7hMZOPfL2M", wechat.ScopeUserInfo)

	// 2. In the callback handler, check r.FormValue("state") against the
	// session, then exchange r.FormValue("code").
	ctx := context.Background()
	tok, err := client.ExchangeCode(ctx, code)
	if err != nil {
		log.Fatal(err)
	}

	// 3. With ScopeUserInfo, the token reads the user's profile.
	user, err := client.GetOAuthUserInfo(ctx, tok.AccessToken, tok.OpenID, wechat.LangEn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.OpenID, tok.Scope)
	// Output:
	// https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef&redirect_uri=https%3A%2F%2Fexample.com%2Fwechat%2Fcallback&response_type=code&scope=snsapi_userinfo&state=s3ss10nState#wechat_redirect
	// o6_bmjrPTlm6_2sgVt7hMZOPfL2M snsapi_userinfo
}
