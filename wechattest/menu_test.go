package wechattest_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

// docMenu is the request example of 创建接口 (menu/create) whose menu/get
// reply is testdata/api/menu_get.json.
const docMenu = `{
  "button": [
    {"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"},
    {"type": "click", "name": "歌手简介", "key": "V1001_TODAY_SINGER"},
    {"name": "菜单", "sub_button": [
      {"type": "view", "name": "搜索", "url": "http://www.soso.com/"},
      {"type": "view", "name": "视频", "url": "http://v.qq.com/"},
      {"type": "click", "name": "赞一下我们", "key": "V1001_GOOD"}
    ]}
  ]
}`

func TestMenuCreateGetDelete(t *testing.T) {
	srv, a := startAPI(t)
	fails(t, a.get("/cgi-bin/menu/get", nil), 46003, "menu no exist")
	assert.Nil(t, srv.Menu())

	a.ok(a.post("/cgi-bin/menu/create", docMenu))
	assert.JSONEq(t, docMenu, string(srv.Menu()))
	assert.JSONEq(t, fixture(t, "api/menu_get.json"), string(a.get("/cgi-bin/menu/get", nil).Body),
		"menu/get wraps the menu and adds empty sub_button arrays")

	a.ok(a.get("/cgi-bin/menu/delete", nil))
	assert.Nil(t, srv.Menu())
	fails(t, a.get("/cgi-bin/menu/get", nil), 46003, "menu no exist")
}

func TestMenuKeepsTextUnescaped(t *testing.T) {
	_, a := startAPI(t)
	a.ok(a.post("/cgi-bin/menu/create", `{"button":[{"type":"view","name":"A&B","url":"https://example.com/?a=1&b=<2>"}]}`))
	body := string(a.get("/cgi-bin/menu/get", nil).Body)
	assert.Contains(t, body, `"url":"https://example.com/?a=1&b=<2>"`)
	assert.Contains(t, body, `"name":"A&B"`)
}

func TestMenuValidation(t *testing.T) {
	srv, a := startAPI(t)
	click := func(name string) string { return `{"type":"click","name":"` + name + `","key":"K"}` }
	sub := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = click("s" + strconv.Itoa(i))
		}
		return `{"name":"more","sub_button":[` + strings.Join(items, ",") + `]}`
	}
	for _, tc := range []struct {
		name string
		body string
		code int
	}{
		{"no buttons", `{"button":[]}`, 40016},
		{"four buttons", `{"button":[` + strings.Repeat(click("a")+",", 3) + click("a") + `]}`, 40016},
		{"name over 16 bytes", `{"button":[` + click("一二三四五六") + `]}`, 40018},
		{"unknown type", `{"button":[{"type":"tap","name":"a","key":"k"}]}`, 40017},
		{"click without key", `{"button":[{"type":"click","name":"a"}]}`, 40019},
		{"view without url", `{"button":[{"type":"view","name":"a"}]}`, 40020},
		{"six sub buttons", `{"button":[` + sub(6) + `]}`, 40023},
		{"sub button type", `{"button":[{"name":"m","sub_button":[{"type":"tap","name":"a"}]}]}`, 40024},
		{"sub button name", `{"button":[{"name":"m","sub_button":[` + click(strings.Repeat("x", 61)) + `]}]}`, 40025},
		{"sub button key", `{"button":[{"name":"m","sub_button":[{"type":"click","name":"a","key":"` + strings.Repeat("k", 129) + `"}]}]}`, 40026},
		{"sub button url", `{"button":[{"name":"m","sub_button":[{"type":"view","name":"a"}]}]}`, 40027},
		{"empty body", ``, 44002},
		{"not json", `{"button":`, 47001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, a.post("/cgi-bin/menu/create", tc.body), tc.code, "")
		})
	}
	assert.Nil(t, srv.Menu(), "no invalid menu was stored")
	a.ok(a.post("/cgi-bin/menu/create", `{"button":[`+sub(5)+`,`+click("一二三四五")+`]}`))
}

func TestConditionalMenu(t *testing.T) {
	_, a := startAPI(t, wechattest.WithFollowers(
		wechattest.Follower{OpenID: "tagged", TagIDs: []int{2}},
		wechattest.Follower{OpenID: "english", Language: "en"},
		wechattest.Follower{OpenID: "plain"},
	))
	conditional := `{"button":[{"type":"click","name":"星标","key":"STAR"}],"matchrule":{"tag_id":"2","sex":"","country":""}}`
	fails(t, a.post("/cgi-bin/menu/addconditional", conditional), 65303, "")

	a.ok(a.post("/cgi-bin/menu/create", docMenu))
	fails(t, a.post("/cgi-bin/menu/addconditional", `{"button":[{"type":"click","name":"x","key":"X"}],"matchrule":{"sex":""}}`), 65304, "")

	r := a.post("/cgi-bin/menu/addconditional", conditional)
	var added struct {
		MenuID string `json:"menuid"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &added), "menuid is a string: %s", r.Body)
	require.NotEmpty(t, added.MenuID)
	a.post("/cgi-bin/menu/addconditional", `{"button":[{"type":"click","name":"EN","key":"EN"}],"matchrule":{"language":"en"}}`)

	var got struct {
		Menu struct {
			Button []json.RawMessage `json:"button"`
			MenuID int64             `json:"menuid"`
		} `json:"menu"`
		Conditional []struct {
			Button    json.RawMessage   `json:"button"`
			MatchRule map[string]string `json:"matchrule"`
			MenuID    int64             `json:"menuid"`
		} `json:"conditionalmenu"`
	}
	a.get("/cgi-bin/menu/get", nil).decode(t, &got)
	assert.Len(t, got.Menu.Button, 3)
	assert.NotZero(t, got.Menu.MenuID, "the default menu has a menuid once personalised menus exist")
	require.Len(t, got.Conditional, 2)
	assert.Equal(t, added.MenuID, strconv.FormatInt(got.Conditional[0].MenuID, 10))
	assert.Equal(t, map[string]string{"tag_id": "2"}, got.Conditional[0].MatchRule, "empty rule fields are dropped")
	assert.JSONEq(t, `[{"type":"click","name":"星标","key":"STAR","sub_button":[]}]`, string(got.Conditional[0].Button))

	try := func(user string) string {
		return string(a.post("/cgi-bin/menu/trymatch", `{"user_id":"`+user+`"}`).Body)
	}
	assert.JSONEq(t, `{"button":[{"type":"click","name":"星标","key":"STAR","sub_button":[]}]}`, try("tagged"))
	assert.JSONEq(t, `{"button":[{"type":"click","name":"EN","key":"EN","sub_button":[]}]}`, try("english"))
	assert.Contains(t, try("plain"), "V1001_TODAY_MUSIC")
	fails(t, a.post("/cgi-bin/menu/trymatch", `{"user_id":"nobody"}`), 65302, "")

	a.ok(a.post("/cgi-bin/menu/delconditional", `{"menuid":"`+added.MenuID+`"}`))
	fails(t, a.post("/cgi-bin/menu/delconditional", `{"menuid":"`+added.MenuID+`"}`), 65301, "")
	assert.Contains(t, try("tagged"), "V1001_TODAY_MUSIC")

	// menu/delete removes the personalised menus too.
	a.ok(a.get("/cgi-bin/menu/delete", nil))
	a.ok(a.post("/cgi-bin/menu/create", docMenu))
	assert.NotContains(t, string(a.get("/cgi-bin/menu/get", nil).Body), "conditionalmenu")
}

func TestSelfMenuInfo(t *testing.T) {
	_, a := startAPI(t)
	assert.JSONEq(t, `{"is_menu_open":0,"selfmenu_info":{"button":[]}}`,
		string(a.get("/cgi-bin/get_current_selfmenu_info", nil).Body))

	// The shape of testdata/api/get_current_selfmenu_info.json: leaf
	// buttons as they are, sub-buttons under {"list":[...]}.
	a.ok(a.post("/cgi-bin/menu/create", docMenu))
	assert.JSONEq(t, `{"is_menu_open":1,"selfmenu_info":{"button":[
	  {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
	  {"type":"click","name":"歌手简介","key":"V1001_TODAY_SINGER"},
	  {"name":"菜单","sub_button":{"list":[
	    {"type":"view","name":"搜索","url":"http://www.soso.com/"},
	    {"type":"view","name":"视频","url":"http://v.qq.com/"},
	    {"type":"click","name":"赞一下我们","key":"V1001_GOOD"}
	  ]}}
	]}}`, string(a.get("/cgi-bin/get_current_selfmenu_info", nil).Body))

	// An empty sub_button array on a leaf button is dropped.
	a.ok(a.post("/cgi-bin/menu/create", `{"button":[{"type":"view","name":"A&B","url":"https://example.com/?a=1&b=2","sub_button":[]}]}`))
	assert.JSONEq(t, `{"is_menu_open":1,"selfmenu_info":{"button":[{"type":"view","name":"A&B","url":"https://example.com/?a=1&b=2"}]}}`,
		string(a.get("/cgi-bin/get_current_selfmenu_info", nil).Body))

	a.ok(a.get("/cgi-bin/menu/delete", nil))
	assert.JSONEq(t, `{"is_menu_open":0,"selfmenu_info":{"button":[]}}`,
		string(a.get("/cgi-bin/get_current_selfmenu_info", nil).Body))
	fails(t, a.post("/cgi-bin/get_current_selfmenu_info", `{}`), 43001, "require GET method")
}
