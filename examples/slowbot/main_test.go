package main

import (
	"context"
	"io"
	"log/slog"
	"net"
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

// WeChat's timing, scaled down: an attempt of attempt, the bot answering
// within replyTimeout of it.
const (
	attempt      = 300 * time.Millisecond
	replyTimeout = 240 * time.Millisecond
)

func demoConfig(t *testing.T, env map[string]string) config {
	t.Helper()
	cfg, err := configFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	return cfg
}

// The bot takes longer than an attempt; WeChat's second attempt gets the
// reply, in every mode of delivery.
func TestSlowReplyOnTheRetry(t *testing.T) {
	logs := &exampletest.Logs{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg := demoConfig(t, nil)
	client, err := newClient(cfg, logger, wechat.WithReplyTimeout(replyTimeout))
	require.NoError(t, err)
	h := newMux(client, attempt*3/2, logger)
	for _, mode := range []wechattest.Mode{wechattest.ModePlain, wechattest.ModeCompatible, wechattest.ModeSafe} {
		wh := &wechattest.Webhook{Handler: h, URL: webhookPath, Token: demo.Token, Mode: mode,
			EncodingAESKey: demo.EncodingAESKey, AppID: demo.AppID, Timeout: attempt}
		d, err := wh.Push(context.Background(), wechattest.Text("你好 "+mode.String()))
		require.NoError(t, err, mode)
		assert.Equal(t, 2, d.Attempt, "%s: %s", mode, d)
		assert.Equal(t, "你好 "+mode.String(), d.Reply.(*wechat.TextReply).Content)
	}
	assert.Equal(t, 3, strings.Count(logs.String(), "msg=thinking"), "one handler run per push")
}

// Too slow for all three attempts: the last is answered success, and the
// reply is logged as late.
func TestTooSlowForEveryAttempt(t *testing.T) {
	logs := &exampletest.Logs{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	client, err := newClient(demoConfig(t, nil), logger, wechat.WithReplyTimeout(replyTimeout))
	require.NoError(t, err)
	wh := &wechattest.Webhook{Handler: newMux(client, 4*attempt, logger), URL: webhookPath, Token: demo.Token, Timeout: attempt}
	d, err := wh.Push(context.Background(), wechattest.Text("hello"))
	require.NoError(t, err)
	assert.False(t, d.Failed, "the user sees no error")
	assert.Equal(t, 3, d.Attempt)
	assert.Nil(t, d.Reply)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "msg=\"late reply\"") }, 5*attempt, 10*time.Millisecond)
}

func TestConfigFromEnv(t *testing.T) {
	cfg := demoConfig(t, nil)
	assert.Equal(t, defaultDelay, cfg.delay)
	assert.Equal(t, wechat.WaitForRetry, cfg.mode)
	assert.Equal(t, []string{"WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_ENCODING_AES_KEY"}, cfg.Demo)

	cfg = demoConfig(t, map[string]string{"SLOWBOT_DELAY": "20s", "SLOWBOT_MODE": "customer", "WECHAT_APPSECRET": "s"})
	assert.Equal(t, 20*time.Second, cfg.delay)
	assert.Equal(t, wechat.SendAsCustomerMessage, cfg.mode)

	for _, env := range []map[string]string{{"SLOWBOT_DELAY": "soon"}, {"SLOWBOT_DELAY": "-1s"}, {"SLOWBOT_MODE": "later"}} {
		_, err := configFromEnv(func(k string) string { return env[k] })
		assert.Error(t, err, env)
		assert.Error(t, run(context.Background(), func(k string) string { return env[k] }, io.Discard))
	}
	err := run(context.Background(), func(k string) string { return map[string]string{"SLOWBOT_MODE": "customer"}[k] }, io.Discard)
	assert.ErrorContains(t, err, "WECHAT_APPSECRET")
}

// The bot serves over the network and stops with its context.
func TestRunServesAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	logs := &exampletest.Logs{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	client, err := newClient(demoConfig(t, nil), logger, wechat.WithReplyTimeout(replyTimeout))
	require.NoError(t, err)
	ctx, stop := exampletest.Start(t, func(ctx context.Context) error { return serve(ctx, ln, newMux(client, attempt*3/2, logger), logger) })

	wh := &wechattest.Webhook{URL: "http://" + ln.Addr().String() + webhookPath, Token: demo.Token, Mode: wechattest.ModeSafe,
		EncodingAESKey: demo.EncodingAESKey, AppID: demo.AppID, Timeout: attempt}
	d, err := wh.Push(ctx, wechattest.Text("over the network"))
	require.NoError(t, err)
	assert.Equal(t, 2, d.Attempt, d.String())
	assert.Equal(t, "over the network", d.Reply.(*wechat.TextReply).Content)

	stop()
}
