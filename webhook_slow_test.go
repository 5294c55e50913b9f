package wechat_test

// Tests of the webhook with a handler slower than WeChat's attempts
// (slow.go), in three parts: WeChat's retries played at a fraction of
// their real time; the deadlines of the attempts, with events ordered on
// channels; and regression tests that each push's reply reaches the user
// exactly once.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// waitLate waits up to within for the one late reply and returns it.
func (b *slowBot) waitLate(t *testing.T, within time.Duration) wechat.LateReply {
	t.Helper()
	require.Eventually(t, func() bool { return len(b.lateReplies()) == 1 }, within, 10*time.Millisecond)
	return b.lateReplies()[0]
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

// push plays WeChat pushing the text to the webhook of a Client with b's
// options and extra, whose handler takes delay. wh gives the delivery
// mode and the fake the webhook is linked to, if any; the Client's API
// calls go to that fake.
func (b *slowBot) push(t *testing.T, wh wechattest.Webhook, delay time.Duration, text string, extra ...wechat.Option) *wechattest.Delivery {
	t.Helper()
	newClient := wechat.New
	if wh.Server != nil {
		newClient = wh.Server.Client
	}
	c, err := newClient(b.options(extra...)...)
	require.NoError(t, err)
	wh.Handler = c.Webhook(b.handler(delay))
	d, err := pusher(&wh).Push(context.Background(), wechattest.Text(text))
	require.NoError(t, err)
	return d
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
			d := b.push(t, wechattest.Webhook{}, tt.delay, "hello")
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
		d := b.push(t, wechattest.Webhook{Mode: wechattest.ModePlain}, delay, "hello")
		assert.False(t, d.Failed, "the user never sees the failure message")
		assert.Equal(t, 3, d.Attempt, d.String())
		assert.Nil(t, d.Reply, "answered success")

		lr := b.waitLate(t, 3*delay)
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
		// Linked to the fake, the push opens the user's customer-service
		// window, as on WeChat: the late send is within it.
		d := b.push(t, wechattest.Webhook{Mode: wechattest.ModePlain, Server: srv}, delay, "hello",
			wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithTyping())
		assert.Equal(t, 1, d.Attempt, "answered success at once: %s", d)
		assert.Nil(t, d.Reply)

		lr := b.waitLate(t, 3*delay)
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
		d := b.push(t, wechattest.Webhook{Mode: wechattest.ModePlain}, 0, "quick", wechat.WithSlowReplyMode(mode))
		assert.Equal(t, 1, d.Attempt, mode)
		assert.Equal(t, "slow: quick", d.Reply.(*wechat.TextReply).Content)
	}
}

// Without deduplication a webhook cannot join a running handler: it
// answers "success" at the deadline and the reply is late.
func TestWebhookRetriesWithoutDedup(t *testing.T) {
	b := &slowBot{}
	d := b.push(t, wechattest.Webhook{}, attempt*3/2, "hello", wechat.WithoutDedup())
	assert.Equal(t, 1, d.Attempt)
	assert.Nil(t, d.Reply)
	b.waitLate(t, 5*attempt)
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

// The webhook at the deadlines of WeChat's attempts: what each attempt is
// answered, what is sent as a customer-service message, and what the
// DedupStore holds, when a handler, a retry and a deadline meet. The
// tests order the events on channels; the reply timeouts only drive the
// webhook's own deadlines, and every wait has a generous upper bound.

const (
	// dlToken is the server token of these tests' webhooks.
	dlToken = "deadline-token"
	// dlWait bounds every wait for something that must happen.
	dlWait = 5 * time.Second
)

// dlNow is the clock of the Clients and of the pushes: fixed, so that
// whether an attempt is the last is decided by its number alone, however
// slowly the machine runs.
var dlNow = time.Unix(1700000000, 0)

func dlClock() time.Time { return dlNow }

// dlMessage is the push these tests send, each attempt the same message.
func dlMessage() *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeText, Content: "hello", MsgID: 4242, CreateTime: dlNow.Unix()}
}

// dlReply is the reply the handler gives dlMessage.
const dlReply = "reply to hello"

// gateBot is a handler that replies only once the test releases it,
// counting its runs; it collects late replies and logs.
type gateBot struct {
	runs    atomic.Int32
	quiet   atomic.Bool   // the handler answers with no reply
	started chan struct{} // a value per run, when it starts
	release chan struct{} // closed to let the handler reply
	once    sync.Once
	late    chan wechat.LateReply
	logs    wechat.SyncBuffer
}

func newGateBot(t *testing.T) *gateBot {
	b := &gateBot{started: make(chan struct{}, 8), release: make(chan struct{}), late: make(chan wechat.LateReply, 8)}
	t.Cleanup(b.finish) // never leave a handler blocked
	return b
}

func (b *gateBot) ServeMessage(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
	b.runs.Add(1)
	b.started <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if b.quiet.Load() {
		return nil, nil
	}
	return m.ReplyText("reply to " + m.Content), nil
}

// finish lets the handler reply.
func (b *gateBot) finish() { b.once.Do(func() { close(b.release) }) }

// options are those of a webhook with reply timeout rt whose late replies
// go to b.late and logs to b.logs.
func (b *gateBot) options(rt time.Duration, extra ...wechat.Option) []wechat.Option {
	return append([]wechat.Option{
		wechat.WithServerToken(dlToken), wechat.WithReplyTimeout(rt), wechat.WithClock(dlClock),
		wechat.WithLogger(slog.New(slog.NewTextHandler(&b.logs, nil))),
		wechat.WithLateReplyFunc(func(_ context.Context, lr wechat.LateReply) { b.late <- lr }),
	}, extra...)
}

// waitStarted waits for the handler to start.
func (b *gateBot) waitStarted(t *testing.T) {
	t.Helper()
	receive(t, b.started, "the handler's start")
}

// waitLate waits for a late reply.
func (b *gateBot) waitLate(t *testing.T) wechat.LateReply {
	t.Helper()
	return receive(t, b.late, "a late reply")
}

// webhook returns the webhook of a Client with b's options, reply
// timeout rt and extra, tracked, and the pusher that plays WeChat's
// attempts at it. With srv the Client's API calls go to that fake, and
// the pushes open its user's customer-service window.
func (b *gateBot) webhook(t *testing.T, srv *wechattest.Server, rt time.Duration, extra ...wechat.Option) (*tracked, *wechattest.Webhook) {
	t.Helper()
	newClient := wechat.New
	if srv != nil {
		newClient = srv.Client
	}
	c, err := newClient(b.options(rt, extra...)...)
	require.NoError(t, err)
	h := &tracked{h: c.Webhook(b)}
	return h, dlPusher(h, srv)
}

// receive returns what ch yields next, or its zero value once it is
// closed, failing the test if neither happens within dlWait.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(dlWait):
		t.Fatalf("%s did not happen", what)
		var zero T
		return zero
	}
}

// newGate returns a channel for a store hook to hold on and the function
// that opens it, once; the test's end opens it too.
func newGate(t *testing.T) (<-chan struct{}, func()) {
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(open)
	return gate, open
}

// hold waits for ch to be closed, or for dlWait: a store call the test
// holds is let go in the end rather than left blocked.
func hold(ch <-chan struct{}) {
	select {
	case <-ch:
	case <-time.After(dlWait):
	}
}

// tracked counts the requests a webhook is still serving, so that a test
// can wait until every attempt's goroutine, the handler's included, is
// done.
type tracked struct {
	h  http.Handler
	wg sync.WaitGroup
}

func (t *tracked) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.wg.Add(1)
	defer t.wg.Done()
	t.h.ServeHTTP(w, r)
}

// wait waits for the requests being served to return.
func (t *tracked) wait(tb testing.TB) {
	tb.Helper()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(dlWait):
		tb.Fatal("the webhook did not return")
	}
}

// returned wraps h for one attempt and returns a channel closed once the
// attempt's ServeHTTP has returned. Unlike tracked it also waits for an
// attempt WeChat dropped before its request reached the webhook: the
// pusher gives up on a dropped attempt at once, whether or not the
// webhook has begun to serve it.
func returned(h http.Handler) (http.Handler, <-chan struct{}) {
	done := make(chan struct{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		h.ServeHTTP(w, r)
	}), done
}

// dlAnswer is what WeChat got for one attempt.
type dlAnswer struct {
	reply wechat.Reply
	err   error
}

// dlPusher plays WeChat's attempts one at a time, each for as long as its
// context allows: a test drops an attempt by cancelling its context.
func dlPusher(h http.Handler, srv *wechattest.Server) *wechattest.Webhook {
	return &wechattest.Webhook{Handler: h, Token: dlToken, Timeout: -1, Now: dlClock, Server: srv}
}

// send makes one attempt at dlMessage in the background.
func send(ctx context.Context, wh *wechattest.Webhook) <-chan dlAnswer {
	ch := make(chan dlAnswer, 1)
	go func() {
		r, err := wh.Send(ctx, dlMessage())
		ch <- dlAnswer{r, err}
	}()
	return ch
}

// await waits for an attempt's answer.
func await(t *testing.T, ch <-chan dlAnswer, what string) dlAnswer {
	t.Helper()
	return receive(t, ch, "an answer to the "+what)
}

// awaitSuccess waits for an attempt's answer and checks that it is
// "success"; why says what that answer shows.
func awaitSuccess(t *testing.T, ch <-chan dlAnswer, what, why string) {
	t.Helper()
	a := await(t, ch, what)
	require.NoError(t, a.err, "the %s was not answered within the attempt", what)
	assert.Equal(t, "success", replyText(t, a.reply), why)
}

// replyText is the content of a text reply, "success" for none.
func replyText(t *testing.T, r wechat.Reply) string {
	t.Helper()
	if r == nil {
		return "success"
	}
	tr, ok := r.(*wechat.TextReply)
	require.True(t, ok, "%T", r)
	return tr.Content
}

// sharedStore is a DedupStore that the webhook takes for one shared
// between processes (it is not a *MemoryDedupStore), such as
// redisstore.Store: its state is a MemoryDedupStore's, and a test can
// hold its calls to order them against the webhook's deadlines. It
// ignores the short deadline the webhook gives a call: a held call has
// done its work and only returns later, as over a slow network.
type sharedStore struct {
	mem     *wechat.MemoryDedupStore
	arrived chan wechat.PushState // the state each Arrive returns

	mu   sync.Mutex
	keys map[string]bool
	// pair, when set, holds each of the next two Arrive calls until both
	// have been made.
	pair      chan struct{}
	pairCount int
	// finishFirst, when set, orders the next Finish and GiveUp: GiveUp
	// waits until Finish has stored the reply, and Finish then returns
	// only when the test calls releaseFinish.
	finishFirst bool
	finished    chan struct{} // closed when Finish has stored the reply
	finishGate  chan struct{} // closed by releaseFinish
}

func newSharedStore() *sharedStore {
	return &sharedStore{mem: wechat.NewMemoryDedupStore(0, 0), arrived: make(chan wechat.PushState, 16),
		keys: map[string]bool{}, finished: make(chan struct{}), finishGate: make(chan struct{})}
}

// orderFinishFirst makes the next Finish store the reply before the next
// GiveUp gives the push up, and hold its answer until releaseFinish.
func (s *sharedStore) orderFinishFirst() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishFirst = true
}

// releaseFinish lets the held Finish return.
func (s *sharedStore) releaseFinish() { close(s.finishGate) }

// ordered reports whether orderFinishFirst is in effect.
func (s *sharedStore) ordered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finishFirst
}

// holdArrivals makes the next two Arrive calls wait for each other.
func (s *sharedStore) holdArrivals() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pair, s.pairCount = make(chan struct{}), 0
}

// key returns the key of a push the store has seen: the tests that call
// it push one.
func (s *sharedStore) key() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.keys {
		return k
	}
	return ""
}

func (s *sharedStore) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	st, err := s.mem.Arrive(ctx, key, now, ttl)
	s.mu.Lock()
	s.keys[key] = true
	pair := s.pair
	if pair != nil {
		if s.pairCount++; s.pairCount == 2 {
			close(pair)
			s.pair = nil
		}
	}
	s.mu.Unlock()
	if pair != nil {
		hold(pair)
	}
	s.arrived <- st
	return st, err
}

func (s *sharedStore) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	stored, err := s.mem.Finish(ctx, key, reply)
	if s.ordered() {
		close(s.finished)
		hold(s.finishGate)
	}
	return stored, err
}

func (s *sharedStore) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	if s.ordered() {
		hold(s.finished)
	}
	return s.mem.GiveUp(ctx, key)
}

func (s *sharedStore) State(ctx context.Context, key string) (wechat.PushState, error) {
	return s.mem.State(ctx, key)
}

// trackingStore is a sharedStore that is a ReplyTracker, as
// redisstore.Store is: it records which attempts took a reply.
type trackingStore struct{ *sharedStore }

func (s trackingStore) Take(ctx context.Context, key string) (wechat.PushState, error) {
	return s.mem.Take(ctx, key)
}

func (s trackingStore) ClaimLate(ctx context.Context, key string) (bool, error) {
	return s.mem.ClaimLate(ctx, key)
}

// waitArrival waits for an attempt to be recorded and returns its state.
func (s *sharedStore) waitArrival(t *testing.T) wechat.PushState {
	t.Helper()
	return receive(t, s.arrived, "an attempt's arrival at the store")
}

// state returns the state of the one push the store has seen.
func (s *sharedStore) state(t *testing.T) wechat.PushState {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.keys, 1)
	for k := range s.keys {
		st, err := s.mem.State(context.Background(), k)
		require.NoError(t, err)
		return st
	}
	return wechat.PushState{}
}

// newCustomerServer is a fake WeChat whose user may be sent
// customer-service messages.
// customerWebhook returns the webhook of a Client in SendAsCustomerMessage
// mode on store, with a reply timeout of 100 ms, whose customer-service
// messages go to srv.
func (b *gateBot) customerWebhook(t *testing.T, srv *wechattest.Server, store wechat.DedupStore) (*tracked, *wechattest.Webhook) {
	t.Helper()
	return b.webhook(t, srv, 100*time.Millisecond, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithDedupStore(store))
}

// retryGetsSuccess checks that a retry after the reply went as a
// customer-service message is answered "success", and that the user got
// the reply once.
func retryGetsSuccess(t *testing.T, retry <-chan dlAnswer, h *tracked, srv *wechattest.Server, b *gateBot) {
	t.Helper()
	awaitSuccess(t, retry, "retry", "the retry must not deliver the reply a second time")
	h.wait(t)
	assertSentOnce(t, srv, b)
}

func newCustomerServer(t *testing.T) *wechattest.Server {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: wechattest.DefaultOpenID}))
	t.Cleanup(srv.Close)
	return srv
}

// assertSentOnce checks that b's handler ran once and that its reply went
// to srv's user once, as a customer-service message.
func assertSentOnce(t *testing.T, srv *wechattest.Server, b *gateBot) {
	t.Helper()
	sent := srv.SentMessages()
	require.Len(t, sent, 1, "the reply is sent once, as a customer-service message")
	assert.Contains(t, string(sent[0].Body), dlReply)
	assert.Equal(t, int32(1), b.runs.Load())
}

// In SendAsCustomerMessage mode a second attempt at a push that arrives
// while the handler runs (before the first attempt's deadline) is
// answered "success" at its own deadline, within the attempt, and never
// held for WeChat to retry: the first attempt was answered, so nothing
// will take the reply passively, and it goes as one customer-service
// message. The second attempt is dropped at twice the reply timeout, so
// an attempt held for another attempt's time is not answered at all.
func TestWebhookCustomerMessageRetryIsNotHeld(t *testing.T) {
	const rt = 250 * time.Millisecond
	srv := newCustomerServer(t)
	b := newGateBot(t)
	_, wh := b.webhook(t, srv, rt, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage))

	first := send(context.Background(), wh)
	b.waitStarted(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*rt) // WeChat drops the attempt
	defer cancel()
	second := send(ctx, wh)

	awaitSuccess(t, first, "first attempt", "the first attempt is answered at its deadline")
	awaitSuccess(t, second, "second attempt", "the second attempt is answered at its own deadline")
	assert.NotContains(t, b.logs.String(), "was not dropped", "the second attempt was held past its deadline")

	b.finish()
	lr := b.waitLate(t)
	assert.True(t, lr.Sent, "%v", lr.Err)
	assertSentOnce(t, srv, b)
}

// In SendAsCustomerMessage mode the first attempt's deadline gives the
// push up in the store: a retry that comes after the reply went as a
// customer-service message (WeChat lost the first "success") is
// answered "success", not with the passive reply as well, so the user
// gets the reply once. The handler finishes once the deadline has shown
// the user "typing", which the webhook does after giving the push up.
func TestWebhookCustomerMessageRetryAfterSend(t *testing.T) {
	const rt = 100 * time.Millisecond
	srv := newCustomerServer(t)
	b := newGateBot(t)
	_, wh := b.webhook(t, srv, rt, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithTyping())

	first := send(context.Background(), wh)
	b.waitStarted(t)
	awaitSuccess(t, first, "first attempt", "answered at the deadline")
	const typing = "/cgi-bin/message/custom/typing"
	require.Eventually(t, func() bool { return srv.Calls(typing) == 1 }, dlWait, time.Millisecond, "typing shown")

	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "%v", lr.Err)
	require.Len(t, srv.SentMessages(), 1)

	awaitSuccess(t, send(context.Background(), wh), "retry", "the retry must not deliver the reply a second time")
	assertSentOnce(t, srv, b)
}

// When the handler finishes just as the last attempt's deadline comes,
// the store's Finish having taken the reply before the attempt gives the
// push up, the last attempt still carries the reply passively, and it
// is not also handed on as late. The store here makes the last attempt's
// GiveUp wait for Finish to store the reply, and holds Finish's answer
// until the last attempt is answered: the order of a Finish whose answer
// is still on the network when the deadline gives the push up.
func TestWebhookLastDeadlineAfterFinish(t *testing.T) {
	const rt = 150 * time.Millisecond
	b := newGateBot(t)
	store := newSharedStore()
	h, wh := b.webhook(t, nil, rt, wechat.WithDedupStore(store))

	// The first two attempts are dropped by WeChat while the handler runs.
	for i := 1; i <= 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		ch := send(ctx, wh)
		assert.Equal(t, i, store.waitArrival(t).Attempt)
		if i == 1 {
			b.waitStarted(t)
		}
		cancel()
		assert.Error(t, await(t, ch, "dropped attempt").err)
	}

	store.orderFinishFirst()
	last := send(context.Background(), wh)
	assert.Equal(t, 3, store.waitArrival(t).Attempt)
	b.finish()

	a3 := await(t, last, "last attempt")
	store.releaseFinish()
	require.NoError(t, a3.err)
	assert.Equal(t, dlReply, replyText(t, a3.reply), "the last attempt carries the finished reply")
	h.wait(t)
	select {
	case lr := <-b.late:
		t.Errorf("the reply was delivered passively and also handed on as late: %+v", lr)
	default:
	}
	st := store.state(t)
	assert.True(t, st.Done)
	assert.False(t, st.GivenUp)
	assert.Equal(t, int32(1), b.runs.Load())
}

// An attempt that is not the last and that nothing drops (a proxy in
// front of the webhook that waits for ever) is held one attempt's time
// for WeChat to retry, then answered "success", with a warning: it is
// not held for as long as the handler runs. In WaitForRetry mode that
// answer ends WeChat's retries, so none can carry the reply, and the
// push is given up: the handler's reply, which comes after the answer,
// goes to the WithLateReplyFunc callback instead of being kept for
// attempts that will never come.
func TestWebhookHeldAttemptIsAnswered(t *testing.T) {
	const rt = 100 * time.Millisecond
	b := newGateBot(t)
	h, wh := b.webhook(t, nil, rt)

	ctx, cancel := context.WithCancel(context.Background())
	first := send(ctx, wh)
	b.waitStarted(t)
	cancel() // WeChat drops the first attempt
	assert.Error(t, await(t, first, "first attempt").err)

	awaitSuccess(t, send(context.Background(), wh), "second attempt", "the held attempt is answered while the handler runs")
	require.Contains(t, b.logs.String(), "webhook attempt was not dropped")
	assert.Equal(t, int32(1), b.runs.Load(), "the retry joined the running handler")

	b.finish()
	h.wait(t) // the handler's goroutine, which hands on a late reply, has returned
	select {
	case lr := <-b.late:
		require.NotNil(t, lr.Reply)
		assert.Equal(t, dlReply, replyText(t, lr.Reply))
		assert.NoError(t, lr.Err)
		assert.False(t, lr.Sent)
	default:
		t.Fatal("the reply came after the held attempt was answered and reached nobody: it was not handed to WithLateReplyFunc")
	}
	assert.Equal(t, int32(1), b.runs.Load())
}

// Two processes share a DedupStore. The first attempt at a push reached
// the other process, whose handler runs; two more attempts reach this
// one at once. The first of them to arrive opens a flight here that the
// other joins, then learns from the store that the other process runs
// the handler: both attempts then wait for the store, and both carry the
// other process's reply; this process's handler never runs.
func TestWebhookSharedStoreRemoteFlight(t *testing.T) {
	// The reply timeout only bounds the wait for the other process; the
	// reply comes at once.
	const rt = time.Second
	store := newSharedStore()
	there, here := newGateBot(t), newGateBot(t)
	otherHook, otherPusher := there.webhook(t, nil, rt, wechat.WithDedupStore(store))
	thisHook, wh := here.webhook(t, nil, rt, wechat.WithDedupStore(store))

	ctx, cancel := context.WithCancel(context.Background())
	first := send(ctx, otherPusher)
	assert.Equal(t, 1, store.waitArrival(t).Attempt)
	there.waitStarted(t)
	cancel() // WeChat drops it
	assert.Error(t, await(t, first, "first attempt").err)

	store.holdArrivals()
	a, b := send(context.Background(), wh), send(context.Background(), wh)
	store.waitArrival(t)
	store.waitArrival(t)
	there.finish() // the other process's handler replies

	for _, ch := range []<-chan dlAnswer{a, b} {
		got := await(t, ch, "attempt at this process")
		require.NoError(t, got.err)
		assert.Equal(t, dlReply, replyText(t, got.reply), "an attempt here carries the other process's reply")
	}
	otherHook.wait(t)
	thisHook.wait(t)
	assert.Equal(t, int32(1), there.runs.Load())
	assert.Equal(t, int32(0), here.runs.Load(), "the handler ran in the other process only")
	assert.Empty(t, there.late)
	assert.Empty(t, here.late)
}

// Regression tests for a reply delivered twice or not at all: each push's
// reply reaches the user exactly once, passively, as a customer-service
// message, or (when neither can carry it) through WithLateReplyFunc. They
// use the handler, store and pusher of the deadline tests above.

// dvStore is a sharedStore (a DedupStore the webhook takes for one shared
// between processes) with hooks a test sets before the webhook serves,
// to learn of or hold the webhook's calls. Each hook runs on the
// webhook's goroutine after the call has done its work in the store, or
// before it for the before hooks; a nil hook does nothing.
type dvStore struct {
	*sharedStore
	arriveErr    func() error // an error for Arrive to fail with, recording nothing
	beforeArrive func()
	afterArrive  func(st wechat.PushState)
	beforeFinish func(reply []byte)
	finishErr    func(reply []byte) error // an error for Finish to fail with, storing nothing
	afterFinish  func(stored bool)
	beforeGiveUp func()
	giveUpErr    func() error // an error for GiveUp to fail with, giving nothing up
	afterGiveUp  func(st wechat.PushState)
	beforeClaim  func() // of a dvTracker's ClaimLate
}

// dvTracker is a dvStore that is a ReplyTracker.
type dvTracker struct{ *dvStore }

func (s dvTracker) Take(ctx context.Context, key string) (wechat.PushState, error) {
	return s.mem.Take(ctx, key)
}

func (s dvTracker) ClaimLate(ctx context.Context, key string) (bool, error) {
	if s.beforeClaim != nil {
		s.beforeClaim()
	}
	return s.mem.ClaimLate(ctx, key)
}

func (s *dvStore) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	if s.arriveErr != nil {
		if err := s.arriveErr(); err != nil {
			return wechat.PushState{}, err
		}
	}
	if s.beforeArrive != nil {
		s.beforeArrive()
	}
	st, err := s.sharedStore.Arrive(ctx, key, now, ttl)
	if s.afterArrive != nil {
		s.afterArrive(st)
	}
	return st, err
}

func (s *dvStore) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	if s.beforeFinish != nil {
		s.beforeFinish(reply)
	}
	if s.finishErr != nil {
		if err := s.finishErr(reply); err != nil {
			return false, err
		}
	}
	stored, err := s.sharedStore.Finish(ctx, key, reply)
	if s.afterFinish != nil {
		s.afterFinish(stored)
	}
	return stored, err
}

func (s *dvStore) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	if s.beforeGiveUp != nil {
		s.beforeGiveUp()
	}
	if s.giveUpErr != nil {
		if err := s.giveUpErr(); err != nil {
			return wechat.PushState{}, err
		}
	}
	st, err := s.sharedStore.GiveUp(ctx, key)
	if s.afterGiveUp != nil {
		s.afterGiveUp(st)
	}
	return st, err
}

// dvWritten wraps a webhook and reports whether it has begun to write a
// response to any attempt: a store hook reads it to tell whether an
// attempt was answered before the call it sees.
type dvWritten struct {
	h       http.Handler
	written atomic.Bool
}

func (d *dvWritten) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.h.ServeHTTP(&dvWriter{ResponseWriter: w, written: &d.written}, r)
}

// dvWriter is the ResponseWriter of dvWritten; it flushes through.
type dvWriter struct {
	http.ResponseWriter
	written *atomic.Bool
}

func (w *dvWriter) Write(p []byte) (int, error) {
	w.written.Store(true)
	return w.ResponseWriter.Write(p)
}

func (w *dvWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *dvWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// In SendAsCustomerMessage mode with a shared store, the watchdog gives
// the push up before it answers the first attempt "success": a handler
// that finishes in between must not have its reply kept as deliverable
// (Finish stored) and also sent as a customer-service message, or a
// retry would carry it passively a second time. The store holds the
// watchdog's GiveUp, when the attempt has already been answered, until
// the handler has finished and Finish has stored its reply: the window
// of the answer's write and the give-up. Where the give-up comes first
// there is no such window and the handler simply finishes after the
// answer. Either way the reply goes once, as a customer-service message,
// and a retry that comes after it (WeChat lost the "success") is
// answered "success".
func TestWebhookWatchdogGivesUpBeforeAnswering(t *testing.T) {
	srv := newCustomerServer(t)
	b := newGateBot(t)
	giveUpCalled := make(chan bool, 1) // whether the attempt was answered before the watchdog's GiveUp
	giveUpGate, openGate := newGate(t)
	var giveUpOnce, finishOnce sync.Once
	finished := make(chan struct{}) // closed when Finish has done its work
	hook := &dvWritten{}
	store := &dvStore{
		sharedStore: newSharedStore(),
		beforeGiveUp: func() {
			giveUpOnce.Do(func() {
				giveUpCalled <- hook.written.Load()
				hold(giveUpGate)
			})
		},
		afterFinish: func(bool) { finishOnce.Do(func() { close(finished) }) },
	}
	h, wh := b.customerWebhook(t, srv, store)
	hook.h, h.h = h.h, hook // so that the store's hook sees what was written

	first := send(context.Background(), wh)
	assert.Equal(t, 1, store.waitArrival(t).Attempt)
	b.waitStarted(t)
	if receive(t, giveUpCalled, "the watchdog's GiveUp") {
		// "success" is written and the push not yet given up: the handler
		// finishes now, and Finish reaches the store first.
		b.finish()
		receive(t, finished, "the handler's Finish")
	}
	openGate()

	awaitSuccess(t, first, "first attempt", "answered at the deadline")
	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "the reply goes as a customer-service message: %v", lr.Err)
	require.Len(t, srv.SentMessages(), 1)

	retryGetsSuccess(t, send(context.Background(), wh), h, srv, b)
	assert.Empty(t, b.late, "one late reply")
}

// In SendAsCustomerMessage mode with a shared store, a retry that reaches
// the process running the handler after the watchdog answered "success"
// and gave the push up does not take the reply from the handler's
// flight: the reply goes as a customer-service message, so the retry is
// answered "success" (at once, or at its deadline), never with the reply.
// The store holds the retry's Arrive, the retry having joined the
// flight, until the handler has finished and its reply has gone as a
// customer-service message.
func TestWebhookSharedStoreRetryAfterGiveUpGetsSuccess(t *testing.T) {
	srv := newCustomerServer(t)
	b := newGateBot(t)
	gaveUp := make(chan wechat.PushState, 1)
	arriveGate, openGate := newGate(t)
	var giveUpOnce sync.Once
	store := &dvStore{
		sharedStore: newSharedStore(),
		afterGiveUp: func(st wechat.PushState) { giveUpOnce.Do(func() { gaveUp <- st }) },
		afterArrive: func(st wechat.PushState) {
			if st.Attempt == 2 {
				hold(arriveGate)
			}
		},
	}
	h, wh := b.customerWebhook(t, srv, store)

	first := send(context.Background(), wh)
	assert.Equal(t, 1, store.waitArrival(t).Attempt)
	b.waitStarted(t)
	awaitSuccess(t, first, "first attempt", "answered at the deadline")
	receive(t, gaveUp, "the watchdog's GiveUp")

	retry := send(context.Background(), wh)
	st := store.waitArrival(t)
	require.Equal(t, 2, st.Attempt)
	require.True(t, st.GivenUp, "the retry comes after the push was given up")
	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "the reply goes as a customer-service message: %v", lr.Err)
	openGate()

	retryGetsSuccess(t, retry, h, srv, b)
	assert.Empty(t, b.late, "one late reply")
}

// In SendAsCustomerMessage mode, a watchdog whose GiveUp the shared store
// failed has still answered "success", and the reply goes as a
// customer-service message: the handler must not keep it in the store as
// well, where a retry would take it and carry it passively a second time.
func TestWebhookWatchdogGiveUpFailedKeepsNoReply(t *testing.T) {
	srv := newCustomerServer(t)
	b := newGateBot(t)
	store := &dvStore{sharedStore: newSharedStore(), giveUpErr: func() error { return errors.New("store down") }}
	h, wh := b.customerWebhook(t, srv, store)

	first := send(context.Background(), wh)
	b.waitStarted(t)
	awaitSuccess(t, first, "first attempt", "answered at the deadline")
	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "the reply goes as a customer-service message: %v", lr.Err)

	retryGetsSuccess(t, send(context.Background(), wh), h, srv, b)
}

// lateStores are the kinds of DedupStore the webhook tells apart: the
// in-memory one, whose entries are this process's flights, and one it
// takes for a store shared between processes, which records which
// attempts took a reply (a ReplyTracker) or does not.
var lateStores = []struct {
	name  string
	store func() wechat.DedupStore
}{
	{"MemoryDedupStore", func() wechat.DedupStore { return wechat.NewMemoryDedupStore(0, 0) }},
	{"shared store", func() wechat.DedupStore { return newSharedStore() }},
	{"shared ReplyTracker", func() wechat.DedupStore { return trackingStore{newSharedStore()} }},
}

// lateTimeout is the reply timeout of the late-reply tests: WeChat's
// attempts are over a second after the first arrived.
const lateTimeout = 300 * time.Millisecond

// dropFirstAttempt starts a push on a webhook over store, of reply
// timeout rt, whose handler runs until the bot's finish, and has WeChat
// drop its first attempt meanwhile.
func dropFirstAttempt(t *testing.T, store wechat.DedupStore, rt time.Duration) (*gateBot, *tracked, *wechattest.Webhook) {
	t.Helper()
	b := newGateBot(t)
	h, wh := b.webhook(t, nil, rt, wechat.WithDedupStore(store))
	ctx, cancel := context.WithCancel(context.Background())
	first := send(ctx, wh)
	b.waitStarted(t)
	cancel()
	assert.Error(t, await(t, first, "first attempt").err)
	return b, h, wh
}

// dropRetry sends the webhook h serves a retry that WeChat drops before
// the handler is done, and returns once the attempt has returned: the
// store counted it, and it gave up waiting.
func dropRetry(t *testing.T, h *tracked) {
	t.Helper()
	second, served := returned(h)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Error(t, await(t, send(ctx, dlPusher(second, nil)), "second attempt").err)
	receive(t, served, "the second attempt's return")
}

// assertNoLate checks that no late reply was handed on; call it once the
// webhook has returned, the handler's goroutine included.
func assertNoLate(t *testing.T, b *gateBot, why string) {
	t.Helper()
	select {
	case lr := <-b.late:
		t.Errorf("%s, yet a late reply was handed on: %+v", why, lr)
	default:
	}
}

// takeLate checks that exactly one late reply, the handler's, was handed
// on; call it once the webhook has returned.
func takeLate(t *testing.T, b *gateBot, why string) {
	t.Helper()
	select {
	case lr := <-b.late:
		require.NotNil(t, lr.Reply, "%+v", lr)
		assert.Equal(t, dlReply, replyText(t, lr.Reply))
		assert.NoError(t, lr.Err)
		assert.False(t, lr.Sent)
	default:
		t.Fatalf("%s: the reply reached nobody, and was not handed to WithLateReplyFunc", why)
	}
	assertNoLate(t, b, "one late reply only")
}

// In WaitForRetry mode, a handler that finishes after WeChat dropped the
// first attempt, with no retry waiting and none to come to this process
// (a load balancer sent them elsewhere, or they were lost), hands its
// reply to WithLateReplyFunc once WeChat's attempts are over, instead of
// keeping it in the store for attempts that never come. Likewise when a
// retry reached this process but WeChat dropped it before the handler
// finished. A retry that arrives after that (a replay) is answered
// "success": the reply went late, not a second time passively. A handler
// that gave no reply has nothing to hand on, and WithLateReplyFunc is not
// called.
func TestWebhookFinishedReplyWithNoRetryGoesLate(t *testing.T) {
	cases := []struct {
		name         string
		quiet        bool // the handler gives no reply
		droppedRetry bool // a retry came, and WeChat dropped it
	}{
		{name: "no retry"},
		{name: "no retry, no reply", quiet: true},
		{name: "retry dropped", droppedRetry: true},
	}
	for _, s := range lateStores {
		for _, tt := range cases {
			t.Run(s.name+", "+tt.name, func(t *testing.T) {
				t.Parallel()
				b, h, wh := dropFirstAttempt(t, s.store(), lateTimeout)
				b.quiet.Store(tt.quiet)
				if tt.droppedRetry {
					dropRetry(t, h)
				}

				b.finish()
				h.wait(t)
				if tt.quiet {
					assertNoLate(t, b, "the handler gave no reply")
				} else {
					takeLate(t, b, "no attempt was left to carry the reply")
				}
				awaitSuccess(t, send(context.Background(), wh), "retry after the late reply", "the reply went late; a retry must not carry it too")
				h.wait(t)
				assertNoLate(t, b, "the retry was answered")
				assert.Equal(t, int32(1), b.runs.Load())
			})
		}
	}
}

// A retry that waits when the handler finishes, as WeChat's second
// attempt at a slow handler's push does, carries the reply, and the reply
// is not handed on as late as well. The retry's taking the reply ends the
// wait of the attempt WeChat dropped for WeChat's attempts to be over:
// that attempt's request returns then, so that a server's Shutdown does
// not wait on it. With a reply timeout of 30 s the attempts are over
// 100 s after the first arrived, far beyond the test's wait.
func TestWebhookWaitingRetryCarriesReply(t *testing.T) {
	for _, s := range lateStores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			store := s.store()
			b, h, wh := dropFirstAttempt(t, store, 30*time.Second)

			retry := send(context.Background(), wh)
			if ss, ok := store.(interface {
				waitArrival(*testing.T) wechat.PushState
			}); ok {
				ss.waitArrival(t) // the first's
				assert.Equal(t, 2, ss.waitArrival(t).Attempt)
			}
			b.finish()
			a := await(t, retry, "retry")
			require.NoError(t, a.err)
			assert.Equal(t, dlReply, replyText(t, a.reply), "the waiting retry carries the reply")
			h.wait(t) // the dropped attempt returned too
			assertNoLate(t, b, "the retry carried the reply")
			assert.Equal(t, int32(1), b.runs.Load())
		})
	}
}

// A handler that finishes after the reply timeout's span, while WeChat
// still holds the first attempt (WeChat waits its own 5 seconds, longer
// than the span of a reply timeout set under DefaultReplyTimeout), has
// its reply carried by that attempt: it is not handed on as late as
// well. So does one that finishes after all of WeChat's attempts would be
// over by those spans. The test waits that long before the handler
// replies, a lower bound, not a measure of speed.
func TestWebhookLiveFirstAttemptPastSpanIsNotLate(t *testing.T) {
	const rt = 90 * time.Millisecond
	for _, spans := range []time.Duration{2, 5} {
		for _, s := range lateStores {
			t.Run(fmt.Sprintf("%s, %d spans", s.name, spans), func(t *testing.T) {
				t.Parallel()
				b := newGateBot(t)
				h, wh := b.webhook(t, nil, rt, wechat.WithDedupStore(s.store()))
				first := send(context.Background(), wh)
				b.waitStarted(t)
				<-time.After(spans * rt * 10 / 9) // the attempt is still open
				b.finish()
				a := await(t, first, "first attempt")
				require.NoError(t, a.err)
				assert.Equal(t, dlReply, replyText(t, a.reply), "the open first attempt carries the reply")
				h.wait(t)
				assertNoLate(t, b, "the first attempt carried the reply")
			})
		}
	}
}

// With a shared store, a first attempt still open when its handler
// finishes, after WeChat's last attempt at another process gave the push
// up (spans shorter than WeChat's wait), is answered "success": its reply
// goes late, and must not reach the user on that attempt as well.
func TestWebhookLiveFirstAttemptGivenUpElsewhereGetsSuccess(t *testing.T) {
	const rt = 90 * time.Millisecond
	store := newSharedStore()
	b := newGateBot(t)
	h, wh := b.webhook(t, nil, rt, wechat.WithDedupStore(store))
	first := send(context.Background(), wh)
	store.waitArrival(t)
	b.waitStarted(t)

	there := newGateBot(t)
	otherHook, otherWh := there.webhook(t, nil, rt, wechat.WithDedupStore(store))
	dropRetry(t, otherHook)
	assert.Equal(t, 2, store.waitArrival(t).Attempt)
	awaitSuccess(t, send(context.Background(), otherWh), "last attempt", "it gives the push up at its deadline")
	assert.Equal(t, 3, store.waitArrival(t).Attempt)

	b.finish()
	awaitSuccess(t, first, "first attempt", "the push was given up; its reply goes late")
	h.wait(t)
	takeLate(t, b, "the push was given up")
	assert.Equal(t, int32(0), there.runs.Load())
}

// pushOut sends another push, which pushes the first out of a memory
// store of one entry.
func pushOut(t *testing.T, wh *wechattest.Webhook) {
	t.Helper()
	other := dlMessage()
	other.MsgID++
	other.Content = "other"
	r, err := wh.Send(context.Background(), other)
	require.NoError(t, err)
	assert.Equal(t, "reply to other", replyText(t, r))
}

// A retry that took the reply keeps it when the memory store forgets the
// push before WeChat's attempts are over (its limits pushed it out under
// load): the reply is not handed on as late as well.
func TestWebhookTakenReplyForgottenIsNotLate(t *testing.T) {
	store := wechat.NewMemoryDedupStore(1, 0)
	b, h, wh := dropFirstAttempt(t, store, lateTimeout)
	b.finish()
	a := await(t, send(context.Background(), wh), "retry")
	require.NoError(t, a.err)
	require.Equal(t, dlReply, replyText(t, a.reply), "the retry carries the reply")

	pushOut(t, wh)

	h.wait(t)
	assertNoLate(t, b, "the retry carried the reply")
}

// With a shared store, a retry that reached this process while the
// handler ran, and whose Arrive the store answers only as the late claim
// takes the reply back (a slow network), finds the reply gone or leaves
// it to the claim: the reply reaches the user once, passively or late.
// The store holds the retry's Arrive, the retry having joined the
// handler's flight, until the claim comes (its Finish of no reply, or a
// ReplyTracker's ClaimLate), and holds the claim until the retry is
// answered. A ReplyTracker's Arrive took the reply, which the retry
// carries then: this process's own claim of the flight does not stop it.
func TestWebhookSharedStoreRetryArrivingAtTheClaim(t *testing.T) {
	for _, tracker := range []bool{false, true} {
		name := "DedupStore"
		if tracker {
			name = "ReplyTracker"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			arriving, claiming := make(chan struct{}), make(chan struct{})
			arriveGate, openArrive := newGate(t)
			claimGate, openClaim := newGate(t)
			var arrivals atomic.Int32
			var claimOnce sync.Once
			claim := func() {
				claimOnce.Do(func() {
					close(claiming)
					hold(claimGate)
				})
			}
			dv := &dvStore{
				sharedStore: newSharedStore(),
				beforeArrive: func() {
					if arrivals.Add(1) == 2 {
						close(arriving)
						hold(arriveGate)
					}
				},
			}
			var store wechat.DedupStore = dv
			if tracker {
				dv.beforeClaim = claim
				store = dvTracker{dv}
			} else {
				dv.beforeFinish = func(reply []byte) {
					if reply == nil { // the claim's: the handler's reply is not nil
						claim()
					}
				}
			}
			b, h, wh := dropFirstAttempt(t, store, lateTimeout)
			retry := send(context.Background(), wh)
			receive(t, arriving, "the retry's Arrive")
			b.finish()
			receive(t, claiming, "the late claim")
			openArrive()
			a := await(t, retry, "retry")
			openClaim()
			h.wait(t)

			require.NoError(t, a.err)
			if replyText(t, a.reply) == dlReply {
				assertNoLate(t, b, "the retry carried the reply")
			} else {
				require.False(t, tracker, "the store gave the retry the reply, which it records taken")
				takeLate(t, b, "the retry was answered success")
			}
			assert.Equal(t, int32(1), b.runs.Load())
		})
	}
}

// With a shared store that fails as the late claim takes the reply back,
// the reply stays in the store, where an attempt that comes after (a
// replay, or one still waiting at another process) takes it: it is not
// handed on as late as well.
func TestWebhookSharedStoreFailedTakeBackIsNotLate(t *testing.T) {
	store := &dvStore{sharedStore: newSharedStore(), finishErr: func(reply []byte) error {
		if reply == nil { // the claim's: the handler's reply is not nil
			return errors.New("store unreachable")
		}
		return nil
	}}
	b, h, wh := dropFirstAttempt(t, store, lateTimeout)
	b.finish()
	h.wait(t)
	a := await(t, send(context.Background(), wh), "attempt after the claim")
	require.NoError(t, a.err)
	h.wait(t)
	if replyText(t, a.reply) == dlReply {
		assertNoLate(t, b, "the attempt after the claim carried the reply the store kept")
	} else {
		takeLate(t, b, "the attempt after the claim was answered success")
	}
	assert.Equal(t, int32(1), b.runs.Load())
}

// With a shared store that failed to record an attempt here, the
// attempt the store counted at another process carried the reply, and
// the reply is not handed on as late as well. The second attempt reaches
// this process and WeChat drops it; the third reaches the other process
// and waits there for the reply. When the store failed to record the
// second attempt, that one does not stand, in the late claim's count, for
// the third; when it failed to record the first, the second opened the
// push there, and the reply is kept in it for the attempts that follow.
func TestWebhookSharedStoreUnrecordedAttempt(t *testing.T) {
	for _, tt := range []struct {
		name    string
		failing int32 // the arrival the store fails to record
	}{
		{"second", 2},
		{"first", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var arrivals atomic.Int32
			store := &dvStore{sharedStore: newSharedStore(), arriveErr: func() error {
				if arrivals.Add(1) == tt.failing {
					return errors.New("store unreachable")
				}
				return nil
			}}
			b, h, _ := dropFirstAttempt(t, store, lateTimeout)

			dropRetry(t, h)
			assert.Equal(t, 1, store.waitArrival(t).Attempt, "the store counted one of the two")

			remoteAttemptCarries(t, b, h, store, lateTimeout, 2)
		})
	}
}

// With a shared store that records which attempts took a reply (a
// ReplyTracker), a retry that another process counted, and that WeChat
// dropped before the handler finished, took nothing: the reply is handed
// on as late, not lost. A retry that comes after that is answered
// "success".
func TestWebhookSharedStoreRemoteDroppedRetryGoesLate(t *testing.T) {
	store := trackingStore{newSharedStore()}
	b, h, wh := dropFirstAttempt(t, store, lateTimeout)
	store.waitArrival(t)

	there := newGateBot(t)
	otherHook, _ := there.webhook(t, nil, lateTimeout, wechat.WithDedupStore(store))
	dropRetry(t, otherHook)
	assert.Equal(t, 2, store.waitArrival(t).Attempt, "the store counted the other process's attempt")

	b.finish()
	h.wait(t)
	takeLate(t, b, "the other process's attempt was dropped before the reply was ready")
	awaitSuccess(t, send(context.Background(), wh), "retry after the late reply", "the reply went late; a retry must not carry it too")
	h.wait(t)
	assert.Equal(t, int32(1), b.runs.Load())
	assert.Equal(t, int32(0), there.runs.Load())
}

// heldWrite wraps a webhook and holds the first response write of its
// first request until the test opens gate, telling on writing that the
// write began: the first attempt's goroutine is then between the
// store's Finish and the late claim.
type heldWrite struct {
	h       http.Handler
	gate    <-chan struct{}
	writing chan struct{}
	served  atomic.Int32
}

func (hw *heldWrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if hw.served.Add(1) == 1 {
		w = &heldWriter{ResponseWriter: w, hw: hw}
	}
	hw.h.ServeHTTP(w, r)
}

// heldWriter is the ResponseWriter of heldWrite's first request.
type heldWriter struct {
	http.ResponseWriter
	hw   *heldWrite
	once sync.Once
}

func (w *heldWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.hw.writing)
		hold(w.hw.gate)
	})
	return w.ResponseWriter.Write(p)
}

// A retry that took the reply keeps it when the memory store forgets the
// push after the handler's Finish and before the late claim began to
// watch it (the first attempt's goroutine was still writing the reply to
// WeChat's dropped connection): the reply is not handed on as late too.
func TestWebhookTakenReplyForgottenBeforeTheClaimIsNotLate(t *testing.T) {
	b := newGateBot(t)
	gate, open := newGate(t)
	c, err := wechat.New(b.options(lateTimeout, wechat.WithDedupStore(wechat.NewMemoryDedupStore(1, 0)))...)
	require.NoError(t, err)
	hw := &heldWrite{h: c.Webhook(b), gate: gate, writing: make(chan struct{})}
	h := &tracked{h: hw}
	wh := dlPusher(h, nil)

	ctx, cancel := context.WithCancel(context.Background())
	first := send(ctx, wh)
	b.waitStarted(t)
	cancel()
	assert.Error(t, await(t, first, "first attempt").err)

	b.finish()
	receive(t, hw.writing, "the first attempt's write")
	a := await(t, send(context.Background(), wh), "retry")
	require.NoError(t, a.err)
	require.Equal(t, dlReply, replyText(t, a.reply), "the retry carries the reply")

	pushOut(t, wh)

	open()
	h.wait(t)
	assertNoLate(t, b, "the retry carried the reply")
}

// unansweredFinish is a ReplyTracker whose first Finish of a reply takes
// effect but reports an error, as a call to Redis that outlived its
// deadline does: the store holds the reply, for any attempt to take.
type unansweredFinish struct {
	trackingStore
	failed *atomic.Bool
}

func (s unansweredFinish) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	stored, err := s.trackingStore.Finish(ctx, key, reply)
	if reply != nil && err == nil && s.failed.CompareAndSwap(false, true) {
		return false, errors.New("redis: i/o timeout")
	}
	return stored, err
}

// With a ReplyTracker whose Finish stored the reply but failed to say so,
// a retry that another process counted and that waits there takes the
// reply from the store and carries it. The store knows it was taken: the
// reply is not handed on as late as well.
func TestWebhookSharedStoreFinishFailedAfterStoringIsNotLate(t *testing.T) {
	store := unansweredFinish{trackingStore{newSharedStore()}, new(atomic.Bool)}
	b, h, _ := dropFirstAttempt(t, store, lateTimeout)
	store.waitArrival(t)

	remoteAttemptCarries(t, b, h, store, lateTimeout, 2)
}

// remoteAttemptCarries sends an attempt at the push to another process on
// store, with reply timeout rt, which the store counts as attempt n; lets
// b's handler finish; and checks that the other process's attempt carries
// the reply, that both webhooks return, that nothing goes late, and that
// the handler ran once, here.
func remoteAttemptCarries(t *testing.T, b *gateBot, h *tracked, store interface {
	wechat.DedupStore
	waitArrival(*testing.T) wechat.PushState
}, rt time.Duration, n int) {
	t.Helper()
	there := newGateBot(t)
	otherHook, other := there.webhook(t, nil, rt, wechat.WithDedupStore(store))
	attempt := send(context.Background(), other)
	assert.Equal(t, n, store.waitArrival(t).Attempt, "the store counted the other process's attempt")
	b.finish()
	a := await(t, attempt, "attempt at the other process")
	require.NoError(t, a.err)
	require.Equal(t, dlReply, replyText(t, a.reply), "the other process's attempt carries the reply")
	h.wait(t)
	otherHook.wait(t)
	assertNoLate(t, b, "the other process's attempt carried the reply")
	assert.Equal(t, int32(1), b.runs.Load())
	assert.Equal(t, int32(0), there.runs.Load())
}

// heldTake is a ReplyTracker whose first Take reads the push as it was
// before the handler's Finish, and answers only when the test opens gate:
// a poll's Take that ran just before the reply was stored, its answer
// slow to come back.
type heldTake struct {
	trackingStore
	once   sync.Once
	taking chan struct{} // closed once the first Take has read the push
	gate   <-chan struct{}
}

func (s *heldTake) Take(ctx context.Context, key string) (wechat.PushState, error) {
	first := false
	s.once.Do(func() { first = true })
	if !first {
		return s.trackingStore.Take(ctx, key)
	}
	st, err := s.mem.State(ctx, key)
	close(s.taking)
	hold(s.gate)
	return st, err
}

// A retry polling a shared store that WeChat drops while a poll is under
// way, the reply stored meanwhile, does not take the reply on its next
// poll: that would mark it taken by an attempt nobody hears, and the
// reply would reach nobody. It goes late. After the slow poll both the
// dropped connection and the next tick are ready, so the scenario runs
// many times: a retry that took the reply at random would lose one.
func TestWebhookDroppedPollerTakesNothing(t *testing.T) {
	const rt = 60 * time.Millisecond
	for i := range 16 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			gate, openGate := newGate(t)
			store := &heldTake{trackingStore: trackingStore{newSharedStore()}, taking: make(chan struct{}), gate: gate}
			b, h, _ := dropFirstAttempt(t, store, rt)
			store.waitArrival(t)

			there := newGateBot(t)
			otherHook, _ := there.webhook(t, nil, rt, wechat.WithDedupStore(store))
			ctx, hangUp := context.WithCancel(context.Background())
			retry := send(ctx, dlPusher(otherHook, nil))
			assert.Equal(t, 2, store.waitArrival(t).Attempt)
			receive(t, store.taking, "the retry's first poll")
			hangUp()
			assert.Error(t, await(t, retry, "retry").err)

			b.finish()
			require.Eventually(t, func() bool {
				st, _ := store.mem.State(context.Background(), store.key())
				return st.Done
			}, dlWait, time.Millisecond, "the reply is stored")
			time.Sleep(3 * max(rt/20, time.Millisecond)) // a poll's tick is due
			openGate()

			otherHook.wait(t)
			h.wait(t)
			takeLate(t, b, "the retry was dropped before the reply was ready")
		})
	}
}

// With a ReplyTracker, a retry at another process that takes the reply
// ends the dropped first attempt's wait for WeChat's attempts as well,
// as one in this process does: the store tells of the take. With a reply
// timeout of 30 s the attempts are over 100 s after the first arrived,
// far beyond the test's wait.
func TestWebhookRemoteTakeEndsTheWait(t *testing.T) {
	const rt = 30 * time.Second
	store := trackingStore{newSharedStore()}
	b, h, _ := dropFirstAttempt(t, store, rt)
	store.waitArrival(t)

	remoteAttemptCarries(t, b, h, store, rt, 2) // the dropped attempt's request returned too
}

// failingClaim is a ReplyTracker whose first ClaimLate fails: after it
// took effect, when ran is set (a call that outlived its deadline), or
// before.
type failingClaim struct {
	trackingStore
	ran  bool
	once sync.Once
}

func (s *failingClaim) ClaimLate(ctx context.Context, key string) (bool, error) {
	fail := false
	s.once.Do(func() { fail = true })
	if !fail {
		return s.trackingStore.ClaimLate(ctx, key)
	}
	if s.ran {
		if _, err := s.trackingStore.ClaimLate(ctx, key); err != nil {
			return false, err
		}
	}
	return false, errors.New("i/o timeout")
}

// A late claim that fails, whether or not it took effect, hands an
// untaken reply on as late: the push's state tells whether the claim
// removed the reply, and one that did not is made again. Taken for
// carried, the reply reached nobody.
func TestWebhookFailedClaimStillGoesLate(t *testing.T) {
	for _, ran := range []bool{false, true} {
		t.Run(fmt.Sprint("took effect: ", ran), func(t *testing.T) {
			t.Parallel()
			store := &failingClaim{trackingStore: trackingStore{newSharedStore()}, ran: ran}
			b, h, _ := dropFirstAttempt(t, store, lateTimeout)
			store.waitArrival(t)
			b.finish()
			h.wait(t)
			takeLate(t, b, "no attempt took the reply")
			assert.Contains(t, b.logs.String(), "failed to claim a reply")
		})
	}
}
