package wechat_test

// End-to-end tests of customer service (客服) against wechattest: the
// customer-service window, in which a bot answers a message later by
// customer-service message, against a fake whose Webhook delivered the
// user's pushes; then the customer-service accounts, their sessions and
// chat history (客服管理).

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

const (
	pathTyping   = "/cgi-bin/message/custom/typing"
	webhookToken = "integration-token"
)

// linkedWebhook returns a Webhook that delivers pushes from openID to a
// bot built on c's settings and tells srv of each one.
func linkedWebhook(t *testing.T, srv *wechattest.Server, openID string, h wechat.Handler, clock func() time.Time) *wechattest.Webhook {
	t.Helper()
	opts := []wechat.Option{wechat.WithServerToken(webhookToken)}
	if clock != nil {
		opts = append(opts, wechat.WithClock(clock)) // the bot checks push timestamps
	}
	bot, err := srv.Client(opts...)
	require.NoError(t, err)
	return &wechattest.Webhook{Handler: bot.Webhook(h), Token: webhookToken, OpenID: openID, Server: srv, Now: clock}
}

// silent answers every push with nothing, as a bot that replies later
// does.
var silent = wechat.HandlerFunc(func(context.Context, *wechat.Message) (wechat.Reply, error) { return nil, nil })

func TestIntegrationCustomerServiceWindow(t *testing.T) {
	clock := newFakeClock()
	srv, c := startFake(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(30*24*time.Hour),
		wechattest.WithFollowers(seedFollowers(2)...))
	ctx := context.Background()
	wh := linkedWebhook(t, srv, "o1", silent, clock.Now)

	// A follower the fake has seen no push for is not limited, as before.
	require.NoError(t, c.SendText(ctx, "o2", "no push seen"))

	// The user writes; the bot answers later, within the window.
	_, err := wh.Send(ctx, wechattest.Text("help me"))
	require.NoError(t, err)
	require.NoError(t, c.SetTyping(ctx, "o1", true))
	for i := range 5 {
		require.NoError(t, c.SendText(ctx, "o1", "answer"), "message %d of 5", i+1)
	}
	err = c.SendText(ctx, "o1", "a sixth")
	requireAPIError(t, err, 45047, pathCustomSend)

	// A new message opens the window again; 48 hours later it is closed.
	_, err = wh.Send(ctx, wechattest.Text("thanks"))
	require.NoError(t, err)
	require.NoError(t, c.SendText(ctx, "o1", "you are welcome"))
	clock.Advance(48*time.Hour + time.Second)
	err = c.SendText(ctx, "o1", "too late")
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathCustomSend)
	err = c.SetTyping(ctx, "o1", true)
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathTyping)

	// A menu click allows 3 messages within a minute.
	_, err = wh.Send(ctx, wechattest.Event(wechat.EventClick, "V1001"))
	require.NoError(t, err)
	require.NoError(t, c.SendText(ctx, "o1", "clicked"))
	clock.Advance(61 * time.Second)
	err = c.SendText(ctx, "o1", "a minute later")
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathCustomSend)

	// A view event opens nothing.
	_, err = wh.Send(ctx, wechattest.Event(wechat.EventView, "https://example.com"))
	require.NoError(t, err)
	err = c.SendText(ctx, "o1", "after a view")
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathCustomSend)

	var texts []string
	for _, m := range srv.SentMessages() {
		texts = append(texts, m.ToUser+":"+string(m.Body))
	}
	assert.Len(t, texts, 8, "refused sends are not recorded: %v", texts)
}

func TestIntegrationCustomerServiceWindowStrict(t *testing.T) {
	srv, c := startFake(t, wechattest.WithCustomerServiceWindow(), wechattest.WithFollowers(seedFollowers(2)...))
	ctx := context.Background()
	err := c.SendText(ctx, "o1", "never wrote")
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathCustomSend)
	err = c.SetTyping(ctx, "o1", true)
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathTyping)

	srv.OpenCustomerServiceWindow("o1")
	require.NoError(t, c.SendText(ctx, "o1", "now"))
	err = c.SendText(ctx, "o2", "still never wrote")
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathCustomSend)
}

func TestIntegrationTyping(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(1)...))
	ctx := context.Background()
	require.NoError(t, c.SetTyping(ctx, "o1", true))
	require.NoError(t, c.SetTyping(ctx, "o1", false))
	err := c.SetTyping(ctx, "oNobody", true)
	requireAPIError(t, err, wechat.CodeInvalidParameter, pathTyping)
	var cmds []string
	for _, r := range requestsTo(srv, pathTyping) {
		cmds = append(cmds, string(r.Body))
	}
	assert.Equal(t, []string{`{"touser":"o1","command":"Typing"}`, `{"touser":"o1","command":"CancelTyping"}`,
		`{"touser":"oNobody","command":"Typing"}`}, cmds)
	assert.Empty(t, srv.SentMessages(), "typing is not a message")
}

// The customer-service accounts of the tests of accounts and sessions.
const (
	kf1 = "kf2001@gh_wechattest"
	kf2 = "kf2002@gh_wechattest"
)

func TestIntegrationKFAccounts(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()

	require.NoError(t, c.AddKFAccount(ctx, kf1, "客服一"))
	err := c.AddKFAccount(ctx, kf1, "again")
	requireAPIError(t, err, 65406, "/customservice/kfaccount/add")
	require.NoError(t, c.UpdateKFAccount(ctx, kf1, "客服小一"))
	err = c.UpdateKFAccount(ctx, kf2, "nobody")
	requireAPIError(t, err, 65401, "/customservice/kfaccount/update")

	require.NoError(t, c.InviteKFWorker(ctx, kf1, "worker_wx01"))
	err = c.InviteKFWorker(ctx, kf1, "worker_wx02")
	requireAPIError(t, err, 65411, "/customservice/kfaccount/inviteworker")
	list, err := c.ListKFAccounts(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, kf1, list[0].Account)
	assert.Equal(t, "客服小一", list[0].Nickname)
	assert.Equal(t, "1001", list[0].ID)
	assert.Equal(t, "worker_wx01", list[0].InviteWeChatID)
	assert.Equal(t, wechat.KFInviteWaiting, list[0].InviteStatus)
	assert.Empty(t, list[0].WeChatID)
	online, err := c.ListOnlineKFAccounts(ctx)
	require.NoError(t, err)
	assert.Empty(t, online, "not bound yet")

	require.True(t, srv.AcceptKFInvite(kf1))
	require.NoError(t, c.UploadKFAvatar(ctx, kf1, "me.jpg", strings.NewReader("\xff\xd8\xff avatar")))
	err = c.UploadKFAvatar(ctx, kf1, "me.bmp", strings.NewReader("BM avatar"))
	requireAPIError(t, err, 40005, "/customservice/kfaccount/uploadheadimg")
	list, err = c.ListKFAccounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, "worker_wx01", list[0].WeChatID)
	assert.Empty(t, list[0].InviteStatus)
	assert.Equal(t, []byte("\xff\xd8\xff avatar"), download(t, srv, list[0].HeadImgURL))
	online, err = c.ListOnlineKFAccounts(ctx)
	require.NoError(t, err)
	require.Len(t, online, 1)
	assert.Equal(t, wechat.OnlineKFAccount{Account: kf1, Status: 1, ID: "1001"}, online[0])

	require.NoError(t, c.DeleteKFAccount(ctx, kf1))
	list, err = c.ListKFAccounts(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
	err = c.DeleteKFAccount(ctx, kf1)
	requireAPIError(t, err, 65401, "/customservice/kfaccount/del")
}

func TestIntegrationKFSessions(t *testing.T) {
	clock := newFakeClock()
	srv, c := startFake(t, wechattest.WithClock(clock.Now), wechattest.WithFollowers(seedFollowers(3)...),
		wechattest.WithKFAccounts(
			wechattest.KFAccount{Account: kf1, Nickname: "一号", WeChatID: "worker_one", Online: true},
			wechattest.KFAccount{Account: kf2, Nickname: "二号", WeChatID: "worker_two"},
		))
	ctx := context.Background()

	err := c.CreateKFSession(ctx, kf2, "o1")
	requireAPIError(t, err, 65415, "/customservice/kfsession/create")
	require.NoError(t, c.CreateKFSession(ctx, kf1, "o1"))
	s, err := c.GetKFSession(ctx, "o1")
	require.NoError(t, err)
	assert.Equal(t, &wechat.KFSession{Account: kf1, OpenID: "o1", CreateTime: clock.Now().Unix()}, s)

	// Another account cannot take the user, until the first lets go.
	require.True(t, srv.SetKFOnline(kf2, true))
	err = c.CreateKFSession(ctx, kf2, "o1")
	requireAPIError(t, err, 65414, "/customservice/kfsession/create")
	err = c.CloseKFSession(ctx, kf2, "o1")
	requireAPIError(t, err, 65414, "/customservice/kfsession/close")
	require.NoError(t, c.CloseKFSession(ctx, kf1, "o1"))
	err = c.CloseKFSession(ctx, kf1, "o1")
	requireAPIError(t, err, 65413, "/customservice/kfsession/close")
	require.NoError(t, c.CreateKFSession(ctx, kf2, "o1"), "switched to the second account")
	sessions, err := c.ListKFSessions(ctx, kf2)
	require.NoError(t, err)
	assert.Equal(t, []wechat.KFSession{{Account: kf2, OpenID: "o1", CreateTime: clock.Now().Unix()}}, sessions)
	s, err = c.GetKFSession(ctx, "o2")
	require.NoError(t, err)
	assert.Empty(t, s.Account, "no session")

	// A bot that hands users to customer service: o2 names no account and
	// waits, o3 names the first account and is served at once.
	transfer := wechat.HandlerFunc(func(_ context.Context, m *wechat.Message) (wechat.Reply, error) {
		if m.FromUserName == "o3" {
			return m.TransferCustomerService(kf1), nil
		}
		return m.TransferCustomerService(""), nil
	})
	_, err = linkedWebhook(t, srv, "o2", transfer, clock.Now).Send(ctx, wechattest.Text("a person please"))
	require.NoError(t, err)
	wh3 := linkedWebhook(t, srv, "o3", transfer, clock.Now)
	_, err = wh3.Send(ctx, wechattest.Text("我要人工"))
	require.NoError(t, err)
	waiting, err := c.ListKFWaitCases(ctx)
	require.NoError(t, err)
	assert.Equal(t, &wechat.KFWaitCases{Count: 1, Cases: []wechat.KFWaitCase{{OpenID: "o2", LatestTime: clock.Now().Unix()}}}, waiting)
	s, err = c.GetKFSession(ctx, "o3")
	require.NoError(t, err)
	assert.Equal(t, kf1, s.Account)
	require.NoError(t, c.CreateKFSession(ctx, kf1, "o2"))
	waiting, err = c.ListKFWaitCases(ctx)
	require.NoError(t, err)
	assert.Zero(t, waiting.Count, "taken off the list")

	// The chat history: what o3 said in the session and what the
	// account answered, and a send as an account.
	clock.Advance(time.Minute)
	require.NoError(t, c.SendText(ctx, "o3", "您好，请讲"))
	require.NoError(t, c.SendText(ctx, "o2", "马上来", wechat.AsKFAccount(kf1)))
	q := wechat.KFRecordQuery{Start: clock.Now().Add(-time.Hour), End: clock.Now().Add(time.Hour), PageSize: 2}
	got := collect(t, c.KFMessageRecords(ctx, q), 0)
	start := clock.Now().Add(-time.Minute).Unix()
	assert.Equal(t, []wechat.KFMessageRecord{
		{OpenID: "o3", OperCode: wechat.KFOperReceive, Text: "我要人工", Time: start, Worker: kf1},
		{OpenID: "o3", OperCode: wechat.KFOperSend, Text: "您好，请讲", Time: start + 60, Worker: kf1},
		{OpenID: "o2", OperCode: wechat.KFOperSend, Text: "马上来", Time: start + 60, Worker: kf1},
	}, got)
	assert.Equal(t, 2, srv.Calls("/customservice/msgrecord/getmsglist"), "pages of 2")
}
