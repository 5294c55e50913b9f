// Package wechattest provides a fake of the WeChat Official Account API
// (微信公众号) for tests, in the style of net/http/httptest.
//
// NewServer starts an in-memory server on a loopback address that issues
// access tokens and jsapi tickets, checks the access_token of every call,
// and keeps real state for the API groups the wechat package covers:
// menus (get_current_selfmenu_info included), temporary media, permanent
// materials and article images, the draft box and publishing, followers
// with their tags, groups and blacklist, openid migration (changeopenid,
// set up with WithMigration), template, customer-service and mass
// messages and the mass send speed, QR codes, and web authorization
// (网页授权). Replies follow the documented wire formats,
// errors included: a retired or revoked token is answered with errcode
// 40001, an expired one with 42001, a wrong secret with 40125, an unknown
// openid with 40003, an unknown media_id with 40007, an unknown path with
// 40066.
//
//	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
//	defer srv.Close()
//	client, err := srv.Client() // a *wechat.Client with the right AppID, secret and base URL
//
// The files WeChat hands out by URL (the url of an image material or of
// media/uploadimg, the down_url of a video) are served by the fake itself.
// Publishing is immediate by default: a draft submitted with
// freepublish/submit leaves the draft box and freepublish/get reports
// success at once. SetPublishOutcome makes later jobs stay in progress or
// fail, SetPublishStatus ends a job, and PublishJobFinishEvent gives the
// PUBLISHJOBFINISH push to send to the app's webhook with Webhook.
//
// Web authorization starts on a page in the user's WeChat, which a test
// stands in for with AuthorizeCode: it returns the code WeChat would
// append to the redirect URI, for the Client to exchange. A code works
// once and for five minutes; the user access token it brings is accepted
// by sns/userinfo and sns/auth only, and the account's own access token is
// never asked for.
//
// A test then inspects what reached the fake: Calls counts requests per
// path (so "one token request" is an assertion), Requests returns them all,
// SentMessages returns every message sent, Menu the current menu and
// Follower the state of one follower (remark, tags, group, blacklist).
// A blacklisted follower cannot message the account, so the fake never
// opens a customer-service window for them: message/custom/send answers
// 45015.
//
// Faults are injected per path: FailNext answers the next calls with an
// errcode, DropNext closes the connection without a reply, SetLatency
// delays replies. ExpireTokens, RevokeToken and RevokeTokens act on the
// credentials already issued, and WithClock lets a test move time forward
// so that tokens, tickets, media, QR codes and web authorization codes
// and tokens expire.
//
// Token semantics follow the documentation: each cgi-bin/token call issues
// a new token and retires the previous one, which keeps working for five
// minutes (WithRetiredTokenGrace); cgi-bin/stable_token returns the current
// stable token until it is near its end, and force_refresh retires it at
// once (a second forced refresh within 30 seconds returns the same token).
// The two kinds of token are independent of each other.
//
// The server is safe for concurrent use.
//
// Webhook is the other direction: WeChat calling an app's webhook. It
// sends signed URL checks and signed posts of any wechat.Message, in
// plain, compatible or safe (AES) mode, to an http.Handler in process or
// to a running server, and reads the answer as WeChat does:
//
//	wh := &wechattest.Webhook{Handler: client.Webhook(bot), Token: "token"}
//	reply, err := wh.Send(ctx, wechattest.Text("hello"))
//	// reply.(*wechat.TextReply).Content is what the bot answered
//
// The command cmd/wxsim is built on it.
package wechattest
