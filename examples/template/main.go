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
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/cli"
)

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
	if err := cli.Parse(fs, args, usage, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(*to) == "" && strings.TrimSpace(*templateID) == "":
		return cli.Usagef("-to and -template are required")
	case strings.TrimSpace(*to) == "":
		return cli.Usagef("-to is required: the follower's openid")
	case strings.TrimSpace(*templateID) == "":
		return cli.Usagef("-template is required: the template ID")
	case *mpPage != "" && *mpAppID == "":
		return cli.Usagef("-pagepath needs -miniprogram, the mini program's appid")
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
			return cli.Usagef("-color %s: no -data %s=… to colour", name, name)
		}
		if !isColor(colors.vals[name]) {
			return cli.Usagef("-color %s: %q is not a colour such as #173177", name, colors.vals[name])
		}
		f.Color = colors.vals[name]
		msg.Data[name] = f
	}

	client, err := cli.NewClient(getenv)
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

// usage is what -h prints before the environment and the flags.
const usage = `Usage: template -to OPENID -template TEMPLATE_ID [-data name=value]... [flags]

Sends a template message to a follower of a WeChat Official Account and
prints its msgid.
`

func main() { cli.Main("template", run) }
