package wechat_test

import (
	"bytes"
	"context"
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
	started chan struct{} // a value per run, when it starts
	release chan struct{} // closed to let the handler reply
	once    sync.Once
	late    chan wechat.LateReply
	logs    dlLog
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
	select {
	case <-b.started:
	case <-time.After(dlWait):
		t.Fatal("the handler did not start")
	}
}

// waitLate waits for a late reply.
func (b *gateBot) waitLate(t *testing.T) wechat.LateReply {
	t.Helper()
	select {
	case lr := <-b.late:
		return lr
	case <-time.After(dlWait):
		t.Fatal("no late reply")
		return wechat.LateReply{}
	}
}

// dlLog is a log buffer safe for concurrent writes.
type dlLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *dlLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *dlLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
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
	select {
	case a := <-ch:
		return a
	case <-time.After(dlWait):
		t.Fatalf("%s: no answer", what)
		return dlAnswer{}
	}
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
		select {
		case <-pair:
		case <-time.After(dlWait):
		}
	}
	s.arrived <- st
	return st, err
}

func (s *sharedStore) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	stored, err := s.mem.Finish(ctx, key, reply)
	if s.ordered() {
		close(s.finished)
		select {
		case <-s.finishGate:
		case <-time.After(dlWait):
		}
	}
	return stored, err
}

func (s *sharedStore) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	if s.ordered() {
		select {
		case <-s.finished:
		case <-time.After(dlWait):
		}
	}
	return s.mem.GiveUp(ctx, key)
}

func (s *sharedStore) State(ctx context.Context, key string) (wechat.PushState, error) {
	return s.mem.State(ctx, key)
}

// waitArrival waits for an attempt to be recorded and returns its state.
func (s *sharedStore) waitArrival(t *testing.T) wechat.PushState {
	t.Helper()
	select {
	case st := <-s.arrived:
		return st
	case <-time.After(dlWait):
		t.Fatal("no attempt reached the store")
		return wechat.PushState{}
	}
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
func newCustomerServer(t *testing.T) *wechattest.Server {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: wechattest.DefaultOpenID}))
	t.Cleanup(srv.Close)
	return srv
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
	c, err := srv.Client(b.options(rt, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage))...)
	require.NoError(t, err)
	wh := dlPusher(c.Webhook(b), srv)

	first := send(context.Background(), wh)
	b.waitStarted(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*rt) // WeChat drops the attempt
	defer cancel()
	second := send(ctx, wh)

	a1 := await(t, first, "first attempt")
	require.NoError(t, a1.err)
	assert.Equal(t, "success", replyText(t, a1.reply), "the first attempt is answered at its deadline")
	a2 := await(t, second, "second attempt")
	require.NoError(t, a2.err, "the second attempt was not answered within the attempt")
	assert.Equal(t, "success", replyText(t, a2.reply))
	assert.NotContains(t, b.logs.String(), "was not dropped", "the second attempt was held past its deadline")

	b.finish()
	lr := b.waitLate(t)
	assert.True(t, lr.Sent, "%v", lr.Err)
	sent := srv.SentMessages()
	require.Len(t, sent, 1, "the reply is sent once, as a customer-service message")
	assert.Contains(t, string(sent[0].Body), dlReply)
	assert.Equal(t, int32(1), b.runs.Load())
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
	c, err := srv.Client(b.options(rt, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithTyping())...)
	require.NoError(t, err)
	wh := dlPusher(c.Webhook(b), srv)

	first := send(context.Background(), wh)
	b.waitStarted(t)
	a1 := await(t, first, "first attempt")
	require.NoError(t, a1.err)
	assert.Equal(t, "success", replyText(t, a1.reply), "answered at the deadline")
	const typing = "/cgi-bin/message/custom/typing"
	require.Eventually(t, func() bool { return srv.Calls(typing) == 1 }, dlWait, time.Millisecond, "typing shown")

	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "%v", lr.Err)
	require.Len(t, srv.SentMessages(), 1)

	a2 := await(t, send(context.Background(), wh), "retry")
	require.NoError(t, a2.err)
	assert.Equal(t, "success", replyText(t, a2.reply), "the retry must not deliver the reply a second time")
	assert.Len(t, srv.SentMessages(), 1)
	assert.Equal(t, int32(1), b.runs.Load())
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
	c, err := wechat.New(b.options(rt, wechat.WithDedupStore(store))...)
	require.NoError(t, err)
	h := &tracked{h: c.Webhook(b)}
	wh := dlPusher(h, nil)

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
// not held for as long as the handler runs.
func TestWebhookHeldAttemptIsAnswered(t *testing.T) {
	const rt = 100 * time.Millisecond
	b := newGateBot(t)
	c, err := wechat.New(b.options(rt)...)
	require.NoError(t, err)
	h := &tracked{h: c.Webhook(b)}
	wh := dlPusher(h, nil)

	ctx, cancel := context.WithCancel(context.Background())
	first := send(ctx, wh)
	b.waitStarted(t)
	cancel() // WeChat drops the first attempt
	assert.Error(t, await(t, first, "first attempt").err)

	a2 := await(t, send(context.Background(), wh), "second attempt")
	require.NoError(t, a2.err)
	assert.Equal(t, "success", replyText(t, a2.reply), "answered while the handler still runs")
	assert.Contains(t, b.logs.String(), "webhook attempt was not dropped")
	assert.Equal(t, int32(1), b.runs.Load())
	b.finish()
	h.wait(t)
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
	other, err := wechat.New(there.options(rt, wechat.WithDedupStore(store))...)
	require.NoError(t, err)
	this, err := wechat.New(here.options(rt, wechat.WithDedupStore(store))...)
	require.NoError(t, err)
	otherHook := &tracked{h: other.Webhook(there)}
	thisHook := &tracked{h: this.Webhook(here)}

	ctx, cancel := context.WithCancel(context.Background())
	first := send(ctx, dlPusher(otherHook, nil))
	assert.Equal(t, 1, store.waitArrival(t).Attempt)
	there.waitStarted(t)
	cancel() // WeChat drops it
	assert.Error(t, await(t, first, "first attempt").err)

	store.holdArrivals()
	wh := dlPusher(thisHook, nil)
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
