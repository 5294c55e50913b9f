// Package wechattest provides a fake of the WeChat Official Account API
// (微信公众号) for tests, in the style of net/http/httptest.
//
// NewServer starts an in-memory server on a loopback address that serves
// every endpoint package wechat calls, checks the access_token of every
// call and answers with the documented wire formats and error codes:
//
//	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
//	defer srv.Close()
//	client, err := srv.Client() // a *wechat.Client with the right AppID, secret and base URL
//
// # What the fake keeps real state for
//
// Access tokens and jsapi tickets (each cgi-bin/token call retires the
// previous token, which keeps working for five minutes; stable_token
// returns the current token until near its end); menus and personalised
// menus; temporary media (three days; media/upload checks the documented
// formats, image PNG/JPEG/JPG/GIF, voice AMR/MP3, video MP4, thumb JPG,
// and sizes, 10 MB, 2 MB, 10 MB and 64 KB); permanent materials and
// article images, served back by URL; the draft box and publishing;
// followers with their tags, groups and blacklist, and openid migration;
// template messages and their templates and industry; customer-service
// messages and each user's customer-service window; mass sends, previews
// (by openid or WeChat ID), their status and speed; QR codes; web
// authorization; customer-service accounts, invitations, sessions, the
// waiting list and the chat history; subscribe-message templates picked
// from the public library, users' consent and sends, and one-time
// subscription messages; the daily call count of every API, reset by
// clear_quota, clear_quota/v2 and openapi/quota/clear; the rid, request
// and reply of every answered call, for openapi/rid/get; short keys; the
// comment areas of the articles it published or mass-sent as news, keyed
// by msg_data_id and index (open as the draft set them, then opened,
// closed, listed, elected, replied to and deleted); links to Mini
// Programs; the auto-reply rules WithAutoReplyRules sets up.
//
// Media ids are checked wherever WeChat checks them: a customer-service
// or mass message, a preview, a draft's cover or an mpvideo that names a
// media_id the fake did not issue is answered 40007.
//
// # What it answers with documented samples
//
// WeChat reports on traffic and recognises images; the fake has neither.
// The statistics APIs (datacube) answer one row of the documented
// example per day, week or month of the range, after checking the range
// as WeChat does: each API's span (getusersummary 7 days, getuserread 3,
// getarticlesummary 1, getupstreammsgdist 15, getinterfacesummary 30,
// ...), no day before 2014-12-01 or after yesterday (61501), dates as
// 2006-01-02 (61500). The image services (OCR, QR code scan, crop,
// super-resolution) check the image (an http(s) img_url, which is not
// fetched, or an uploaded JPEG, PNG, GIF or BMP under 2 MB) and answer
// the documented example; super-resolution returns the upload itself as
// a temporary image. The publisher statistics (流量主, publisher/stat)
// answer the documented figures for each day of the range, and the
// documented income for each half-month it overlaps, after WeChat's
// checks: the action (45010), the pages and dates and the longest span,
// 90 days for the ad slots and 60 for the products on commission (1701,
// in base_resp); there are no figures before 2016 or from today on. callback/check answers the documented sample, with
// the operator asked for. The subscribe-message library holds the
// documented sample category and title, with keywords of the documented
// value types.
//
// # What it does not model
//
// Anything not listed: an unknown path is answered errcode 40066 with an
// errmsg that names the path and says it is not modelled by wechattest.
// Server.Handle serves such a path, or replaces the fake's answer for one
// it models. The fake delivers nothing to users: SentMessages says what
// it accepted. It does not push events on its own (PublishJobFinishEvent
// builds the PUBLISHJOBFINISH push for Webhook.Send), apply WeChat's
// content review, rate limits other than the daily quotas, or limits of
// account type and verification.
//
// # Users' actions
//
// A test stands in for what users do in the WeChat app: AuthorizeCode
// (web authorization consent), AcceptSubscribeMessage and
// ConfirmOneTimeSubscribe (subscription consent), AcceptKFInvite and
// SetKFOnline (the person behind a customer-service account), AddFollower
// and OpenCustomerServiceWindow, AddComment (a reader commenting on an
// article) and SetMiniProgramLinkStatus (administrators confirming or
// refusing a link). A Webhook linked to the server
// (Webhook.Server) does the rest the way WeChat learns it, from the
// pushes it delivers: messages and qualifying events open the
// customer-service window, a transfer_customer_service reply starts a
// session or queues the user, and subscribe pop-up events record
// consent.
//
// The customer-service window (客服消息下发规则): a message from the user
// allows 5 customer-service messages within 48 hours; a follow, a QR code
// scan, a click or a scan-code menu event allows 3 within a minute;
// outside the window message/custom/send and message/custom/typing answer
// 45015, within one whose messages are used up 45047. By default the
// window is enforced only for followers the fake has seen a push for, so
// that a test that seeds a follower and sends at once keeps working;
// WithCustomerServiceWindow enforces it for every follower. A
// blacklisted follower never opens one.
//
// # Inspecting and breaking it
//
// Calls counts requests per path (so "one token request" is an
// assertion), Requests returns them all, SentMessages every message
// accepted, Menu the current menu, Follower the state of one follower,
// Quota an API's count. FailNext answers the next calls to a path with an
// errcode, DropNext closes the connection without a reply, SetLatency
// delays replies, WithQuota lowers a daily limit. ExpireTokens,
// RevokeToken and RevokeTokens act on the credentials already issued, and
// WithClock moves time for everything that expires.
//
// Options validate their values: an invalid one makes NewServer panic
// with a message that names the option, as httptest.NewServer panics
// when it cannot listen.
//
// Each API group keeps its state in its own type, with its own lock; the
// server is safe for concurrent use.
//
// # A third-party platform
//
// Every Server also plays WeChat's side of a third-party platform (第三方平台,
// WithComponent; package platform is the client): it issues
// component_access_tokens for the tickets it pushed, pre-authorization and
// authorization codes, and keeps the accounts authorized to the platform,
// each with an account of its own (a Server reached through this one with
// the account's authorizer_access_token), its refresh token and options.
// NewPlatform returns it as a Platform, which stands in for WeChat and the
// merchants: PushTicket pushes the component_verify_ticket, Authorize and
// Unauthorize play an administrator who authorizes or revokes the
// platform (and push the event), the authorization pages
// (componentloginpage, bindcomponent) authorize an account and redirect,
// Webhook pushes an account's messages to the platform, RotateRefreshToken
// has WeChat hand back a new refresh token, and RunReleaseChecks runs the
// release checks (全网发布接入检测) against the platform:
//
//	fake := wechattest.NewPlatform()
//	p, err := fake.Client()
//	fake.SetReceiver(wechattest.Receiver{Events: p.Events(nil), Messages: p.Messages(bot)})
//	fake.PushTicket(ctx)
//	fake.Authorize(ctx, "wx1234567890abcdef")
//
// # The webhook side
//
// Webhook is the other direction: WeChat calling an app's webhook. It
// sends signed URL checks and signed posts of any wechat.Message, in
// plain, compatible or safe (AES) mode, to an http.Handler in process or
// to a running server, and reads the answer as WeChat does:
//
//	wh := &wechattest.Webhook{Handler: client.Webhook(bot), Token: "token", Server: srv}
//	reply, err := wh.Send(ctx, wechattest.Text("hello"))
//	// reply.(*wechat.TextReply).Content is what the bot answered
//
// The command cmd/wxsim is built on it.
//
// # A store of your own
//
// TestTokenStore checks a wechat.TokenStore against what a Client relies
// on to fetch each token once and to drop only the token WeChat refused.
// TestDedupStore checks a wechat.DedupStore against what the webhook
// relies on to handle each push once, and a wechat.ReplyTracker against
// what it relies on to deliver each reply once. TestRefreshTokenStore
// checks a platform.RefreshTokenStore, and a platform.RefreshTokenSwapper,
// against what a third-party platform relies on to keep each account's
// refresh token. Each returns an error naming every check that failed.
package wechattest
