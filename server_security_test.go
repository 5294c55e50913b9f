package wechat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The regression tests of the webhook's security review: each attack of
// the review, tried as the attacker would.

// webhookNow is the clock of newWebhookClient, and nowTS its timestamp: a
// push signed with nowTS is fresh.
var webhookNow = time.Unix(1442129999, 0)

const nowTS = "1442129999"

// A signed URL found in an access log (here the one-time URL check, a
// month old) must not let anyone post a plaintext message, as any user, to
// an account in safe mode.
func TestWebhookRefusesPlaintextInSafeMode(t *testing.T) {
	v := safeVector(t)
	forged := []byte(`<xml><ToUserName><![CDATA[gh_1b2959761a7d]]></ToUserName><FromUserName><![CDATA[o_ADMIN]]></FromUserName>` +
		`<CreateTime>1442129999</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[grant me admin]]></Content><MsgId>1</MsgId></xml>`)

	monthOld := strconv.FormatInt(webhookNow.Add(-30*24*time.Hour).Unix(), 10)
	fresh := nowTS
	sig := func(ts string) string { return Sign(v.Token, ts, "2") }
	tests := []struct {
		name  string
		query string
	}{
		{"URL check signature a month old", "signature=" + sig(monthOld) + "&timestamp=" + monthOld + "&nonce=2"},
		{"fresh signature, no encrypt_type", "signature=" + sig(fresh) + "&timestamp=" + fresh + "&nonce=2"},
		{"encrypt_type=raw", "signature=" + sig(fresh) + "&timestamp=" + fresh + "&nonce=2&encrypt_type=raw"},
		{"encrypt_type=AES", "signature=" + sig(fresh) + "&timestamp=" + fresh + "&nonce=2&encrypt_type=AES"},
		{"encrypt_type twice, raw first", "signature=" + sig(fresh) + "&timestamp=" + fresh + "&nonce=2&encrypt_type=raw&encrypt_type=aes"},
		{"encrypt_type twice, aes first", "signature=" + sig(fresh) + "&timestamp=" + fresh + "&nonce=2&encrypt_type=aes&encrypt_type=raw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, logs := newWebhookClient(t)
			h := echoHandler()
			rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+tt.query, forged)
			assert.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
			assert.Empty(t, h.calls(), "the forged message never reaches the handler")
			assert.NotContains(t, rec.Body.String(), "grant me admin")
			assert.Contains(t, logs.String(), "level=WARN")
		})
	}

	// An account moving from plain to safe mode can accept both, knowingly.
	t.Run("WithInsecurePlaintext", func(t *testing.T) {
		c, _ := newWebhookClient(t, WithInsecurePlaintext())
		h := echoHandler()
		rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery(v.Token, fresh, "2"), forged)
		assert.Equal(t, http.StatusOK, rec.Code)
		require.Len(t, h.calls(), 1)
		r, err := ParseReply(rec.Body.Bytes())
		require.NoError(t, err, "a plaintext push gets a plaintext reply")
		assert.Equal(t, "echo: grant me admin", r.(*TextReply).Content)

		// encrypt_type is still read exactly: a value WeChat never
		// sends is refused, not taken as plaintext.
		for _, q := range []string{"&encrypt_type=AES", "&encrypt_type=raw&encrypt_type=aes"} {
			rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery(v.Token, fresh, "2")+q, forged)
			assert.Equal(t, http.StatusForbidden, rec.Code, q)
		}
		assert.Len(t, h.calls(), 1)
	})

	// Without an EncodingAESKey the account is in plain mode, and plain
	// pushes are what WeChat sends.
	t.Run("plain mode", func(t *testing.T) {
		c, err := New(WithServerToken(v.Token), WithClock(func() time.Time { return webhookNow }))
		require.NoError(t, err)
		h := echoHandler()
		rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery(v.Token, fresh, "2"), forged)
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Len(t, h.calls(), 1)
	})
}

// A validly signed push or URL check whose timestamp is far from the
// Client's clock is a replay, and refused.
func TestWebhookFreshness(t *testing.T) {
	v := safeVector(t)
	mc := newCipher(t, v)
	text := fixture(t, "inbound/text.xml")
	at := func(d time.Duration) string { return strconv.FormatInt(webhookNow.Add(d).Unix(), 10) }
	stale := map[string]string{
		"1970":            "0",
		"last year":       at(-365 * 24 * time.Hour),
		"ten years ahead": at(10 * 365 * 24 * time.Hour),
		"six minutes ago": at(-6 * time.Minute),
		"six minutes on":  at(6 * time.Minute),
		"not a number":    "soon",
		"empty":           "",
		"overflows int64": "99999999999999999999",
		// now-sec wraps to MinInt64, which no comparison of a skew
		// catches.
		"wraps the skew": strconv.FormatInt(webhookNow.Unix()+math.MinInt64, 10),
	}
	requests := func(ts string) map[string]*http.Request {
		safeTarget, safeBody := encryptedPush(t, mc, text, ts, "42")
		return map[string]*http.Request{
			"plain": httptest.NewRequest(http.MethodPost, "/wechat?"+plainQuery(v.Token, ts, "2"), bytes.NewReader(text)),
			"safe":  httptest.NewRequest(http.MethodPost, safeTarget, bytes.NewReader(safeBody)),
			"URL check": httptest.NewRequest(http.MethodGet, "/wechat?"+url.Values{"signature": {Sign(v.Token, ts, "2")},
				"timestamp": {ts}, "nonce": {"2"}, "echostr": {"echo"}}.Encode(), nil),
		}
	}
	for name, ts := range stale {
		for kind, req := range requests(ts) {
			t.Run(name+"/"+kind, func(t *testing.T) {
				c, logs := newWebhookClient(t, WithInsecurePlaintext())
				h := echoHandler()
				rec := httptest.NewRecorder()
				c.Webhook(h).ServeHTTP(rec, req)
				assert.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
				assert.Empty(t, h.calls())
				assert.Contains(t, logs.String(), "timestamp")
			})
		}
	}

	// WeChat's own retries come within seconds; a clock a little off is fine.
	for _, d := range []time.Duration{0, -15 * time.Second, -4 * time.Minute, 4 * time.Minute} {
		for kind, req := range requests(at(d)) {
			c, _ := newWebhookClient(t, WithInsecurePlaintext())
			rec := httptest.NewRecorder()
			c.Webhook(echoHandler()).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusOK, rec.Code, "%v %s", d, kind)
		}
	}

	// The window is configurable, and can be turned off.
	c, _ := newWebhookClient(t, WithTimestampWindow(30*time.Second))
	assert.Equal(t, 403, serve(c.Webhook(nil), http.MethodGet, "/?"+url.Values{"signature": {Sign(v.Token, at(-time.Minute), "2")},
		"timestamp": {at(-time.Minute)}, "nonce": {"2"}, "echostr": {"e"}}.Encode(), nil).Code)
	c, _ = newWebhookClient(t, WithTimestampWindow(0))
	for kind, req := range requests("0") {
		rec := httptest.NewRecorder()
		c.Webhook(echoHandler()).ServeHTTP(rec, req)
		if kind == "plain" {
			assert.Equal(t, http.StatusForbidden, rec.Code, "still no plaintext in safe mode")
			continue
		}
		assert.Equal(t, http.StatusOK, rec.Code, kind)
	}
	_, err := New(WithTimestampWindow(-time.Second))
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

// A push captured whole (a server URL on plain HTTP, a proxy that logs
// bodies) and posted again while its timestamp is still accepted is a
// replay: it is answered as WeChat's retries are, and the handler does not
// run again, however long after the push's retries it comes. Past the
// window it is refused for its timestamp.
func TestWebhookReplayWithinTheWindow(t *testing.T) {
	v := safeVector(t)
	text := fixture(t, "inbound/text.xml")
	for _, window := range []time.Duration{DefaultTimestampWindow, 30 * time.Minute} {
		c, _ := newWebhookClient(t, WithTimestampWindow(window))
		now := webhookNow
		c.now = func() time.Time { return now }
		h := echoHandler()
		wh := c.Webhook(h)
		target, body := encryptedPush(t, newCipher(t, v), text, nowTS, "42")

		rec := serve(wh, http.MethodPost, target, body)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		for _, after := range []time.Duration{30 * time.Second, time.Minute, window - time.Second} {
			now = webhookNow.Add(after)
			rec := serve(wh, http.MethodPost, target, body)
			assert.Equal(t, http.StatusOK, rec.Code, "%v, %v later", window, after)
			assert.Len(t, h.calls(), 1, "%v, %v later: the replay ran the handler again", window, after)
		}
		now = webhookNow.Add(window + time.Second)
		assert.Equal(t, http.StatusForbidden, serve(wh, http.MethodPost, target, body).Code, "past the window")
		assert.Len(t, h.calls(), 1)
	}
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Connections that announce a large body and send one byte must not pin
// memory by what they announce: nothing of theirs is authenticated yet.
func TestWebhookBodyMemoryBeforeAuthentication(t *testing.T) {
	c, _ := newWebhookClient(t)
	var reading sync.WaitGroup
	const conns = 100
	reading.Add(conns)
	wh := c.Webhook(echoHandler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reading.Done()
		wh.ServeHTTP(w, r)
	}))
	defer srv.Close()

	before := heapInUse()
	target := "/wechat?" + url.Values{"timestamp": {nowTS}, "nonce": {"2"}, "encrypt_type": {"aes"}, "msg_signature": {strings.Repeat("0", 40)}}.Encode()
	var open []net.Conn
	defer func() {
		for _, conn := range open {
			conn.Close()
		}
	}()
	for range conns {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		open = append(open, conn)
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n<", target, 1<<20)
		require.NoError(t, err)
	}
	reading.Wait()
	time.Sleep(50 * time.Millisecond) // let every handler reach its read
	held := int64(heapInUse()) - int64(before)
	t.Logf("%d connections announcing 1 MiB each hold %d KiB of heap", conns, held>>10)
	assert.Less(t, held, int64(10<<20))
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// An unsigned body is not parsed, nor copied: the signature check needs
// only the Encrypt element, found by a scan and hashed in place.
func TestWebhookNoParsingBeforeAuthentication(t *testing.T) {
	c, _ := newWebhookClient(t)
	h := echoHandler()
	wh := c.Webhook(h)
	target := "/wechat?" + url.Values{"timestamp": {nowTS}, "nonce": {"2"}, "encrypt_type": {"aes"}, "msg_signature": {strings.Repeat("0", 40)}}.Encode()
	bodies := map[string][]byte{
		"1 MiB of <a/>":         append(append([]byte("<xml>"), bytes.Repeat([]byte("<a/>"), (1<<20-16)/4)...), "</xml>"...),
		"deep nesting":          append(bytes.Repeat([]byte("<a>"), 300000), bytes.Repeat([]byte("</a>"), 10000)...),
		"1 MiB of Encrypt":      append(append([]byte("<xml><Encrypt><![CDATA["), bytes.Repeat([]byte("A"), 1<<20-64)...), "]]></Encrypt></xml>"...),
		"many Encrypt elements": append(append([]byte("<xml>"), bytes.Repeat([]byte("<Encrypt>QUFB</Encrypt>"), 40000)...), "</xml>"...),
		"no Encrypt":            []byte("<xml><ToUserName>gh</ToUserName></xml>"),
		"not XML":               bytes.Repeat([]byte{0xff}, 1<<19),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			n := allocated(func() { rec = serve(wh, http.MethodPost, target, body) })
			t.Logf("%d KiB allocated for a %d KiB body", n>>10, len(body)>>10)
			assert.Equal(t, http.StatusForbidden, rec.Code)
			assert.Less(t, n, uint64(8<<20))
		})
	}
	assert.Empty(t, h.calls())

	// A body that is one large Encrypt element costs what a body of the
	// same size without one does: the ciphertext is neither copied nor
	// concatenated to be hashed.
	size := len(bodies["1 MiB of Encrypt"])
	filler := append(append([]byte("<xml><a>"), bytes.Repeat([]byte("A"), size-len("<xml><a></a></xml>"))...), "</a></xml>"...)
	require.Len(t, filler, size)
	withEncrypt := allocated(func() { serve(wh, http.MethodPost, target, bodies["1 MiB of Encrypt"]) })
	without := allocated(func() { serve(wh, http.MethodPost, target, filler) })
	assert.Less(t, withEncrypt, without+64<<10, "%d KiB with the Encrypt element, %d KiB without", withEncrypt>>10, without>>10)

	// Whatever is parsed has a bounded element list.
	many := append(append([]byte("<xml><MsgType>text</MsgType>"), bytes.Repeat([]byte("<a/>"), 100000)...), "</xml>"...)
	var perr *ParseError
	_, err := ParseMessage(many)
	require.ErrorAs(t, err, &perr)
	assert.Contains(t, perr.Msg, "too many elements")
	n := allocated(func() { _, _ = ParseMessage(many) })
	assert.Less(t, n, uint64(4<<20), "%d bytes", n)
}

// After the webhook has answered for a handler that overran, the next push
// on the same connection is not held up by it.
func TestWebhookSlowHandlerDoesNotStallTheConnection(t *testing.T) {
	release := make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		if m.Content == "slow" {
			<-release
		}
		return m.ReplyText("fast"), nil
	})
	c2, _ := newWebhookClient(t, WithInsecurePlaintext(), WithoutDedup(), WithReplyTimeout(50*time.Millisecond))
	srv := httptest.NewServer(c2.Webhook(h))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handler

	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	v := safeVector(t)
	post := func(content string) (string, time.Duration, error) {
		msg := strings.Replace(string(fixture(t, "inbound/text.xml")), "this is a test", content, 1)
		start := time.Now()
		resp, err := client.Post(srv.URL+"/wechat?"+plainQuery(v.Token, nowTS, "2"), "text/xml", strings.NewReader(msg))
		if err != nil {
			return "", time.Since(start), err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), time.Since(start), err
	}
	body, _, err := post("slow")
	require.NoError(t, err)
	assert.Equal(t, "success", body)
	body, took, err := post("next")
	require.NoError(t, err, "the second push waited for the first handler")
	assert.Contains(t, body, "fast")
	assert.Less(t, took, time.Second)
}

// A body that trickles in, on a server without a ReadTimeout
// (http.ListenAndServe's, gin's Run), is cut off when WeChat would have
// given up on the push: in safe mode the body must be read before
// anything authenticates it, and it must not hold a connection for ever.
// A push on a connection that stays open is read as before.
func TestWebhookSlowBodyIsCutOff(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithReplyTimeout(200*time.Millisecond))
	h := echoHandler()
	srv := httptest.NewServer(c.Webhook(h))
	defer srv.Close()
	target, body := encryptedPush(t, newCipher(t, v), fixture(t, "inbound/text.xml"), nowTS, "42")

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", target, len(body), body[:10])
	require.NoError(t, err)
	start := time.Now()
	go func() { // a byte a second, for longer than the test waits
		for _, b := range body[10:] {
			time.Sleep(time.Second)
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "no answer to a trickling body in %v", time.Since(start))
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Empty(t, h.calls())

	// The deadline is the body's only (net/http lifts it when the body
	// ends). A handler slower than it runs with the request's context
	// alive, which the attempts waiting for a reply watch for WeChat
	// hanging up: a deadline still set would end the connection's
	// background read, which cancels that context.
	slow := HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		time.Sleep(600 * time.Millisecond)
		return m.ReplyText("late"), nil
	})
	c2, _ := newWebhookClient(t, WithReplyTimeout(200*time.Millisecond))
	ctxErr := make(chan error, 1)
	wh := c2.Webhook(slow)
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wh.ServeHTTP(w, r)
		ctxErr <- r.Context().Err()
	}))
	defer srv2.Close()
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err = client.Post(srv2.URL+target, "text/xml", bytes.NewReader(body))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(b), "<Encrypt>", "the late reply")
	assert.NoError(t, <-ctxErr, "the request's context when the webhook was done")
}

// A middleware may edit a response header in place; that must not reach
// any other response.
func TestWebhookHeadersArePerResponse(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	vandal := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			for _, vals := range w.Header() {
				for i := range vals {
					vals[i] = "vandalised"
				}
			}
		})
	}
	targets := map[string]string{
		"reply":     "/wechat?" + plainQuery(v.Token, nowTS, "2"),
		"success":   "/wechat?" + plainQuery(v.Token, nowTS, "2"),
		"URL check": "/wechat?" + plainQuery(v.Token, nowTS, "2") + "&echostr=e",
	}
	handlers := map[string]Handler{"reply": echoHandler(), "success": &recordingHandler{}, "URL check": nil}
	methods := map[string]string{"reply": "POST", "success": "POST", "URL check": "GET"}
	for name, target := range targets {
		serve(vandal(c.Webhook(handlers[name])), methods[name], target, fixture(t, "inbound/text.xml"))
	}
	other, _ := newWebhookClient(t, WithInsecurePlaintext())
	for name, target := range targets {
		rec := serve(other.Webhook(handlers[name]), methods[name], target, fixture(t, "inbound/text.xml"))
		for k, vals := range rec.Header() {
			assert.NotContains(t, vals, "vandalised", "%s: %s", name, k)
		}
		assert.Contains(t, rec.Header().Get("Content-Type"), "charset=utf-8", name)
	}
}

// The webhook's Content-Type and Content-Length share one backing array:
// a middleware that adds a Content-Type must not write over the length.
func TestWebhookHeaderAddLeavesContentLength(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	var length []string
	adder := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.Webhook(&recordingHandler{}).ServeHTTP(w, r)
		w.Header().Add("Content-Type", "text/html")
		length = w.Header().Values("Content-Length")
	})
	rec := serve(adder, http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "2"), fixture(t, "inbound/text.xml"))
	require.Equal(t, "success", rec.Body.String())
	assert.Equal(t, []string{"7"}, length)
}

// WeChat documents MsgId as a 64-bit integer. One beyond int64, or a
// number field that is not a number, must not make the push unreadable:
// WeChat would retry it and the message would be lost.
func TestWebhookNumbersThatDoNotFit(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	h := echoHandler()
	msg := `<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>soon</CreateTime>` +
		`<MsgType>text</MsgType><Content>hi</Content><MsgId>9999999999999999999</MsgId></xml>`
	rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "2"), []byte(msg))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	calls := h.calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "9999999999999999999", fmt.Sprint(calls[0].MsgID))
	assert.Equal(t, "hi", calls[0].Content)
	assert.Zero(t, calls[0].CreateTime, "a number that is not one is left zero")
	raw, ok := calls[0].Lookup("CreateTime")
	assert.True(t, ok)
	assert.Equal(t, "soon", raw, "and its text stays readable")
}

// A MessageCipher printed or logged by mistake shows no secret: neither
// the server token nor the key (whose first 16 bytes are the IV).
func TestMessageCipherPrintsNoSecrets(t *testing.T) {
	v := safeVector(t)
	mc := newCipher(t, v)
	key, err := decodeAESKey(v.EncodingAESKey)
	require.NoError(t, err)

	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("text", "cipher", mc)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("json", "cipher", mc)
	j, err := json.Marshal(mc)
	require.NoError(t, err)
	outputs := []string{fmt.Sprintf("%v", mc), fmt.Sprintf("%+v", mc), fmt.Sprintf("%#v", mc), fmt.Sprintf("%s", mc),
		fmt.Sprintf("%v", *mc), fmt.Sprintf("%+v", *mc), logs.String(), string(j)}
	for _, out := range outputs {
		assert.NotContains(t, out, v.Token)
		assert.NotContains(t, out, v.EncodingAESKey)
		for _, leak := range []string{fmt.Sprint(key[:16]), fmt.Sprintf("%x", key[:16]), string(key[:16]), fmt.Sprint(key[:4])} {
			assert.NotContains(t, out, leak)
		}
		assert.Contains(t, out, v.AppID, "the AppID is not a secret and helps debugging")
	}
}

// OpenPush checks what the webhook checks and hands back the plaintext:
// for pushes the webhook does not route, such as InfoType events.
func TestOpenPush(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t)
	info := []byte("<xml><AppId>wx1</AppId><CreateTime>1442129999</CreateTime><InfoType>component_verify_ticket</InfoType></xml>")
	target, body := encryptedPush(t, newCipher(t, v), info, nowTS, "42")
	plain, err := c.OpenPush(httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body)))
	require.NoError(t, err)
	assert.Equal(t, info, plain)

	for name, req := range map[string]*http.Request{
		"plaintext in safe mode": httptest.NewRequest(http.MethodPost, "/?"+plainQuery(v.Token, nowTS, "2"), bytes.NewReader(info)),
		"stale":                  httptest.NewRequest(http.MethodPost, strings.Replace(target, nowTS, "1", 1), bytes.NewReader(body)),
		"bad msg_signature":      httptest.NewRequest(http.MethodPost, strings.Replace(target, "msg_signature=", "msg_signature=0", 1), bytes.NewReader(body)),
	} {
		_, err := c.OpenPush(req)
		var pe *PushError
		require.ErrorAs(t, err, &pe, name)
		assert.Equal(t, http.StatusForbidden, pe.Status, name)
		assert.NotEmpty(t, pe.Reason)
	}
	_, err = c.OpenPush(httptest.NewRequest(http.MethodPost, strings.Replace(target, nowTS, "1", 1), bytes.NewReader(body)))
	assert.ErrorIs(t, err, ErrStaleTimestamp, "the cause is inspectable")
}

// The key ring is built once: CheckSignature, DecryptMessage and the
// webhook check signatures the same way, the hex in either case.
func TestOneKeyRing(t *testing.T) {
	c, _ := newWebhookClient(t)
	ring := c.keys
	c.Webhook(nil)
	_, _ = c.DecryptMessage("x", nowTS, "2", nil)
	assert.Same(t, ring, c.keys)
	sig := Sign(safeVector(t).Token, nowTS, "2")
	assert.True(t, c.CheckSignature(sig, nowTS, "2"))
	assert.True(t, c.CheckSignature(strings.ToUpper(sig), nowTS, "2"))
	assert.False(t, c.CheckSignature(sig[:39], nowTS, "2"))
	// Through the ring nothing is built per call: the check allocates
	// nothing (it sorted, joined and lower-cased strings before).
	assert.Zero(t, testing.AllocsPerRun(100, func() { c.CheckSignature(sig, nowTS, "2") }))
}

// In plain mode the signature is checked before the body is read: an
// unsigned push costs the webhook nothing of its body.
func TestWebhookPlainSignatureBeforeBody(t *testing.T) {
	v := safeVector(t)
	c, err := New(WithServerToken(v.Token), WithClock(func() time.Time { return webhookNow }))
	require.NoError(t, err)
	h := echoHandler()
	body := &watchedBody{Reader: strings.NewReader("<xml><MsgType>text</MsgType></xml>")}
	req := httptest.NewRequest(http.MethodPost, "/wechat?"+plainQuery("not-the-token", nowTS, "2"), body)
	rec := httptest.NewRecorder()
	c.Webhook(h).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Zero(t, body.reads.Load(), "the body of an unsigned push is not read")
	assert.Empty(t, h.calls())
}

// watchedBody counts the reads of a request body.
type watchedBody struct {
	io.Reader
	reads atomic.Int32
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.reads.Add(1)
	return b.Reader.Read(p)
}

// A webhook without an EncodingAESKey answers an encrypted push or URL
// check 500, since it cannot serve them, but only once the plain
// signature (which WeChat sends with every push) shows that WeChat sent
// it: anyone else gets 403, and logs no ERROR.
func TestWebhookUnsignedSafeModeRequestsToPlainWebhook(t *testing.T) {
	v := safeVector(t)
	logs := &syncBuffer{}
	c, err := New(WithServerToken(v.Token), WithClock(func() time.Time { return webhookNow }),
		WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	require.NoError(t, err)
	wh := c.Webhook(echoHandler())
	mc := newCipher(t, v)
	target, body := encryptedPush(t, mc, fixture(t, "inbound/text.xml"), nowTS, "2")
	unsigned := strings.Replace(target, "signature="+url.QueryEscape(Sign(v.Token, nowTS, "2")), "signature=", 1)
	require.NotEqual(t, target, unsigned)

	rec := serve(wh, http.MethodPost, unsigned, body)
	assert.Equal(t, http.StatusForbidden, rec.Code, "unsigned push")
	rec = serve(wh, http.MethodGet, "/wechat?"+url.Values{"timestamp": {nowTS}, "nonce": {"2"},
		"msg_signature": {strings.Repeat("0", 40)}, "echostr": {"x"}}.Encode(), nil)
	assert.Equal(t, http.StatusForbidden, rec.Code, "unsigned URL check")
	assert.NotContains(t, logs.String(), "level=ERROR")

	rec = serve(wh, http.MethodPost, target, body)
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "a signed push: the webhook lacks its key")
	assert.Contains(t, logs.String(), "level=ERROR")
}

// The Encrypt element is the root's child, with a ciphertext: an empty one
// (whose msg_signature is the plain signature) and one nested deeper are
// refused as unsigned, before any decryption.
func TestWebhookEncryptElementWhereWeChatPutsIt(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t)
	h := echoHandler()
	wh := c.Webhook(h)
	q := func(msgSig string) string {
		return "/wechat?" + url.Values{"signature": {Sign(v.Token, nowTS, "2")}, "timestamp": {nowTS}, "nonce": {"2"},
			"encrypt_type": {"aes"}, "msg_signature": {msgSig}}.Encode()
	}
	rec := serve(wh, http.MethodPost, q(Sign(v.Token, nowTS, "2")), []byte("<xml><ToUserName>gh</ToUserName><Encrypt></Encrypt></xml>"))
	assert.Equal(t, http.StatusForbidden, rec.Code, "empty Encrypt")

	env, err := newCipher(t, v).Encrypt(fixture(t, "inbound/text.xml"), nowTS, "2")
	require.NoError(t, err)
	nested := []byte("<xml><ToUserName>gh</ToUserName><a><Encrypt><![CDATA[" + env.Encrypt + "]]></Encrypt></a></xml>")
	rec = serve(wh, http.MethodPost, q(env.MsgSignature), nested)
	assert.Equal(t, http.StatusForbidden, rec.Code, "Encrypt below the root's child")
	assert.Empty(t, h.calls())

	flat := []byte("<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[" + env.Encrypt + "]]></Encrypt></xml>")
	assert.Equal(t, http.StatusOK, serve(wh, http.MethodPost, q(env.MsgSignature), flat).Code, "where WeChat puts it")
}
