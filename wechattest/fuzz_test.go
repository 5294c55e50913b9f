package wechattest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// FuzzWebhookReply feeds Webhook arbitrary answers from a webhook, in
// every mode: whatever a broken or hostile server writes, Send returns a
// reply or an error, never panics, and an error is one of the documented
// kinds.
func FuzzWebhookReply(f *testing.F) {
	mc, err := wechat.NewMessageCipher(hookToken, hookAESKey, hookAppID)
	if err != nil {
		f.Fatal(err)
	}
	reply := []byte(`<xml><ToUserName><![CDATA[` + wechattest.DefaultOpenID + `]]></ToUserName><FromUserName><![CDATA[` +
		wechattest.DefaultAccount + `]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>`)
	env, err := mc.Encrypt(reply, "1700000000", "42")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{reply, env.ReplyXML(), []byte("success"), nil, []byte("<xml><Encrypt>AAAA</Encrypt></xml>"), []byte("<xml><MsgType>news</MsgType><ArticleCount>9</ArticleCount></xml>")} {
		for mode := range 3 {
			f.Add(uint8(mode), seed)
		}
	}
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		wh := hook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }), wechattest.Mode(mode%3))
		r, err := wh.Send(context.Background(), wechattest.Text("x"))
		if err == nil {
			return
		}
		if r != nil && !errors.Is(err, wechattest.ErrReplyMisaddressed) {
			t.Fatalf("a reply with an error: %v", err)
		}
		var (
			pe *wechat.ParseError
			ce *wechat.CryptoError
		)
		if !errors.As(err, &pe) && !errors.As(err, &ce) && !errors.Is(err, wechattest.ErrReplyNotEncrypted) &&
			!errors.Is(err, wechattest.ErrReplyMisaddressed) {
			t.Fatalf("undocumented error %T: %v", err, err)
		}
	})
}
