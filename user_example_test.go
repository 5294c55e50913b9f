package wechat_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/mpkit/wechat"
)

func ExampleClient_Followers() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Pages of up to 10000 openids are fetched as the loop needs them;
	// breaking out of the loop stops the paging.
	var openIDs []string
	for openID, err := range client.Followers(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		openIDs = append(openIDs, openID)
	}

	// Profiles are fetched 100 per request.
	users, err := client.BatchGetUserInfo(ctx, openIDs, wechat.LangZhCN)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Println(u.OpenID, u.SubscribeTime.Format("2006-01-02"), u.TagIDs)
	}
}

func ExampleClient_TagMembers() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	tag, err := client.CreateTag(ctx, "广东")
	if err != nil {
		log.Fatal(err)
	}
	if err := client.TagUsers(ctx, tag.ID, []string{"OPENID1", "OPENID2"}); err != nil {
		log.Fatal(err)
	}
	for openID, err := range client.TagMembers(ctx, tag.ID) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(openID)
	}
}
