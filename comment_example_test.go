package wechat_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// Comments open in the draft (NeedOpenComment) come with the
// publication: its msg_data_id names the article for the comment APIs.
// The fake stands in for WeChat, and AddComment for a reader.
func ExampleClient_Comments() {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o_reader"}))
	defer srv.Close()
	client, _ := srv.Client()
	ctx := context.Background()

	cover, err := client.AddMaterial(ctx, wechat.MediaImage, "cover.jpg", strings.NewReader("\xff\xd8\xff cover"))
	if err != nil {
		log.Fatal(err)
	}
	draft, err := client.AddDraft(ctx, []wechat.NewsArticle{{
		Title: "Release notes", Content: "<p>What changed</p>", ThumbMediaID: cover.MediaID,
		NeedOpenComment: true, OnlyFansCanComment: true,
	}})
	if err != nil {
		log.Fatal(err)
	}
	sub, err := client.PublishDraft(ctx, draft)
	if err != nil {
		log.Fatal(err)
	}
	article := sub.Article(0)

	if _, err := srv.AddComment(sub.MsgDataID, 0, "o_reader", "Great release!"); err != nil {
		log.Fatal(err)
	}

	for c, err := range client.Comments(ctx, article, wechat.CommentsAll) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("comment %d from %s: %s\n", c.ID, c.OpenID, c.Content)
		if err := client.ReplyToComment(ctx, article, c.ID, "Thank you!"); err != nil {
			log.Fatal(err)
		}
		if err := client.MarkCommentElected(ctx, article, c.ID); err != nil {
			log.Fatal(err)
		}
	}

	page, err := client.ListComments(ctx, article, wechat.CommentsElected, 0, wechat.MaxCommentsPerPage)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Comments {
		fmt.Printf("elected: %s (reply: %s)\n", c.Content, c.Reply.Content)
	}
	// Output:
	// comment 1 from o_reader: Great release!
	// elected: Great release! (reply: Thank you!)
}
