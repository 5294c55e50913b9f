package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/demo"
	"github.com/mpkit/wechat/examples/internal/exampletest"
	"github.com/mpkit/wechat/wechattest"
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

// webhook returns what WeChat would be to the bot h in the given mode,
// with the demo settings.
func webhook(h http.Handler, mode wechattest.Mode) *wechattest.Webhook {
	return &wechattest.Webhook{Handler: h, URL: webhookPath, Token: demo.Token, Mode: mode,
		EncodingAESKey: demo.EncodingAESKey, AppID: demo.AppID}
}

var modes = []wechattest.Mode{wechattest.ModePlain, wechattest.ModeCompatible, wechattest.ModeSafe}

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
	for _, mode := range modes {
		h, logs := newTestBot(t)
		wh := webhook(h, mode)
		for _, tt := range tests {
			t.Run(mode.String()+"/"+tt.file, func(t *testing.T) {
				msg, err := wechat.ParseMessage(inbound(t, tt.file))
				require.NoError(t, err)
				// The samples share the documentation's MsgId and
				// CreateTime: new ones make each a push of its own,
				// not a retry of the one before.
				msg.MsgID, msg.CreateTime = 0, 0
				r, err := wh.Send(context.Background(), msg)
				require.NoError(t, err)
				require.IsType(t, &wechat.TextReply{}, r)
				tr := r.(*wechat.TextReply)
				assert.Equal(t, tt.want, tr.Content)
				assert.Equal(t, msg.ToUserName, tr.FromUserName, "from the account")
				assert.Equal(t, msg.FromUserName, tr.ToUserName, "to the sender")
			})
		}
		assert.Contains(t, logs.String(), "msg=message type=text")
		assert.NotContains(t, logs.String(), demo.EncodingAESKey)
	}
}

// The messages a newcomer sends with cmd/wxsim, built with the helpers.
func TestBotAnswersTheSimulator(t *testing.T) {
	h, _ := newTestBot(t)
	tests := []struct {
		msg  *wechat.Message
		want string
	}{
		{wechattest.Text("hello"), "hello"},
		{wechattest.Event(wechat.EventSubscribe, ""), welcomeText},
		{wechattest.Event(wechat.EventClick, "V1001_GOOD"), "You clicked V1001_GOOD"},
		{wechattest.Image("http://mmbiz.qpic.cn/demo.jpg", "media1"), "Got a image message"},
		{wechattest.Location(23.134521, 113.358803, 20, "广州"), "Got a location message"},
	}
	for _, mode := range modes {
		wh := webhook(h, mode)
		require.NoError(t, wh.Verify(context.Background()), mode)
		for _, tt := range tests {
			r, err := wh.Send(context.Background(), tt.msg)
			require.NoError(t, err, mode)
			assert.Equal(t, tt.want, r.(*wechat.TextReply).Content, mode)
		}
	}
}

func TestBotUnsubscribeGetsNoReply(t *testing.T) {
	h, _ := newTestBot(t)
	for _, mode := range modes {
		r, err := webhook(h, mode).Send(context.Background(), wechattest.Event(wechat.EventUnsubscribe, ""))
		require.NoError(t, err)
		assert.Nil(t, r)
	}
}

func TestBotRejectsForgedRequests(t *testing.T) {
	h, _ := newTestBot(t)
	forged := webhook(h, wechattest.ModePlain)
	forged.Token = "not-the-token"
	var se *wechattest.StatusError
	_, err := forged.Send(context.Background(), wechattest.Text("hello"))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.StatusCode)
	require.ErrorAs(t, forged.Verify(context.Background()), &se)
	assert.Equal(t, http.StatusForbidden, se.StatusCode)

	// Right token, wrong key: the message does not decrypt.
	forged = webhook(h, wechattest.ModeSafe)
	forged.EncodingAESKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
	_, err = forged.Send(context.Background(), wechattest.Text("hello"))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusBadRequest, se.StatusCode)

	elsewhere := webhook(h, wechattest.ModePlain)
	elsewhere.URL = "/elsewhere"
	_, err = elsewhere.Send(context.Background(), wechattest.Text("hello"))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.StatusCode)
}

// With its own EncodingAESKey the bot is in safe mode and believes only
// encrypted pushes: a plaintext one, signed by the right token, is refused.
// On the demo key it takes plaintext too, so that the README's plain-mode
// walk-through works, and says so when it starts.
func TestBotInSafeModeRefusesPlaintext(t *testing.T) {
	const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
	env := map[string]string{"WECHAT_ENCODING_AES_KEY": key}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := newClient(configFromEnv(func(k string) string { return env[k] }), logger)
	require.NoError(t, err)
	h := newMux(client, logger)

	plain := webhook(h, wechattest.ModePlain)
	_, err = plain.Send(context.Background(), wechattest.Text("forged"))
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.StatusCode)

	for _, mode := range []wechattest.Mode{wechattest.ModeCompatible, wechattest.ModeSafe} {
		wh := webhook(h, mode)
		wh.EncodingAESKey = key
		r, err := wh.Send(context.Background(), wechattest.Text("sealed"))
		require.NoError(t, err, mode)
		assert.Equal(t, "sealed", r.(*wechat.TextReply).Content)
	}
}

func TestConfigFromEnv(t *testing.T) {
	cfg := configFromEnv(func(string) string { return "" })
	assert.Equal(t, config{addr: defaultAddr, Account: demo.FromEnv(func(string) string { return "" })}, cfg)
	assert.Equal(t, []string{"WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_ENCODING_AES_KEY"}, cfg.Demo)

	env := map[string]string{"ADDR": ":9000", "WECHAT_TOKEN": "t", "WECHAT_APPID": "wx1", "WECHAT_ENCODING_AES_KEY": strings.Repeat("k", 43)}
	cfg = configFromEnv(func(k string) string { return env[k] })
	assert.Equal(t, config{addr: ":9000", Account: demo.Account{Token: "t", AppID: "wx1", EncodingAESKey: strings.Repeat("k", 43)}}, cfg)
}

func TestRunRejectsBadConfig(t *testing.T) {
	env := map[string]string{"WECHAT_ENCODING_AES_KEY": "too-short"}
	err := run(context.Background(), func(k string) string { return env[k] }, io.Discard)
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)

	env = map[string]string{"ADDR": "256.0.0.1:http"}
	assert.Error(t, run(context.Background(), func(k string) string { return env[k] }, io.Discard))
}

// The bot answers URL checks and messages in every mode over the network
// and stops when its context ends.
func TestRunServesAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	logs := &exampletest.Logs{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	client, err := newClient(configFromEnv(func(string) string { return "" }), logger)
	require.NoError(t, err)

	ctx, stop := exampletest.Start(t, func(ctx context.Context) error { return serve(ctx, ln, newMux(client, logger), logger) })

	for _, mode := range modes {
		wh := &wechattest.Webhook{URL: "http://" + ln.Addr().String() + webhookPath, Token: demo.Token, Mode: mode,
			EncodingAESKey: demo.EncodingAESKey, AppID: demo.AppID}
		require.NoError(t, wh.Verify(ctx), mode)
		r, err := wh.Send(ctx, wechattest.Text("over the network"))
		require.NoError(t, err, mode)
		assert.Equal(t, "over the network", r.(*wechat.TextReply).Content, mode)
	}

	stop()
	assert.Contains(t, logs.String(), "msg=listening url=http://"+ln.Addr().String()+webhookPath)
	assert.Contains(t, logs.String(), "msg=stopped")
}

// A whole run with the demo settings on a free port.
func TestRunWithDemoSettings(t *testing.T) {
	logs := &exampletest.Logs{}
	_, stop := exampletest.Start(t, func(ctx context.Context) error {
		return run(ctx, func(k string) string {
			if k == "ADDR" {
				return "127.0.0.1:0"
			}
			return ""
		}, logs)
	})
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "msg=listening") }, 5*time.Second, 10*time.Millisecond)
	stop()
	assert.Contains(t, logs.String(), "variable=WECHAT_TOKEN")
	assert.Contains(t, logs.String(), "plaintext pushes are accepted too")
	assert.NotContains(t, logs.String(), demo.Token)
	assert.NotContains(t, logs.String(), demo.EncodingAESKey)
}
