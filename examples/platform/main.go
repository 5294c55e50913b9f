// Command platform is a third-party platform (第三方平台) built on
// github.com/mpkit/wechat/platform: it receives WeChat's tickets and
// authorization events, shows the links where an account authorizes the
// platform, and answers the messages of every authorized account by
// echoing them (and passes WeChat's release checks, 全网发布接入检测).
//
//	go run ./examples/platform
//
// It listens on ADDR (default 127.0.0.1:8090):
//
//	/          the authorization links, and the accounts authorized
//	/authorize a redirect to a new authorization link (for curl; WeChat
//	           wants its page opened from a link on the platform's domain)
//	/events    the authorization event URL (授权事件接收URL)
//	/wechat/   the message URL of the accounts (消息与事件接收URL), configured
//	           in WeChat as <PUBLIC_URL>/wechat/$APPID$
//	/authorized where WeChat sends the administrator back
//
// It reads the platform's settings from the environment:
//
//	PLATFORM_COMPONENT_APPID         the platform's AppID
//	PLATFORM_COMPONENT_SECRET        its AppSecret
//	PLATFORM_TOKEN                   message token (消息校验Token)
//	PLATFORM_ENCODING_AES_KEY        message key (消息加解密Key), 43 characters
//	PUBLIC_URL                       where WeChat and browsers reach it, default http://ADDR
//	WECHAT_BASE_URL                  API host, default https://api.weixin.qq.com
//
// Without PLATFORM_COMPONENT_APPID it runs against a fake WeChat it
// starts in process (wechattest.Platform) with the fake's default
// settings: the fake pushes it a ticket at once and every ten minutes,
// its authorization link leads to the fake's consent page, which
// authorizes a new demo account and pushes the authorized event; cmd/wxsim
// plays the accounts' users. Its tokens and refresh tokens are kept in
// memory, which a restart loses: give a real platform a durable
// platform.RefreshTokenStore (redisstore).
package main

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/webserver"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

const (
	defaultAddr    = "127.0.0.1:8090"
	eventsPath     = "/events"
	messagesPath   = "/wechat/"
	authorizedPath = "/authorized"
	authorizePath  = "/authorize"
	ticketEvery    = 10 * time.Minute // as WeChat pushes it
)

// config is what the service reads from the environment.
type config struct {
	addr, publicURL, baseURL     string
	appID, secret, token, aesKey string
}

// fake reports whether the service runs against its own fake WeChat.
func (cfg config) fake() bool { return cfg.appID == "" }

func configFromEnv(getenv func(string) string) config {
	cfg := config{
		addr:      getenv("ADDR"),
		publicURL: strings.TrimRight(getenv("PUBLIC_URL"), "/"),
		baseURL:   getenv("WECHAT_BASE_URL"),
		appID:     getenv("PLATFORM_COMPONENT_APPID"),
		secret:    getenv("PLATFORM_COMPONENT_SECRET"),
		token:     getenv("PLATFORM_TOKEN"),
		aesKey:    getenv("PLATFORM_ENCODING_AES_KEY"),
	}
	if cfg.addr == "" {
		cfg.addr = defaultAddr
	}
	return cfg
}

// service is the platform and, without credentials, the fake WeChat it
// runs against.
type service struct {
	c      *platform.Client
	fake   *wechattest.Platform // nil against WeChat
	public string               // the public URL, for the redirect
	logger *slog.Logger
}

// newService builds the platform of cfg, starting the fake if cfg has no
// AppID. public is where browsers reach the service.
func newService(cfg config, public string, logger *slog.Logger) (*service, error) {
	s := &service{public: public, logger: logger}
	if cfg.fake() {
		s.fake = wechattest.NewPlatform()
		c, err := s.fake.Client(platform.WithLogger(logger))
		if err != nil {
			s.fake.Close()
			return nil, err
		}
		s.c = c
		return s, nil
	}
	if cfg.secret == "" || cfg.token == "" || cfg.aesKey == "" {
		return nil, errors.New("PLATFORM_COMPONENT_SECRET, PLATFORM_TOKEN and PLATFORM_ENCODING_AES_KEY are needed with PLATFORM_COMPONENT_APPID")
	}
	opts := []platform.Option{
		platform.WithAppID(cfg.appID), platform.WithAppSecret(cfg.secret),
		platform.WithServerToken(cfg.token), platform.WithEncodingAESKey(cfg.aesKey),
		platform.WithLogger(logger),
	}
	if cfg.baseURL != "" {
		opts = append(opts, platform.WithBaseURL(cfg.baseURL))
	}
	c, err := platform.New(opts...)
	if err != nil {
		return nil, err
	}
	s.c = c
	return s, nil
}

func (s *service) close() {
	if s.fake != nil {
		s.fake.Close()
	}
}

// echo answers every message of every account with itself, and every
// event with its name.
func echo(logger *slog.Logger) wechat.Handler {
	return wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		logger.InfoContext(ctx, "message", "account", platform.AuthorizerAppID(ctx), "type", msg.MsgType, "event", msg.Event)
		switch {
		case msg.MsgType == wechat.MsgTypeText:
			return msg.ReplyText(msg.Content), nil
		case msg.MsgType == wechat.MsgTypeEvent && msg.Event == wechat.EventUnsubscribe:
			return nil, nil
		case msg.MsgType == wechat.MsgTypeEvent:
			return msg.ReplyText("Got a " + string(msg.Event) + " event"), nil
		}
		return msg.ReplyText("Got a " + string(msg.MsgType) + " message"), nil
	})
}

// logEvents logs what the platform did with each authorization event.
func logEvents(logger *slog.Logger) platform.EventHandler {
	return platform.EventHandlerFunc(func(ctx context.Context, e *platform.Event) error {
		logger.InfoContext(ctx, "authorization event", "info_type", e.InfoType, "account", e.AuthorizerAppID)
		return nil
	})
}

// routes returns the service's HTTP routes.
func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(eventsPath, s.c.Events(logEvents(s.logger)))
	mux.Handle(messagesPath, s.c.Messages(s.c.ReleaseChecks(echo(s.logger))))
	mux.HandleFunc("GET "+authorizedPath, s.authorized)
	mux.HandleFunc("GET "+authorizePath, s.authorize)
	mux.HandleFunc("GET /{$}", s.home)
	return mux
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<meta charset="utf-8">
<title>Third-party platform {{.AppID}}</title>
<h1>Third-party platform {{.AppID}}</h1>
{{if .Err}}<p>Authorization links unavailable: {{.Err}}</p>{{else}}
<p><a href="{{.PC}}">Authorize on a computer</a> (scan with WeChat) ·
<a href="{{.Mobile}}">Authorize in WeChat</a></p>{{end}}
<h2>Authorized accounts</h2>
<ul>{{range .Accounts}}<li>{{.}}</li>{{else}}<li>none yet</li>{{end}}</ul>
`))

// home shows the authorization links, each with a new pre-authorization
// code, and the accounts authorized now. A real platform puts this page
// behind its own login: it lists the platform's customers, and every view
// costs two api_create_preauthcode calls of the platform's quota (link to
// /authorize instead, which makes a code only when followed).
func (s *service) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	data := struct {
		AppID, PC, Mobile string
		Err               error
		Accounts          []string
	}{AppID: s.c.AppID()}
	redirect := s.public + authorizedPath
	data.PC, data.Err = s.c.AuthorizeURL(ctx, redirect, platform.AuthorizeOptions{Type: platform.AuthOfficialAccount})
	if data.Err == nil {
		data.Mobile, data.Err = s.c.MobileAuthorizeURL(ctx, redirect, platform.AuthorizeOptions{Type: platform.AuthOfficialAccount})
	}
	for a, err := range s.c.Authorizers(ctx) {
		if err != nil {
			break
		}
		data.Accounts = append(data.Accounts, a.AppID)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := homePage.Execute(w, data); err != nil {
		s.logger.WarnContext(ctx, "rendering the home page", "error", err)
	}
}

// authorize redirects to a new authorization link.
func (s *service) authorize(w http.ResponseWriter, r *http.Request) {
	link, err := s.c.AuthorizeURL(r.Context(), s.public+authorizedPath, platform.AuthorizeOptions{Type: platform.AuthOfficialAccount})
	if err != nil {
		s.logger.WarnContext(r.Context(), "no authorization link", "error", err)
		http.Error(w, "no authorization link: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, link, http.StatusFound)
}

// authorized is where WeChat sends the administrator back. The push to
// the event URL carries the same code, which the platform has exchanged
// already: the page only thanks.
func (s *service) authorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.URL.Query().Get("auth_code") == "" {
		http.Error(w, "no authorization code: the administrator did not authorize", http.StatusBadRequest)
		return
	}
	_, _ = io.WriteString(w, "Authorized. Thank you: the platform now answers your account's messages.\n")
}

// start wires the fake to the service listening at base, and has it push
// a ticket now and every ten minutes until ctx is done.
func (s *service) start(ctx context.Context, base string) {
	if s.fake == nil {
		return
	}
	s.fake.SetReceiver(wechattest.Receiver{EventURL: base + eventsPath, MessageURL: base + messagesPath + "$APPID$"})
	push := func() {
		if _, err := s.fake.PushTicket(ctx); err != nil {
			s.logger.Warn("the fake could not push a ticket", "error", err)
		}
	}
	go func() {
		push()
		t := time.NewTicker(ticketEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				push()
			case <-ctx.Done():
				return
			}
		}
	}()
}

// run reads the configuration, then serves until ctx is done.
func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	cfg := configFromEnv(getenv)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	public := cfg.publicURL
	if public == "" {
		public = base
	}
	s, err := newService(cfg, public, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.close()
	if s.fake != nil {
		c := s.fake
		logger.Warn("no PLATFORM_COMPONENT_APPID: running against a fake WeChat", "fake", c.URL,
			"component_appid", c.ComponentAppID(), "token", c.ComponentToken(), "encoding_aes_key", c.ComponentEncodingAESKey())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.start(ctx, base)
	return serve(ctx, ln, s.routes(), logger)
}

// serve serves h on ln until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	// The write timeout leaves room for WeChat's retries of a slow reply.
	return webserver.Server{Handler: h, Logger: logger, Path: "/", WriteTimeout: 20 * time.Second}.Serve(ctx, ln)
}

func main() { webserver.Main("platform", run) }
