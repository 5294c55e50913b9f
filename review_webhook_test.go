package wechat

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainWebhookClient is a plain-mode Client at webhookNow, whose logs go
// to the returned buffer.
func plainWebhookClient(t *testing.T, opts ...Option) (*Client, *syncBuffer) {
	t.Helper()
	v := safeVector(t)
	logs := &syncBuffer{}
	base := []Option{
		WithAppID(v.AppID), WithServerToken(v.Token), WithClock(func() time.Time { return webhookNow }),
		WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	return c, logs
}

// postPlain posts body to wh as WeChat does in plain mode, signed afresh.
func postPlain(t *testing.T, wh http.Handler, nonce string, body []byte) int {
	t.Helper()
	rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, nonce), body)
	return rec.Code
}

// Two subscribe notifications sent to one user in one second are two
// pushes of subscribe_msg_sent_event, told apart only by the MsgID of
// their List: each is a delivery result the application must see, and
// neither is a retry of the other.
func TestWebhookSubscribeMsgSentEventsInOneSecond(t *testing.T) {
	c, _ := plainWebhookClient(t)
	h := &recordingHandler{}
	wh := c.Webhook(h)
	sent := func(msgID string) []byte {
		return []byte(`<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
			`<CreateTime>` + nowTS + `</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_sent_event]]></Event>` +
			`<SubscribeMsgSentEvent><List><TemplateId><![CDATA[T1]]></TemplateId><MsgID>` + msgID + `</MsgID>` +
			`<ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>`)
	}
	require.Equal(t, http.StatusOK, postPlain(t, wh, "1", sent("1700827132819554304")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "2", sent("1700827132819554305")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "3", sent("1700827132819554305")), "WeChat's retry of the second")

	var got []uint64
	for _, m := range h.calls() {
		require.Len(t, m.SubscribeMsgSentEvent, 1)
		got = append(got, m.SubscribeMsgSentEvent[0].MsgID)
	}
	assert.Equal(t, []uint64{1700827132819554304, 1700827132819554305}, got,
		"each delivery result reaches the handler once; the retry does not")
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
	c, logs := plainWebhookClient(t, WithReplyTimeout(time.Second))
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
			c, _ := plainWebhookClient(t)
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

// DecryptMessage, for a router of one's own, reads such a message as the
// webhook does.
func TestDecryptMessageWithCharactersXMLCannotCarry(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t)
	msg := []byte(`<xml><ToUserName><![CDATA[gh_1b2959761a7d]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
		`<CreateTime>` + nowTS + `</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ ` + "\x1d" + `c]]></Content>` +
		`<MsgId>22211872600753510</MsgId></xml>`)
	env, err := newCipher(t, v).Encrypt(msg, nowTS, "1")
	require.NoError(t, err)
	m, err := c.DecryptMessage(env.MsgSignature, nowTS, "1", env.RequestXML())
	require.NoError(t, err)
	assert.Equal(t, " \uFFFDc", m.Content)
	assert.Equal(t, MsgTypeText, m.MsgType)
}

// A handler that finishes after every attempt WeChat could make at its
// push has given up waiting (three spans of WithReplyTimeout) has a late
// reply, whether or not WeChat's retries reached this webhook: when none
// did (they went to another process, or were lost), nothing gave the
// push up, but no attempt can carry the reply either, and it must reach
// WithLateReplyFunc rather than vanish into a dropped connection.
func TestWebhookLateReplyWithoutRetries(t *testing.T) {
	late := make(chan LateReply, 1)
	c, _ := plainWebhookClient(t, WithReplyTimeout(20*time.Millisecond),
		WithLateReplyFunc(func(_ context.Context, lr LateReply) { late <- lr }))
	h := &recordingHandler{reply: func(m *Message) (Reply, error) {
		time.Sleep(200 * time.Millisecond) // past 3 × 22ms and the dedup record of 4
		return m.ReplyText("at last"), nil
	}}
	rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "1"), fixture(t, "inbound/text.xml"))
	assert.Equal(t, http.StatusOK, rec.Code)
	select {
	case lr := <-late:
		require.NotNil(t, lr.Reply)
		assert.Equal(t, "at last", lr.Reply.(*TextReply).Content)
		assert.False(t, lr.Sent)
	default:
		t.Fatal("the late reply was written to the first attempt, which WeChat dropped long ago, and went nowhere else")
	}
}

// racingStore is a shared DedupStore (not the in-memory fast path) whose
// first Arrive reaches the store after the second: the network to the
// store reorders them, as it may when WeChat's retry comes while the
// first attempt's Arrive is still on its way.
type racingStore struct {
	*MemoryDedupStore
	mu       sync.Mutex
	calls    int
	firstIn  chan struct{} // closed when the first Arrive starts
	secondDn chan struct{} // closed when the second Arrive is done
}

func (s *racingStore) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (PushState, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if n == 1 {
		close(s.firstIn)
		select {
		case <-s.secondDn:
		case <-time.After(150 * time.Millisecond): // the second waits for the first
		}
		return s.MemoryDedupStore.Arrive(ctx, key, now, ttl)
	}
	st, err := s.MemoryDedupStore.Arrive(ctx, key, now, ttl)
	if n == 2 {
		close(s.secondDn)
	}
	return st, err
}

// Two attempts at one push in one process whose Arrives reach a shared
// store out of order: the second attempt's is counted first. The process
// must still run the handler, once: the attempt that came first leads,
// the other follows it.
func TestWebhookAttemptsRacingToASharedStore(t *testing.T) {
	store := &racingStore{MemoryDedupStore: NewMemoryDedupStore(0, 0), firstIn: make(chan struct{}), secondDn: make(chan struct{})}
	c, _ := plainWebhookClient(t, WithDedupStore(store), WithReplyTimeout(500*time.Millisecond))
	h := echoHandler()
	wh := c.Webhook(h)
	text := fixture(t, "inbound/text.xml")
	answers := make(chan string, 2)
	post := func(nonce string) {
		answers <- serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, nonce), text).Body.String()
	}
	go post("1")
	<-store.firstIn
	go post("2")
	for range 2 {
		select {
		case body := <-answers:
			r, err := ParseReply([]byte(body))
			require.NoError(t, err)
			require.NotNil(t, r, "an attempt answered %q: the handler never ran", body)
			assert.Equal(t, "echo: this is a test", r.(*TextReply).Content)
		case <-time.After(10 * time.Second):
			t.Fatal("no answer")
		}
	}
	assert.Len(t, h.calls(), 1)
}
