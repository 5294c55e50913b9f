package wechat_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleClient_Webhook() {
	const (
		appID  = "wxd0000000000000e0"
		token  = "wechat-echo-demo"
		aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	)
	client, err := wechat.New(
		wechat.WithAppID(appID),
		wechat.WithServerToken(token),
		wechat.WithEncodingAESKey(aesKey), // safe mode
	)
	if err != nil {
		log.Fatal(err)
	}

	bot := wechat.NewServeMux()
	bot.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("You said: " + msg.Content), nil
	})
	bot.HandleEventFunc(wechat.EventSubscribe, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		if scene, ok := msg.QRScene(); ok {
			return msg.ReplyText("Welcome, from QR code " + scene), nil
		}
		return msg.ReplyText("Welcome!"), nil
	})
	webhook := client.Webhook(bot)
	// In a server: http.Handle("/wechat", webhook)

	// WeChat's side: signed, encrypted pushes, and the replies decrypted.
	wh := &wechattest.Webhook{Handler: webhook, Token: token, Mode: wechattest.ModeSafe, EncodingAESKey: aesKey, AppID: appID}
	ctx := context.Background()
	for _, push := range []*wechat.Message{
		wechattest.Text("hello"),
		wechattest.Event(wechat.EventSubscribe, "qrscene_spring-campaign"),
	} {
		reply, err := wh.Send(ctx, push)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(reply.(*wechat.TextReply).Content)
	}
	// Output:
	// You said: hello
	// Welcome, from QR code spring-campaign
}

// Messages go to the handler of their type, events to that of their name,
// and anything else to the default handler.
func ExampleNewServeMux() {
	mux := wechat.NewServeMux()
	mux.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("text: " + msg.Content), nil
	})
	mux.HandleEventFunc(wechat.EventClick, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("clicked " + msg.EventKey), nil
	})
	mux.HandleDefaultFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("cannot handle " + string(msg.MsgType) + " yet"), nil
	})

	client, err := wechat.New(wechat.WithServerToken("token"))
	if err != nil {
		log.Fatal(err)
	}
	wh := &wechattest.Webhook{Handler: client.Webhook(mux), Token: "token"} // plain mode
	ctx := context.Background()
	for _, push := range []*wechat.Message{
		wechattest.Text("hi"),
		wechattest.Event(wechat.EventClick, "V1001_GOOD"),
		wechattest.Location(23.13, 113.36, 15, "广州"),
	} {
		reply, err := wh.Send(ctx, push)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(reply.(*wechat.TextReply).Content)
	}
	// Output:
	// text: hi
	// clicked V1001_GOOD
	// cannot handle location yet
}

func ExampleParseMessage() {
	msg, err := wechat.ParseMessage([]byte(`<xml>
<ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
<FromUserName><![CDATA[o_user_openid]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_spring-campaign]]></EventKey>
<Ticket><![CDATA[TICKET]]></Ticket>
</xml>`))
	if err != nil {
		log.Fatal(err)
	}
	scene, _ := msg.QRScene()
	fmt.Println(msg.MsgType, msg.Event, scene, msg.Time().UTC().Format("2006-01-02"))
	// Output: event subscribe spring-campaign 2012-09-28
}

func ExampleTextReply_AppendXML() {
	msg := &wechat.Message{ToUserName: "gh_123456789abc", FromUserName: "o_user_openid", MsgType: wechat.MsgTypeText}
	reply := msg.ReplyText("<b> & ]]> are safe")
	reply.CreateTime = 1700000000 // fixed for the example; ReplyText sets now
	b, err := reply.AppendXML(nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output: <xml><ToUserName><![CDATA[o_user_openid]]></ToUserName><FromUserName><![CDATA[gh_123456789abc]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[<b> & ]]]]><![CDATA[> are safe]]></Content></xml>
}

// Without Client.Webhook, in a handler of any web framework.
func ExampleClient_DecryptMessage() {
	const (
		appID  = "wx1234567890abcdef"
		aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	)
	client, err := wechat.New(
		wechat.WithAppID(appID),
		wechat.WithServerToken("token"),
		wechat.WithEncodingAESKey(aesKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	handle := func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		msg, err := client.DecryptMessage(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
		if err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		out, err := client.EncryptReply(msg.ReplyText("got "+msg.Content), q.Get("timestamp"), q.Get("nonce"))
		if err != nil {
			_, _ = io.WriteString(w, "success")
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_, _ = w.Write(out)
	}

	// WeChat's side, in safe mode.
	wh := &wechattest.Webhook{Handler: http.HandlerFunc(handle), Token: "token", Mode: wechattest.ModeSafe, EncodingAESKey: aesKey, AppID: appID}
	reply, err := wh.Send(context.Background(), wechattest.Text("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.(*wechat.TextReply).Content)
	// Output: got hello
}

func ExampleMessageCipher() {
	// What WeChat does to a push in safe mode, and what the webhook
	// undoes.
	mc, err := wechat.NewMessageCipher("token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1234567890abcdef")
	if err != nil {
		log.Fatal(err)
	}
	env, err := mc.Encrypt([]byte("<xml><MsgType><![CDATA[text]]></MsgType></xml>"), "1700000000", "nonce")
	if err != nil {
		log.Fatal(err)
	}
	env.ToUserName = "gh_123456789abc"
	body := env.RequestXML() // POSTed with msg_signature, timestamp and nonce in the URL

	got, err := wechat.ParseEnvelope(body)
	if err != nil {
		log.Fatal(err)
	}
	got.MsgSignature, got.Timestamp, got.Nonce = env.MsgSignature, "1700000000", "nonce"
	plain, err := mc.Decrypt(got)
	fmt.Println(string(plain), err)

	got.Nonce = "another"
	_, err = mc.Decrypt(got)
	fmt.Println(err)
	// Output:
	// <xml><MsgType><![CDATA[text]]></MsgType></xml> <nil>
	// wechat: invalid msg_signature
}
