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

func ExampleWebhook() {
	// The bot under test: it echoes text, in safe mode.
	client, err := wechat.New(
		wechat.WithServerToken("token"),
		wechat.WithAppID("wx0123456789abcdef"),
		wechat.WithEncodingAESKey("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
	)
	if err != nil {
		log.Fatal(err)
	}
	bot := client.Webhook(wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("you said: " + msg.Content), nil
	}))

	// WeChat's side: it encrypts and signs the message, then checks,
	// decrypts and parses the reply.
	wh := &wechattest.Webhook{
		Handler:        bot,
		Token:          "token",
		Mode:           wechattest.ModeSafe,
		EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		AppID:          "wx0123456789abcdef",
	}
	ctx := context.Background()
	if err := wh.Verify(ctx); err != nil {
		log.Fatal(err)
	}
	reply, err := wh.Send(ctx, wechattest.Text("你好"))
	if err != nil {
		log.Fatal(err)
	}
	text := reply.(*wechat.TextReply)
	fmt.Println(text.Content)
	fmt.Println(text.ToUserName == wechattest.DefaultOpenID)
	// Output:
	// you said: 你好
	// true
}

func ExampleServer_AuthorizeCode() {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "oFollower1", Nickname: "小明"}))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The user agrees on the authorization page; WeChat would redirect to
	// the app with this code in the query.
	code := srv.AuthorizeCode("oFollower1", wechat.ScopeUserInfo)

	tok, err := client.ExchangeCode(ctx, code)
	if err != nil {
		log.Fatal(err)
	}
	user, err := client.GetOAuthUserInfo(ctx, tok.AccessToken, tok.OpenID, wechat.LangZhCN)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.OpenID, user.Nickname)

	// A code works once.
	_, err = client.ExchangeCode(ctx, code)
	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("errcode:", apiErr.Code)
	}
	fmt.Println("account token requests:", srv.Calls("/cgi-bin/token"))
	// Output:
	// oFollower1 小明
	// errcode: 40163
	// account token requests: 0
}

// A TokenStore of your own is checked against what a Client relies on;
// here a store that drops a token WeChat refused even after another
// caller has replaced it.
func ExampleTestTokenStore() {
	ctx := context.Background()
	err := wechattest.TestTokenStore(ctx, func() wechat.TokenStore { return wechat.NewMemoryStore() })
	fmt.Println("MemoryStore:", err)

	err = wechattest.TestTokenStore(ctx, func() wechat.TokenStore { return careless{wechat.NewMemoryStore()} })
	fmt.Println(err)
	// Output:
	// MemoryStore: <nil>
	// invalidate a token replaced: got "wechattest-token-one" from Token, want "wechattest-token-two"
}

// careless is a MemoryStore whose Invalidate removes the token under key
// whatever its value.
type careless struct{ *wechat.MemoryStore }

func (s careless) Invalidate(ctx context.Context, key, _ string) error {
	t, err := s.Token(ctx, key, func(context.Context) (wechat.Token, error) {
		return wechat.Token{}, errors.New("none stored")
	})
	if err != nil {
		return nil // nothing to remove
	}
	return s.MemoryStore.Invalidate(ctx, key, t.Value)
}
