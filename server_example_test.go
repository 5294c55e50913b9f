package wechat_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/mpkit/wechat"
)

func ExampleClient_Webhook() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithServerToken(os.Getenv("WECHAT_TOKEN")),
		wechat.WithEncodingAESKey(os.Getenv("WECHAT_ENCODING_AES_KEY")), // safe mode
		wechat.WithLogger(slog.Default()),
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

	http.Handle("/wechat", client.Webhook(bot))
	log.Fatal(http.ListenAndServe(":8080", nil))
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
	client, err := wechat.New(
		wechat.WithAppID("wx1234567890abcdef"),
		wechat.WithServerToken("token"),
		wechat.WithEncodingAESKey("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
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
		out, err := client.EncryptReply(msg.ReplyText("got it"), q.Get("timestamp"), q.Get("nonce"))
		if err != nil {
			_, _ = io.WriteString(w, "success")
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_, _ = w.Write(out)
	}
	_ = handle
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
