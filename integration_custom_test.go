package wechat_test

// End-to-end tests of the customer-service window: a bot that answers a
// message later by customer-service message, against a fake whose
// Webhook delivered the user's pushes.

import (
	"context"
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
	for _, r := range srv.Requests() {
		if r.Path == pathTyping {
			cmds = append(cmds, string(r.Body))
		}
	}
	assert.Equal(t, []string{`{"touser":"o1","command":"Typing"}`, `{"touser":"o1","command":"CancelTyping"}`,
		`{"touser":"oNobody","command":"Typing"}`}, cmds)
	assert.Empty(t, srv.SentMessages(), "typing is not a message")
}
