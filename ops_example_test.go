package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func ExampleClient_OneTimeSubscribeURL() {
	client, _ := wechat.New(wechat.WithAppID("wxaba38c7f163da69b"))
	link, err := client.OneTimeSubscribeURL(1000, "1uDxHNXwYQfBmXOfPJcjAS3FynHArD8aWMEFNRGSbCc", "https://example.com/subscribed", "state123")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(link)
	// Output: https://mp.weixin.qq.com/mp/subscribemsg?action=get_confirm&appid=wxaba38c7f163da69b&scene=1000&template_id=1uDxHNXwYQfBmXOfPJcjAS3FynHArD8aWMEFNRGSbCc&redirect_url=https%3A%2F%2Fexample.com%2Fsubscribed&reserved=state123#wechat_redirect
}

func ExampleClient_GetUserSummary() {
	client, _ := wechat.New()
	// getusersummary serves at most 7 days per call: a longer range is
	// refused before anything is sent.
	begin := wechat.Date{Year: 2024, Month: time.January, Day: 1}
	_, err := client.GetUserSummary(context.Background(), begin, begin.AddDays(9))
	fmt.Println(errors.Is(err, wechat.ErrInvalidArgument))
	fmt.Println(err)
	// Output:
	// true
	// wechat: invalid argument: /datacube/getusersummary: 2024-01-01..2024-01-10 covers 10 days, WeChat serves at most 7 per call
}

func ExampleClient_KFMessageRecords() {
	clock := wechattest.NewClock(time.Date(2024, time.March, 1, 10, 0, 0, 0, time.UTC))
	srv := wechattest.NewServer(
		wechattest.WithClock(clock.Now),
		wechattest.WithFollowers(wechattest.Follower{OpenID: "o_user"}),
	)
	defer srv.Close()
	client, err := srv.Client(wechat.WithClock(clock.Now))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// Messages sent in the name of a customer-service account enter its
	// chat history.
	for _, text := range []string{"您好", "订单已发货"} {
		if err := client.SendText(ctx, "o_user", text, wechat.AsKFAccount("kf2001@gh_wechattest0")); err != nil {
			log.Fatal(err)
		}
		clock.Advance(time.Minute)
	}

	end := clock.Now()
	q := wechat.KFRecordQuery{Start: end.Add(-24 * time.Hour), End: end}
	for rec, err := range client.KFMessageRecords(ctx, q) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(time.Unix(rec.Time, 0).UTC().Format(time.TimeOnly), rec.Worker, rec.OpenID, rec.Text)
	}
	// Output:
	// 10:00:00 kf2001@gh_wechattest0 o_user 您好
	// 10:01:00 kf2001@gh_wechattest0 o_user 订单已发货
}

func ExampleClient_GetRIDInfo() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = client.GetUserInfo(ctx, "o_not_a_follower", wechat.LangEn)
	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) && apiErr.RID != "" {
		// Ask WeChat what it received for the failed call. Secrets are
		// redacted.
		req, err := client.GetRIDInfo(ctx, apiErr.RID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(apiErr.Code, req.RequestURL)
	}
	// Output:
	// 40003 access_token=REDACTED&lang=en&openid=o_not_a_follower
}

func ExampleClient_OCRIDCard() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	card, err := client.OCRIDCard(context.Background(), wechat.ImageURL("https://example.com/id-front.jpg"), wechat.OCRPhoto)
	if err != nil {
		log.Fatal(err)
	}
	if card.Type == wechat.IDCardFront {
		fmt.Println(card.Name, card.Gender, card.Nationality)
	}
	// Output:
	// 张三 男 汉
}
