package wechat_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Regression tests for a reply delivered twice or not at all: each push's
// reply reaches the user exactly once, passively, as a customer-service
// message, or (when neither can carry it) through WithLateReplyFunc. They
// reuse the infrastructure of webhook_deadline_test.go.

// dvStore is a sharedStore (a DedupStore the webhook takes for one shared
// between processes) with hooks a test sets before the webhook serves,
// to learn of or hold the webhook's calls. Each hook runs on the
// webhook's goroutine after the call has done its work in the store, or
// before it for beforeGiveUp; a nil hook does nothing.
type dvStore struct {
	*sharedStore
	afterArrive  func(st wechat.PushState)
	afterFinish  func(stored bool)
	beforeGiveUp func()
	afterGiveUp  func(st wechat.PushState)
}

func (s *dvStore) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	st, err := s.sharedStore.Arrive(ctx, key, now, ttl)
	if s.afterArrive != nil {
		s.afterArrive(st)
	}
	return st, err
}

func (s *dvStore) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
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

// dvSignal waits for ch to be closed or to yield, failing the test after
// dlWait.
func dvSignal[T any](t *testing.T, ch <-chan T, what string) T {
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
	const rt = 100 * time.Millisecond
	srv := newCustomerServer(t)
	b := newGateBot(t)
	giveUpCalled := make(chan bool, 1) // whether the attempt was answered before the watchdog's GiveUp
	giveUpGate := make(chan struct{})
	var gateOnce, giveUpOnce, finishOnce sync.Once
	openGate := func() { gateOnce.Do(func() { close(giveUpGate) }) }
	t.Cleanup(openGate)
	finished := make(chan struct{}) // closed when Finish has done its work
	hook := &dvWritten{}
	store := &dvStore{
		sharedStore: newSharedStore(),
		beforeGiveUp: func() {
			giveUpOnce.Do(func() {
				giveUpCalled <- hook.written.Load()
				select {
				case <-giveUpGate:
				case <-time.After(dlWait):
				}
			})
		},
		afterFinish: func(bool) { finishOnce.Do(func() { close(finished) }) },
	}
	c, err := srv.Client(b.options(rt, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithDedupStore(store))...)
	require.NoError(t, err)
	hook.h = c.Webhook(b)
	h := &tracked{h: hook}
	wh := dlPusher(h, srv)

	first := send(context.Background(), wh)
	assert.Equal(t, 1, store.waitArrival(t).Attempt)
	b.waitStarted(t)
	if dvSignal(t, giveUpCalled, "the watchdog's GiveUp") {
		// "success" is written and the push not yet given up: the handler
		// finishes now, and Finish reaches the store first.
		b.finish()
		dvSignal(t, finished, "the handler's Finish")
	}
	openGate()

	a1 := await(t, first, "first attempt")
	require.NoError(t, a1.err)
	assert.Equal(t, "success", replyText(t, a1.reply), "answered at the deadline")
	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "the reply goes as a customer-service message: %v", lr.Err)
	require.Len(t, srv.SentMessages(), 1)

	a2 := await(t, send(context.Background(), wh), "retry")
	require.NoError(t, a2.err)
	assert.Equal(t, "success", replyText(t, a2.reply), "the retry must not deliver the reply a second time")
	h.wait(t)
	sent := srv.SentMessages()
	require.Len(t, sent, 1, "the reply is sent once, as a customer-service message")
	assert.Contains(t, string(sent[0].Body), dlReply)
	assert.Equal(t, int32(1), b.runs.Load())
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
	const rt = 100 * time.Millisecond
	srv := newCustomerServer(t)
	b := newGateBot(t)
	gaveUp := make(chan wechat.PushState, 1)
	arriveGate := make(chan struct{})
	var gateOnce, giveUpOnce sync.Once
	openGate := func() { gateOnce.Do(func() { close(arriveGate) }) }
	t.Cleanup(openGate)
	store := &dvStore{
		sharedStore: newSharedStore(),
		afterGiveUp: func(st wechat.PushState) { giveUpOnce.Do(func() { gaveUp <- st }) },
		afterArrive: func(st wechat.PushState) {
			if st.Attempt == 2 {
				select {
				case <-arriveGate:
				case <-time.After(dlWait):
				}
			}
		},
	}
	c, err := srv.Client(b.options(rt, wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithDedupStore(store))...)
	require.NoError(t, err)
	h := &tracked{h: c.Webhook(b)}
	wh := dlPusher(h, srv)

	first := send(context.Background(), wh)
	assert.Equal(t, 1, store.waitArrival(t).Attempt)
	b.waitStarted(t)
	a1 := await(t, first, "first attempt")
	require.NoError(t, a1.err)
	assert.Equal(t, "success", replyText(t, a1.reply), "answered at the deadline")
	dvSignal(t, gaveUp, "the watchdog's GiveUp")

	retry := send(context.Background(), wh)
	st := store.waitArrival(t)
	require.Equal(t, 2, st.Attempt)
	require.True(t, st.GivenUp, "the retry comes after the push was given up")
	b.finish()
	lr := b.waitLate(t)
	require.True(t, lr.Sent, "the reply goes as a customer-service message: %v", lr.Err)
	openGate()

	a2 := await(t, retry, "retry")
	require.NoError(t, a2.err)
	assert.Equal(t, "success", replyText(t, a2.reply), "the retry must not deliver the reply a second time")
	h.wait(t)
	sent := srv.SentMessages()
	require.Len(t, sent, 1, "the reply is sent once, as a customer-service message")
	assert.Contains(t, string(sent[0].Body), dlReply)
	assert.Equal(t, int32(1), b.runs.Load())
	assert.Empty(t, b.late, "one late reply")
}

// In WaitForRetry mode an attempt that nothing drops is answered
// "success" after one attempt's time (the held attempt): that ends
// WeChat's retries, so none can carry the reply, and the push is given
// up. The handler's reply, which comes after that answer, goes to the
// WithLateReplyFunc callback instead of being kept for attempts that
// will never come.
func TestWebhookHeldAttemptLateReply(t *testing.T) {
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
	assert.Equal(t, "success", replyText(t, a2.reply), "the held attempt is answered while the handler runs")
	require.Contains(t, b.logs.String(), "webhook attempt was not dropped")

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
