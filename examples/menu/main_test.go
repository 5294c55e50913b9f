package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/cli"
	"github.com/mpkit/wechat/examples/internal/exampletest"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "menu.json")
	require.NoError(t, os.WriteFile(name, []byte(content), 0o600))
	return name
}

// The built-in menu is the file beside main.go.
func TestBuiltinMenuIsTheFile(t *testing.T) {
	b, err := os.ReadFile("menu.json")
	require.NoError(t, err)
	assert.Equal(t, b, builtinMenu)
}

func TestCreateMenu(t *testing.T) {
	file, err := os.ReadFile("menu.json")
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		args []string
		from string
	}{
		{"built in", nil, builtinName},
		{"-file", []string{"-file", "menu.json"}, "menu.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := wechattest.NewServer()
			defer srv.Close()

			out, _, err := exampletest.Run(t, run, srv, tt.args...)
			require.NoError(t, err)

			// WeChat got the file's buttons, as they are in the file.
			assert.JSONEq(t, string(file), string(srv.Menu()))
			assert.Equal(t, 1, srv.Calls("/cgi-bin/menu/create"))
			assert.Equal(t, 1, srv.Calls("/cgi-bin/menu/get"))

			// Without conditional menus, WeChat reports no menuid.
			want := "Created the menu from " + tt.from + ". WeChat now reports:\n" +
				"\n" +
				"Menu:\n" +
				"  1. 今日歌曲  click  key=V1001_TODAY_MUSIC\n" +
				"  2. 歌手简介  click  key=V1001_TODAY_SINGER\n" +
				"  3. 菜单\n" +
				"     3.1 搜索  view  url=http://www.soso.com/\n" +
				"     3.2 视频  view  url=http://v.qq.com/\n" +
				"     3.3 赞一下我们  click  key=V1001_GOOD\n"
			assert.Equal(t, want, out)
		})
	}
}

// menuIDOf is the menuid the fake reports for the default menu, empty
// when it reports none.
func menuIDOf(t *testing.T, srv *wechattest.Server) string {
	t.Helper()
	c, err := srv.Client()
	require.NoError(t, err)
	m, err := c.GetMenu(context.Background())
	require.NoError(t, err)
	return m.Menu.MenuID
}

// Every button of a menu in another file, whatever its type, is sent and
// printed with its fields.
func TestCreateMenuFromFile(t *testing.T) {
	const menu = `{"button":[
		{"type":"scancode_push","name":"扫码","key":"SCAN"},
		{"type":"miniprogram","name":"小程序","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},
		{"name":"更多","sub_button":[
			{"type":"media_id","name":"图片","media_id":"MEDIA_ID1"},
			{"type":"article_id","name":"文章","article_id":"ARTICLE_ID1"},
			{"type":"location_select","name":"位置","key":"LOC"}
		]}
	]}`
	srv := wechattest.NewServer()
	defer srv.Close()

	name := writeFile(t, menu)
	out, _, err := exampletest.Run(t, run, srv, "-file", name)
	require.NoError(t, err)
	assert.JSONEq(t, menu, string(srv.Menu()))
	for _, line := range []string{
		"  1. 扫码  scancode_push  key=SCAN\n",
		"  2. 小程序  miniprogram  url=http://mp.weixin.qq.com  appid=wx286b93c14bbf93aa  pagepath=pages/lunar/index\n",
		"  3. 更多\n",
		"     3.1 图片  media_id  media_id=MEDIA_ID1\n",
		"     3.2 文章  article_id  article_id=ARTICLE_ID1\n",
		"     3.3 位置  location_select  key=LOC\n",
	} {
		assert.Contains(t, out, line)
	}
	assert.True(t, strings.HasPrefix(out, "Created the menu from "+name+"."), out)
}

// A file that is not a valid menu is reported with its name and, where
// JSON tells, the line and column; nothing reaches WeChat.
func TestBadMenuFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"syntax", "{\n  \"button\": [\n    {\"type\": \"click\" \"name\": \"x\"}\n  ]\n}", ":3:23: invalid character '\"' after object key:value pair"},
		{"truncated", `{"button":[{"type":"click","name":"a","key":"A"}`, ": unexpected EOF"},
		{"wrong type", "{\"button\":\n {\"name\":\"x\"}}", ":2:3: button should be an array, not a JSON object"},
		{"wrong nested type", `{"button":[{"type":"click","name":"a","key":1}]}`, ":1:46: button.key should be a string, not a JSON number"},
		{"unknown field", `{"button":[{"name":"菜单","sub_buttons":[]}]}`, `: json: unknown field "sub_buttons"`},
		{"match rule", `{"button":[{"type":"click","name":"a","key":"A"}],"matchrule":{"tag_id":"2"}}`, `: json: unknown field "matchrule"`},
		{"trailing data", `{"button":[{"type":"click","name":"a","key":"A"}]} {}`, ":1:52: unexpected data after the menu"},
		{"empty", " \n", " is empty: it should hold a menu such as {\"button\":[…]}"},
		{"no buttons", `{"button":[]}`, " has no buttons: a menu is {\"button\":[…]} with one to 3 buttons"},
		{"null", `null`, " has no buttons: a menu is {\"button\":[…]} with one to 3 buttons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wechattest.NewServer()
			defer srv.Close()
			name := writeFile(t, tt.content)
			out, _, err := exampletest.Run(t, run, srv, "-file", name)
			require.Error(t, err)
			assert.Equal(t, name+tt.want, err.Error())
			assert.Empty(t, out)
			assert.Zero(t, srv.Calls("/cgi-bin/menu/create"))
			assert.Nil(t, srv.Menu())
		})
	}
}

// A menu that parses but breaks WeChat's rules is refused before it is
// sent, with the button at fault.
func TestInvalidMenuIsNotSent(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()
	name := writeFile(t, `{"button":[{"type":"view","name":"搜索"}]}`)
	_, _, err := exampletest.Run(t, run, srv, "-file", name)
	require.ErrorIs(t, err, wechat.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "create the menu from "+name+": ")
	assert.Contains(t, err.Error(), "button 1")
	assert.Zero(t, srv.Calls("/cgi-bin/menu/create"))
}

func TestMissingFile(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()
	_, _, err := exampletest.Run(t, run, srv, "-file", filepath.Join(t.TempDir(), "nope.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "nope.json")
	assert.Zero(t, srv.Calls("/cgi-bin/menu/create"))
}

// An errcode from menu/create (or menu/get) fails the run with the code.
func TestAPIErrors(t *testing.T) {
	for _, path := range []string{"/cgi-bin/menu/create", "/cgi-bin/menu/get"} {
		t.Run(path, func(t *testing.T) {
			srv := wechattest.NewServer()
			defer srv.Close()
			srv.FailNext(path, 1, 45009)

			out, _, err := exampletest.Run(t, run, srv)
			var apiErr *wechat.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 45009, apiErr.Code)
			assert.Contains(t, err.Error(), "errcode 45009")
			assert.NotContains(t, err.Error(), srv.AppSecret())
			if path == "/cgi-bin/menu/create" {
				assert.True(t, strings.HasPrefix(err.Error(), "create the menu from menu.json (built in): "), err.Error())
				assert.Empty(t, out)
				assert.Nil(t, srv.Menu())
			} else {
				assert.True(t, strings.HasPrefix(err.Error(), "get the menu: "), err.Error())
				assert.NotNil(t, srv.Menu(), "the menu was created")
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()
	vars := exampletest.Vars(srv)
	vars["WECHAT_APPSECRET"] = "not-the-secret"
	_, _, err := exampletest.RunWith(t, run, vars)
	assert.ErrorIs(t, err, &wechat.APIError{Code: wechat.CodeInvalidAppSecret})
	assert.NotContains(t, err.Error(), "not-the-secret")
	assert.Zero(t, srv.Calls("/cgi-bin/menu/create"))
}

// -show prints the default menu and the conditional menus, and changes
// nothing.
func TestShow(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()

	out, _, err := exampletest.Run(t, run, srv, "-show")
	require.NoError(t, err)
	assert.Equal(t, "The account has no menu created through the API.\n", out)

	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.CreateMenu(ctx, &wechat.Menu{Buttons: []wechat.Button{
		{Type: wechat.ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"},
	}}))
	id, err := c.AddConditionalMenu(ctx, &wechat.Menu{
		Buttons:   []wechat.Button{{Type: wechat.ButtonView, Name: "安卓", URL: "https://example.com/android"}},
		MatchRule: &wechat.MatchRule{TagID: "2", ClientPlatformType: wechat.ClientPlatformAndroid},
	})
	require.NoError(t, err)

	out, _, err = exampletest.Run(t, run, srv, "-show")
	require.NoError(t, err)
	want := "Menu (menuid " + menuIDOf(t, srv) + "):\n" +
		"  1. 今日歌曲  click  key=V1001_TODAY_MUSIC\n" +
		"\n" +
		"Conditional menu (menuid " + id + ") for tag_id=2 client_platform_type=2:\n" +
		"  1. 安卓  view  url=https://example.com/android\n"
	assert.Equal(t, want, out)
	assert.Equal(t, 1, srv.Calls("/cgi-bin/menu/create"), "only the test's")
}

func TestDelete(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()
	_, _, err := exampletest.Run(t, run, srv)
	require.NoError(t, err)
	require.NotNil(t, srv.Menu())

	out, _, err := exampletest.Run(t, run, srv, "-delete")
	require.NoError(t, err)
	assert.Equal(t, "Deleted the menu and any conditional menus.\n", out)
	assert.Nil(t, srv.Menu())
	assert.Equal(t, 1, srv.Calls("/cgi-bin/menu/delete"))

	srv.FailNext("/cgi-bin/menu/delete", 1, wechat.CodeAPIUnauthorized)
	_, _, err = exampletest.Run(t, run, srv, "-delete")
	require.ErrorIs(t, err, &wechat.APIError{Code: wechat.CodeAPIUnauthorized})
	assert.Contains(t, err.Error(), "delete the menu: ")
}

func TestUsage(t *testing.T) {
	srv := wechattest.NewServer()
	defer srv.Close()

	out, stderr, err := exampletest.Run(t, run, srv, "-h")
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Empty(t, out)
	for _, s := range []string{"Usage: menu", "-file", "-show", "-delete", "WECHAT_APPID", "WECHAT_APPSECRET", "WECHAT_BASE_URL"} {
		assert.Contains(t, stderr, s)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"menu.json"}, `unexpected argument "menu.json" (the menu file is given with -file)`},
		{[]string{"-show", "-delete"}, "-show and -delete cannot be used together"},
		{[]string{"-delete", "-file", "menu.json"}, "-file creates a menu; it cannot be used with -show or -delete"},
	} {
		_, stderr, err := exampletest.Run(t, run, srv, tt.args...)
		var ue cli.UsageError
		require.True(t, errors.As(err, &ue), "%v: %v", tt.args, err)
		assert.Equal(t, tt.want, err.Error())
		assert.Empty(t, stderr, "main prints usage errors")
	}
	assert.Empty(t, srv.Requests())
}

// run stops at an account setting that is missing or wrong, before it
// writes or sends anything, with the usage error of cli.NewClient (whose
// tests hold every such setting).
func TestConfig(t *testing.T) {
	stdout, stderr, err := exampletest.RunWith(t, run, map[string]string{"WECHAT_APPID": "wx1"})
	var ue cli.UsageError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "set WECHAT_APPID and WECHAT_APPSECRET")
	assert.Empty(t, stdout+stderr)
}

func TestPosition(t *testing.T) {
	data := []byte("ab\n今日c\nd")
	for _, tt := range []struct {
		off  int64
		want string
	}{
		{0, "1:1"}, {2, "1:3"}, {3, "2:1"}, {9, "2:3"}, {10, "2:4"}, {11, "3:1"}, {99, "3:2"}, {-1, "1:1"},
	} {
		assert.Equal(t, tt.want, position(data, tt.off), "offset %d", tt.off)
	}
}
