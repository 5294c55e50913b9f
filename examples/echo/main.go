// Command echo is a WeChat Official Account bot built on
// github.com/mpkit/wechat: it echoes text, welcomes new followers, answers
// a menu click with the button's key and tells what it got for anything
// else, in plain, compatible and safe (AES) mode.
//
//	go run ./examples/echo
//
// It listens on ADDR (default 127.0.0.1:8080) at /wechat and reads the
// account's settings (服务器配置) from the environment:
//
//	WECHAT_TOKEN             server token (Token)
//	WECHAT_APPID             AppID (开发者ID)
//	WECHAT_ENCODING_AES_KEY  EncodingAESKey (消息加解密密钥), 43 characters
//
// Each has a demo default so that the bot starts without an account:
// token "wechat-echo-demo", AppID "wxd0000000000000e0" and the
// EncodingAESKey of Tencent's encryption sample,
// "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG". Never use them for a real
// account. To try it, play WeChat with cmd/wxsim in a second terminal:
//
//	go run ./cmd/wxsim -demo verify        # the URL check
//	go run ./cmd/wxsim -demo text hello    # a message, in safe (AES) mode
//	go run ./cmd/wxsim -token wechat-echo-demo text hello   # in plain mode
//
// On the demo key it takes plaintext pushes too, so that every mode can be
// tried against one bot, and warns about it when it starts. With
// WECHAT_ENCODING_AES_KEY set it is in safe mode and refuses them: the
// plain signature does not cover the body (see wechat.WithInsecurePlaintext).
package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/demo"
	"github.com/mpkit/wechat/examples/internal/webserver"
)

const (
	defaultAddr = "127.0.0.1:8080"
	webhookPath = "/wechat"
	welcomeText = "欢迎关注！Thanks for following. Send me anything and I will send it back."
)

// config is what the bot reads from the environment.
type config struct {
	addr string
	demo.Account
}

func configFromEnv(getenv func(string) string) config {
	cfg := config{addr: getenv("ADDR"), Account: demo.FromEnv(getenv)}
	if cfg.addr == "" {
		cfg.addr = defaultAddr
	}
	return cfg
}

func newClient(cfg config, logger *slog.Logger) (*wechat.Client, error) {
	opts := []wechat.Option{
		wechat.WithServerToken(cfg.Token),
		wechat.WithAppID(cfg.AppID),
		wechat.WithEncodingAESKey(cfg.EncodingAESKey),
		wechat.WithLogger(logger),
	}
	if cfg.DemoKey() {
		opts = append(opts, wechat.WithInsecurePlaintext())
	}
	return wechat.New(opts...)
}

// newBot returns the bot's message handler.
func newBot(logger *slog.Logger) wechat.Handler {
	mux := wechat.NewServeMux()
	mux.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText(msg.Content), nil
	})
	mux.HandleEventFunc(wechat.EventSubscribe, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText(welcomeText), nil
	})
	mux.HandleEventFunc(wechat.EventClick, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("You clicked " + msg.EventKey), nil
	})
	mux.HandleEventFunc(wechat.EventUnsubscribe, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return nil, nil // the user has gone: a reply would not be delivered
	})
	mux.HandleDefaultFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		if msg.MsgType == wechat.MsgTypeEvent {
			return msg.ReplyText("Got a " + string(msg.Event) + " event"), nil
		}
		return msg.ReplyText("Got a " + string(msg.MsgType) + " message"), nil
	})
	return wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		logger.InfoContext(ctx, "message", "type", msg.MsgType, "event", msg.Event, "msg_id", msg.MsgID)
		return mux.ServeMessage(ctx, msg)
	})
}

// newMux returns the bot's HTTP routes.
func newMux(client *wechat.Client, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(webhookPath, client.Webhook(newBot(logger)))
	return mux
}

// run reads the configuration, then serves until ctx is done.
func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	cfg := configFromEnv(getenv)
	client, err := newClient(cfg, logger)
	if err != nil {
		return err
	}
	cfg.Warn(logger)
	if cfg.DemoKey() {
		logger.Warn("on the demo EncodingAESKey plaintext pushes are accepted too; set WECHAT_ENCODING_AES_KEY to refuse them")
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, newMux(client, logger), logger)
}

// serve serves h on ln until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	return webserver.Server{Handler: h, Logger: logger, Path: webhookPath}.Serve(ctx, ln)
}

func main() { webserver.Main("echo", run) }
