package wechat_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/mpkit/wechat"
)

// The web authorization flow: send the user to AuthorizeURL, receive the
// code on the redirect URI, exchange it, then read the user's profile.
// A stand-in for WeChat's API answers here, so the example runs offline.
func ExampleClient_AuthorizeURL() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sns/oauth2/access_token":
			fmt.Fprint(w, `{"access_token":"USER_AT","expires_in":7200,"refresh_token":"USER_RT","openid":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","scope":"snsapi_userinfo"}`)
		case "/sns/userinfo":
			fmt.Fprint(w, `{"openid":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","nickname":"Band","sex":1,"province":"Guangdong","city":"Guangzhou","country":"CN","privilege":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()

	client, err := wechat.New(
		wechat.WithAppID("wx1234567890abcdef"),
		wechat.WithAppSecret("APPSECRET"),
		wechat.WithBaseURL(api.URL),
	)
	if err != nil {
		log.Fatal(err)
	}

	// 1. Redirect the user's browser here; keep the state in their session.
	authURL, err := client.AuthorizeURL("https://example.com/wechat/callback", wechat.ScopeUserInfo, "s3ss10nState")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(authURL)

	// 2. In the callback handler, check r.FormValue("state") against the
	// session, then exchange r.FormValue("code").
	ctx := context.Background()
	tok, err := client.ExchangeCode(ctx, "CODE_FROM_CALLBACK")
	if err != nil {
		log.Fatal(err)
	}

	// 3. With ScopeUserInfo, the token reads the user's profile.
	user, err := client.GetOAuthUserInfo(ctx, tok.AccessToken, tok.OpenID, "en")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.OpenID, user.Nickname, user.City)
	// Output:
	// https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef&redirect_uri=https%3A%2F%2Fexample.com%2Fwechat%2Fcallback&response_type=code&scope=snsapi_userinfo&state=s3ss10nState#wechat_redirect
	// o6_bmjrPTlm6_2sgVt7hMZOPfL2M Band Guangzhou
}
