// Command wxsim plays WeChat's side of a webhook from the command line: it
// sends a running bot the signed URL check and the signed (and, in safe
// mode, encrypted) message pushes WeChat would, then checks, decrypts and
// prints the bot's reply. It is built on package wechattest.
//
// Usage:
//
//	wxsim [flags] COMMAND [ARGS]
//
// Commands:
//
//	verify                      the URL check (GET with signature and echostr)
//	text CONTENT...             a text message; the words are joined by spaces
//	image PICURL [MEDIAID]      an image message
//	voice MEDIAID [RECOGNITION] a voice message (Format amr)
//	location LAT LNG [SCALE [LABEL]]
//	link TITLE DESCRIPTION URL
//	event subscribe [SCENE]     a follow; with SCENE, through a QR code (EventKey qrscene_SCENE)
//	event unsubscribe
//	event click KEY             a menu click
//	event view URL              a menu link
//	event scan SCENE            a QR code scan by a follower
//	event location LAT LNG [PRECISION]
//	event NAME [KEY]            any other event, with EventKey KEY
//
// Flags (before the command):
//
//	-url URL        the webhook (WXSIM_URL; default http://127.0.0.1:8080/wechat)
//	-token TOKEN    the server token (WECHAT_TOKEN)
//	-aeskey KEY     the EncodingAESKey (WECHAT_ENCODING_AES_KEY)
//	-appid APPID    the AppID (WECHAT_APPID); needed with -aeskey
//	-mode MODE      plain, compatible or safe; safe when a key is set, else plain
//	-from OPENID    the sender (default o_wechattest_user0000000000)
//	-to ID          the account's original ID (default gh_wechattest0)
//	-timeout D      how long to wait for the answer (default 5s, as WeChat)
//	-retry          retry as WeChat does: up to 3 attempts of -timeout each;
//	                prints which attempt was answered
//	-demo           use the demo settings of examples/echo
//	-v              print the request and the raw answer on stderr
//
// Flags win over the environment. -demo sets the token, AppID and
// EncodingAESKey of examples/echo, so that with the bot running
//
//	go run ./cmd/wxsim -demo text hello
//
// prints the bot's reply. The reply goes to stdout; with -v the request
// sent (method, URL, body) and the answer received (status, body, and in
// compatible and safe mode both decrypted) go to stderr. The token and
// the key are never printed.
//
// wxsim exits 0 when the webhook answered as WeChat expects, 1 when it
// did not (the reason is on stderr: a rejected signature, a reply that
// does not decrypt or is not XML, a plain reply in safe mode, a reply to
// someone else, no connection, no answer in time) and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// The settings of examples/echo, used with -demo. They are public: never
// configure a real account with them.
const (
	demoToken  = "wechat-echo-demo"
	demoAppID  = "wxd0000000000000e0"
	demoAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

const defaultURL = "http://127.0.0.1:8080/wechat"

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the webhook did not answer as WeChat expects
	exitUsage = 2
)

const usageText = `usage: wxsim [flags] COMMAND [ARGS]

Plays WeChat's side of a webhook: sends a signed URL check or message
push and prints the decoded reply.

Commands:
  verify                        the URL check (GET with signature and echostr)
  text CONTENT...               a text message (words joined by spaces)
  image PICURL [MEDIAID]        an image message
  voice MEDIAID [RECOGNITION]   a voice message
  location LAT LNG [SCALE [LABEL]]
  link TITLE DESCRIPTION URL
  event subscribe [SCENE]       a follow; with SCENE, through a QR code
  event unsubscribe
  event click KEY               a menu click
  event view URL                a menu link
  event scan SCENE              a QR code scan by a follower
  event location LAT LNG [PRECISION]
  event NAME [KEY]              any other event, with EventKey KEY

Flags (before the command; they win over the environment):
`

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// parseMode returns the mode of a -mode value, the name Mode.String
// gives it.
func parseMode(name string) (wechattest.Mode, bool) {
	for _, m := range []wechattest.Mode{wechattest.ModePlain, wechattest.ModeCompatible, wechattest.ModeSafe} {
		if m.String() == name {
			return m, true
		}
	}
	return 0, false
}

// config is what the flags and the environment say.
type config struct {
	url     string
	token   string
	aesKey  string
	appID   string
	mode    wechattest.Mode
	from    string
	to      string
	timeout time.Duration
	retry   bool
	verbose bool
}

// newFlagSet returns the flag set of wxsim, writing into cfg, mode and
// demo.
func newFlagSet(cfg *config, mode *string, demo *bool, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("wxsim", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.url, "url", "", "webhook `URL` (env WXSIM_URL; default "+defaultURL+")")
	fs.StringVar(&cfg.token, "token", "", "server `token` (env WECHAT_TOKEN)")
	fs.StringVar(&cfg.aesKey, "aeskey", "", "EncodingAESKey, 43 characters (env WECHAT_ENCODING_AES_KEY)")
	fs.StringVar(&cfg.appID, "appid", "", "`AppID`, needed with -aeskey (env WECHAT_APPID)")
	fs.StringVar(mode, "mode", "", "`mode`: plain, compatible or safe (default safe with a key, else plain)")
	fs.StringVar(&cfg.from, "from", "", "sender `OpenID` (default "+wechattest.DefaultOpenID+")")
	fs.StringVar(&cfg.to, "to", "", "account's original `ID` (default "+wechattest.DefaultAccount+")")
	fs.DurationVar(&cfg.timeout, "timeout", wechattest.DefaultTimeout, "how long to wait for the answer")
	fs.BoolVar(&cfg.retry, "retry", false, "retry as WeChat does, up to 3 attempts of -timeout, and say which was answered")
	fs.BoolVar(demo, "demo", false, "use the token, AppID and key of examples/echo")
	fs.BoolVar(&cfg.verbose, "v", false, "print the request and the raw answer on stderr")
	return fs
}

func printUsage(w io.Writer) {
	var (
		cfg  config
		mode string
		demo bool
	)
	newFlagSet(&cfg, &mode, &demo, w).Usage()
}

// parseFlags reads the flags and the environment; it returns the
// arguments after the flags.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*config, []string, error) {
	var (
		cfg  config
		mode string
		demo bool
	)
	fs := newFlagSet(&cfg, &mode, &demo, stderr)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}

	// Precedence: a flag, then -demo, then the environment.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fallback := func(v *string, name, env, demoValue string) {
		switch {
		case set[name]:
		case demo && demoValue != "":
			*v = demoValue
		default:
			*v = getenv(env)
		}
	}
	fallback(&cfg.url, "url", "WXSIM_URL", "")
	fallback(&cfg.token, "token", "WECHAT_TOKEN", demoToken)
	fallback(&cfg.appID, "appid", "WECHAT_APPID", demoAppID)
	fallback(&cfg.aesKey, "aeskey", "WECHAT_ENCODING_AES_KEY", demoAESKey)
	if cfg.url == "" {
		cfg.url = defaultURL
	}

	if u, err := url.Parse(cfg.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, usagef("-url %q is not an http(s) URL", cfg.url)
	}
	if cfg.token == "" {
		return nil, nil, usagef("no server token: set -token or WECHAT_TOKEN (or -demo for examples/echo)")
	}
	if cfg.timeout <= 0 {
		return nil, nil, usagef("-timeout must be positive")
	}
	// Without -mode, safe when there is a key, else plain.
	cfg.mode = wechattest.ModePlain
	if cfg.aesKey != "" {
		cfg.mode = wechattest.ModeSafe
	}
	if mode != "" {
		m, ok := parseMode(mode)
		if !ok {
			return nil, nil, usagef("-mode %q: want plain, compatible or safe", mode)
		}
		cfg.mode = m
	}
	if cfg.aesKey != "" && cfg.appID == "" {
		return nil, nil, usagef("an EncodingAESKey (-aeskey) needs the AppID too: set -appid or WECHAT_APPID")
	}
	if cfg.mode != wechattest.ModePlain && cfg.aesKey == "" {
		return nil, nil, usagef("%s mode needs the EncodingAESKey and AppID: set -aeskey and -appid", cfg.mode)
	}
	if cfg.aesKey != "" {
		// Check the key now rather than after the first request. The
		// error does not quote the key.
		if _, err := wechat.NewMessageCipher(cfg.token, cfg.aesKey, cfg.appID); err != nil {
			return nil, nil, usagef("-aeskey: %v", err)
		}
	}
	return &cfg, fs.Args(), nil
}

// run is the whole command: it parses args, talks to the webhook and
// returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, rest, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "wxsim: %v\n\n", err)
			printUsage(stderr)
		}
		// The flag package has already printed its own errors.
		return exitUsage
	}
	cmd, err := parseCommand(rest)
	if err != nil {
		fmt.Fprintf(stderr, "wxsim: %v\n\n", err)
		printUsage(stderr)
		return exitUsage
	}

	rec := &recorder{next: http.DefaultTransport}
	wh := &wechattest.Webhook{
		URL: cfg.url,
		HTTPClient: &http.Client{
			Transport: rec,
			// WeChat posts to the configured URL; a redirect is an
			// answer like any other.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Token:          cfg.token,
		Mode:           cfg.mode,
		EncodingAESKey: cfg.aesKey,
		AppID:          cfg.appID,
		Account:        cfg.to,
		OpenID:         cfg.from,
		Timeout:        cfg.timeout,
	}

	if cmd.verify {
		err = wh.Verify(ctx)
		if cfg.verbose {
			rec.dump(stderr, cfg)
		}
		if err != nil {
			fmt.Fprintf(stderr, "wxsim: URL check failed: %s\n", explain(err, cfg))
			return exitFail
		}
		fmt.Fprintln(stdout, "URL check passed")
		return exitOK
	}

	if cfg.retry {
		return push(ctx, wh, cmd.msg, cfg, rec, stdout, stderr)
	}
	reply, err := wh.Send(ctx, cmd.msg)
	if cfg.verbose {
		rec.dump(stderr, cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wxsim: %s\n", explain(err, cfg))
		return exitFail
	}
	printReply(stdout, reply)
	return exitOK
}

// push sends msg as WeChat does with -retry: an attempt that gets no
// answer within -timeout is dropped and sent again, up to three.
func push(ctx context.Context, wh *wechattest.Webhook, msg *wechat.Message, cfg *config, rec *recorder, stdout, stderr io.Writer) int {
	d, err := wh.Push(ctx, msg)
	if cfg.verbose {
		rec.dump(stderr, cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wxsim: %s\n", explain(err, cfg))
		return exitFail
	}
	if d.Failed {
		fmt.Fprintf(stderr, "wxsim: %s\n", d)
		return exitFail
	}
	printReply(stdout, d.Reply)
	fmt.Fprintf(stdout, "(%s)\n", d)
	return exitOK
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// trimPrefix drops the package prefix of an error message.
func trimPrefix(s string) string {
	for _, p := range []string{"wechattest: ", "wechat: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}
