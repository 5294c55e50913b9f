// Package demo is the account the server examples (examples/echo,
// examples/slowbot) fall back to, so that they start with no WeChat
// account; cmd/wxsim -demo plays WeChat for it. Never use its values for
// a real account.
package demo

import "log/slog"

// The demo account. The key is that of Tencent's encryption sample.
const (
	Token          = "wechat-echo-demo"
	AppID          = "wxd0000000000000e0"
	EncodingAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// Account is a webhook's account (服务器配置) as the examples read it.
type Account struct {
	Token          string // WECHAT_TOKEN
	AppID          string // WECHAT_APPID
	EncodingAESKey string // WECHAT_ENCODING_AES_KEY
	// Demo lists the variables that were unset and fell back to the demo
	// account's value.
	Demo []string
}

// FromEnv reads the account from the environment, each value unset
// falling back to the demo account's.
func FromEnv(getenv func(string) string) Account {
	var a Account
	get := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		a.Demo = append(a.Demo, name)
		return def
	}
	a.Token = get("WECHAT_TOKEN", Token)
	a.AppID = get("WECHAT_APPID", AppID)
	a.EncodingAESKey = get("WECHAT_ENCODING_AES_KEY", EncodingAESKey)
	return a
}

// DemoKey reports whether the account runs on the demo EncodingAESKey.
// The examples then take plaintext pushes as well, so that every mode of
// cmd/wxsim can be tried against one bot: a key anyone knows protects
// nothing.
func (a Account) DemoKey() bool { return a.EncodingAESKey == EncodingAESKey }

// Warn logs each demo value the account uses.
func (a Account) Warn(logger *slog.Logger) {
	for _, name := range a.Demo {
		logger.Warn("using the demo value; set it for a real account", "variable", name)
	}
}
