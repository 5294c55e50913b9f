package platform_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

// A platform mounts its two URLs: the authorization events and the
// messages of the accounts, which WeChat is given as
// https://example.com/wechat/$APPID$. Here the fake plays WeChat and a
// merchant; a real platform builds its Client with platform.New and the
// settings of its console, and for a fleet a shared token store and a
// durable refresh-token store (package redisstore).
func Example() {
	ctx := context.Background()
	fake := wechattest.NewPlatform()
	defer fake.Close()
	p, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	bot := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("you wrote to " + platform.AuthorizerAppID(ctx) + ": " + msg.Content), nil
	})
	events, messages := p.Events(nil), p.Messages(p.ReleaseChecks(bot))
	mux := http.NewServeMux() // what the platform serves
	mux.Handle("/events", events)
	mux.Handle("/wechat/", messages)
	fake.SetReceiver(wechattest.Receiver{Events: events, Messages: messages, MessageURL: "/wechat/$APPID$"})

	if _, err := fake.PushTicket(ctx); err != nil { // WeChat does it every ten minutes
		log.Fatal(err)
	}
	if _, err := fake.Authorize(ctx, "wx1234567890abcdef"); err != nil { // a merchant authorizes
		log.Fatal(err)
	}
	reply, err := fake.Webhook("wx1234567890abcdef").Send(ctx, wechattest.Text("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.(*wechat.TextReply).Content)
	// Output: you wrote to wx1234567890abcdef: hello
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
