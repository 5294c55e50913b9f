package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/mpkit/wechat"
)

func ExampleClient_CreateMenu() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

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

	// Show followers tagged 2 on Android a different menu.
	menu.MatchRule = &wechat.MatchRule{TagID: "2", ClientPlatformType: wechat.ClientPlatformAndroid}
	id, err := client.AddConditionalMenu(ctx, menu)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conditional menu", id)
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
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
	)
	if err != nil {
		log.Fatal(err)
	}
	menus, err := client.GetMenu(context.Background())
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
	for _, m := range menus.Conditional {
		fmt.Println("conditional", m.MenuID, "tag", m.MatchRule.TagID)
	}
}
