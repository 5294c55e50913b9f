package wechat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedMenu is the menu of the official menu/create example, with one
// button of every other type in the third column's place.
var seedMenu = &Menu{Buttons: []Button{
	{Type: ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"},
	{Type: ButtonClick, Name: "歌手简介", Key: "V1001_TODAY_SINGER"},
	{Name: "菜单", SubButtons: []Button{
		{Type: ButtonView, Name: "搜索", URL: "http://www.soso.com/"},
		{Type: ButtonMiniProgram, Name: "wxa", URL: "http://mp.weixin.qq.com", AppID: "wx286b93c14bbf93aa", PagePath: "pages/lunar/index"},
		{Type: ButtonClick, Name: "赞一下我们", Key: "V1001_GOOD"},
	}},
}}

const seedMenuJSON = `{"button":[
	{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
	{"type":"click","name":"歌手简介","key":"V1001_TODAY_SINGER"},
	{"name":"菜单","sub_button":[
		{"type":"view","name":"搜索","url":"http://www.soso.com/"},
		{"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},
		{"type":"click","name":"赞一下我们","key":"V1001_GOOD"}]}]}`

func TestCreateMenuEveryButtonType(t *testing.T) {
	tests := []struct {
		button Button
		json   string
	}{
		{Button{Type: ButtonClick, Name: "n", Key: "K"}, `{"type":"click","name":"n","key":"K"}`},
		{Button{Type: ButtonView, Name: "n", URL: "https://example.com/?a=1&b=<2>"}, `{"type":"view","name":"n","url":"https://example.com/?a=1&b=<2>"}`},
		{Button{Type: ButtonScancodePush, Name: "n", Key: "K"}, `{"type":"scancode_push","name":"n","key":"K"}`},
		{Button{Type: ButtonScancodeWaitMsg, Name: "n", Key: "K"}, `{"type":"scancode_waitmsg","name":"n","key":"K"}`},
		{Button{Type: ButtonPicSysPhoto, Name: "n", Key: "K"}, `{"type":"pic_sysphoto","name":"n","key":"K"}`},
		{Button{Type: ButtonPicPhotoOrAlbum, Name: "n", Key: "K"}, `{"type":"pic_photo_or_album","name":"n","key":"K"}`},
		{Button{Type: ButtonPicWeixin, Name: "n", Key: "K"}, `{"type":"pic_weixin","name":"n","key":"K"}`},
		{Button{Type: ButtonLocationSelect, Name: "n", Key: "K"}, `{"type":"location_select","name":"n","key":"K"}`},
		{Button{Type: ButtonMediaID, Name: "n", MediaID: "MEDIA_ID1"}, `{"type":"media_id","name":"n","media_id":"MEDIA_ID1"}`},
		{Button{Type: ButtonArticleID, Name: "n", ArticleID: "ARTICLE_ID1"}, `{"type":"article_id","name":"n","article_id":"ARTICLE_ID1"}`},
		{Button{Type: ButtonArticleViewLimited, Name: "n", ArticleID: "ARTICLE_ID2"}, `{"type":"article_view_limited","name":"n","article_id":"ARTICLE_ID2"}`},
		{Button{Type: ButtonMiniProgram, Name: "n", URL: "http://mp.weixin.qq.com", AppID: "wx1", PagePath: "pages/index"}, `{"type":"miniprogram","name":"n","url":"http://mp.weixin.qq.com","appid":"wx1","pagepath":"pages/index"}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.button.Type), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/menu/create", fixture(t, "api/ok.json"))
			// As a top-level button and as a sub-button.
			menu := &Menu{Buttons: []Button{tt.button, {Name: "more", SubButtons: []Button{tt.button}}}}
			require.NoError(t, c.CreateMenu(context.Background(), menu))
			assertWire(t, rec.only(t), "POST", "/cgi-bin/menu/create",
				`{"button":[`+tt.json+`,{"name":"more","sub_button":[`+tt.json+`]}]}`)
		})
	}
}

func TestCreateMenuRejectsBadMenus(t *testing.T) {
	click := func(name string) Button { return Button{Type: ButtonClick, Name: name, Key: "K"} }
	six := []Button{click("1"), click("2"), click("3"), click("4"), click("5"), click("6")}
	tests := []struct {
		name string
		menu *Menu
		want string
	}{
		{"nil", nil, "menu is nil"},
		{"no buttons", &Menu{}, "no buttons"},
		{"four buttons", &Menu{Buttons: []Button{click("1"), click("2"), click("3"), click("4")}}, "4 buttons, at most 3"},
		{"six sub-buttons", &Menu{Buttons: []Button{{Name: "p", SubButtons: six}}}, "6 sub-buttons, at most 5"},
		{"third level", &Menu{Buttons: []Button{{Name: "p", SubButtons: []Button{{Name: "q", SubButtons: []Button{click("x")}}}}}}, "two levels"},
		{"type and sub-buttons", &Menu{Buttons: []Button{{Type: ButtonClick, Key: "K", Name: "p", SubButtons: []Button{click("x")}}}}, "both a type and sub-buttons"},
		{"no name", &Menu{Buttons: []Button{{Type: ButtonClick, Key: "K"}}}, "button 1 has no name"},
		{"parent no name", &Menu{Buttons: []Button{{SubButtons: []Button{click("x")}}}}, "button 1 has no name"},
		{"no type", &Menu{Buttons: []Button{{Name: "n"}}}, "neither a type nor sub-buttons"},
		{"click without key", &Menu{Buttons: []Button{{Type: ButtonClick, Name: "n"}}}, "needs a key"},
		{"view without url", &Menu{Buttons: []Button{click("a"), {Name: "p", SubButtons: []Button{click("b"), {Type: ButtonView, Name: "v"}}}}}, "button 2 sub-button 2 (view) needs a url"},
		{"media_id without id", &Menu{Buttons: []Button{{Type: ButtonMediaID, Name: "n"}}}, "needs a media_id"},
		{"article without id", &Menu{Buttons: []Button{{Type: ButtonArticleViewLimited, Name: "n"}}}, "needs an article_id"},
		{"miniprogram without appid", &Menu{Buttons: []Button{{Type: ButtonMiniProgram, Name: "n", URL: "u", PagePath: "p"}}}, "needs an appid"},
		{"miniprogram without pagepath", &Menu{Buttons: []Button{{Type: ButtonMiniProgram, Name: "n", URL: "u", AppID: "a"}}}, "needs a pagepath"},
		{"miniprogram without url", &Menu{Buttons: []Button{{Type: ButtonMiniProgram, Name: "n", AppID: "a", PagePath: "p"}}}, "needs a fallback url"},
		{"match rule", &Menu{Buttons: []Button{click("a")}, MatchRule: &MatchRule{TagID: "2"}}, "use AddConditionalMenu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOfflineClient(t)
			err := c.CreateMenu(context.Background(), tt.menu)
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestCreateMenuPassesUnknownTypesThrough(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/menu/create", fixture(t, "api/ok.json"))
	require.NoError(t, c.CreateMenu(context.Background(), &Menu{Buttons: []Button{{Type: "view_limited", Name: "n", MediaID: "M"}}}))
	assertWire(t, rec.only(t), "POST", "/cgi-bin/menu/create", `{"button":[{"type":"view_limited","name":"n","media_id":"M"}]}`)
}

func TestGetMenuWithConditionalMenus(t *testing.T) {
	c, _ := newStubClient(t, "GET", "/cgi-bin/menu/get", fixture(t, "api/menu_get_conditional.json"))
	got, err := c.GetMenu(context.Background())
	require.NoError(t, err)

	assert.Equal(t, "208396938", got.Menu.MenuID)
	assert.Nil(t, got.Menu.MatchRule)
	require.Len(t, got.Menu.Buttons, 1)
	assert.Equal(t, "V1001_TODAY_MUSIC", got.Menu.Buttons[0].Key)

	require.Len(t, got.Conditional, 1)
	cond := got.Conditional[0]
	assert.Equal(t, "208396993", cond.MenuID)
	// The documented reply has numbers where addconditional takes strings.
	assert.Equal(t, &MatchRule{GroupID: "2", Sex: "1", Country: "中国", Province: "广东", City: "广州", ClientPlatformType: ClientPlatformAndroid}, cond.MatchRule)
	require.Len(t, cond.Buttons, 2)
	require.Len(t, cond.Buttons[1].SubButtons, 3)
	assert.Equal(t, Button{Type: ButtonView, Name: "视频", URL: "http://v.qq.com/", SubButtons: []Button{}}, cond.Buttons[1].SubButtons[1])
}

func TestGetMenuNotExist(t *testing.T) {
	c, _ := newStubClient(t, "GET", "/cgi-bin/menu/get", fixture(t, "api/errors/46003_menu_no_exist.json"))
	_, err := c.GetMenu(context.Background())
	require.ErrorIs(t, err, &APIError{Code: CodeMenuNotExist})
}

func TestAddConditionalMenu(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/menu/addconditional", fixture(t, "api/menu_addconditional.json"))
	menu := &Menu{
		Buttons:   seedMenu.Buttons,
		MatchRule: &MatchRule{TagID: "2", ClientPlatformType: ClientPlatformAndroid},
		MenuID:    "ignored",
	}
	id, err := c.AddConditionalMenu(context.Background(), menu)
	require.NoError(t, err)
	assert.Equal(t, "208379533", id)

	want := strings.TrimSuffix(seedMenuJSON, "}") + `,"matchrule":{"tag_id":"2","client_platform_type":"2"}}`
	assertWire(t, rec.only(t), "POST", "/cgi-bin/menu/addconditional", want)
}

func TestAddConditionalMenuRejects(t *testing.T) {
	ok := []Button{{Type: ButtonClick, Name: "n", Key: "K"}}
	tests := []struct {
		name string
		menu *Menu
		want string
	}{
		{"nil", nil, "menu is nil"},
		{"no rule", &Menu{Buttons: ok}, "needs a match rule"},
		{"empty rule", &Menu{Buttons: ok, MatchRule: &MatchRule{}}, "needs a match rule"},
		{"bad buttons", &Menu{MatchRule: &MatchRule{TagID: "1"}}, "no buttons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOfflineClient(t)
			_, err := c.AddConditionalMenu(context.Background(), tt.menu)
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAddConditionalMenuWithoutMenuID(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/menu/addconditional", fixture(t, "api/ok.json"))
	_, err := c.AddConditionalMenu(context.Background(), &Menu{Buttons: seedMenu.Buttons, MatchRule: &MatchRule{TagID: "2"}})
	require.ErrorIs(t, err, ErrUnexpectedResponse)
}

func TestTryMatchMenuRetriesSystemBusy(t *testing.T) {
	c, rec := newStubSeqClient(t, "POST", "/cgi-bin/menu/trymatch", systemBusy, fixture(t, "api/menu_trymatch.json"))
	_, err := c.GetUserMenu(context.Background(), "weixin")
	require.NoError(t, err)
	assert.Len(t, rec.Calls(), 2, "a pure read is retried")
}

func TestGetCurrentSelfMenuAPIButtons(t *testing.T) {
	// A menu created through the API comes back with key/url fields and
	// is_menu_open 0 when switched off.
	c, mt := newTestClient(t)
	stub(mt, "GET", "/cgi-bin/get_current_selfmenu_info", []byte(`{"is_menu_open":0,"selfmenu_info":{"button":[
		{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
		{"name":"菜单","sub_button":{"list":[{"type":"view","name":"搜索","url":"http://www.soso.com/"}]}}]}}`))
	got, err := c.GetCurrentSelfMenu(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &SelfMenu{Open: false, Buttons: []SelfMenuButton{
		{Type: ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"},
		{Name: "菜单", SubButtons: []SelfMenuButton{{Type: ButtonView, Name: "搜索", URL: "http://www.soso.com/"}}},
	}}, got)
}

func TestMenuJSONRoundTrip(t *testing.T) {
	// A menu kept in a JSON file in WeChat's own format loads into Menu.
	var m Menu
	require.NoError(t, json.Unmarshal([]byte(seedMenuJSON), &m))
	assert.Equal(t, seedMenu, &m)
	b, err := json.Marshal(&m)
	require.NoError(t, err)
	assert.JSONEq(t, seedMenuJSON, string(b))
}

func menuEndpoints() map[endpoint.ID]endpointCase {
	ruled := &Menu{Buttons: seedMenu.Buttons, MatchRule: &MatchRule{TagID: "2", ClientPlatformType: ClientPlatformAndroid}, MenuID: "ignored"}
	return map[endpoint.ID]endpointCase{
		endpoint.MenuCreate: execCase(seedMenuJSON,
			func(ctx context.Context, c *Client) error { return c.CreateMenu(ctx, seedMenu) },
			func(ctx context.Context, c *Client) error { return c.CreateMenu(ctx, &Menu{}) }),
		endpoint.MenuGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetMenu(ctx) },
			reply: "api/menu_get.json",
			want: &Menus{Menu: Menu{Buttons: []Button{
				{Type: ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC", SubButtons: []Button{}},
				{Type: ButtonClick, Name: "歌手简介", Key: "V1001_TODAY_SINGER", SubButtons: []Button{}},
				{Name: "菜单", SubButtons: []Button{
					{Type: ButtonView, Name: "搜索", URL: "http://www.soso.com/", SubButtons: []Button{}},
					{Type: ButtonView, Name: "视频", URL: "http://v.qq.com/", SubButtons: []Button{}},
					{Type: ButtonClick, Name: "赞一下我们", Key: "V1001_GOOD", SubButtons: []Button{}},
				}},
			}}},
			noArgs: true,
		},
		endpoint.MenuDelete: {
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteMenu(ctx) },
			reply:  "api/ok.json",
			noArgs: true,
		},
		endpoint.MenuAddConditional: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.AddConditionalMenu(ctx, ruled) },
			body:    strings.TrimSuffix(seedMenuJSON, "}") + `,"matchrule":{"tag_id":"2","client_platform_type":"2"}}`,
			reply:   "api/menu_addconditional.json",
			want:    "208379533",
			invalid: func(ctx context.Context, c *Client) error { _, err := c.AddConditionalMenu(ctx, seedMenu); return err },
		},
		endpoint.MenuDelConditional: execCase(`{"menuid":"208379533"}`,
			func(ctx context.Context, c *Client) error { return c.DeleteConditionalMenu(ctx, "208379533") },
			func(ctx context.Context, c *Client) error { return c.DeleteConditionalMenu(ctx, " ") }),
		endpoint.MenuTryMatch: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetUserMenu(ctx, "weixin") },
			body:  `{"user_id":"weixin"}`,
			reply: "api/menu_trymatch.json",
			want: &Menu{Buttons: []Button{
				{Type: ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC", SubButtons: []Button{}},
				{Name: "菜单", SubButtons: []Button{{Type: ButtonView, Name: "搜索", URL: "http://www.soso.com/", SubButtons: []Button{}}}},
			}},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetUserMenu(ctx, ""); return err },
		},
		endpoint.SelfMenuInfo: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetCurrentSelfMenu(ctx) },
			reply: "api/get_current_selfmenu_info.json",
			want: &SelfMenu{Open: true, Buttons: []SelfMenuButton{
				{Name: "button", SubButtons: []SelfMenuButton{
					{Type: ButtonView, Name: "view_url", URL: "http://www.qq.com"},
					{Type: ButtonNews, Name: "news", News: []SelfMenuArticle{
						{
							Title: "MULTI_NEWS", Author: "JIMZHENG", Digest: "text", ShowCover: false,
							CoverURL:   "http://mmbiz.qpic.cn/mmbiz/GE7et87vE9vicuCibqXsX9GPPLuEtBfXfK0HKuBIa1A1cypS0uY1wickv70iaY1gf3I1DTszuJoS3lAVLvhTcm9sDA/0",
							ContentURL: "http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=204013432&idx=1&sn=80ce6d9abcb832237bf86c87e50fda15#rd",
						},
						{
							Title: "MULTI_NEWS1", Author: "JIMZHENG", Digest: "MULTI_NEWS1", ShowCover: true,
							CoverURL:   "http://mmbiz.qpic.cn/mmbiz/GE7et87vE9vicuCibqXsX9GPPLuEtBfXfKnmnpXYgWmQD5gXUrEApIYBCgvh2yHsu3ic3anDUGtUCHwjiaEC5bicd7A/0",
							ContentURL: "http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=204013432&idx=2&sn=8226843afb14ecdecb08d9ce46bc1d37#rd",
						},
					}},
					{Type: ButtonVideo, Name: "video", Value: "http://61.182.130.30/vweixinp.tc.qq.com/1007_114bcede9a2244eeb5ab7f76d951df5f.f10.mp4?vkey=77A42D0C2015FBB0A3653D29C571B5F4BBF1D243FBEF17F09C24FF1F2F22E30881BD350E360BC53F&sha=0&save=1"},
					{Type: ButtonVoice, Name: "voice", Value: "nTXe3aghlQ4XYHa0AQPWiQQbFW9RVtaYTLPC1PCQx11qc9UB6CiUPFjdkeEtJicn"},
				}},
				{Type: ButtonText, Name: "text", Value: "This is text!"},
				{Type: ButtonImage, Name: "photo", Value: "ax5Whs5dsoomJLEppAvftBUuH7CgXCZGFbFJifmbUjnQk_ierMHY99Y5d2Cv14RD"},
			}},
			noArgs: true,
		},
	}
}
