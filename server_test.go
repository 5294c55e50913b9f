package wechat

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SyncBuffer is syncBuffer for the tests of package wechat_test, whose
// webhooks log from several goroutines too. Being declared in a test
// file, it is not part of the package outside go test.
type SyncBuffer = syncBuffer

// safeVector is the captured safe-mode request of testdata/crypto.
func safeVector(t testing.TB) cryptoVector { return loadVector(t, "doraemonext_safe_mode.json") }

// newWebhookClient returns a Client configured like the account of the
// captured request, with a fixed clock and a logger writing to the
// returned buffer.
func newWebhookClient(t testing.TB, opts ...Option) (*Client, *syncBuffer) {
	t.Helper()
	v := safeVector(t)
	logs := &syncBuffer{}
	base := []Option{
		WithAppID(v.AppID), WithAppSecret(testSecret), WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	c.now = func() time.Time { return time.Unix(1442129999, 0) }
	return c, logs
}

// recordingHandler records the messages it gets and answers with reply.
type recordingHandler struct {
	mu    sync.Mutex
	msgs  []*Message
	reply func(*Message) (Reply, error)
}

func (h *recordingHandler) ServeMessage(ctx context.Context, msg *Message) (Reply, error) {
	h.mu.Lock()
	h.msgs = append(h.msgs, msg)
	h.mu.Unlock()
	if h.reply == nil {
		return nil, nil
	}
	return h.reply(msg)
}

func (h *recordingHandler) calls() []*Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Message(nil), h.msgs...)
}

func echoHandler() *recordingHandler {
	return &recordingHandler{reply: func(m *Message) (Reply, error) { return m.ReplyText("echo: " + m.Content), nil }}
}

// plainQuery is the query WeChat adds to a plain-mode push.
func plainQuery(token, timestamp, nonce string) string {
	return url.Values{"signature": {Sign(token, timestamp, nonce)}, "timestamp": {timestamp}, "nonce": {nonce}, "openid": {"fromUser"}}.Encode()
}

func serve(h http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestWebhookURLCheck(t *testing.T) {
	const ts, nonce = "1434295379", "ueivlkyhvdng46da0qxr52qzcjabjmo7"
	c, err := New(WithServerToken("test_token"), WithPreviousServerToken("old_token"), WithClock(func() time.Time { return time.Unix(1434295379, 0) }))
	require.NoError(t, err)
	h := &recordingHandler{}
	wh := c.Webhook(h)
	tests := []struct {
		name   string
		query  url.Values
		status int
		body   string
	}{
		{"documented signature", url.Values{"signature": {"41f929117dd6231a953f632cfb3be174b8e3ef08"}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {"5837397520665436492"}},
			200, "5837397520665436492"},
		{"upper-case hex", url.Values{"signature": {"41F929117DD6231A953F632CFB3BE174B8E3EF08"}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {"e"}},
			200, "e"},
		{"previous token", url.Values{"signature": {Sign("old_token", ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {"e<script>"}},
			200, "e<script>"},
		{"bad signature", url.Values{"signature": {Sign("other", ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {"e"}},
			403, "Forbidden\n"},
		{"other timestamp", url.Values{"signature": {"41f929117dd6231a953f632cfb3be174b8e3ef08"}, "timestamp": {ts + "2"}, "nonce": {nonce}, "echostr": {"e"}},
			403, "Forbidden\n"},
		{"no signature", url.Values{"timestamp": {ts}, "nonce": {nonce}, "echostr": {"e"}}, 403, "Forbidden\n"},
		{"no echostr", url.Values{"signature": {"41f929117dd6231a953f632cfb3be174b8e3ef08"}, "timestamp": {ts}, "nonce": {nonce}},
			400, "Bad Request\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(wh, http.MethodGet, "/wechat?"+tt.query.Encode(), nil)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.body, rec.Body.String())
			if tt.status == 200 {
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
				assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			}
		})
	}
	assert.Empty(t, h.calls(), "the URL check never reaches the handler")
}

// A URL check that carries msg_signature and an encrypted echostr
// (wechatpy's vector) is answered with the decrypted echostr.
func TestWebhookURLCheckEncrypted(t *testing.T) {
	v := loadWechatpyVector(t)
	u := v.VerifyURL
	clock := WithClock(func() time.Time { ts, _ := strconv.ParseInt(u.Timestamp, 10, 64); return time.Unix(ts, 0) })
	c, err := New(WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey), WithAppID(v.ReceiverID), clock)
	require.NoError(t, err)
	wh := c.Webhook(nil)
	q := url.Values{"msg_signature": {u.MsgSignature}, "timestamp": {u.Timestamp}, "nonce": {u.Nonce}, "echostr": {u.Echostr}}

	rec := serve(wh, http.MethodGet, "/?"+q.Encode(), nil)
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, u.Decrypted, rec.Body.String())

	q.Set("nonce", u.FailNonce)
	assert.Equal(t, 403, serve(wh, http.MethodGet, "/?"+q.Encode(), nil).Code)

	// An account in safe mode gets the documented plain URL check.
	plainCheck := url.Values{"signature": {Sign(v.Token, u.Timestamp, "2")}, "timestamp": {u.Timestamp}, "nonce": {"2"}, "echostr": {"plain-echo"}}
	rec = serve(wh, http.MethodGet, "/?"+plainCheck.Encode(), nil)
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "plain-echo", rec.Body.String())

	// Without safe mode configured it cannot be verified, so it is
	// refused as unsigned (anyone could send it), unless the plain
	// signature is there too.
	plainOnly, err := New(WithServerToken(v.Token), clock)
	require.NoError(t, err)
	q.Set("nonce", u.Nonce)
	assert.Equal(t, 403, serve(plainOnly.Webhook(nil), http.MethodGet, "/?"+q.Encode(), nil).Code)
	q.Set("signature", Sign(v.Token, u.Timestamp, u.Nonce))
	rec = serve(plainOnly.Webhook(nil), http.MethodGet, "/?"+q.Encode(), nil)
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, u.Echostr, rec.Body.String())
	q.Del("signature")

	// For another AppID the echostr does not open.
	other, err := New(WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey), WithAppID("wx_other"), clock)
	require.NoError(t, err)
	assert.Equal(t, 403, serve(other.Webhook(nil), http.MethodGet, "/?"+q.Encode(), nil).Code)
}

func TestWebhookPlainMessage(t *testing.T) {
	c, logs := newWebhookClient(t, WithInsecurePlaintext())
	h := echoHandler()
	q := plainQuery(safeVector(t).Token, nowTS, "9876")
	rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+q, fixture(t, "inbound/text.xml"))

	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Equal(t, "application/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	calls := h.calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "this is a test", calls[0].Content)
	assert.Equal(t, "fromUser", calls[0].FromUserName)

	r, err := ParseReply(rec.Body.Bytes())
	require.NoError(t, err)
	require.IsType(t, &TextReply{}, r)
	tr := r.(*TextReply)
	assert.Equal(t, "fromUser", tr.ToUserName)
	assert.Equal(t, "toUser", tr.FromUserName)
	assert.Equal(t, "echo: this is a test", tr.Content)
	assert.Empty(t, logs.String())
}

// The captured request of a real account in safe and compatible mode:
// the handler sees the decrypted message and the reply is encrypted.
func TestWebhookSafeAndCompatibleMode(t *testing.T) {
	v := safeVector(t)
	for _, file := range []string{"doraemonext_safe_request.xml", "doraemonext_compatible_request.xml"} {
		t.Run(file, func(t *testing.T) {
			c, logs := newWebhookClient(t, WithInsecurePlaintext())
			h := echoHandler()
			q := url.Values{"signature": {v.Signature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce},
				"openid": {"oJNCEjt3uIphaC1DrpB030QxMV_w"}, "encrypt_type": {"aes"}, "msg_signature": {v.MsgSignature}}
			rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+q.Encode(), fixture(t, "crypto/"+file))

			require.Equal(t, 200, rec.Code, rec.Body.String())
			calls := h.calls()
			require.Len(t, calls, 1)
			assert.Equal(t, "xxx", calls[0].Content)
			assert.Equal(t, uint64(6193900740131666054), calls[0].MsgID)
			assert.Equal(t, v.Derived.DecryptedXML, string(calls[0].Raw), "Raw is the decrypted XML")

			env, err := ParseEnvelope(rec.Body.Bytes())
			require.NoError(t, err)
			assert.Equal(t, "1442129999", env.Timestamp, "the Client's clock")
			assert.Equal(t, v.Nonce, env.Nonce, "the request's nonce")
			assert.Equal(t, string(env.ReplyXML()), rec.Body.String())
			plain, err := newCipher(t, v).Decrypt(env)
			require.NoError(t, err)
			r, err := ParseReply(plain)
			require.NoError(t, err)
			assert.Equal(t, "echo: xxx", r.(*TextReply).Content)
			assert.Equal(t, "oJNCEjt3uIphaC1DrpB030QxMV_w", r.(*TextReply).ToUserName)
			assert.Empty(t, logs.String())
		})
	}
}

// encryptedPush builds a safe-mode POST the way WeChat does.
func encryptedPush(t testing.TB, mc *MessageCipher, msg []byte, timestamp, nonce string) (string, []byte) {
	t.Helper()
	env, err := mc.Encrypt(msg, timestamp, nonce)
	require.NoError(t, err)
	env.ToUserName = "gh_1b2959761a7d"
	q := url.Values{"signature": {Sign(mc.ring.tokens[0], timestamp, nonce)}, "timestamp": {timestamp}, "nonce": {nonce},
		"encrypt_type": {"aes"}, "msg_signature": {env.MsgSignature}}
	return "/wechat?" + q.Encode(), env.RequestXML()
}

// During a rotation WeChat may still use the previous token and key; the
// reply is encrypted with the key and signed with the token it used.
func TestWebhookRotation(t *testing.T) {
	v := safeVector(t)
	const newToken, newKey = "new_token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	c, logs := newWebhookClient(t, WithServerToken(newToken), WithPreviousServerToken(v.Token),
		WithEncodingAESKey(newKey), WithPreviousEncodingAESKey(v.EncodingAESKey), WithInsecurePlaintext())
	wh := c.Webhook(echoHandler())

	oldCipher := newCipher(t, v)
	newCipher, err := NewMessageCipher(newToken, newKey, v.AppID)
	require.NoError(t, err)
	mixed, err := NewMessageCipher(v.Token, newKey, v.AppID) // old token, new key
	require.NoError(t, err)

	msg := fixture(t, "inbound/text.xml")
	for name, mc := range map[string]*MessageCipher{"previous": oldCipher, "current": newCipher, "old token new key": mixed} {
		t.Run(name, func(t *testing.T) {
			target, body := encryptedPush(t, mc, msg, nowTS, "42")
			rec := serve(wh, http.MethodPost, target, body)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			env, err := ParseEnvelope(rec.Body.Bytes())
			require.NoError(t, err)
			plain, err := mc.Decrypt(env)
			require.NoError(t, err, "answered with the sender's token and key")
			r, err := ParseReply(plain)
			require.NoError(t, err)
			assert.Equal(t, "echo: this is a test", r.(*TextReply).Content)
		})
	}
	// The plain-mode signature accepts both tokens too.
	for _, tok := range []string{newToken, v.Token} {
		rec := serve(wh, http.MethodPost, "/?"+plainQuery(tok, nowTS, "2"), msg)
		assert.Equal(t, 200, rec.Code)
	}
	assert.Empty(t, logs.String())
}

func TestWebhookRejects(t *testing.T) {
	v := safeVector(t)
	mc := newCipher(t, v)
	text := fixture(t, "inbound/text.xml")
	goodPlain := "/wechat?" + plainQuery(v.Token, nowTS, "2")
	safeTarget, safeBody := encryptedPush(t, mc, text, nowTS, "42")

	otherApp, err := NewMessageCipher(v.Token, v.EncodingAESKey, "wx_other_app")
	require.NoError(t, err)
	otherTarget, otherBody := encryptedPush(t, otherApp, text, nowTS, "42")

	// A valid signature over a ciphertext that is not base64.
	garbage := &Envelope{ToUserName: "gh", Encrypt: "not base64!"}
	garbageTarget := "/wechat?" + url.Values{"timestamp": {nowTS}, "nonce": {"2"}, "encrypt_type": {"aes"},
		"msg_signature": {mc.Sign(nowTS, "2", garbage.Encrypt)}}.Encode()

	tests := []struct {
		name   string
		opts   []Option
		method string
		target string
		body   []byte
		status int
		log    string
	}{
		{"bad signature", nil, "POST", "/wechat?" + plainQuery("other", nowTS, "2"), text, 403, "bad signature"},
		{"no query", nil, "POST", "/wechat", text, 403, "stale timestamp"},
		{"no signature", nil, "POST", "/wechat?timestamp=" + nowTS, text, 403, "bad signature"},
		{"bad msg_signature", nil, "POST", strings.Replace(safeTarget, "msg_signature=", "msg_signature=0", 1), safeBody, 403, "bad msg_signature"},
		{"plain signature only in safe mode", nil, "POST", strings.Replace(safeTarget, "msg_signature=", "x=", 1), safeBody, 403, "bad msg_signature"},
		{"AppID mismatch", nil, "POST", otherTarget, otherBody, 403, "message is for another AppID"},
		{"bad XML", nil, "POST", goodPlain, []byte("<xml><MsgType>text</Content></xml>"), 400, "bad message"},
		{"malformed.txt", nil, "POST", goodPlain, fixture(t, "inbound/malformed.txt"), 400, "bad message"},
		{"empty body", nil, "POST", goodPlain, nil, 400, "bad message"},
		{"no MsgType", nil, "POST", goodPlain, []byte("<xml><Content>x</Content></xml>"), 400, "no MsgType"},
		{"plain body in safe mode", nil, "POST", safeTarget, text, 403, "no Encrypt"},
		{"ciphertext not base64", nil, "POST", garbageTarget, garbage.RequestXML(), 400, "not valid base64"},
		{"decrypted body not XML", nil, "POST", "", nil, 400, "bad message"}, // filled below
		{"oversized", []Option{WithMaxBodyBytes(100)}, "POST", goodPlain, text, 413, "body too large"},
		{"oversized safe", []Option{WithMaxBodyBytes(100)}, "POST", safeTarget, safeBody, 413, "body too large"},
		{"method", nil, "PUT", goodPlain, text, 405, ""},
		{"no token", []Option{WithServerToken(""), WithPreviousServerToken("")}, "POST", goodPlain, text, 500, "no server token"},
		{"safe mode not configured", []Option{WithAppID("")}, "POST", safeTarget, safeBody, 500, "WithAppID"},
	}
	junkTarget, junkBody := encryptedPush(t, mc, []byte("not xml at all"), nowTS, "2")
	for i := range tests {
		if tests[i].name == "decrypted body not XML" {
			tests[i].target, tests[i].body = junkTarget, junkBody
		}
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, logs := newWebhookClient(t, append([]Option{WithInsecurePlaintext()}, tt.opts...)...)
			h := echoHandler()
			rec := serve(c.Webhook(h), tt.method, tt.target, tt.body)
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
			assert.Empty(t, h.calls(), "the handler is not called")
			assert.Contains(t, logs.String(), tt.log)
			if tt.log != "" {
				// A refused request is the sender's problem; a
				// server that cannot answer is ours.
				want := "level=WARN"
				if tt.status >= 500 {
					want = "level=ERROR"
				}
				assert.Contains(t, logs.String(), want)
			}
			assertNoSecrets(t, logs.String(), v)
		})
	}
}

// A body of unknown length (chunked) is capped as it is read.
func TestWebhookOversizedChunkedBody(t *testing.T) {
	c, logs := newWebhookClient(t, WithMaxBodyBytes(64), WithInsecurePlaintext())
	h := echoHandler()
	req := httptest.NewRequest("POST", "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "2"), io.MultiReader(bytes.NewReader(fixture(t, "inbound/text.xml"))))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	c.Webhook(h).ServeHTTP(rec, req)
	assert.Equal(t, 413, rec.Code)
	assert.Empty(t, h.calls())
	assert.Contains(t, logs.String(), "body too large")

	// Under the cap it is read whole.
	c2, _ := newWebhookClient(t, WithInsecurePlaintext())
	req = httptest.NewRequest("POST", "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "2"), io.MultiReader(bytes.NewReader(fixture(t, "inbound/text.xml"))))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	c2.Webhook(h).ServeHTTP(rec, req)
	assert.Equal(t, 200, rec.Code)
	assert.Len(t, h.calls(), 1)
}

// assertNoSecrets checks that a log holds no secret of the test account.
func assertNoSecrets(t *testing.T, log string, v cryptoVector) {
	t.Helper()
	for _, secret := range []string{v.Token, v.EncodingAESKey, testSecret} {
		assert.NotContains(t, log, secret)
	}
}

func TestWebhookHandlerFailures(t *testing.T) {
	v := safeVector(t)
	tests := []struct {
		name    string
		handler Handler
		log     string
	}{
		{"error", HandlerFunc(func(context.Context, *Message) (Reply, error) {
			return nil, errors.New("database is down")
		}), "database is down"},
		{"panic", HandlerFunc(func(context.Context, *Message) (Reply, error) {
			panic("nil map write")
		}), "handler panic: nil map write"},
		{"unrenderable reply", HandlerFunc(func(_ context.Context, m *Message) (Reply, error) {
			return m.ReplyNews(), nil
		}), "news reply without articles"},
		{"typed nil reply", HandlerFunc(func(context.Context, *Message) (Reply, error) {
			var r *TextReply
			return r, nil
		}), "nil reply"},
	}
	for _, tt := range tests {
		for _, safe := range []bool{false, true} {
			name := tt.name
			if safe {
				name += "/safe"
			}
			t.Run(name, func(t *testing.T) {
				c, logs := newWebhookClient(t, WithInsecurePlaintext())
				target, body := "/wechat?"+plainQuery(v.Token, nowTS, "2"), fixture(t, "inbound/text.xml")
				if safe {
					target, body = encryptedPush(t, newCipher(t, v), body, nowTS, "2")
				}
				rec := serve(c.Webhook(tt.handler), http.MethodPost, target, body)
				assert.Equal(t, 200, rec.Code)
				assert.Equal(t, "success", rec.Body.String(), "WeChat must not retry")
				assert.Contains(t, logs.String(), tt.log)
				assert.Contains(t, logs.String(), "level=ERROR")
				assert.Contains(t, logs.String(), "msg_type=text")
				assert.Contains(t, logs.String(), "msg_id=1234567890123456")
				assertNoSecrets(t, logs.String(), v)
			})
		}
	}
}

func TestWebhookNoReply(t *testing.T) {
	v := safeVector(t)
	for name, h := range map[string]Handler{
		"nil reply":   &recordingHandler{},
		"nil handler": nil,
		"empty mux":   NewServeMux(),
	} {
		t.Run(name, func(t *testing.T) {
			c, logs := newWebhookClient(t, WithInsecurePlaintext())
			for _, safe := range []bool{false, true} {
				target, body := "/wechat?"+plainQuery(v.Token, nowTS, "2"), fixture(t, "inbound/event_subscribe.xml")
				if safe {
					target, body = encryptedPush(t, newCipher(t, v), body, nowTS, "2")
				}
				rec := serve(c.Webhook(h), http.MethodPost, target, body)
				assert.Equal(t, 200, rec.Code)
				assert.Equal(t, "success", rec.Body.String())
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			}
			assert.Empty(t, logs.String())
		})
	}
}

// A handler that ignores its context does not hold WeChat past its
// window: at the deadline the webhook answers "success", complete and
// flushed, while the handler keeps running.
func TestWebhookSlowHandler(t *testing.T) {
	c, logs := newWebhookClient(t, WithInsecurePlaintext(), WithoutDedup(), WithReplyTimeout(50*time.Millisecond))
	release := make(chan struct{})
	finished := make(chan struct{})
	slow := HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		defer close(finished)
		<-release
		return m.ReplyText("too late"), nil
	})
	srv := httptest.NewServer(c.Webhook(slow))
	defer srv.Close()
	defer close(release)

	start := time.Now()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(srv.URL+"/wechat?"+plainQuery(safeVector(t).Token, nowTS, "2"), "text/xml", bytes.NewReader(fixture(t, "inbound/text.xml")))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	elapsed := time.Since(start)

	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "success", string(body))
	assert.Equal(t, int64(7), resp.ContentLength)
	assert.GreaterOrEqual(t, elapsed, 50*time.Millisecond)
	assert.Less(t, elapsed, 2*time.Second)
	select {
	case <-finished:
		t.Fatal("the answer waited for the handler")
	default:
	}
	assert.Contains(t, logs.String(), "did not reply in time")
}

// A handler that honours its context stops at its deadline; WeChat still
// gets one complete answer.
func TestWebhookHandlerDeadline(t *testing.T) {
	c, _ := newWebhookClient(t, WithInsecurePlaintext(), WithoutDedup(),
		WithReplyTimeout(20*time.Millisecond), WithHandlerTimeout(20*time.Millisecond))
	h := HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	wh := c.Webhook(h)
	for range 20 { // the handler and the watchdog race; either way one answer
		rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "2"), fixture(t, "inbound/text.xml"))
		assert.Equal(t, 200, rec.Code)
		assert.Equal(t, "success", rec.Body.String())
	}
}

// The handler's context carries the request's values and the handler's
// own deadline, and is not cancelled when WeChat drops the connection.
func TestWebhookHandlerContext(t *testing.T) {
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	type key struct{}
	var deadline time.Time
	var value any
	var errAfterDrop error
	reqCtx, drop := context.WithCancel(context.WithValue(context.Background(), key{}, "request value"))
	h := HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		deadline, _ = ctx.Deadline()
		value = ctx.Value(key{})
		drop() // WeChat hangs up
		errAfterDrop = ctx.Err()
		return nil, nil
	})
	req := httptest.NewRequest("POST", "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "2"), bytes.NewReader(fixture(t, "inbound/text.xml")))
	req = req.WithContext(reqCtx)
	start := time.Now()
	c.Webhook(h).ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, "request value", value)
	require.False(t, deadline.IsZero())
	assert.WithinDuration(t, start.Add(DefaultHandlerTimeout), deadline, time.Second)
	assert.NoError(t, errAfterDrop, "the handler outlives the connection")
}

func TestServeMux(t *testing.T) {
	tag := func(name string) Handler {
		return HandlerFunc(func(_ context.Context, m *Message) (Reply, error) { return m.ReplyText(name), nil })
	}
	mux := NewServeMux()
	mux.Handle(MsgTypeText, tag("text"))
	mux.HandleFunc(MsgTypeImage, func(_ context.Context, m *Message) (Reply, error) { return m.ReplyText("image"), nil })
	mux.HandleEvent(EventSubscribe, tag("subscribe"))
	mux.HandleEventFunc(EventClick, func(_ context.Context, m *Message) (Reply, error) { return m.ReplyText("click " + m.EventKey), nil })
	mux.Handle(MsgTypeEvent, tag("any event"))
	mux.HandleDefault(tag("default"))

	tests := []struct{ file, want string }{
		{"text.xml", "text"},
		{"image.xml", "image"},
		{"event_subscribe.xml", "subscribe"},
		{"event_click.xml", "click EVENTKEY"},
		{"event_view.xml", "any event"},
		{"voice.xml", "default"},
		{"unknown_msgtype.xml", "default"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		m, err := ParseMessage(fixture(t, "inbound/"+tt.file))
		require.NoError(t, err)
		r, err := mux.ServeMessage(ctx, m)
		require.NoError(t, err)
		assert.Equal(t, tt.want, r.(*TextReply).Content, tt.file)
	}

	// Removing handlers falls back, and finally to no reply.
	view, err := ParseMessage(fixture(t, "inbound/event_view.xml"))
	require.NoError(t, err)
	mux.Handle(MsgTypeEvent, nil)
	r, err := mux.ServeMessage(ctx, view)
	require.NoError(t, err)
	assert.Equal(t, "default", r.(*TextReply).Content)
	mux.HandleDefaultFunc(nil)
	assert.Nil(t, mux.Handler(view))
	r, err = mux.ServeMessage(ctx, view)
	assert.NoError(t, err)
	assert.Nil(t, r)
	mux.HandleEvent(EventSubscribe, nil)
	mux.HandleEventFunc(EventClick, nil)
	mux.HandleFunc(MsgTypeImage, nil)
	sub, err := ParseMessage(fixture(t, "inbound/event_subscribe.xml"))
	require.NoError(t, err)
	assert.Nil(t, mux.Handler(sub))

	// Errors pass through.
	boom := errors.New("boom")
	mux.HandleFunc(MsgTypeText, func(context.Context, *Message) (Reply, error) { return nil, boom })
	text, err := ParseMessage(fixture(t, "inbound/text.xml"))
	require.NoError(t, err)
	_, err = mux.ServeMessage(ctx, text)
	assert.ErrorIs(t, err, boom)
}

func TestServeMuxConcurrentUse(t *testing.T) {
	mux := NewServeMux()
	m := &Message{MsgType: MsgTypeText}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 100 {
				mux.HandleFunc(MsgTypeText, func(context.Context, *Message) (Reply, error) { return nil, nil })
				mux.HandleEvent(EventType(rune('a'+i)), nil)
			}
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				_, _ = mux.ServeMessage(context.Background(), m)
			}
		}()
	}
	wg.Wait()
}

func TestParsePushQuery(t *testing.T) {
	for _, raw := range []string{
		"signature=abc&timestamp=1&nonce=2",
		"nonce=a%2Bb&echostr=x+y&timestamp=",
		"bad=%zz&nonce=%zz&timestamp=3",
		"time%73tamp=7&nonce",
		"msg_signature=m&encrypt_type=aes&openid=o",
		"",
		"&&timestamp=9&",
	} {
		want, _ := url.ParseQuery(raw)
		q := parsePushQuery(raw)
		assert.False(t, q.repeated, raw)
		got := map[string]string{"signature": q.signature, "msg_signature": q.msgSignature, "timestamp": q.timestamp,
			"nonce": q.nonce, "echostr": q.echostr, "encrypt_type": q.encryptType}
		for key, v := range got {
			assert.Equal(t, want.Get(key), v, "%q %q", raw, key)
		}
	}
	for _, raw := range []string{"echostr=first&echostr=second", "encrypt_type=&encrypt_type=aes", "timestamp=1&time%73tamp=2"} {
		assert.True(t, parsePushQuery(raw).repeated, raw)
	}
}

// WeChat does not filter what a user types: a control character (a
// pasted \x1d, \x10) or a character cut in half reaches the webhook raw
// inside the CDATA of Content. Such a message is still the user's: the
// handler gets it with U+FFFD in place of what XML cannot carry, as the
// webhook's replies do, rather than WeChat getting a 400 three times and
// the user "该公众号提供的服务出现故障".
func TestWebhookMessageWithCharactersXMLCannotCarry(t *testing.T) {
	v := safeVector(t)
	mc := newCipher(t, v)
	for name, content := range map[string]struct{ raw, want string }{
		"group separator": {" \x1dc", " \uFFFDc"},
		"DLE and NUL":     {"a\x10b\x00", "a\uFFFDb\uFFFD"},
		"cut UTF-8":       {"清\xe6\x81", "清\uFFFD\uFFFD"},
	} {
		msg := []byte(`<xml><ToUserName><![CDATA[gh_1b2959761a7d]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
			`<CreateTime>` + nowTS + `</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[` + content.raw + `]]></Content>` +
			`<MsgId>22211872600753510</MsgId></xml>`)
		t.Run(name+"/plain", func(t *testing.T) {
			c, _ := newWebhookClient(t, WithInsecurePlaintext())
			h := echoHandler()
			rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "1"), msg)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Len(t, h.calls(), 1)
			assert.Equal(t, content.want, h.calls()[0].Content)
			assert.Equal(t, uint64(22211872600753510), h.calls()[0].MsgID)
			r, err := ParseReply(rec.Body.Bytes())
			require.NoError(t, err)
			assert.Equal(t, "echo: "+content.want, r.(*TextReply).Content)
		})
		t.Run(name+"/safe", func(t *testing.T) {
			c, _ := newWebhookClient(t)
			h := echoHandler()
			target, body := encryptedPush(t, mc, msg, nowTS, "1")
			rec := serve(c.Webhook(h), http.MethodPost, target, body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Len(t, h.calls(), 1)
			assert.Equal(t, content.want, h.calls()[0].Content)
		})
	}
}

// keepingReply is a Reply of a user's own that keeps the buffer it
// appended to, which nothing forbids it.
type keepingReply struct {
	text  string
	kept  []byte
	given int // the capacity of the buffer it was given
}

func (r *keepingReply) AppendXML(b []byte) ([]byte, error) {
	r.given = cap(b)
	b = append(b, "<xml><Content>"+r.text+"</Content></xml>"...)
	r.kept = b
	return b, nil
}

// render's result is the reply's XML in a slice of its own length, which
// no later render writes over, whether the reply is of this package's
// types (rendered in a reused buffer) or a user's that keeps its buffer
// (never given a reused one).
func TestRenderOwnsItsResult(t *testing.T) {
	c, _ := newWebhookClient(t)
	wh := c.Webhook(HandlerFunc(benchEcho)).(*webhook)
	ctx := context.Background()
	msg := &Message{ToUserName: "gh", FromUserName: "o1", MsgType: MsgTypeText}

	var outs [][]byte
	var want []string
	for i, content := range []string{"first", strings.Repeat("long ", 5000), "third", "fourth"} {
		r := msg.ReplyText(content)
		out := wh.render(ctx, msg, r)
		xml, err := r.AppendXML(nil)
		require.NoError(t, err)
		require.Equal(t, string(xml), string(out), "reply %d", i)
		assert.Equal(t, len(out), cap(out), "reply %d is sized for itself", i)
		outs, want = append(outs, out), append(want, string(xml))
	}
	for i := range outs {
		assert.Equal(t, want[i], string(outs[i]), "reply %d after the later ones", i)
	}

	user := &keepingReply{text: "mine"}
	out := wh.render(ctx, msg, user)
	assert.Equal(t, "<xml><Content>mine</Content></xml>", string(out))
	assert.Equal(t, 512, user.given, "a fresh buffer of 512 bytes, as ever")
	_ = wh.render(ctx, msg, msg.ReplyText(strings.Repeat("x", 40)))
	assert.Equal(t, "<xml><Content>mine</Content></xml>", string(user.kept), "the user's reply was given a reused buffer")

	assert.Nil(t, wh.render(ctx, msg, nil))
}

// panickingReply is a Reply of the application's own whose AppendXML
// panics, as a nil pointer of such a type would.
type panickingReply struct{ fields map[string]string }

func (r *panickingReply) AppendXML(b []byte) ([]byte, error) {
	return append(b, r.fields["Content"]...), nil
}

// A reply that panics while it is rendered is the handler's failure like
// any other: logged and answered "success", once, and the retries that
// follow get "success" at once instead of waiting for a reply that will
// never come.
func TestWebhookReplyThatPanics(t *testing.T) {
	c, logs := newWebhookClient(t, WithInsecurePlaintext(), WithReplyTimeout(time.Second))
	h := &recordingHandler{reply: func(*Message) (Reply, error) { return (*panickingReply)(nil), nil }}
	wh := c.Webhook(h)
	text := fixture(t, "inbound/text.xml")

	post := func(nonce string) (rec *httptest.ResponseRecorder, panicked any) {
		defer func() { panicked = recover() }()
		return serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, nonce), text), nil
	}
	rec, p := post("1")
	require.Nil(t, p, "the panic escapes the webhook")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "success", rec.Body.String())
	assert.Contains(t, logs.String(), "panic")

	start := time.Now()
	rec, p = post("2")
	require.Nil(t, p)
	assert.Equal(t, "success", rec.Body.String())
	assert.Less(t, time.Since(start), 500*time.Millisecond, "the retry waited for a reply")
	assert.Len(t, h.calls(), 1)
}

// parsePushQuery reads what url.ParseQuery reads, for random queries
// made of the parameters it knows, others, and the bytes that matter to
// it: separators, escapes good and bad, and '+'.
func TestParsePushQueryMatchesURL(t *testing.T) {
	keys := []string{"signature", "msg_signature", "timestamp", "nonce", "echostr", "encrypt_type", "openid", "time%73tamp", "non%63e", "x"}
	bits := []string{"a", "0", "=", "%2B", "%3D", "%26", "+", "%zz", "%", "%4", "&", "ü"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for i := range 1 + rng.IntN(5) {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(keys[rng.IntN(len(keys))])
			if rng.IntN(8) > 0 {
				b.WriteByte('=')
			}
			for range rng.IntN(4) {
				b.WriteString(bits[rng.IntN(len(bits))])
			}
		}
		raw := b.String()
		want, _ := url.ParseQuery(raw)
		q := parsePushQuery(raw)
		got := map[string]string{"signature": q.signature, "msg_signature": q.msgSignature, "timestamp": q.timestamp,
			"nonce": q.nonce, "echostr": q.echostr, "encrypt_type": q.encryptType}
		// A parameter given twice, whether or not its values unescape, is
		// reported: the webhook refuses the request, whatever it read.
		seen := map[string]int{}
		for pair := range strings.SplitSeq(raw, "&") {
			k, _, _ := strings.Cut(pair, "=")
			if k, err := url.QueryUnescape(k); err == nil {
				if _, ok := got[k]; ok {
					seen[k]++
				}
			}
		}
		repeated := false
		for _, n := range seen {
			repeated = repeated || n > 1
		}
		if q.repeated != repeated {
			t.Fatalf("%q: repeated %v, want %v", raw, q.repeated, repeated)
		}
		if repeated {
			continue
		}
		for key, v := range got {
			if w := want.Get(key); w != v {
				t.Fatalf("%q: %s is %q, url.ParseQuery reads %q", raw, key, v, w)
			}
		}
	}
}

// A webhook built without a server token says so once, when it is built,
// and answers with what is missing instead of a bare 500.
func TestWebhookWithoutTokenSaysWhatIsMissing(t *testing.T) {
	var logs bytes.Buffer
	c, err := New(WithServerToken(""), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	wh := c.Webhook(echoHandler())
	assert.Contains(t, logs.String(), "level=ERROR")
	assert.Contains(t, logs.String(), "WithServerToken", "logged when built")
	built := logs.Len()
	for range 3 {
		rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery("t", nowTS, "2"), fixture(t, "inbound/text.xml"))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Contains(t, rec.Body.String(), "no server token (WithServerToken)")
	}
	assert.Equal(t, built, logs.Len(), "not logged again on every request")
}

// An attempt's reply deadline counts from when the attempt arrived, not
// from when the dedup store answered: a store that hangs to its bound (a
// tenth of the reply timeout) on Arrive, and again on GiveUp, would
// otherwise push the last attempt's "success" to 1.2 reply timeouts,
// past WeChat's 5 seconds with the default 4.5.
func TestWebhookDeadlineCountsFromArrival(t *testing.T) {
	// Two seconds, not one, so that the 100 ms between the right
	// deadline and the bound below absorbs a loaded machine's delays.
	const reply = 2 * time.Second
	c, _ := newWebhookClient(t, WithInsecurePlaintext(), WithDedupStore(failingStore{hang: true}), WithReplyTimeout(reply))
	wh := c.Webhook(HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		time.Sleep(3 * c.span()) // past all three attempts
		return m.ReplyText("late"), nil
	}))
	v := safeVector(t)
	target := "/wechat?" + plainQuery(v.Token, nowTS, "2")
	body := []byte(strings.Replace(string(fixture(t, "inbound/text.xml")), "1234567890123456", "78", 1))

	var wg sync.WaitGroup
	answers := make([]*httptest.ResponseRecorder, 3)
	took := make([]time.Duration, 3)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			answers[i] = serve(wh, http.MethodPost, target, body)
			took[i] = time.Since(start)
		}()
		time.Sleep(c.span()) // WeChat's next attempt
	}
	wg.Wait()
	assert.Equal(t, "success", answers[2].Body.String(), "the last attempt is answered")
	// The reply timeout and one bounded GiveUp: 2.2 s. Counting from
	// the store's answer made it 2.4 s.
	assert.Less(t, took[2], reply+reply/10+reply/20, "the last attempt answered after %v", took[2])
}
