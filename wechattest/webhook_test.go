package wechattest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The settings of the account the webhook tests use; the AES key is the
// one of Tencent's encryption sample.
const (
	hookToken  = "hook-token"
	hookAppID  = "wx0123456789abcdef"
	hookAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// echoBot answers text with its content, a click with its key and stays
// silent on anything else. It takes pushes in every mode, plaintext too.
func echoBot(t *testing.T, opts ...wechat.Option) http.Handler {
	t.Helper()
	c, err := wechat.New(append([]wechat.Option{
		wechat.WithServerToken(hookToken), wechat.WithAppID(hookAppID), wechat.WithEncodingAESKey(hookAESKey),
		wechat.WithInsecurePlaintext(),
	}, opts...)...)
	require.NoError(t, err)
	return c.Webhook(wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		switch {
		case m.MsgType == wechat.MsgTypeText:
			return m.ReplyText("echo: " + m.Content), nil
		case m.Event == wechat.EventClick:
			return m.ReplyText("clicked " + m.EventKey), nil
		case m.MsgType == wechat.MsgTypeLocation:
			return m.ReplyNews(wechat.Article{Title: m.Label, URL: "https://example.com/?a=1&b=2"}), nil
		}
		return nil, nil
	}))
}

func hook(h http.Handler, mode wechattest.Mode) *wechattest.Webhook {
	return &wechattest.Webhook{Handler: h, URL: "/wechat", Token: hookToken, Mode: mode, EncodingAESKey: hookAESKey, AppID: hookAppID}
}

var modes = []wechattest.Mode{wechattest.ModePlain, wechattest.ModeCompatible, wechattest.ModeSafe}

func TestWebhookSendEveryMode(t *testing.T) {
	bot := echoBot(t)
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			wh := hook(bot, mode)
			ctx := context.Background()

			reply, err := wh.Send(ctx, wechattest.Text("你好 <b>&]]>"))
			require.NoError(t, err)
			text, ok := reply.(*wechat.TextReply)
			require.True(t, ok, "reply is %T", reply)
			assert.Equal(t, "echo: 你好 <b>&]]>", text.Content)
			assert.Equal(t, wechattest.DefaultOpenID, text.ToUserName)
			assert.Equal(t, wechattest.DefaultAccount, text.FromUserName)

			reply, err = wh.Send(ctx, wechattest.Event(wechat.EventClick, "V1001_GOOD"))
			require.NoError(t, err)
			assert.Equal(t, "clicked V1001_GOOD", reply.(*wechat.TextReply).Content)

			reply, err = wh.Send(ctx, wechattest.Location(23.134521, 113.358803, 20, "广州 & 天河"))
			require.NoError(t, err)
			news := reply.(*wechat.NewsReply)
			require.Len(t, news.Articles, 1)
			assert.Equal(t, wechat.Article{Title: "广州 & 天河", URL: "https://example.com/?a=1&b=2"}, news.Articles[0])

			// No reply: the bot answers "success".
			reply, err = wh.Send(ctx, wechattest.Event(wechat.EventUnsubscribe, ""))
			require.NoError(t, err)
			assert.Nil(t, reply)
		})
	}
}

func TestWebhookSendUsesAccountAndOpenID(t *testing.T) {
	wh := hook(echoBot(t), wechattest.ModeSafe)
	wh.Account, wh.OpenID = "gh_abcdef123456", "oUser42"
	reply, err := wh.Send(context.Background(), wechattest.Text("hi"))
	require.NoError(t, err)
	h := reply.(*wechat.TextReply).ReplyHeader
	assert.Equal(t, "oUser42", h.ToUserName)
	assert.Equal(t, "gh_abcdef123456", h.FromUserName)

	// A message that names its own sender keeps it.
	msg := wechattest.Text("hi")
	msg.FromUserName = "oOther"
	reply, err = wh.Send(context.Background(), msg)
	require.NoError(t, err)
	assert.Equal(t, "oOther", reply.(*wechat.TextReply).ToUserName)
	assert.Empty(t, msg.ToUserName, "Send must not modify the message")
}

// decodeRequest checks a pushed request the way a webhook must and
// returns the message it carries.
func decodeRequest(t *testing.T, req *http.Request, mode wechattest.Mode) (*wechat.Message, []byte) {
	t.Helper()
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/wechat", req.URL.Path)
	q := req.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	assert.Equal(t, "1700000000", ts)
	assert.Regexp(t, `^[0-9]{1,10}$`, nonce)
	assert.Equal(t, wechat.Sign(hookToken, ts, nonce), q.Get("signature"))
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	if mode == wechattest.ModePlain {
		assert.False(t, q.Has("encrypt_type"))
		assert.False(t, q.Has("msg_signature"))
		m, err := wechat.ParseMessage(body)
		require.NoError(t, err)
		assert.Equal(t, m.FromUserName, q.Get("openid"))
		return m, body
	}
	assert.Equal(t, "aes", q.Get("encrypt_type"))
	env, err := wechat.ParseEnvelope(body)
	require.NoError(t, err)
	env.MsgSignature, env.Timestamp, env.Nonce = q.Get("msg_signature"), ts, nonce
	mc, err := wechat.NewMessageCipher(hookToken, hookAESKey, hookAppID)
	require.NoError(t, err)
	plain, err := mc.Decrypt(env)
	require.NoError(t, err)
	m, err := wechat.ParseMessage(plain)
	require.NoError(t, err)
	assert.Equal(t, m.FromUserName, q.Get("openid"))
	assert.Equal(t, m.ToUserName, env.ToUserName)
	if mode == wechattest.ModeSafe {
		assert.NotContains(t, string(body), "MsgType", "safe mode posts only the ciphertext")
	} else {
		// Compatible mode: the plain message is readable too.
		pm, err := wechat.ParseMessage(body)
		require.NoError(t, err)
		assert.Equal(t, m.Content, pm.Content)
		assert.Equal(t, m.MsgID, pm.MsgID)
	}
	return m, body
}

func TestWebhookNewMessageRequestWire(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			wh := hook(nil, mode)
			wh.URL = "https://bot.example.com/wechat"
			wh.Now = func() time.Time { return now }
			req, err := wh.NewMessageRequest(context.Background(), wechattest.Text("hello"))
			require.NoError(t, err)
			assert.Equal(t, "bot.example.com", req.URL.Host)
			assert.Equal(t, "text/xml", req.Header.Get("Content-Type"))
			m, _ := decodeRequest(t, req, mode)
			assert.Equal(t, wechat.MsgTypeText, m.MsgType)
			assert.Equal(t, "hello", m.Content)
			assert.Equal(t, wechattest.DefaultAccount, m.ToUserName)
			assert.Equal(t, wechattest.DefaultOpenID, m.FromUserName)
			assert.Equal(t, now.Unix(), m.CreateTime)
			assert.Positive(t, m.MsgID)
		})
	}
}

func TestWebhookNewMessageRequestEvents(t *testing.T) {
	wh := hook(nil, wechattest.ModeSafe)
	wh.Now = func() time.Time { return time.Unix(1700000000, 0) }
	wh.URL = "https://bot.example.com/wechat"
	tests := []struct {
		msg   *wechat.Message
		check func(t *testing.T, m *wechat.Message)
	}{
		{wechattest.Event(wechat.EventSubscribe, "qrscene_123"), func(t *testing.T, m *wechat.Message) {
			scene, ok := m.QRScene()
			assert.True(t, ok)
			assert.Equal(t, "123", scene)
			assert.Zero(t, m.MsgID, "events carry no MsgId")
		}},
		{wechattest.Image("http://mmbiz.qpic.cn/x.jpg", "media1"), func(t *testing.T, m *wechat.Message) {
			assert.Equal(t, "http://mmbiz.qpic.cn/x.jpg", m.PicURL)
			assert.Equal(t, "media1", m.MediaID)
		}},
		{wechattest.Voice("media2", "amr", "你好"), func(t *testing.T, m *wechat.Message) {
			assert.Equal(t, "amr", m.Format)
			assert.Equal(t, "你好", m.Recognition)
		}},
		{wechattest.Location(23.134521, 113.358803, 20, "here"), func(t *testing.T, m *wechat.Message) {
			assert.InDelta(t, 23.134521, m.LocationX, 1e-9)
			assert.InDelta(t, 113.358803, m.LocationY, 1e-9)
			assert.Equal(t, 20, m.Scale)
		}},
		{wechattest.Link("t", "d", "https://example.com/a?b=c&d=e"), func(t *testing.T, m *wechat.Message) {
			assert.Equal(t, "https://example.com/a?b=c&d=e", m.URL)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.msg.MsgType)+string(tt.msg.Event), func(t *testing.T) {
			req, err := wh.NewMessageRequest(context.Background(), tt.msg)
			require.NoError(t, err)
			m, _ := decodeRequest(t, req, wechattest.ModeSafe)
			assert.Equal(t, tt.msg.MsgType, m.MsgType)
			assert.Equal(t, tt.msg.Event, m.Event)
			tt.check(t, m)
		})
	}
}

func TestWebhookKeepsTheURLQuery(t *testing.T) {
	wh := hook(nil, wechattest.ModePlain)
	wh.URL = "http://127.0.0.1:9/wechat?tenant=7"
	req, err := wh.NewMessageRequest(context.Background(), wechattest.Text("x"))
	require.NoError(t, err)
	assert.Equal(t, "7", req.URL.Query().Get("tenant"))
	assert.NotEmpty(t, req.URL.Query().Get("signature"))
}

func TestWebhookRequestErrors(t *testing.T) {
	ctx := context.Background()
	_, err := (&wechattest.Webhook{Token: "t"}).NewMessageRequest(ctx, wechattest.Text("x"))
	assert.ErrorContains(t, err, "neither URL nor Handler")
	_, err = (&wechattest.Webhook{URL: "127.0.0.1:8080/wechat"}).NewMessageRequest(ctx, wechattest.Text("x"))
	assert.ErrorContains(t, err, "webhook URL")
	_, err = (&wechattest.Webhook{URL: "ftp://h/wechat"}).NewMessageRequest(ctx, wechattest.Text("x"))
	assert.ErrorContains(t, err, "not an absolute http(s) URL")
	_, err = (&wechattest.Webhook{URL: "http://h/", Mode: wechattest.ModeSafe}).NewMessageRequest(ctx, wechattest.Text("x"))
	assert.ErrorContains(t, err, "safe mode needs EncodingAESKey and AppID")
	_, err = (&wechattest.Webhook{URL: "http://h/", Mode: wechattest.ModeSafe, AppID: "wx1", EncodingAESKey: "short"}).
		NewMessageRequest(ctx, wechattest.Text("x"))
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)
	_, err = (&wechattest.Webhook{URL: "http://h/"}).NewMessageRequest(ctx, &wechat.Message{})
	assert.Error(t, err, "a message without MsgType")
	_, err = (&wechattest.Webhook{URL: "http://h/"}).NewMessageRequest(ctx, nil)
	assert.Error(t, err)
	_, err = (&wechattest.Webhook{URL: "http://h/"}).Send(ctx, nil)
	assert.ErrorContains(t, err, "nil message", "a nil message is an error, not a panic")
}

func TestWebhookVerify(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, hook(echoBot(t), wechattest.ModePlain).Verify(ctx))

	// The webhook checks the signature with another token.
	wrong := hook(echoBot(t), wechattest.ModePlain)
	wrong.Token = "not-the-token"
	err := wrong.Verify(ctx)
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.StatusCode)
	assert.Contains(t, err.Error(), "403 Forbidden")

	// A server that answers something else than echostr.
	var got *http.Request
	bad := hook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = io.WriteString(w, "hello")
	}), wechattest.ModePlain)
	bad.Now = func() time.Time { return time.Unix(1700000000, 0) }
	err = bad.Verify(ctx)
	assert.ErrorIs(t, err, wechattest.ErrEchoMismatch)
	require.NotNil(t, got)
	q := got.URL.Query()
	assert.Equal(t, http.MethodGet, got.Method)
	assert.Equal(t, "1700000000", q.Get("timestamp"))
	assert.Equal(t, wechat.Sign(hookToken, "1700000000", q.Get("nonce")), q.Get("signature"))
	assert.Regexp(t, `^[0-9]+$`, q.Get("echostr"))
}

// replying answers every message with body.
func replying(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
}

func TestWebhookReadsBadReplies(t *testing.T) {
	mc, err := wechat.NewMessageCipher(hookToken, hookAESKey, hookAppID)
	require.NoError(t, err)
	plainReply := `<xml><ToUserName><![CDATA[` + wechattest.DefaultOpenID + `]]></ToUserName><FromUserName><![CDATA[` +
		wechattest.DefaultAccount + `]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>`
	env, err := mc.Encrypt([]byte(plainReply), "1700000000", "42")
	require.NoError(t, err)
	tampered := *env
	tampered.MsgSignature = strings.Repeat("0", 40)
	otherApp, err := wechat.NewMessageCipher(hookToken, hookAESKey, "wxOtherApp")
	require.NoError(t, err)
	foreign, err := otherApp.Encrypt([]byte(plainReply), "1700000000", "42")
	require.NoError(t, err)
	misaddressed := strings.Replace(plainReply, wechattest.DefaultOpenID, "oSomeoneElse", 1)

	tests := []struct {
		name  string
		mode  wechattest.Mode
		h     http.Handler
		check func(t *testing.T, reply wechat.Reply, err error)
	}{
		{"good safe reply", wechattest.ModeSafe, replying(string(env.ReplyXML())), func(t *testing.T, r wechat.Reply, err error) {
			require.NoError(t, err)
			assert.Equal(t, "hi", r.(*wechat.TextReply).Content)
		}},
		{"plain reply in safe mode", wechattest.ModeSafe, replying(plainReply), func(t *testing.T, r wechat.Reply, err error) {
			assert.ErrorIs(t, err, wechattest.ErrReplyNotEncrypted)
		}},
		{"bad msg_signature", wechattest.ModeCompatible, replying(string(tampered.ReplyXML())), func(t *testing.T, r wechat.Reply, err error) {
			var ce *wechat.CryptoError
			assert.ErrorAs(t, err, &ce)
			assert.ErrorIs(t, err, wechat.ErrInvalidSignature)
		}},
		{"encrypted for another AppID", wechattest.ModeSafe, replying(string(foreign.ReplyXML())), func(t *testing.T, r wechat.Reply, err error) {
			assert.ErrorIs(t, err, wechat.ErrAppIDMismatch)
		}},
		{"malformed XML", wechattest.ModePlain, replying("<xml><MsgType>text</xml>"), func(t *testing.T, r wechat.Reply, err error) {
			var pe *wechat.ParseError
			assert.ErrorAs(t, err, &pe)
		}},
		{"misaddressed", wechattest.ModePlain, replying(misaddressed), func(t *testing.T, r wechat.Reply, err error) {
			assert.ErrorIs(t, err, wechattest.ErrReplyMisaddressed)
		}},
		{"server error", wechattest.ModePlain, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}), func(t *testing.T, r wechat.Reply, err error) {
			var se *wechattest.StatusError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 500, se.StatusCode)
			assert.Equal(t, "boom\n", se.Body)
		}},
		{"empty answer", wechattest.ModeSafe, replying(""), func(t *testing.T, r wechat.Reply, err error) {
			assert.NoError(t, err)
			assert.Nil(t, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply, err := hook(tt.h, tt.mode).Send(context.Background(), wechattest.Text("x"))
			tt.check(t, reply, err)
		})
	}
}

// A bot in safe mode believes only encrypted pushes: a plaintext one is a
// 403, as the same push from a forger would be.
func TestWebhookPlainToSafeModeBot(t *testing.T) {
	c, err := wechat.New(wechat.WithServerToken(hookToken), wechat.WithAppID(hookAppID), wechat.WithEncodingAESKey(hookAESKey))
	require.NoError(t, err)
	bot := c.Webhook(wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		return m.ReplyText("echo: " + m.Content), nil
	}))
	_, err = hook(bot, wechattest.ModePlain).Send(context.Background(), wechattest.Text("x"))
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.StatusCode)
	r, err := hook(bot, wechattest.ModeSafe).Send(context.Background(), wechattest.Text("x"))
	require.NoError(t, err)
	assert.Equal(t, "echo: x", r.(*wechat.TextReply).Content)
}

func TestWebhookOverTheNetwork(t *testing.T) {
	srv := httptest.NewServer(echoBot(t))
	defer srv.Close()
	for _, mode := range modes {
		wh := &wechattest.Webhook{URL: srv.URL + "/wechat", HTTPClient: srv.Client(), Token: hookToken,
			Mode: mode, EncodingAESKey: hookAESKey, AppID: hookAppID}
		require.NoError(t, wh.Verify(context.Background()), mode)
		reply, err := wh.Send(context.Background(), wechattest.Text("over tcp"))
		require.NoError(t, err, mode)
		assert.Equal(t, "echo: over tcp", reply.(*wechat.TextReply).Content)
	}

	// ReadReply for a caller that sends the request itself.
	wh := &wechattest.Webhook{URL: srv.URL + "/wechat", Token: hookToken, Mode: wechattest.ModeSafe, EncodingAESKey: hookAESKey, AppID: hookAppID}
	req, err := wh.NewMessageRequest(context.Background(), wechattest.Text("raw"))
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	reply, err := wh.ReadReply(resp)
	require.NoError(t, err)
	assert.Equal(t, "echo: raw", reply.(*wechat.TextReply).Content)
}

func TestWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client gone only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(slow)
	defer srv.Close()
	defer close(release)

	wh := &wechattest.Webhook{URL: srv.URL, Token: hookToken, Timeout: 50 * time.Millisecond}
	_, err := wh.Send(context.Background(), wechattest.Text("x"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	wh = hook(slow, wechattest.ModePlain)
	wh.Timeout = 50 * time.Millisecond
	assert.ErrorIs(t, wh.Verify(context.Background()), context.DeadlineExceeded)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wh.Timeout = -1
	_, err = wh.Send(ctx, wechattest.Text("x"))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestWebhookCapsTheReply(t *testing.T) {
	huge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 4<<20))
	})
	srv := httptest.NewServer(huge)
	defer srv.Close()
	wh := &wechattest.Webhook{URL: srv.URL, Token: hookToken}
	_, err := wh.Send(context.Background(), wechattest.Text("x"))
	var pe *wechat.ParseError
	assert.True(t, errors.As(err, &pe), "a 4 MiB answer is read up to the cap and fails to parse: %v", err)
}

func TestModeString(t *testing.T) {
	assert.Equal(t, "plain", wechattest.ModePlain.String())
	assert.Equal(t, "compatible", wechattest.ModeCompatible.String())
	assert.Equal(t, "safe", wechattest.ModeSafe.String())
	assert.Equal(t, "Mode(7)", wechattest.Mode(7).String())
}

// A message sent twice with its MsgID set arrives twice with that MsgId,
// as WeChat's own retries do: the webhook takes the second for a retry,
// runs no handler and answers with the first reply.
func TestWebhookResendKeepsMsgID(t *testing.T) {
	c, err := wechat.New(wechat.WithServerToken(hookToken))
	require.NoError(t, err)
	seen := map[uint64]int{}
	var mu sync.Mutex
	bot := c.Webhook(wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		mu.Lock()
		defer mu.Unlock()
		seen[m.MsgID]++
		return m.ReplyText("first"), nil
	}))
	wh := hook(bot, wechattest.ModePlain)
	msg := wechattest.Text("hi")
	msg.MsgID = 6054768590064713728
	for range 2 {
		r, err := wh.Send(context.Background(), msg)
		require.NoError(t, err)
		assert.Equal(t, "first", r.(*wechat.TextReply).Content)
	}
	assert.Equal(t, map[uint64]int{6054768590064713728: 1}, seen)

	// Without a MsgID each send is a new message.
	_, err = wh.Send(context.Background(), wechattest.Text("a"))
	require.NoError(t, err)
	_, err = wh.Send(context.Background(), wechattest.Text("a"))
	require.NoError(t, err)
	assert.Len(t, seen, 3)
}

// In compatible mode WeChat takes a plain reply as well as an encrypted
// one ("兼容模式：……公众号回复明文或密文均可，不影响现有消息收发", 消息加解密说明,
// https://developers.weixin.qq.com/doc/subscription/guide/dev/push/encryption.html);
// only safe mode requires it encrypted.
func TestCompatibleModeTakesPlainReply(t *testing.T) {
	plainReply := `<xml><ToUserName><![CDATA[` + wechattest.DefaultOpenID + `]]></ToUserName><FromUserName><![CDATA[` +
		wechattest.DefaultAccount + `]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>`

	r, err := hook(replying(plainReply), wechattest.ModeCompatible).Send(context.Background(), wechattest.Text("x"))
	require.NoError(t, err)
	if assert.IsType(t, &wechat.TextReply{}, r) {
		assert.Equal(t, "hi", r.(*wechat.TextReply).Content)
	}

	d, err := hook(replying(plainReply), wechattest.ModeCompatible).Push(context.Background(), wechattest.Text("x"))
	require.NoError(t, err)
	assert.Equal(t, 1, d.Attempt)
	assert.IsType(t, &wechat.TextReply{}, d.Reply)

	rec := httptest.NewRecorder()
	rec.WriteString(plainReply)
	r, err = hook(nil, wechattest.ModeCompatible).ReadReply(rec.Result())
	require.NoError(t, err)
	assert.IsType(t, &wechat.TextReply{}, r)

	// Safe mode still refuses it.
	_, err = hook(replying(plainReply), wechattest.ModeSafe).Send(context.Background(), wechattest.Text("x"))
	assert.ErrorIs(t, err, wechattest.ErrReplyNotEncrypted)
}
