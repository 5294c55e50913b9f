package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/mpkit/wechat"
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
	client, _ := wechat.New() // configured with WithAppID and WithAppSecret
	ctx := context.Background()
	end := time.Now()
	q := wechat.KFRecordQuery{Start: end.Add(-24 * time.Hour), End: end}
	for rec, err := range client.KFMessageRecords(ctx, q) {
		if err != nil {
			log.Print(err)
			break
		}
		fmt.Println(time.Unix(rec.Time, 0), rec.Worker, rec.OpenID, rec.Text)
	}
}

func ExampleClient_GetRIDInfo() {
	client, _ := wechat.New() // configured with WithAppID and WithAppSecret
	ctx := context.Background()
	_, err := client.ListCallbackIPs(ctx)
	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) && apiErr.RID != "" {
		// Ask WeChat what it received for the failed call.
		req, err := client.GetRIDInfo(ctx, apiErr.RID)
		if err == nil {
			fmt.Println(req.RequestBody, req.ResponseBody)
		}
	}
}

func ExampleClient_OCRIDCard() {
	client, _ := wechat.New() // configured with WithAppID and WithAppSecret
	card, err := client.OCRIDCard(context.Background(), wechat.ImageURL("https://example.com/id-front.jpg"), wechat.OCRPhoto)
	if err != nil {
		log.Print(err)
		return
	}
	if card.Type == wechat.IDCardFront {
		fmt.Println(card.Name, card.ID)
	}
}
