package wechat_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleClient_Followers() {
	since := time.Date(2024, time.March, 1, 10, 0, 0, 0, time.UTC)
	srv := wechattest.NewServer(
		wechattest.WithFollowers(
			wechattest.Follower{OpenID: "o1", SubscribeTime: since, TagIDs: []int{2}},
			wechattest.Follower{OpenID: "o2", SubscribeTime: since.AddDate(0, 0, 1)},
			wechattest.Follower{OpenID: "o3", SubscribeTime: since.AddDate(0, 0, 2)},
		),
		wechattest.WithPageSize(2), // WeChat's pages hold 10000
	)
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Pages are fetched as the loop needs them; breaking out of the loop
	// stops the paging.
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
		fmt.Println(u.OpenID, u.SubscribeTime.UTC().Format("2006-01-02"), u.TagIDs)
	}
	fmt.Println(srv.Calls("/cgi-bin/user/get"), "pages")
	// Output:
	// o1 2024-03-01 [2]
	// o2 2024-03-02 []
	// o3 2024-03-03 []
	// 2 pages
}

func ExampleClient_TagMembers() {
	srv := wechattest.NewServer(wechattest.WithFollowers(
		wechattest.Follower{OpenID: "OPENID1"},
		wechattest.Follower{OpenID: "OPENID2"},
		wechattest.Follower{OpenID: "OPENID3"},
	))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	tag, err := client.CreateTag(ctx, "广东")
	if err != nil {
		log.Fatal(err)
	}
	if err := client.TagUsers(ctx, tag.ID, []string{"OPENID1", "OPENID3"}); err != nil {
		log.Fatal(err)
	}
	for openID, err := range client.TagMembers(ctx, tag.ID) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(openID)
	}
	// Output:
	// OPENID1
	// OPENID3
}
