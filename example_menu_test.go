package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleClient_CreateMenu() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	menu := &wechat.Menu{Buttons: []wechat.Button{
		{Type: wechat.ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"},
		{Name: "菜单", SubButtons: []wechat.Button{
			{Type: wechat.ButtonView, Name: "搜索", URL: "https://www.soso.com/"},
			{Type: wechat.ButtonScancodePush, Name: "扫码", Key: "SCAN"},
			{Type: wechat.ButtonMiniProgram, Name: "小程序", URL: "https://mp.weixin.qq.com",
				AppID: "wx286b93c14bbf93aa", PagePath: "pages/lunar/index"},
		}},
	}}
	if err := client.CreateMenu(ctx, menu); err != nil {
		log.Fatal(err)
	}

	// Show followers tagged "VIP" on Android a different menu.
	tag, err := client.CreateTag(ctx, "VIP")
	if err != nil {
		log.Fatal(err)
	}
	menu.MatchRule = &wechat.MatchRule{TagID: fmt.Sprint(tag.ID), ClientPlatformType: wechat.ClientPlatformAndroid}
	if _, err := client.AddConditionalMenu(ctx, menu); err != nil {
		log.Fatal(err)
	}

	menus, err := client.GetMenu(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(menus.Menu.Buttons), "buttons,", len(menus.Conditional), "conditional menu for tag", menus.Conditional[0].MatchRule.TagID == fmt.Sprint(tag.ID))
	// Output:
	// 2 buttons, 1 conditional menu for tag true
}

func ExampleClient_CreateMenu_validation() {
	client, _ := wechat.New()
	// A fourth top-level button is refused before anything is sent.
	menu := &wechat.Menu{Buttons: make([]wechat.Button, 4)}
	err := client.CreateMenu(context.Background(), menu)
	fmt.Println(errors.Is(err, wechat.ErrInvalidArgument))
	fmt.Println(err)
	// Output:
	// true
	// wechat: invalid argument: menu has 4 buttons, at most 3 are allowed
}

func ExampleClient_GetMenu() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	show := func() {
		menus, err := client.GetMenu(ctx)
		if errors.Is(err, &wechat.APIError{Code: wechat.CodeMenuNotExist}) {
			fmt.Println("no menu yet")
			return
		}
		if err != nil {
			log.Fatal(err)
		}
		for _, b := range menus.Menu.Buttons {
			fmt.Println(b.Name, len(b.SubButtons))
		}
	}
	show()
	err = client.CreateMenu(ctx, &wechat.Menu{Buttons: []wechat.Button{
		{Type: wechat.ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"},
		{Name: "菜单", SubButtons: []wechat.Button{{Type: wechat.ButtonView, Name: "搜索", URL: "https://www.soso.com/"}}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	show()
	// Output:
	// no menu yet
	// 今日歌曲 0
	// 菜单 1
}
