package wechat_test

// The examples of the Client's APIs, in the order of the API groups.
// Those that call WeChat call a fake of package wechattest, so that go
// test runs every one and checks what it prints. ExampleWithObserver,
// whose type go doc shows with it, is in observe_example_test.go; last
// comes the test that every example of the module checks its output.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// Setting up a Client, its errors and its tokens.

func ExampleNew() {
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
		wechat.WithServerToken(os.Getenv("WECHAT_TOKEN")), // the server token (服务器配置), not the access token
		wechat.WithLogger(slog.Default()),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.AppID() == os.Getenv("WECHAT_APPID"))
	// Output: true
}

func ExampleAPIError() {
	client, _ := wechat.New() // no AppID or AppSecret configured
	_, err := client.AccessToken(context.Background())

	var apiErr *wechat.APIError
	switch {
	case errors.Is(err, wechat.ErrMissingConfig):
		fmt.Println("configuration:", err)
	case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeAPIFreqOutOfLimit:
		fmt.Println("quota reached; request id", apiErr.RID)
	}
	// Output: configuration: wechat: missing configuration: AppID (WithAppID)
}

// Two Clients of one AppID that share a store make one token request
// between them. Across processes, use a shared store such as
// github.com/mpkit/wechat/redisstore.
func ExampleWithTokenStore() {
	srv := wechattest.NewServer()
	defer srv.Close()

	store := wechat.NewMemoryStore()
	ctx := context.Background()
	for range 2 {
		client, err := srv.Client(wechat.WithTokenStore(store))
		if err != nil {
			log.Fatal(err)
		}
		if _, err := client.ListCallbackIPs(ctx); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(srv.Calls("/cgi-bin/token"), "token request")
	// Output:
	// 1 token request
}

// With stable tokens, another system that fetches the AppID's token does
// not log this Client out, and the AppSecret travels in a request body,
// never in a URL.
func ExampleWithStableToken() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client(wechat.WithStableToken())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	tok, err := client.AccessToken(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("printed without its value:", !strings.Contains(fmt.Sprint(tok), tok.Value))
	fmt.Println(srv.Calls("/cgi-bin/stable_token"), "stable_token request,", srv.Calls("/cgi-bin/token"), "token request")
	// Output:
	// printed without its value: true
	// 1 stable_token request, 0 token request
}

// Menus.

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

// Messages: customer-service and template messages.

func ExampleClient_SendText() {
	// A fake WeChat that enforces the customer-service window for every
	// follower, as WeChat does.
	srv := wechattest.NewServer(
		wechattest.WithFollowers(wechattest.Follower{OpenID: "o_user"}),
		wechattest.WithCustomerServiceWindow(),
	)
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	send := func() {
		// Sent in the name of a customer-service account; without the
		// option the message comes from the official account itself.
		err := client.SendText(ctx, "o_user", "您好，请问有什么可以帮您？", wechat.AsKFAccount("kf2001@gh_wechattest0"))
		var apiErr *wechat.APIError
		switch {
		case err == nil:
			fmt.Println("sent")
		case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeResponseOutOfWindow:
			fmt.Println("the user has not talked to the account in the last 48 hours")
		default:
			log.Fatal(err)
		}
	}
	send()
	srv.OpenCustomerServiceWindow("o_user") // the user sends the account a message
	send()

	for _, m := range srv.SentMessages() {
		fmt.Println(m.Kind, m.MsgType, m.ToUser)
	}
	// Output:
	// the user has not talked to the account in the last 48 hours
	// sent
	// custom text o_user
}

func ExampleClient_SendTemplateMessage() {
	srv := wechattest.NewServer(
		wechattest.WithFollowers(wechattest.Follower{OpenID: "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"}),
		wechattest.WithTemplates(wechattest.Template{ID: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY", Title: "订单支付成功"}),
	)
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	msgID, err := client.SendTemplateMessage(context.Background(), &wechat.TemplateMessage{
		ToUser:     "oLVPpjqs9BhvzwPj5A-vTYAX3GLc",
		TemplateID: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
		URL:        "https://example.com/orders/1001",
		// Tapping opens the mini program page; URL is the fallback.
		MiniProgram: &wechat.TemplateMiniProgram{AppID: "wx286b93c14bbf93aa", PagePath: "pages/order?id=1001"},
		// The same ClientMsgID within ten minutes is delivered once, so
		// the send can be repeated safely after a timeout.
		ClientMsgID: "order-1001-paid",
		Data: map[string]wechat.TemplateField{
			"thing1":  {Value: "巧克力"},
			"amount2": {Value: "39.8元"},
			"time3":   {Value: "2014年9月22日"},
		},
	})
	var apiErr *wechat.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == wechat.CodeArgumentInvalid:
		log.Fatalf("template data rejected: %s (request %s)", apiErr.Message, apiErr.RID)
	case err != nil:
		log.Fatal(err)
	}
	// Match msgID with the TEMPLATESENDJOBFINISH event to learn the outcome.
	sent := srv.SentMessages()[0]
	fmt.Println(sent.Kind, sent.TemplateID, sent.MsgID == msgID)
	// Output:
	// template ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY true
}

// Followers and tags.

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

// Temporary media.

// jpeg stands in for a photo: WeChat tells the format from the file
// name's extension.
var jpeg = append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{0}, 1020)...)

func ExampleClient_UploadMedia() {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o_user"}))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The file is streamed as it is sent. A reader that is also an
	// io.Seeker (a *bytes.Reader, an *os.File) can be sent again after a
	// token refresh.
	media, err := client.UploadMedia(ctx, wechat.MediaImage, "photo.jpg", bytes.NewReader(jpeg))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(media.Type, media.MediaID != "")

	// A temporary media id is good for three days: send it as a message.
	if err := client.SendImage(ctx, "o_user", media.MediaID); err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.SentMessages()[0].MsgType)
	// Output:
	// image true
	// image
}

func ExampleClient_DownloadMedia() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	uploaded, err := client.UploadMedia(ctx, wechat.MediaImage, "photo.jpg", bytes.NewReader(jpeg))
	if err != nil {
		log.Fatal(err)
	}

	// The body is streamed: copy it to a file or a response without
	// holding it in memory. The caller closes it.
	m, err := client.DownloadMedia(ctx, uploaded.MediaID)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	var file bytes.Buffer // an *os.File in practice
	n, err := io.Copy(&file, m.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, bytes.Equal(file.Bytes(), jpeg))
	// Output:
	// 1024 true
}

// Comments on published articles.

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

// Web authorization and the JS-SDK.

// The web authorization flow: send the user to AuthorizeURL, receive the
// code on the redirect URI, exchange it, then read the user's profile.
func ExampleClient_AuthorizeURL() {
	srv := wechattest.NewServer(wechattest.WithAppID("wx1234567890abcdef"))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	// 1. Redirect the user's browser here; keep the state in their session.
	authURL, err := client.AuthorizeURL("https://example.com/wechat/callback", wechat.ScopeUserInfo, "s3ss10nState")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(authURL)

	// The user agrees, and WeChat redirects to the callback with a code.
	code := srv.AuthorizeCode("o6_bmjrPTlm6_2sgVt7hMZOPfL2M", wechat.ScopeUserInfo)

	// 2. In the callback handler, check r.FormValue("state") against the
	// session, then exchange r.FormValue("code").
	ctx := context.Background()
	tok, err := client.ExchangeCode(ctx, code)
	if err != nil {
		log.Fatal(err)
	}

	// 3. With ScopeUserInfo, the token reads the user's profile.
	user, err := client.GetOAuthUserInfo(ctx, tok.AccessToken, tok.OpenID, wechat.LangEn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.OpenID, tok.Scope)
	// Output:
	// https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef&redirect_uri=https%3A%2F%2Fexample.com%2Fwechat%2Fcallback&response_type=code&scope=snsapi_userinfo&state=s3ss10nState#wechat_redirect
	// o6_bmjrPTlm6_2sgVt7hMZOPfL2M snsapi_userinfo
}

func ExampleJSAPISignature() {
	// The example of appendix 1 of the JS-SDK documentation.
	sig := wechat.JSAPISignature(
		"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value")
	fmt.Println(sig)
	// Output: 0f9de62fce790f9a083d5c99e95740ceb90c27ed
}

// The values a page passes to wx.config, signed with the account's
// jsapi_ticket.
func ExampleClient_JSSDKConfig() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	const page = "https://example.com/shop?item=42#/cart" // the fragment is not signed
	cfg, err := client.JSSDKConfig(ctx, page)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(cfg) // what the page's script receives
	var fields map[string]any
	_ = json.Unmarshal(out, &fields)
	fmt.Println(slices.Sorted(maps.Keys(fields)))

	// The signature is JSAPISignature of the cached ticket.
	ticket, err := client.JSAPITicket(ctx)
	if err != nil {
		log.Fatal(err)
	}
	want := wechat.JSAPISignature(ticket.Value, cfg.NonceStr, strconv.FormatInt(cfg.Timestamp, 10), "https://example.com/shop?item=42")
	fmt.Println(cfg.AppID == srv.AppID(), cfg.Signature == want, srv.Calls("/cgi-bin/ticket/getticket"), "ticket request")
	// Output:
	// [appId nonceStr signature timestamp]
	// true true 1 ticket request
}

// Operations: subscriptions, statistics, customer-service records,
// request look-up and image services.

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

// The webhook: receiving pushes and answering them.

func ExampleClient_Webhook() {
	const (
		appID  = "wxd0000000000000e0"
		token  = "wechat-echo-demo"
		aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	)
	client, err := wechat.New(
		wechat.WithAppID(appID),
		wechat.WithServerToken(token),
		wechat.WithEncodingAESKey(aesKey), // safe mode
	)
	if err != nil {
		log.Fatal(err)
	}

	bot := wechat.NewServeMux()
	bot.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("You said: " + msg.Content), nil
	})
	bot.HandleEventFunc(wechat.EventSubscribe, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		if scene, ok := msg.QRScene(); ok {
			return msg.ReplyText("Welcome, from QR code " + scene), nil
		}
		return msg.ReplyText("Welcome!"), nil
	})
	webhook := client.Webhook(bot)
	// In a server: http.Handle("/wechat", webhook)

	// WeChat's side: signed, encrypted pushes, and the replies decrypted.
	wh := &wechattest.Webhook{Handler: webhook, Token: token, Mode: wechattest.ModeSafe, EncodingAESKey: aesKey, AppID: appID}
	ctx := context.Background()
	for _, push := range []*wechat.Message{
		wechattest.Text("hello"),
		wechattest.Event(wechat.EventSubscribe, "qrscene_spring-campaign"),
	} {
		reply, err := wh.Send(ctx, push)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(reply.(*wechat.TextReply).Content)
	}
	// Output:
	// You said: hello
	// Welcome, from QR code spring-campaign
}

// Messages go to the handler of their type, events to that of their name,
// and anything else to the default handler.
func ExampleNewServeMux() {
	mux := wechat.NewServeMux()
	mux.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("text: " + msg.Content), nil
	})
	mux.HandleEventFunc(wechat.EventClick, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("clicked " + msg.EventKey), nil
	})
	mux.HandleDefaultFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("cannot handle " + string(msg.MsgType) + " yet"), nil
	})

	client, err := wechat.New(wechat.WithServerToken("token"))
	if err != nil {
		log.Fatal(err)
	}
	wh := &wechattest.Webhook{Handler: client.Webhook(mux), Token: "token"} // plain mode
	ctx := context.Background()
	for _, push := range []*wechat.Message{
		wechattest.Text("hi"),
		wechattest.Event(wechat.EventClick, "V1001_GOOD"),
		wechattest.Location(23.13, 113.36, 15, "广州"),
	} {
		reply, err := wh.Send(ctx, push)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(reply.(*wechat.TextReply).Content)
	}
	// Output:
	// text: hi
	// clicked V1001_GOOD
	// cannot handle location yet
}

func ExampleParseMessage() {
	msg, err := wechat.ParseMessage([]byte(`<xml>
<ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
<FromUserName><![CDATA[o_user_openid]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_spring-campaign]]></EventKey>
<Ticket><![CDATA[TICKET]]></Ticket>
</xml>`))
	if err != nil {
		log.Fatal(err)
	}
	scene, _ := msg.QRScene()
	fmt.Println(msg.MsgType, msg.Event, scene, msg.Time().UTC().Format("2006-01-02"))
	// Output: event subscribe spring-campaign 2012-09-28
}

func ExampleTextReply_AppendXML() {
	msg := &wechat.Message{ToUserName: "gh_123456789abc", FromUserName: "o_user_openid", MsgType: wechat.MsgTypeText}
	reply := msg.ReplyText("<b> & ]]> are safe")
	reply.CreateTime = 1700000000 // fixed for the example; ReplyText sets now
	b, err := reply.AppendXML(nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output: <xml><ToUserName><![CDATA[o_user_openid]]></ToUserName><FromUserName><![CDATA[gh_123456789abc]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[<b> & ]]]]><![CDATA[> are safe]]></Content></xml>
}

// Without Client.Webhook, in a handler of any web framework.
func ExampleClient_DecryptMessage() {
	const (
		appID  = "wx1234567890abcdef"
		aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	)
	client, err := wechat.New(
		wechat.WithAppID(appID),
		wechat.WithServerToken("token"),
		wechat.WithEncodingAESKey(aesKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	handle := func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		msg, err := client.DecryptMessage(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
		if err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		out, err := client.EncryptReply(msg.ReplyText("got "+msg.Content), q.Get("timestamp"), q.Get("nonce"))
		if err != nil {
			_, _ = io.WriteString(w, "success")
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_, _ = w.Write(out)
	}

	// WeChat's side, in safe mode.
	wh := &wechattest.Webhook{Handler: http.HandlerFunc(handle), Token: "token", Mode: wechattest.ModeSafe, EncodingAESKey: aesKey, AppID: appID}
	reply, err := wh.Send(context.Background(), wechattest.Text("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.(*wechat.TextReply).Content)
	// Output: got hello
}

func ExampleMessageCipher() {
	// What WeChat does to a push in safe mode, and what the webhook
	// undoes.
	mc, err := wechat.NewMessageCipher("token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1234567890abcdef")
	if err != nil {
		log.Fatal(err)
	}
	env, err := mc.Encrypt([]byte("<xml><MsgType><![CDATA[text]]></MsgType></xml>"), "1700000000", "nonce")
	if err != nil {
		log.Fatal(err)
	}
	env.ToUserName = "gh_123456789abc"
	body := env.RequestXML() // POSTed with msg_signature, timestamp and nonce in the URL

	got, err := wechat.ParseEnvelope(body)
	if err != nil {
		log.Fatal(err)
	}
	got.MsgSignature, got.Timestamp, got.Nonce = env.MsgSignature, "1700000000", "nonce"
	plain, err := mc.Decrypt(got)
	fmt.Println(string(plain), err)

	got.Nonce = "another"
	_, err = mc.Decrypt(got)
	fmt.Println(err)
	// Output:
	// <xml><MsgType><![CDATA[text]]></MsgType></xml> <nil>
	// wechat: invalid msg_signature
}

// TestExamplesHaveOutput checks that every Example of the module (this
// package, wechattest, the commands and the example programs; the nested
// modules redisstore, benchmarks and examples/redis are their own) has an
// output comment, so that go test runs it and checks what it prints: an
// example without one is only compiled, and can rot.
func TestExamplesHaveOutput(t *testing.T) {
	var total, withOutput int
	var missing []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != "." {
				return filepath.SkipDir // a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, ex := range doc.Examples([]*ast.File{f}...) {
			total++
			if ex.Output != "" || ex.EmptyOutput {
				withOutput++
			} else {
				missing = append(missing, path+": Example"+prefixed(ex.Name))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatal("no examples found")
	}
	t.Logf("%d examples, %d with an output comment", total, withOutput)
	for _, m := range missing {
		t.Errorf("%s has no // Output: comment, so go test never runs it", m)
	}
}

func prefixed(name string) string {
	if name == "" {
		return ""
	}
	return "_" + name
}
