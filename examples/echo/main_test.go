package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inbound(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inbound", name))
	require.NoError(t, err)
	return b
}

func newTestBot(t *testing.T) (http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	client, err := newClient(configFromEnv(func(string) string { return "" }), logger)
	require.NoError(t, err)
	return newMux(client, logger), logs
}

// post sends msg as WeChat would, in plain or safe mode, and returns the
// reply it got, decrypted and parsed.
func post(t *testing.T, h http.Handler, msg []byte, safe bool) (int, wechat.Reply) {
	t.Helper()
	const ts, nonce = "1700000000", "314159"
	q := url.Values{"signature": {wechat.Sign(demoToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {"fromUser"}}
	body := msg
	var mc *wechat.MessageCipher
	if safe {
		var err error
		mc, err = wechat.NewMessageCipher(demoToken, demoAESKey, demoAppID)
		require.NoError(t, err)
		env, err := mc.Encrypt(msg, ts, nonce)
		require.NoError(t, err)
		env.ToUserName = "toUser"
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", env.MsgSignature)
		body = env.RequestXML()
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, webhookPath+"?"+q.Encode(), bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		return rec.Code, nil
	}
	out := rec.Body.Bytes()
	if safe {
		env, err := wechat.ParseEnvelope(out)
		require.NoError(t, err)
		out, err = mc.Decrypt(env)
		require.NoError(t, err)
	}
	r, err := wechat.ParseReply(out)
	require.NoError(t, err)
	return rec.Code, r
}

func TestBot(t *testing.T) {
	tests := []struct{ file, want string }{
		{"text.xml", "this is a test"},
		{"text_cjk.xml", "测试信息"},
		{"event_subscribe.xml", welcomeText},
		{"event_subscribe_qrscene.xml", welcomeText},
		{"event_click.xml", "You clicked EVENTKEY"},
		{"image.xml", "Got a image message"},
		{"voice.xml", "Got a voice message"},
		{"location.xml", "Got a location message"},
		{"event_view.xml", "Got a VIEW event"},
		{"event_location.xml", "Got a LOCATION event"},
		{"unknown_msgtype.xml", "Got a notsure message"},
	}
	for _, mode := range []string{"plain", "safe"} {
		h, logs := newTestBot(t)
		for _, tt := range tests {
			t.Run(mode+"/"+tt.file, func(t *testing.T) {
				code, r := post(t, h, inbound(t, tt.file), mode == "safe")
				require.Equal(t, http.StatusOK, code)
				require.IsType(t, &wechat.TextReply{}, r)
				tr := r.(*wechat.TextReply)
				assert.Equal(t, tt.want, tr.Content)
				assert.Equal(t, "toUser", tr.FromUserName, "from the account")
				assert.NotEmpty(t, tr.ToUserName)
			})
		}
		assert.Contains(t, logs.String(), "msg=message type=text")
		assert.NotContains(t, logs.String(), demoAESKey)
	}
}

func TestBotUnsubscribeGetsNoReply(t *testing.T) {
	h, _ := newTestBot(t)
	code, r := post(t, h, inbound(t, "event_unsubscribe.xml"), false)
	assert.Equal(t, http.StatusOK, code)
	assert.Nil(t, r)
}

func TestBotRejectsForgedRequests(t *testing.T) {
	h, _ := newTestBot(t)
	q := url.Values{"signature": {wechat.Sign("not-the-token", "1", "2")}, "timestamp": {"1"}, "nonce": {"2"}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, webhookPath+"?"+q.Encode(), bytes.NewReader(inbound(t, "text.xml"))))
	assert.Equal(t, http.StatusForbidden, rec.Code)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/elsewhere", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

func TestConfigFromEnv(t *testing.T) {
	cfg := configFromEnv(func(string) string { return "" })
	assert.Equal(t, config{addr: defaultAddr, token: demoToken, appID: demoAppID, aesKey: demoAESKey,
		demo: []string{"WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_ENCODING_AES_KEY"}}, cfg)

	env := map[string]string{"ADDR": ":9000", "WECHAT_TOKEN": "t", "WECHAT_APPID": "wx1", "WECHAT_ENCODING_AES_KEY": strings.Repeat("k", 43)}
	cfg = configFromEnv(func(k string) string { return env[k] })
	assert.Equal(t, config{addr: ":9000", token: "t", appID: "wx1", aesKey: strings.Repeat("k", 43)}, cfg)
}

func TestRunRejectsBadConfig(t *testing.T) {
	env := map[string]string{"WECHAT_ENCODING_AES_KEY": "too-short"}
	err := run(context.Background(), func(k string) string { return env[k] }, io.Discard)
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)

	env = map[string]string{"ADDR": "256.0.0.1:http"}
	assert.Error(t, run(context.Background(), func(k string) string { return env[k] }, io.Discard))
}

// The bot serves a real URL check over the network and stops when its
// context ends.
func TestRunServesAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	logs := &syncWriter{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	client, err := newClient(configFromEnv(func(string) string { return "" }), logger)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, newMux(client, logger), logger) }()

	q := url.Values{"signature": {wechat.Sign(demoToken, "1", "2")}, "timestamp": {"1"}, "nonce": {"2"}, "echostr": {"hello"}}
	resp, err := http.Get("http://" + ln.Addr().String() + webhookPath + "?" + q.Encode())
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "hello", string(body))

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, logs.String(), "msg=listening url=http://"+ln.Addr().String()+webhookPath)
	assert.Contains(t, logs.String(), "msg=stopped")
}

// A whole run with the demo settings on a free port.
func TestRunWithDemoSettings(t *testing.T) {
	logs := &syncWriter{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string {
			if k == "ADDR" {
				return "127.0.0.1:0"
			}
			return ""
		}, logs)
	}()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "msg=listening") }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, logs.String(), "variable=WECHAT_TOKEN")
	assert.NotContains(t, logs.String(), demoToken)
	assert.NotContains(t, logs.String(), demoAESKey)
}

// syncWriter is a buffer the server's goroutines may write to.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
