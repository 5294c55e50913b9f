package cli

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

func TestNewClient(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no appid", map[string]string{"WECHAT_APPSECRET": "s"}, "set WECHAT_APPID and WECHAT_APPSECRET"},
		{"no secret", map[string]string{"WECHAT_APPID": "wx1"}, "set WECHAT_APPID and WECHAT_APPSECRET"},
		{"base URL without a scheme", map[string]string{"WECHAT_APPID": "wx1", "WECHAT_APPSECRET": "s", "WECHAT_BASE_URL": "api.weixin.qq.com"}, "base URL"},
		{"base URL not http", map[string]string{"WECHAT_APPID": "wx1", "WECHAT_APPSECRET": "s", "WECHAT_BASE_URL": "ftp://example.com"}, "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := NewClient(func(k string) string { return tt.env[k] })
			var ue UsageError
			require.ErrorAs(t, err, &ue)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, client)
		})
	}
}

// The client is the account's, at the base URL of the environment.
func TestNewClientCallsTheAccount(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()
	env := map[string]string{"WECHAT_APPID": srv.AppID(), "WECHAT_APPSECRET": srv.AppSecret(), "WECHAT_BASE_URL": srv.URL}
	client, err := NewClient(func(k string) string { return env[k] })
	require.NoError(t, err)
	_, err = client.AccessToken(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls("/cgi-bin/token"))
}

func TestParse(t *testing.T) {
	newFlags := func() (*flag.FlagSet, *string) {
		fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
		return fs, fs.String("name", "", "the `name` to use")
	}

	fs, name := newFlags()
	var stderr bytes.Buffer
	require.NoError(t, Parse(fs, []string{"-name", "x", "rest"}, "Usage: cmd\n", &stderr))
	assert.Equal(t, "x", *name)
	assert.Equal(t, []string{"rest"}, fs.Args())
	assert.Empty(t, stderr.String())

	fs, _ = newFlags()
	err := Parse(fs, []string{"-h"}, "Usage: cmd\n", &stderr)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Equal(t, `Usage: cmd

Environment:
  WECHAT_APPID      the account's AppID
  WECHAT_APPSECRET  the account's AppSecret
  WECHAT_BASE_URL   API base URL (default https://api.weixin.qq.com)

Flags:
  -name name
    	the name to use
`, stderr.String())

	fs, _ = newFlags()
	stderr.Reset()
	err = Parse(fs, []string{"-nope"}, "Usage: cmd\n", &stderr)
	var ue UsageError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "flag provided but not defined: -nope", err.Error())
	assert.Empty(t, stderr.String(), "Main prints usage errors")
}

func TestUsagef(t *testing.T) {
	err := Usagef("-%s is required", "to")
	var ue UsageError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "-to is required", err.Error())
}
