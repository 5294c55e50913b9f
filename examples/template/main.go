// Command template sends a template message (模板消息) to a follower of a
// WeChat Official Account with github.com/mpkit/wechat and prints its
// msgid.
//
//	export WECHAT_APPID=wx… WECHAT_APPSECRET=…
//	go run ./examples/template -to OPENID -template TEMPLATE_ID \
//		-data first=恭喜你购买成功！ -color first=#173177 \
//		-data keyword1=巧克力 -data keyword2=39.8元 \
//		-data remark=欢迎再次购买！ \
//		-url https://weixin.qq.com/download
//
// Each -data name=value fills the {{name.DATA}} placeholder of the
// template; -color name=#RRGGBB gives it a colour (WeChat's current
// template rules no longer show colours, but still accept them). -url is
// the page the message opens; -miniprogram APPID with -pagepath PAGE opens
// a mini program page instead, the URL remaining the fallback for clients
// that cannot. -client-msg-id makes a resend within ten minutes harmless:
// WeChat delivers one message per follower and ID.
//
// The msgid goes to stdout alone, for scripts; WeChat reports the delivery
// later in a TEMPLATESENDJOBFINISH event carrying the same msgid. The send
// is not retried after a network error, since the follower could get the
// message twice.
//
// The account is read from the environment:
//
//	WECHAT_APPID      AppID (开发者ID)
//	WECHAT_APPSECRET  AppSecret (开发者密码)
//	WECHAT_BASE_URL   API base URL, https://api.weixin.qq.com by default;
//	                  point it at a proxy or a fake such as wechattest
//
// Template messages are for verified service accounts; the template ID is
// that of a template added to the account (模板库, or AddTemplate), and
// the follower must not have unfollowed.
//
// The command exits 0 on success, 1 when the send fails (an unknown openid
// is errcode 40003, an unknown template 40037) and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mpkit/wechat"
)

// usageError is a mistake in the command line or the environment; main
// exits 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// pairs is a repeatable name=value flag, in the order given.
type pairs struct {
	names []string
	vals  map[string]string
}

func (p *pairs) String() string { return "" }

func (p *pairs) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	switch {
	case !ok || name == "":
		return fmt.Errorf("%q is not name=value", s)
	case value == "":
		return fmt.Errorf("%s has no value", name)
	}
	if _, dup := p.vals[name]; dup {
		return fmt.Errorf("%s is given twice", name)
	}
	if p.vals == nil {
		p.vals = make(map[string]string)
	}
	p.names = append(p.names, name)
	p.vals[name] = value
	return nil
}

// run parses args (without the program name), sends the message and
// prints its msgid to stdout. The usage text goes to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	to := fs.String("to", "", "the follower's `openid` (required)")
	templateID := fs.String("template", "", "the template `ID` (required)")
	link := fs.String("url", "", "the `URL` the message opens")
	mpAppID := fs.String("miniprogram", "", "the `appid` of a mini program the message opens instead of the URL")
	mpPage := fs.String("pagepath", "", "the mini program `page`, such as index?foo=bar (with -miniprogram)")
	clientMsgID := fs.String("client-msg-id", "", "an `ID` that makes a resend within ten minutes harmless")
	var data, colors pairs
	fs.Var(&data, "data", "`name=value` fills the template's {{name.DATA}}; repeat it for each field")
	fs.Var(&colors, "color", "`name=#RRGGBB` sets the colour of a -data field; repeatable")
	// The flag package would print parse errors itself; main prints them
	// like every other usage error instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stderr, fs)
			return err
		}
		return usageError{err.Error()}
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(*to) == "" && strings.TrimSpace(*templateID) == "":
		return usagef("-to and -template are required")
	case strings.TrimSpace(*to) == "":
		return usagef("-to is required: the follower's openid")
	case strings.TrimSpace(*templateID) == "":
		return usagef("-template is required: the template ID")
	case *mpPage != "" && *mpAppID == "":
		return usagef("-pagepath needs -miniprogram, the mini program's appid")
	}

	msg := &wechat.TemplateMessage{
		ToUser:      *to,
		TemplateID:  *templateID,
		URL:         *link,
		ClientMsgID: *clientMsgID,
		// Never nil: WeChat expects "data":{} rather than null.
		Data: make(map[string]wechat.TemplateField, len(data.names)),
	}
	if *mpAppID != "" {
		msg.MiniProgram = &wechat.TemplateMiniProgram{AppID: *mpAppID, PagePath: *mpPage}
	}
	for _, name := range data.names {
		msg.Data[name] = wechat.TemplateField{Value: data.vals[name]}
	}
	for _, name := range colors.names {
		f, ok := msg.Data[name]
		if !ok {
			return usagef("-color %s: no -data %s=… to colour", name, name)
		}
		if !isColor(colors.vals[name]) {
			return usagef("-color %s: %q is not a colour such as #173177", name, colors.vals[name])
		}
		f.Color = colors.vals[name]
		msg.Data[name] = f
	}

	client, err := newClient(getenv)
	if err != nil {
		return err
	}
	msgID, err := client.SendTemplateMessage(ctx, msg)
	if err != nil {
		return fmt.Errorf("send the template message: %w", err)
	}
	fmt.Fprintln(stdout, msgID)
	return nil
}

// isColor reports whether s is a colour in #RRGGBB form.
func isColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// newClient builds the client from the environment.
func newClient(getenv func(string) string) (*wechat.Client, error) {
	appID, secret := getenv("WECHAT_APPID"), getenv("WECHAT_APPSECRET")
	if appID == "" || secret == "" {
		return nil, usagef("set WECHAT_APPID and WECHAT_APPSECRET to the account's AppID and AppSecret")
	}
	opts := []wechat.Option{wechat.WithAppID(appID), wechat.WithAppSecret(secret)}
	if base := getenv("WECHAT_BASE_URL"); base != "" {
		opts = append(opts, wechat.WithBaseURL(base))
	}
	client, err := wechat.New(opts...)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return client, nil
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: template -to OPENID -template TEMPLATE_ID [-data name=value]... [flags]

Sends a template message to a follower of a WeChat Official Account and
prints its msgid.

Environment:
  WECHAT_APPID      the account's AppID
  WECHAT_APPSECRET  the account's AppSecret
  WECHAT_BASE_URL   API base URL (default https://api.weixin.qq.com)

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	var usage usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintf(os.Stderr, "template: %v\nRun 'template -h' for usage.\n", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "template:", err)
		os.Exit(1)
	}
}
