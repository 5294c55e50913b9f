package main

import (
	"flag"
	"strconv"
	"testing"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/cli"
	"github.com/mpkit/wechat/examples/internal/exampletest"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	follower   = "oR5Gjjl_eiZoUpGozMo7dbBJ362A"
	templateID = "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY"
)

// newServer is a fake account with one follower and one template, the
// purchase notice of WeChat's template message documentation.
func newServer(t *testing.T) *wechattest.Server {
	t.Helper()
	srv := wechattest.NewServer(
		wechattest.WithFollowers(wechattest.Follower{OpenID: follower}),
		wechattest.WithTemplates(wechattest.Template{
			ID:              templateID,
			Title:           "购买成功通知",
			PrimaryIndustry: "IT科技",
			DeputyIndustry:  "互联网|电子商务",
			Content:         "{{first.DATA}}\n商品名称：{{keyword1.DATA}}\n商品价格：{{keyword2.DATA}}\n购买时间：{{keyword3.DATA}}\n{{remark.DATA}}",
		}),
	)
	t.Cleanup(srv.Close)
	return srv
}

func TestSend(t *testing.T) {
	tests := []struct {
		name string
		args []string
		body string
	}{
		{
			name: "every flag",
			args: []string{
				"-to", follower, "-template", templateID,
				"-data", "first=恭喜你购买成功！", "-color", "first=#173177",
				"-data", "keyword1=巧克力", "-data", "keyword2=39.8元",
				"-data", "keyword3=2014年9月22日", "-color", "keyword3=#173177",
				"-data", "remark=欢迎再次购买！a=b&c<d>",
				"-url", "http://weixin.qq.com/download",
				"-miniprogram", "xiaochengxuappid12345", "-pagepath", "index?foo=bar",
				"-client-msg-id", "MSG_000001",
			},
			body: `{
				"touser": "` + follower + `",
				"template_id": "` + templateID + `",
				"url": "http://weixin.qq.com/download",
				"miniprogram": {"appid": "xiaochengxuappid12345", "pagepath": "index?foo=bar"},
				"client_msg_id": "MSG_000001",
				"data": {
					"first": {"value": "恭喜你购买成功！", "color": "#173177"},
					"keyword1": {"value": "巧克力"},
					"keyword2": {"value": "39.8元"},
					"keyword3": {"value": "2014年9月22日", "color": "#173177"},
					"remark": {"value": "欢迎再次购买！a=b&c<d>"}
				}
			}`,
		},
		{
			name: "fields only",
			args: []string{"-template", templateID, "-to", follower, "-data", "keyword1=巧克力"},
			body: `{"touser": "` + follower + `", "template_id": "` + templateID + `", "data": {"keyword1": {"value": "巧克力"}}}`,
		},
		{
			name: "mini program without a page",
			args: []string{"-to", follower, "-template", templateID, "-miniprogram", "wxmini", "-data", "first=hi"},
			body: `{"touser": "` + follower + `", "template_id": "` + templateID + `", "miniprogram": {"appid": "wxmini"}, "data": {"first": {"value": "hi"}}}`,
		},
		{
			name: "no fields",
			args: []string{"-to", follower, "-template", templateID},
			body: `{"touser": "` + follower + `", "template_id": "` + templateID + `", "data": {}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			out, stderr, err := exampletest.Run(t, run, srv, tt.args...)
			require.NoError(t, err)
			assert.Empty(t, stderr)

			sent := srv.SentMessages()
			require.Len(t, sent, 1)
			assert.Equal(t, wechattest.TemplateMessage, sent[0].Kind)
			assert.Equal(t, follower, sent[0].ToUser)
			assert.Equal(t, templateID, sent[0].TemplateID)
			assert.NotZero(t, sent[0].MsgID)
			assert.Equal(t, strconv.FormatInt(sent[0].MsgID, 10)+"\n", out, "the msgid alone")
			assert.JSONEq(t, tt.body, string(sent[0].Body))
		})
	}
}

// A resend with the same -client-msg-id gets the first msgid back and
// reaches the follower once.
func TestResendWithClientMsgID(t *testing.T) {
	srv := newServer(t)
	args := []string{"-to", follower, "-template", templateID, "-data", "first=hi", "-client-msg-id", "MSG_000001"}
	first, _, err := exampletest.Run(t, run, srv, args...)
	require.NoError(t, err)
	again, _, err := exampletest.Run(t, run, srv, args...)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Len(t, srv.SentMessages(), 1)
	assert.Equal(t, 2, srv.Calls("/cgi-bin/message/template/send"))
}

// WeChat's refusals fail the run with their errcode, and nothing is
// printed to stdout.
func TestSendErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		fail  int // errcode injected on message/template/send, 0 for none
		code  int
		calls int
	}{
		{"unknown openid", []string{"-to", "o-nobody", "-template", templateID, "-data", "first=hi"}, 0, wechat.CodeInvalidParameter, 1},
		{"unknown template", []string{"-to", follower, "-template", "no-such-template", "-data", "first=hi"}, 0, 40037, 1},
		{"quota", []string{"-to", follower, "-template", templateID, "-data", "first=hi"}, wechat.CodeAPIFreqOutOfLimit, wechat.CodeAPIFreqOutOfLimit, 1},
		// A send is not retried, even on "system busy".
		{"system busy", []string{"-to", follower, "-template", templateID, "-data", "first=hi"}, wechat.CodeSystemBusy, wechat.CodeSystemBusy, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			if tt.fail != 0 {
				srv.FailNext("/cgi-bin/message/template/send", 1, tt.fail)
			}
			out, _, err := exampletest.Run(t, run, srv, tt.args...)
			var apiErr *wechat.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.Contains(t, err.Error(), "send the template message: ")
			assert.Contains(t, err.Error(), "errcode "+strconv.Itoa(tt.code))
			assert.NotContains(t, err.Error(), srv.AppSecret())
			assert.Empty(t, out)
			assert.Empty(t, srv.SentMessages())
			assert.Equal(t, tt.calls, srv.Calls("/cgi-bin/message/template/send"))
		})
	}
}

func TestUsageErrors(t *testing.T) {
	ok := []string{"-to", follower, "-template", templateID}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "-to and -template are required"},
		{"no openid", []string{"-template", templateID, "-data", "first=hi"}, "-to is required: the follower's openid"},
		{"blank openid", []string{"-to", " ", "-template", templateID}, "-to is required: the follower's openid"},
		{"no template", []string{"-to", follower}, "-template is required: the template ID"},
		{"argument", append(ok, "extra"), `unexpected argument "extra"`},
		{"unknown flag", append(ok, "-nope"), "flag provided but not defined: -nope"},
		{"data without =", append(ok, "-data", "first"), `invalid value "first" for flag -data: "first" is not name=value`},
		{"data without name", append(ok, "-data", "=hi"), `invalid value "=hi" for flag -data: "=hi" is not name=value`},
		{"data without value", append(ok, "-data", "first="), `invalid value "first=" for flag -data: first has no value`},
		{"data twice", append(ok, "-data", "first=a", "-data", "first=b"), `invalid value "first=b" for flag -data: first is given twice`},
		{"colour without data", append(ok, "-data", "first=a", "-color", "remark=#173177"), "-color remark: no -data remark=… to colour"},
		{"bad colour", append(ok, "-data", "first=a", "-color", "first=blue"), `-color first: "blue" is not a colour such as #173177`},
		{"short colour", append(ok, "-data", "first=a", "-color", "first=#fff"), `-color first: "#fff" is not a colour such as #173177`},
		{"page without mini program", append(ok, "-pagepath", "index"), "-pagepath needs -miniprogram, the mini program's appid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			out, stderr, err := exampletest.Run(t, run, srv, tt.args...)
			var ue cli.UsageError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tt.want, err.Error())
			assert.Empty(t, out)
			assert.Empty(t, stderr, "main prints usage errors")
			assert.Empty(t, srv.Requests(), "nothing reaches WeChat")
		})
	}
}

func TestHelp(t *testing.T) {
	srv := newServer(t)
	out, stderr, err := exampletest.Run(t, run, srv, "-h")
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Empty(t, out)
	for _, s := range []string{"Usage: template", "-to openid", "-template ID", "-data name=value", "-color name=#RRGGBB",
		"-url URL", "-miniprogram appid", "-pagepath page", "-client-msg-id ID", "WECHAT_APPID", "WECHAT_APPSECRET", "WECHAT_BASE_URL"} {
		assert.Contains(t, stderr, s)
	}
	assert.Empty(t, srv.Requests())
}

// run stops at an account setting that is missing or wrong, before it
// writes or sends anything, with the usage error of cli.NewClient (whose
// tests hold every such setting).
func TestConfig(t *testing.T) {
	stdout, stderr, err := exampletest.RunWith(t, run, map[string]string{"WECHAT_APPID": "wx1"}, "-to", follower, "-template", templateID, "-data", "first=hi")
	var ue cli.UsageError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "set WECHAT_APPID and WECHAT_APPSECRET")
	assert.Empty(t, stdout+stderr)
}

func TestWrongSecret(t *testing.T) {
	srv := newServer(t)
	vars := exampletest.Vars(srv)
	vars["WECHAT_APPSECRET"] = "not-the-secret"
	stdout, stderr, err := exampletest.RunWith(t, run, vars, "-to", follower, "-template", templateID, "-data", "first=hi")
	assert.ErrorIs(t, err, &wechat.APIError{Code: wechat.CodeInvalidAppSecret})
	assert.NotContains(t, err.Error(), "not-the-secret")
	assert.Empty(t, stdout+stderr)
	assert.Zero(t, srv.Calls("/cgi-bin/message/template/send"))
}
