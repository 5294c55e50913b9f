package demo

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromEnv(t *testing.T) {
	a := FromEnv(func(string) string { return "" })
	assert.Equal(t, Account{Token: Token, AppID: AppID, EncodingAESKey: EncodingAESKey,
		Demo: []string{"WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_ENCODING_AES_KEY"}}, a)
	assert.True(t, a.DemoKey())

	key := strings.Repeat("k", 43)
	env := map[string]string{"WECHAT_TOKEN": "t", "WECHAT_ENCODING_AES_KEY": key}
	a = FromEnv(func(k string) string { return env[k] })
	assert.Equal(t, Account{Token: "t", AppID: AppID, EncodingAESKey: key, Demo: []string{"WECHAT_APPID"}}, a)
	assert.False(t, a.DemoKey())

	var logs bytes.Buffer
	a.Warn(slog.New(slog.NewTextHandler(&logs, nil)))
	assert.Contains(t, logs.String(), `msg="using the demo value; set it for a real account" variable=WECHAT_APPID`)
	assert.Equal(t, 1, strings.Count(logs.String(), "\n"), "one line a demo value")
}
