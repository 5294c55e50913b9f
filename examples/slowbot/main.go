// Command slowbot is a WeChat Official Account bot whose answer takes
// longer than WeChat waits: its text handler sleeps SLOWBOT_DELAY (8s by
// default), standing in for a call to a language model, then replies with
// the text it received. WeChat drops a push after 5 seconds and sends it
// again, three attempts in all; the webhook of github.com/mpkit/wechat
// runs the handler once and answers the attempt that is waiting when the
// reply is ready.
//
//	go run ./examples/slowbot
//
// It listens on ADDR (default 127.0.0.1:8080) at /wechat and reads the
// account's settings from the environment, as examples/echo does:
//
//	WECHAT_TOKEN             server token (Token)
//	WECHAT_APPID             AppID (开发者ID)
//	WECHAT_ENCODING_AES_KEY  EncodingAESKey (消息加解密密钥), 43 characters
//	SLOWBOT_DELAY            how long the handler takes, a Go duration (8s)
//	SLOWBOT_MODE             "retry" (default) or "customer"
//
// In "retry" mode (wechat.WaitForRetry) WeChat's retries wait for the
// reply, which works for every account type; a handler slower than the
// three attempts (about 15 s) has its reply logged as late, and the last
// attempt is answered "success" so that the user sees no error. In
// "customer" mode (wechat.SendAsCustomerMessage) the push is answered
// "success" at once and the reply sent as a customer-service message,
// which needs WECHAT_APPSECRET and a verified account.
//
// The demo defaults are those of examples/echo. Play WeChat, retries
// included, with cmd/wxsim in a second terminal:
//
//	go run ./cmd/wxsim -demo -retry text hello
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/demo"
	"github.com/mpkit/wechat/examples/internal/webserver"
)

// Demo settings, used when the environment does not set them.
const (
	defaultAddr  = "127.0.0.1:8080"
	defaultDelay = 8 * time.Second
	webhookPath  = "/wechat"
)

// config is what the bot reads from the environment.
type config struct {
	addr      string
	appSecret string
	delay     time.Duration
	mode      wechat.SlowReplyMode
	demo.Account
}

func configFromEnv(getenv func(string) string) (config, error) {
	cfg := config{addr: getenv("ADDR"), appSecret: getenv("WECHAT_APPSECRET"), Account: demo.FromEnv(getenv)}
	if cfg.addr == "" {
		cfg.addr = defaultAddr
	}
	cfg.delay = defaultDelay
	if v := getenv("SLOWBOT_DELAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return cfg, fmt.Errorf("SLOWBOT_DELAY %q is not a duration such as 8s", v)
		}
		cfg.delay = d
	}
	switch m := getenv("SLOWBOT_MODE"); m {
	case "", "retry":
		cfg.mode = wechat.WaitForRetry
	case "customer":
		cfg.mode = wechat.SendAsCustomerMessage
	default:
		return cfg, fmt.Errorf("SLOWBOT_MODE %q is neither retry nor customer", m)
	}
	return cfg, nil
}

func newClient(cfg config, logger *slog.Logger, extra ...wechat.Option) (*wechat.Client, error) {
	opts := []wechat.Option{
		wechat.WithServerToken(cfg.Token),
		wechat.WithAppID(cfg.AppID),
		wechat.WithEncodingAESKey(cfg.EncodingAESKey),
		wechat.WithLogger(logger),
		wechat.WithSlowReplyMode(cfg.mode),
		wechat.WithLateReplyFunc(func(ctx context.Context, late wechat.LateReply) {
			logger.WarnContext(ctx, "late reply", "to", late.Message.FromUserName, "sent", late.Sent, "error", late.Err)
		}),
	}
	if cfg.appSecret != "" {
		opts = append(opts, wechat.WithAppSecret(cfg.appSecret))
	}
	if cfg.DemoKey() {
		// The demo takes every mode, as examples/echo does.
		opts = append(opts, wechat.WithInsecurePlaintext())
	}
	return wechat.New(append(opts, extra...)...)
}

// newBot returns the bot's message handler: text is answered after
// delay, the rest at once.
func newBot(delay time.Duration, logger *slog.Logger) wechat.Handler {
	mux := wechat.NewServeMux()
	mux.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		logger.InfoContext(ctx, "thinking", "msg_id", msg.MsgID, "delay", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return msg.ReplyText(msg.Content), nil
	})
	mux.HandleDefaultFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("Send me text and I will think about it"), nil
	})
	return mux
}

// newMux returns the bot's HTTP routes.
func newMux(client *wechat.Client, delay time.Duration, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(webhookPath, client.Webhook(newBot(delay, logger)))
	return mux
}

// run reads the configuration, then serves until ctx is done.
func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	if cfg.mode == wechat.SendAsCustomerMessage && cfg.appSecret == "" {
		return errors.New("SLOWBOT_MODE=customer needs WECHAT_APPSECRET to send customer-service messages")
	}
	client, err := newClient(cfg, logger)
	if err != nil {
		return err
	}
	cfg.Warn(logger)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	logger.Info("answering text after a delay", "delay", cfg.delay, "mode", cfg.mode)
	return serve(ctx, ln, newMux(client, cfg.delay, logger), logger)
}

// serve serves h on ln until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	return webserver.Server{Handler: h, Logger: logger, Path: webhookPath,
		// A handler may outlive WeChat's connection; the write timeout
		// only bounds writing the answer of an attempt.
		WriteTimeout: 20 * time.Second}.Serve(ctx, ln)
}

func main() { webserver.Main("slowbot", run) }
