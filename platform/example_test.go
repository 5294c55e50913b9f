package platform_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

// A platform mounts its two URLs: the authorization events and the
// messages of the accounts, which WeChat is given as
// https://example.com/wechat/$APPID$. Use a shared token store and a
// durable refresh-token store for a fleet (package redisstore).
func Example() {
	p, err := platform.New(
		platform.WithAppID(os.Getenv("PLATFORM_COMPONENT_APPID")),
		platform.WithAppSecret(os.Getenv("PLATFORM_COMPONENT_SECRET")),
		platform.WithToken(os.Getenv("PLATFORM_TOKEN")),
		platform.WithEncodingAESKey(os.Getenv("PLATFORM_ENCODING_AES_KEY")),
	)
	if err != nil {
		log.Fatal(err)
	}
	bot := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("you wrote to " + platform.AuthorizerAppID(ctx) + ": " + msg.Content), nil
	})
	mux := http.NewServeMux()
	mux.Handle("/events", p.Events(nil))
	mux.Handle("/wechat/", p.Messages(p.ReleaseChecks(bot)))
	_ = http.ListenAndServe(":8080", mux)
}

// An account's Client calls every API of package wechat with the
// account's token, against the fake here.
func ExampleClient_Authorizer() {
	ctx := context.Background()
	fake := wechattest.NewPlatform()
	defer fake.Close()
	p, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	fake.SetReceiver(wechattest.Receiver{Events: p.Events(nil)})
	if _, err := fake.PushTicket(ctx); err != nil { // WeChat does it every ten minutes
		log.Fatal(err)
	}
	if _, err := fake.Authorize(ctx, "wx1234567890abcdef"); err != nil { // a merchant authorizes
		log.Fatal(err)
	}

	account, err := p.Authorizer("wx1234567890abcdef")
	if err != nil {
		log.Fatal(err)
	}
	menu := &wechat.Menu{Buttons: []wechat.Button{{Type: "click", Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"}}}
	if err := account.CreateMenu(ctx, menu); err != nil {
		log.Fatal(err)
	}
	got, err := account.GetMenu(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Menu.Buttons[0].Name)
	// Output: 今日歌曲
}
