package wechat_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WeChat's retries, played by wechattest in a fraction of their real
// time: an attempt lasts attempt (WeChat's 5 s), and the webhook answers
// within replyTimeout of it (its 4.5 s).
const (
	attempt      = 500 * time.Millisecond
	replyTimeout = 400 * time.Millisecond
)

// slowBot is a webhook whose text handler takes delay and replies with
// the text it got, counting its runs; late replies are collected.
type slowBot struct {
	runs atomic.Int32
	mu   sync.Mutex
	late []wechat.LateReply
}

func (b *slowBot) handler(delay time.Duration) wechat.Handler {
	return wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		b.runs.Add(1)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return m.ReplyText("slow: " + m.Content), nil
	})
}

func (b *slowBot) lateReplies() []wechat.LateReply {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]wechat.LateReply(nil), b.late...)
}

func (b *slowBot) options(extra ...wechat.Option) []wechat.Option {
	return append([]wechat.Option{
		wechat.WithServerToken("hook-token"), wechat.WithReplyTimeout(replyTimeout),
		wechat.WithLateReplyFunc(func(ctx context.Context, lr wechat.LateReply) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.late = append(b.late, lr)
		}),
	}, extra...)
}

// pusher plays WeChat with retries, over HTTP or in process.
func pusher(h *wechattest.Webhook) *wechattest.Webhook {
	h.Token, h.Timeout = "hook-token", attempt
	return h
}

// A handler slower than an attempt still answers the user passively, on
// the attempt that is waiting when it is done, and runs once.
func TestWebhookRetriesWaitForTheHandler(t *testing.T) {
	tests := []struct {
		name    string
		delay   time.Duration
		attempt int
	}{
		{"1.5x an attempt: reply on the second", attempt * 3 / 2, 2},
		{"2.5x: on the third", attempt * 5 / 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &slowBot{}
			c, err := wechat.New(b.options()...)
			require.NoError(t, err)
			wh := pusher(&wechattest.Webhook{Handler: c.Webhook(b.handler(tt.delay))})
			d, err := wh.Push(context.Background(), wechattest.Text("hello"))
			require.NoError(t, err)
			assert.False(t, d.Failed)
			assert.Equal(t, tt.attempt, d.Attempt, d.String())
			require.IsType(t, &wechat.TextReply{}, d.Reply)
			assert.Equal(t, "slow: hello", d.Reply.(*wechat.TextReply).Content)
			assert.Equal(t, int32(1), b.runs.Load(), "the handler ran once")
			assert.Empty(t, b.lateReplies())
		})
	}
}

// A handler that needs six attempts' time: the last attempt is answered
// "success" before WeChat gives up, so the user sees no error, and the
// reply reaches the user once: through the late-reply callback when
// waiting for retries, by customer-service message when sending later.
func TestWebhookRetriesSixTimesTooSlow(t *testing.T) {
	const delay = 6 * attempt
	t.Run("WaitForRetry", func(t *testing.T) {
		t.Parallel()
		b := &slowBot{}
		c, err := wechat.New(b.options()...)
		require.NoError(t, err)
		wh := pusher(&wechattest.Webhook{Handler: c.Webhook(b.handler(delay)), Mode: wechattest.ModePlain})
		d, err := wh.Push(context.Background(), wechattest.Text("hello"))
		require.NoError(t, err)
		assert.False(t, d.Failed, "the user never sees the failure message")
		assert.Equal(t, 3, d.Attempt, d.String())
		assert.Nil(t, d.Reply, "answered success")

		require.Eventually(t, func() bool { return len(b.lateReplies()) == 1 }, 3*delay, 10*time.Millisecond)
		lr := b.lateReplies()[0]
		assert.Equal(t, "slow: hello", lr.Reply.(*wechat.TextReply).Content)
		assert.Equal(t, "hello", lr.Message.Content)
		assert.NoError(t, lr.Err)
		assert.False(t, lr.Sent)
		assert.Equal(t, int32(1), b.runs.Load())
	})

	t.Run("SendAsCustomerMessage", func(t *testing.T) {
		t.Parallel()
		srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: wechattest.DefaultOpenID}))
		defer srv.Close()
		b := &slowBot{}
		// The bot's API calls go to the fake, which records what is sent.
		c, err := srv.Client(b.options(wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithTyping())...)
		require.NoError(t, err)
		// Linked to the fake, the push opens the user's customer-service
		// window, as on WeChat: the late send is within it.
		wh := pusher(&wechattest.Webhook{Handler: c.Webhook(b.handler(delay)), Mode: wechattest.ModePlain, Server: srv})
		d, err := wh.Push(context.Background(), wechattest.Text("hello"))
		require.NoError(t, err)
		assert.Equal(t, 1, d.Attempt, "answered success at once: %s", d)
		assert.Nil(t, d.Reply)

		require.Eventually(t, func() bool { return len(b.lateReplies()) == 1 }, 3*delay, 10*time.Millisecond)
		lr := b.lateReplies()[0]
		assert.True(t, lr.Sent, "%v", lr.Err)
		sent := srv.SentMessages()
		require.Len(t, sent, 1)
		assert.Equal(t, wechattest.CustomMessage, sent[0].Kind)
		assert.Equal(t, wechattest.DefaultOpenID, sent[0].ToUser)
		assert.JSONEq(t, `{"touser":"`+wechattest.DefaultOpenID+`","msgtype":"text","text":{"content":"slow: hello"}}`, string(sent[0].Body))
		assert.Equal(t, 1, srv.Calls("/cgi-bin/message/custom/typing"), "typing shown while the handler ran")
		assert.Equal(t, int32(1), b.runs.Load())
	})
}

// A fast handler is answered on the first attempt, whatever the mode.
func TestWebhookRetriesFastHandler(t *testing.T) {
	for _, mode := range []wechat.SlowReplyMode{wechat.WaitForRetry, wechat.SendAsCustomerMessage} {
		b := &slowBot{}
		c, err := wechat.New(b.options(wechat.WithSlowReplyMode(mode))...)
		require.NoError(t, err)
		for _, m := range []wechattest.Mode{wechattest.ModePlain} {
			wh := pusher(&wechattest.Webhook{Handler: c.Webhook(b.handler(0)), Mode: m})
			d, err := wh.Push(context.Background(), wechattest.Text("quick"))
			require.NoError(t, err)
			assert.Equal(t, 1, d.Attempt, mode)
			assert.Equal(t, "slow: quick", d.Reply.(*wechat.TextReply).Content)
		}
	}
}

// Without deduplication a webhook cannot join a running handler: it
// answers "success" at the deadline and the reply is late.
func TestWebhookRetriesWithoutDedup(t *testing.T) {
	b := &slowBot{}
	c, err := wechat.New(b.options(wechat.WithoutDedup())...)
	require.NoError(t, err)
	wh := pusher(&wechattest.Webhook{Handler: c.Webhook(b.handler(attempt * 3 / 2))})
	d, err := wh.Push(context.Background(), wechattest.Text("hello"))
	require.NoError(t, err)
	assert.Equal(t, 1, d.Attempt)
	assert.Nil(t, d.Reply)
	require.Eventually(t, func() bool { return len(b.lateReplies()) == 1 }, 5*attempt, 10*time.Millisecond)
	assert.Equal(t, int32(1), b.runs.Load())
}

// A webhook that never answers: WeChat makes three attempts, then the
// user sees the failure message.
func TestPushReportsFailure(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	wh := pusher(&wechattest.Webhook{Handler: httpHandlerFunc(func() { <-block })})
	wh.Timeout = 20 * time.Millisecond
	d, err := wh.Push(context.Background(), wechattest.Text("hello"))
	require.NoError(t, err)
	assert.True(t, d.Failed)
	assert.Equal(t, 3, d.Attempts)
	assert.Equal(t, 0, d.Attempt)
	assert.Contains(t, d.String(), "该公众号提供的服务出现故障")
}

// httpHandlerFunc is a webhook that runs f and answers nothing.
func httpHandlerFunc(f func()) http.Handler {
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { f() })
}
