// Command menu sets the custom menu (自定义菜单) of a WeChat Official
// Account from a JSON file with github.com/mpkit/wechat, then prints the
// menu WeChat reports back: every button with its type and its key or URL,
// and the conditional menus (个性化菜单) if the account has any.
//
//	export WECHAT_APPID=wx… WECHAT_APPSECRET=…
//	go run ./examples/menu                    # the menu.json beside this file
//	go run ./examples/menu -file my-menu.json
//	go run ./examples/menu -show              # print the menu, change nothing
//	go run ./examples/menu -delete            # delete it, conditional menus too
//
// The file holds a menu in the body format of menu/create (自定义菜单创建接口):
// {"button":[…]} with one to three buttons, each either an action (a type
// and the field that type needs: key for click, url for view, media_id,
// appid and pagepath, article_id) or a name and up to five sub_button
// entries. The menu is checked before anything is sent, and a field this
// format does not have (a typo such as "sub_buttons") is an error rather
// than silently dropped.
//
// The menu.json beside this file is built in and used when -file is not
// given. It is the example menu of the wechat-python-sdk documentation
// (doraemonext/wechat-python-sdk, docs/docs/official/menu.md, the
// create_menu method of WechatBasic): two click buttons, "今日歌曲"
// (V1001_TODAY_MUSIC) and "歌手简介" (V1001_TODAY_SINGER), and a "菜单"
// holding two view buttons and a click button.
//
// The account is read from the environment:
//
//	WECHAT_APPID      AppID (开发者ID)
//	WECHAT_APPSECRET  AppSecret (开发者密码)
//	WECHAT_BASE_URL   API base URL, https://api.weixin.qq.com by default;
//	                  point it at a proxy or a fake such as wechattest
//
// WeChat accepts menu/create from service accounts and verified
// subscription accounts only, and issues access tokens only to IP
// addresses on the account's API whitelist (errcode 40164 otherwise).
// Followers see a new menu within about five minutes.
//
// The command exits 0 on success, 1 when a call or the file fails and 2 on
// a usage error.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/cli"
)

// builtinMenu is menu.json, the menu used without -file.
//
//go:embed menu.json
var builtinMenu []byte

const builtinName = "menu.json (built in)"

// run parses args (without the program name), then creates, shows or
// deletes the menu. The menu goes to stdout, the usage text to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("menu", flag.ContinueOnError)
	file := fs.String("file", "", "the menu to create, in menu/create's JSON format (default: the built-in menu.json)")
	show := fs.Bool("show", false, "print the current menu without changing it")
	del := fs.Bool("delete", false, "delete the menu, conditional menus included")
	if err := cli.Parse(fs, args, usage, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected argument %q (the menu file is given with -file)", fs.Arg(0))
	case *show && *del:
		return cli.Usagef("-show and -delete cannot be used together")
	case (*show || *del) && *file != "":
		return cli.Usagef("-file creates a menu; it cannot be used with -show or -delete")
	}

	client, err := cli.NewClient(getenv)
	if err != nil {
		return err
	}
	switch {
	case *del:
		// menu/delete removes the conditional menus as well.
		if err := client.DeleteMenu(ctx); err != nil {
			return fmt.Errorf("delete the menu: %w", err)
		}
		fmt.Fprintln(stdout, "Deleted the menu and any conditional menus.")
		return nil
	case *show:
		return printCurrent(ctx, client, stdout)
	}

	name, data := builtinName, builtinMenu
	if *file != "" {
		name = *file
		if data, err = os.ReadFile(*file); err != nil {
			return fmt.Errorf("read the menu: %w", err)
		}
	}
	menu, err := parseMenu(name, data)
	if err != nil {
		return err
	}
	if err := client.CreateMenu(ctx, menu); err != nil {
		return fmt.Errorf("create the menu from %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "Created the menu from %s. WeChat now reports:\n\n", name)
	return printCurrent(ctx, client, stdout)
}

// menuFile is the body of menu/create. Decoding into it rather than into
// wechat.Menu keeps the unknown-field check for the buttons and refuses a
// matchrule, which menu/create does not take.
type menuFile struct {
	Button []wechat.Button `json:"button"`
}

// parseMenu decodes the menu file called name. Errors name the file, and
// the line and column where they can.
func parseMenu(name string, data []byte) (*wechat.Menu, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM some editors write
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s is empty: it should hold a menu such as {\"button\":[…]}", name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f menuFile
	if err := dec.Decode(&f); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, fmt.Errorf("%s:%s: %s should be %s, not a JSON %s", name, position(data, typ.Offset), typ.Field, kind(typ.Type), typ.Value)
		}
		return nil, fmt.Errorf("%s: %w", where(name, data, err), err)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("%s:%s: unexpected data after the menu", name, position(data, int64(len(data)-len(rest))))
	}
	if len(f.Button) == 0 {
		return nil, fmt.Errorf("%s has no buttons: a menu is {\"button\":[…]} with one to %d buttons", name, wechat.MaxMenuButtons)
	}
	return &wechat.Menu{Buttons: f.Button}, nil
}

// where is name, followed by the line and column that err points at when
// it is a syntax error.
func where(name string, data []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return name + ":" + position(data, syn.Offset)
	}
	return name
}

// kind names the JSON value that t decodes from.
func kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a " + t.String()
}

// position turns a byte offset of data into "line:column", both counted
// from 1, the column in characters.
func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

// printCurrent prints the menus that menu/get reports.
func printCurrent(ctx context.Context, client *wechat.Client, w io.Writer) error {
	menus, err := client.GetMenu(ctx)
	if errors.Is(err, &wechat.APIError{Code: wechat.CodeMenuNotExist}) {
		fmt.Fprintln(w, "The account has no menu created through the API.")
		return nil
	}
	if err != nil {
		return fmt.Errorf("get the menu: %w", err)
	}
	printMenus(w, menus)
	return nil
}

// printMenus writes the menus as an indented list:
//
//	Menu (menuid 208396938):
//	  1. 今日歌曲  click  key=V1001_TODAY_MUSIC
//	  3. 菜单
//	     3.1 搜索  view  url=http://www.soso.com/
func printMenus(w io.Writer, m *wechat.Menus) {
	fmt.Fprintf(w, "Menu%s:\n", menuID(m.Menu.MenuID))
	printButtons(w, m.Menu.Buttons)
	for _, c := range m.Conditional {
		fmt.Fprintf(w, "\nConditional menu%s for %s:\n", menuID(c.MenuID), describeRule(c.MatchRule))
		printButtons(w, c.Buttons)
	}
}

func menuID(id string) string {
	if id == "" {
		return ""
	}
	return " (menuid " + id + ")"
}

func printButtons(w io.Writer, buttons []wechat.Button) {
	if len(buttons) == 0 {
		fmt.Fprintln(w, "  (no buttons)")
	}
	for i, b := range buttons {
		n := strconv.Itoa(i + 1)
		fmt.Fprintf(w, "  %s. %s\n", n, describeButton(b))
		for j, s := range b.SubButtons {
			fmt.Fprintf(w, "     %s.%d %s\n", n, j+1, describeButton(s))
		}
	}
}

// describeButton is the name, type and action fields of b, such as
// "今日歌曲  click  key=V1001_TODAY_MUSIC".
func describeButton(b wechat.Button) string {
	parts := []string{b.Name}
	if b.Type != "" {
		parts = append(parts, string(b.Type))
	}
	parts = appendSet(parts, []field{
		{"key", b.Key},
		{"url", b.URL},
		{"media_id", b.MediaID},
		{"appid", b.AppID},
		{"pagepath", b.PagePath},
		{"article_id", b.ArticleID},
	})
	return strings.Join(parts, "  ")
}

// field is a JSON field of a button or a match rule, by its name.
type field struct{ name, value string }

// appendSet appends "name=value" to parts for each of fields that is set.
func appendSet(parts []string, fields []field) []string {
	for _, f := range fields {
		if f.value != "" {
			parts = append(parts, f.name+"="+f.value)
		}
	}
	return parts
}

// describeRule lists the fields of a match rule that are set, by their
// JSON names, such as "tag_id=2 client_platform_type=2".
func describeRule(r *wechat.MatchRule) string {
	if r == nil {
		return "no match rule"
	}
	parts := appendSet(nil, []field{
		{"tag_id", r.TagID},
		{"group_id", r.GroupID},
		{"sex", r.Sex},
		{"country", r.Country},
		{"province", r.Province},
		{"city", r.City},
		{"client_platform_type", string(r.ClientPlatformType)},
		{"language", r.Language},
	})
	if len(parts) == 0 {
		return "an empty match rule"
	}
	return strings.Join(parts, " ")
}

// usage is what -h prints before the environment and the flags.
const usage = `Usage: menu [-file menu.json | -show | -delete]

Creates the custom menu of a WeChat Official Account from a JSON file in
menu/create's format, then prints the menu WeChat reports.
`

func main() { cli.Main("menu", run) }
