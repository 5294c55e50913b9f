package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/mpkit/wechat/wechattest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Store keeps the contract of a DedupStore and a ReplyTracker, as
// wechattest checks it, and what it writes is what Redis must hold: no
// reply for a push given up, nothing for a push that is gone.
func TestDedupStore(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	s := newStore(t, srv)
	ctx := context.Background()
	require.NoError(t, wechattest.TestDedupStore(ctx, func() wechat.DedupStore { return s }))

	now := time.UnixMilli(1700000000123)
	// GiveUp first: the reply is late and not kept.
	_, err := s.Arrive(ctx, "b", now, time.Minute)
	require.NoError(t, err)
	_, err = s.GiveUp(ctx, "b")
	require.NoError(t, err)
	stored, err := s.Finish(ctx, "b", []byte("late"))
	require.NoError(t, err)
	assert.False(t, stored)
	assert.NotContains(t, admin.HGetAll(ctx, testPrefix+"b").Val(), "reply")

	// A claimed reply is emptied, and marked taken for the claims after.
	_, _ = s.Arrive(ctx, "claimed", now, time.Minute)
	_, _ = s.Finish(ctx, "claimed", []byte("<xml>reply</xml>"))
	taken, err := s.ClaimLate(ctx, "claimed")
	require.NoError(t, err)
	assert.False(t, taken)
	fields := admin.HGetAll(ctx, testPrefix+"claimed").Val()
	assert.Equal(t, "", fields["reply"])
	assert.Equal(t, "1", fields["taken"])

	// Pushes expire ttl after their first attempt, and no call brings
	// one back: it would have no TTL.
	_, err = s.Arrive(ctx, "c", now, 50*time.Millisecond)
	require.NoError(t, err)
	waitFor(t, "c to expire", func() bool { return admin.Exists(ctx, testPrefix+"c").Val() == 0 })
	_, err = s.Finish(ctx, "c", []byte("late"))
	require.NoError(t, err)
	_, err = s.GiveUp(ctx, "c")
	require.NoError(t, err)
	_, err = s.Take(ctx, "c")
	require.NoError(t, err)
	taken, err = s.ClaimLate(ctx, "c")
	require.NoError(t, err)
	assert.True(t, taken, "a push that is gone counts as taken")
	assert.Zero(t, admin.Exists(ctx, testPrefix+"c").Val(), "no call created the push again")
}

// The TTL starts with the first attempt and is not extended by the
// others: WeChat's retries end a fixed time after the first.
func TestDedupTTL(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	s := newStore(t, srv)
	ctx := context.Background()
	key := "wechat:push:" + testAppID + ":m:1"

	_, err := s.Arrive(ctx, key, time.Now(), 20*time.Second)
	require.NoError(t, err)
	ttl := admin.PTTL(ctx, testPrefix+key).Val()
	assert.Greater(t, ttl, 19*time.Second)
	assert.LessOrEqual(t, ttl, 20*time.Second)
	assert.Equal(t, "hash", admin.Type(ctx, testPrefix+key).Val(), "one hash per push, under prefix + key")

	require.NoError(t, admin.PExpire(ctx, testPrefix+key, 5*time.Second).Err())
	_, err = s.Arrive(ctx, key, time.Now(), 20*time.Second)
	require.NoError(t, err)
	_, err = s.Finish(ctx, key, []byte("reply"))
	require.NoError(t, err)
	_, err = s.GiveUp(ctx, key)
	require.NoError(t, err)
	assert.LessOrEqual(t, admin.PTTL(ctx, testPrefix+key).Val(), 5*time.Second, "later calls do not extend the TTL")

	// A push without a TTL, which a Store never writes, gets one rather
	// than staying forever.
	require.NoError(t, admin.HSet(ctx, testPrefix+"stray", "attempts", 4).Err())
	st, err := s.Arrive(ctx, "stray", time.Now(), 20*time.Second)
	require.NoError(t, err)
	assert.Equal(t, 5, st.Attempt)
	assert.Greater(t, admin.PTTL(ctx, testPrefix+"stray").Val(), 19*time.Second)

	// A ttl under a millisecond keeps the push for one.
	st, err = s.Arrive(ctx, "brief", time.Now(), 0)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Attempt)
	waitFor(t, "brief to expire", func() bool { return admin.Exists(ctx, testPrefix+"brief").Val() == 0 })
}

// Each call is one atomic step: attempts from many processes at once are
// numbered 1 to n without a gap or a repeat, and when Finish and GiveUp
// race on one push exactly one of them wins.
func TestDedupAtomic(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	stores := make([]*redisstore.Store, 4)
	for i := range stores {
		stores[i] = newStore(t, srv)
	}

	const arrivals = 100
	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for i := range arrivals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := stores[i%len(stores)].Arrive(ctx, "busy", time.Now(), time.Minute)
			assert.NoError(t, err)
			mu.Lock()
			seen = append(seen, st.Attempt)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Ints(seen)
	for i, n := range seen {
		if n != i+1 {
			t.Fatalf("attempts recorded %v, want 1 to %d once each", seen, arrivals)
		}
	}

	const pushes = 200
	var finished, gaveUp atomic.Int64
	for i := range pushes {
		key := fmt.Sprint("race-", i)
		_, err := stores[0].Arrive(ctx, key, time.Now(), time.Minute)
		require.NoError(t, err)
		var stored bool
		var st wechat.PushState
		var ferr, gerr error
		wg.Add(2)
		go func() { defer wg.Done(); stored, ferr = stores[1].Finish(ctx, key, []byte("reply")) }()
		go func() { defer wg.Done(); st, gerr = stores[2].GiveUp(ctx, key) }()
		wg.Wait()
		require.NoError(t, ferr)
		require.NoError(t, gerr)
		// Either Finish came first, and GiveUp returned the reply, or
		// GiveUp did, and Finish stored nothing.
		if stored != st.Done || st.GivenUp == stored {
			t.Fatalf("push %d: Finish stored %v, GiveUp returned %+v", i, stored, st)
		}
		if !stored {
			gaveUp.Add(1)
			continue
		}
		finished.Add(1)
		assert.Equal(t, []byte("reply"), st.Reply)
		final, err := stores[3].State(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, st, final)
	}
	t.Logf("Finish first %d times, GiveUp first %d times", finished.Load(), gaveUp.Load())
}

// One key per push, so a Cluster runs every call whatever the prefix.
func TestDedupCluster(t *testing.T) {
	rdb := startRedisCluster(t)
	ctx := context.Background()
	for _, prefix := range []string{testPrefix, "{myapp}:"} {
		t.Run(prefix, func(t *testing.T) {
			s, err := redisstore.New(rdb, prefix)
			require.NoError(t, err)
			now := time.UnixMilli(1700000000000)
			key := "wechat:push:" + testAppID + ":e:o1\x001700000000\x00event\x00CLICK\x00V1"
			_, err = s.Arrive(ctx, key, now, time.Minute)
			require.NoError(t, err)
			stored, err := s.Finish(ctx, key, []byte("reply"))
			require.NoError(t, err)
			assert.True(t, stored)
			st, err := s.GiveUp(ctx, key)
			require.NoError(t, err)
			assert.Equal(t, wechat.PushState{Attempt: 1, First: now, Done: true, Reply: []byte("reply"), Taken: true}, st)
			st, err = s.State(ctx, key)
			require.NoError(t, err)
			assert.True(t, st.Done)
			assert.Equal(t, "1", rdb.HGet(ctx, prefix+key, "done").Val())
		})
	}
}

// dedupCalls are the methods of the DedupStore and ReplyTracker, for
// tests that call each.
func dedupCalls(s *redisstore.Store) []namedCall {
	return []namedCall{
		{"Arrive", func(ctx context.Context) error {
			_, err := s.Arrive(ctx, "k", time.Now(), time.Minute)
			return err
		}},
		{"Finish", func(ctx context.Context) error { _, err := s.Finish(ctx, "k", []byte("reply")); return err }},
		{"GiveUp", func(ctx context.Context) error { _, err := s.GiveUp(ctx, "k"); return err }},
		{"State", func(ctx context.Context) error { _, err := s.State(ctx, "k"); return err }},
		{"Take", func(ctx context.Context) error { _, err := s.Take(ctx, "k"); return err }},
		{"ClaimLate", func(ctx context.Context) error { _, err := s.ClaimLate(ctx, "k"); return err }},
	}
}

// Redis down, or answering with an error: every call fails with an
// error wrapping ErrUnavailable and the Redis error.
func TestDedupRedisUnavailable(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv)
	srv.stop()
	for _, c := range dedupCalls(s) {
		err := c.call(context.Background())
		assert.ErrorIs(t, err, redisstore.ErrUnavailable, c.name)
		assert.ErrorContains(t, err, "redisstore: ", c.name)
		assert.NotContains(t, err.Error(), `"k"`, "errors do not name the push, whose key holds an OpenID")
	}

	// A key of another type: Redis answers WRONGTYPE.
	srv = startRedis(t)
	admin := srv.client()
	require.NoError(t, admin.Set(context.Background(), testPrefix+"k", "a string", time.Minute).Err())
	s = newStore(t, srv)
	for _, c := range dedupCalls(s) {
		err := c.call(context.Background())
		assert.ErrorIs(t, err, redisstore.ErrUnavailable, c.name)
		var rerr redis.Error
		assert.ErrorAs(t, err, &rerr, c.name)
		assert.ErrorContains(t, err, "WRONGTYPE", c.name)
	}
}

// Against a Redis that never answers, every call returns at its
// context's deadline with the context's error, whatever the client's
// options, and the abandoned commands do not leak.
func TestDedupHangingRedis(t *testing.T) {
	addr, stop := hangingRedis(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}})
	t.Cleanup(func() { rdb.Close() })
	s, err := redisstore.New(rdb, testPrefix)
	require.NoError(t, err)
	endAtDeadline(t, dedupCalls(s))
	stop()
	noStoreGoroutines(t)
}

// WeChat's retries, played by wechattest.Webhook.Push in a tenth of
// their real time: an attempt lasts hookAttempt (WeChat's 5 s), and each
// webhook answers within hookReplyTimeout of it (its 4.5 s).
const (
	hookAttempt      = 500 * time.Millisecond
	hookReplyTimeout = 400 * time.Millisecond
	hookToken        = "hook-token"
	hookAESKey       = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// instance is one process of a webhook fleet: a Client with its own
// Store on its own Redis client, whose text handler takes delay and
// replies with the text it got.
type instance struct {
	name    string
	handler http.Handler
	runs    atomic.Int32
	logs    *syncBuffer

	mu   sync.Mutex
	late []wechat.LateReply
}

func newInstance(t *testing.T, name string, rdb redis.UniversalClient, delay time.Duration, opts ...wechat.Option) *instance {
	t.Helper()
	store, err := redisstore.New(rdb, testPrefix)
	require.NoError(t, err)
	in := &instance{name: name, logs: &syncBuffer{}}
	client, err := wechat.New(append([]wechat.Option{
		wechat.WithAppID(testAppID),
		wechat.WithServerToken(hookToken),
		wechat.WithEncodingAESKey(hookAESKey),
		wechat.WithReplyTimeout(hookReplyTimeout),
		wechat.WithTokenStore(store),
		wechat.WithDedupStore(store),
		wechat.WithLogger(slog.New(slog.NewTextHandler(in.logs, nil))),
		wechat.WithLateReplyFunc(func(ctx context.Context, lr wechat.LateReply) {
			in.mu.Lock()
			defer in.mu.Unlock()
			in.late = append(in.late, lr)
		}),
	}, opts...)...)
	require.NoError(t, err)
	in.handler = client.Webhook(wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		in.runs.Add(1)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return m.ReplyText(in.name + " answers: " + m.Content), nil
	}))
	return in
}

// push pushes a text message to the instance alone, and logs what came
// of it.
func (in *instance) push(t *testing.T, content string) *wechattest.Delivery {
	t.Helper()
	d, err := wechatFor(in.handler).Push(context.Background(), wechattest.Text(content))
	require.NoError(t, err)
	t.Logf("%s; handler runs: %d", d, in.runs.Load())
	return d
}

func (in *instance) lateReplies() []wechat.LateReply {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]wechat.LateReply(nil), in.late...)
}

// syncBuffer is a bytes.Buffer for a logger written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// alternate is a load balancer that hands each request to the next of
// its backends in turn, and counts what each got.
type alternate struct {
	next     atomic.Int64
	backends []*instance
	served   []atomic.Int32
}

func newAlternate(backends ...*instance) *alternate {
	return &alternate{backends: backends, served: make([]atomic.Int32, len(backends))}
}

func (lb *alternate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(lb.next.Add(1)-1) % len(lb.backends)
	lb.served[i].Add(1)
	lb.backends[i].handler.ServeHTTP(w, r)
}

// wechatFor plays WeChat to h in safe mode, with retries at the tests'
// pace.
func wechatFor(h http.Handler) *wechattest.Webhook {
	return &wechattest.Webhook{Handler: h, Token: hookToken, Mode: wechattest.ModeSafe,
		EncodingAESKey: hookAESKey, AppID: testAppID, Timeout: hookAttempt}
}

// fleet is two webhook instances on one redis-server behind an
// alternating load balancer, played WeChat's retries in safe mode.
type fleet struct {
	a, b  *instance
	lb    *alternate
	hook  *wechattest.Webhook
	admin *redis.Client
}

func newFleet(t *testing.T, delay time.Duration, opts ...wechat.Option) *fleet {
	t.Helper()
	srv := startRedis(t)
	f := &fleet{
		a:     newInstance(t, "A", srv.client(), delay, opts...),
		b:     newInstance(t, "B", srv.client(), delay, opts...),
		admin: srv.client(),
	}
	f.lb = newAlternate(f.a, f.b)
	f.hook = wechatFor(f.lb)
	return f
}

// push pushes a text message with MsgId id through the load balancer.
func (f *fleet) push(t *testing.T, id uint64, content string) *wechattest.Delivery {
	t.Helper()
	m := wechattest.Text(content)
	m.MsgID = id
	d, err := f.hook.Push(context.Background(), m)
	require.NoError(t, err)
	return d
}

// pushKey is where the Store keeps the text message with MsgId id sent
// to testAppID and wechattest's default account.
func pushKey(id uint64) string {
	return fmt.Sprintf("%swechat:push:%s:%s:m:%d", testPrefix, testAppID, wechattest.DefaultAccount, id)
}

// Two webhook instances, each with its own Store and Redis client on one
// redis-server, behind a load balancer that alternates between them, so
// that WeChat's retries land on the instance that is not running the
// handler. The handler runs once across both, and the reply comes back
// passively on the attempt that is waiting when the handler is done,
// from whichever instance that attempt reached.
func TestFleetRetriesWaitForTheHandler(t *testing.T) {
	tests := []struct {
		name    string
		delay   time.Duration
		attempt int
		served  [2]int32
	}{
		{"fast: on the first attempt", 0, 1, [2]int32{1, 0}},
		{"1.5x an attempt: on the second, by the other instance", hookAttempt * 3 / 2, 2, [2]int32{1, 1}},
		{"2.5x: on the third, back on the first instance", hookAttempt * 5 / 2, 3, [2]int32{2, 1}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFleet(t, tt.delay)
			id := uint64(1000 + i)
			d := f.push(t, id, "hello")
			assert.False(t, d.Failed)
			assert.Equal(t, tt.attempt, d.Attempt, d.String())
			require.IsType(t, &wechat.TextReply{}, d.Reply)
			assert.Equal(t, "A answers: hello", d.Reply.(*wechat.TextReply).Content, "the reply of the handler that ran")
			assert.Equal(t, tt.served, [2]int32{f.lb.served[0].Load(), f.lb.served[1].Load()}, "attempts per instance")

			assert.Equal(t, int32(1), f.a.runs.Load()+f.b.runs.Load(), "the handler ran once across both instances")
			assert.Equal(t, int32(1), f.a.runs.Load(), "on the instance of the first attempt")
			assert.Empty(t, f.a.lateReplies())
			assert.Empty(t, f.b.lateReplies())
			assert.NotContains(t, f.a.logs.String()+f.b.logs.String(), "dedup store failed")

			// What Redis holds: the push, its attempts and the reply, for
			// the push's ttl only: while its timestamp is accepted, longer
			// than WeChat's attempts, so that a replay is not handled again.
			fields := f.admin.HGetAll(context.Background(), pushKey(id)).Val()
			assert.Equal(t, fmt.Sprint(tt.attempt), fields["attempts"])
			assert.Equal(t, "1", fields["done"])
			assert.Contains(t, fields["reply"], "<Content><![CDATA[A answers: hello]]></Content>")
			ttl := f.admin.PTTL(context.Background(), pushKey(id)).Val()
			assert.Greater(t, ttl, 4*hookAttempt, "ttl: past the three attempts and one to spare")
			assert.LessOrEqual(t, ttl, wechat.DefaultTimestampWindow+time.Second, "ttl: the timestamp window")
		})
	}
}

// The same fleet with each instance's own private store, the default:
// the retry on the other instance runs the handler again, and the reply
// of the 1.5x handler comes only on the third attempt, back on the first
// instance, while the second instance's reply is lost.
func TestFleetWithPrivateStores(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	private := func() wechat.Option { return wechat.WithDedupStore(wechat.NewMemoryDedupStore(0, 0)) }
	a := newInstance(t, "A", srv.client(), hookAttempt*3/2, private())
	b := newInstance(t, "B", srv.client(), hookAttempt*3/2, private())
	lb := newAlternate(a, b)
	hook := wechatFor(lb)
	d, err := hook.Push(context.Background(), wechattest.Text("hello"))
	require.NoError(t, err)
	t.Logf("private stores: %s; handler runs: A %d, B %d", d, a.runs.Load(), b.runs.Load())
	assert.Equal(t, 3, d.Attempt, d.String())
	assert.Equal(t, int32(1), a.runs.Load())
	assert.Equal(t, int32(1), b.runs.Load(), "the retry on B ran the handler again")
}

// A handler that needs six attempts' time: the last attempt is answered
// "success" before WeChat gives up, so the user sees no error, and the
// reply reaches the late-reply callback of the instance that ran the
// handler, once; the other instance sees none.
func TestFleetRetriesSixTimesTooSlow(t *testing.T) {
	t.Parallel()
	const delay = 6 * hookAttempt
	f := newFleet(t, delay)
	d := f.push(t, 2000, "hello")
	assert.False(t, d.Failed, "the user never sees the failure message")
	assert.Equal(t, 3, d.Attempt, d.String())
	assert.Nil(t, d.Reply, "answered success")

	require.Eventually(t, func() bool { return len(f.a.lateReplies()) == 1 }, 3*delay, 10*time.Millisecond)
	// Long enough for a second late reply to show up, if there were one.
	time.Sleep(2 * hookAttempt)
	late := f.a.lateReplies()
	require.Len(t, late, 1, "the late reply is handed over once")
	assert.Equal(t, "A answers: hello", late[0].Reply.(*wechat.TextReply).Content)
	assert.Equal(t, "hello", late[0].Message.Content)
	assert.NoError(t, late[0].Err)
	assert.False(t, late[0].Sent)
	assert.Empty(t, f.b.lateReplies())
	assert.Equal(t, int32(1), f.a.runs.Load())
	assert.Zero(t, f.b.runs.Load())
	// The push is kept while its timestamp is accepted, so that a replay
	// is not handled again; given up, it holds no reply, and it keeps
	// its TTL.
	ctx := context.Background()
	assert.Equal(t, "1", f.admin.HGet(ctx, pushKey(2000), "given_up").Val())
	assert.Empty(t, f.admin.HGet(ctx, pushKey(2000), "reply").Val(), "the late reply is not stored")
	assert.Positive(t, f.admin.PTTL(ctx, pushKey(2000)).Val())
}

// A fleet whose third attempt is lost on the way to it: the first
// attempt, at A, and the second, at B, are dropped by WeChat before the
// handler at A is done. No attempt took the reply, and Redis knows it:
// the reply goes to A's late-reply callback, once, rather than to
// nobody.
func TestFleetReplyNoAttemptTookGoesLate(t *testing.T) {
	t.Parallel()
	f := newFleet(t, hookAttempt*5/2)
	var attempts atomic.Int32
	hook := wechatFor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 3 {
			<-r.Context().Done() // lost: no instance sees it
			return
		}
		f.lb.ServeHTTP(w, r)
	}))
	m := wechattest.Text("hello")
	m.MsgID = 3000
	d, err := hook.Push(context.Background(), m)
	require.NoError(t, err)
	assert.True(t, d.Failed, d.String())

	require.Eventually(t, func() bool { return len(f.a.lateReplies()) == 1 }, 10*hookAttempt, 10*time.Millisecond)
	time.Sleep(2 * hookAttempt) // long enough for a second late reply to show up
	late := f.a.lateReplies()
	require.Len(t, late, 1, "the late reply is handed over once")
	assert.Equal(t, "A answers: hello", late[0].Reply.(*wechat.TextReply).Content)
	assert.Empty(t, f.b.lateReplies())
	assert.Equal(t, [2]int32{1, 1}, [2]int32{f.lb.served[0].Load(), f.lb.served[1].Load()}, "attempts per instance")
	assert.Equal(t, int32(1), f.a.runs.Load())
	assert.Zero(t, f.b.runs.Load())
	assert.Equal(t, "1", f.admin.HGet(context.Background(), pushKey(3000), "taken").Val(), "the claim marked the reply taken")
}

// Redis unreachable: the webhook handles the push anyway and logs a
// warning, rather than dropping it.
func TestFleetFailsOpenWhenRedisIsDown(t *testing.T) {
	srv := startRedis(t)
	in := newInstance(t, "A", srv.client(), 0)
	srv.stop()
	d := in.push(t, "hello")
	assert.Equal(t, 1, d.Attempt, d.String())
	require.IsType(t, &wechat.TextReply{}, d.Reply)
	assert.Equal(t, "A answers: hello", d.Reply.(*wechat.TextReply).Content)
	assert.Equal(t, int32(1), in.runs.Load())
	assert.Empty(t, in.lateReplies())
	logs := in.logs.String()
	assert.Contains(t, logs, "level=WARN")
	assert.Contains(t, logs, "dedup store failed to record an attempt; going on without it")
	// The store's error (Redis's, or the deadline of the call).
	assert.Contains(t, logs, `error="redisstore: recording an attempt at a push: `)
	assert.NotContains(t, logs, wechattest.DefaultOpenID, "the log does not name the sender")
}

// Redis hanging (overloaded, partitioned away, paused): the webhook must
// fail open as it does when Redis is down, answering a quick handler's
// push on its first attempt, whatever the Redis client's timeouts. This
// client has go-redis's defaults scaled to the tests' tenth of WeChat's
// time: 5s to dial and to read, as long as WeChat's attempt, are 500ms.
//
// The webhook bounds each store call by a tenth of its reply timeout:
// called with the request's context alone, which has no deadline of its
// own, Arrive would take the whole attempt, and the reply then wait as
// long for Finish.
func TestFleetFailsOpenWhenRedisHangs(t *testing.T) {
	addr, _ := hangingRedis(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:       []string{addr},
		DialTimeout: hookAttempt,
		ReadTimeout: hookAttempt,
	})
	t.Cleanup(func() { rdb.Close() })
	in := newInstance(t, "A", rdb, 0)
	d := in.push(t, "hello")
	assert.False(t, d.Failed, "the user sees 该公众号提供的服务出现故障 although the handler is instant")
	assert.Equal(t, 1, d.Attempt, d.String())
	assert.Equal(t, int32(1), in.runs.Load())
	if t.Failed() {
		t.Log(in.logs.String())
	}
}

// 300 pushes, each sent three times through the load balancer, the
// retries interleaved with other pushes, from 16 goroutines: each
// handler runs once across the two instances, and every attempt gets
// the push's own reply, whichever instance it reached. The handlers are
// instant, so WeChat is played in real time: in a tenth of it, the
// store's calls (bounded by a tenth of the reply timeout) can run out on
// a machine busy with other tests, and the webhook fail open.
func TestFleetUnderLoad(t *testing.T) {
	const pushes, goroutines = 300, 16
	f := newFleet(t, 0, wechat.WithReplyTimeout(wechat.DefaultReplyTimeout))
	f.hook.Timeout = 10 * hookAttempt
	type job struct {
		id      uint64
		attempt int
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				m := wechattest.Text(fmt.Sprint("push ", j.id))
				m.MsgID = j.id
				reply, err := f.hook.Send(context.Background(), m)
				want := fmt.Sprint("push ", j.id)
				if tr, ok := reply.(*wechat.TextReply); err != nil || !ok || !strings.HasSuffix(tr.Content, " answers: "+want) {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s, attempt %d: %v %v", want, j.attempt, reply, err))
					mu.Unlock()
				}
			}
		}()
	}
	for round := range 3 {
		for i := range pushes {
			jobs <- job{id: uint64(10_000 + (i+round*37)%pushes), attempt: round + 1}
		}
	}
	close(jobs)
	wg.Wait()
	assert.Empty(t, failures)
	runs := f.a.runs.Load() + f.b.runs.Load()
	t.Logf("handler runs: A %d, B %d; attempts served: A %d, B %d", f.a.runs.Load(), f.b.runs.Load(),
		f.lb.served[0].Load(), f.lb.served[1].Load())
	assert.Equal(t, int32(pushes), runs, "one run per push across both instances")
	assert.NotContains(t, f.a.logs.String()+f.b.logs.String(), "level=WARN")
}

// Redis down and a handler that needs six attempts' time: failing open
// must still keep the user from WeChat's failure message (the last
// attempt answered "success") and hand the reply to the late-reply
// callback, as with Redis up.
//
// The webhook counts this process's attempts when Arrive fails: taking
// every attempt for a first one (PushState{Attempt: 1, First: now})
// would hold the last unanswered until WeChat drops it. And when Finish
// fails the reply goes to the late-reply callback: taken for delivered,
// it would reach no one.
func TestFailOpenSixTimesTooSlow(t *testing.T) {
	srv := startRedis(t)
	in := newInstance(t, "A", srv.client(), 6*hookAttempt)
	srv.stop()
	d := in.push(t, "hello")
	assert.False(t, d.Failed, "the user sees 该公众号提供的服务出现故障")
	assert.Equal(t, 3, d.Attempt, d.String())
	assert.Equal(t, int32(1), in.runs.Load())
	assert.Eventually(t, func() bool { return len(in.lateReplies()) == 1 }, 6*hookAttempt, 10*time.Millisecond,
		"the reply reaches the late-reply callback")
	if t.Failed() {
		t.Log(in.logs.String())
	}
}
