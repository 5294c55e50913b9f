package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/mpkit/wechat/wechattest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAppID  = "wx0123456789abcdef"
	testPrefix = "test:"
	// tokenKey is where the Store keeps the access token of testAppID.
	tokenKey = testPrefix + "wechat:access_token:" + testAppID
	lockKey  = "{" + tokenKey + "}:lock"
	// storeKey is the key the Client hands to the Store.
	storeKey = "wechat:access_token:" + testAppID
)

// newStore returns a Store on its own Redis connection pool.
func newStore(t *testing.T, srv *redisServer, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(srv.client(), testPrefix, opts...)
	require.NoError(t, err)
	return s
}

// newClient returns a Client with its own Store and Redis connection, as a
// separate process would have, fetching tokens from the fake WeChat at
// baseURL.
func newClient(t *testing.T, srv *redisServer, baseURL string, opts ...redisstore.Option) (*wechat.Client, *redisstore.Store) {
	t.Helper()
	store := newStore(t, srv, opts...)
	c, err := wechat.New(
		wechat.WithAppID(testAppID),
		wechat.WithAppSecret("test-secret"),
		wechat.WithBaseURL(baseURL),
		wechat.WithTokenStore(store),
	)
	require.NoError(t, err)
	return c, store
}

// hammer calls AccessToken from perClient goroutines on each client at
// once. The token endpoint answers only when every goroutine is about to
// call, so that they all overlap the one refresh.
func hammer(t *testing.T, ts *tokenServer, clients []*wechat.Client, perClient int) []string {
	t.Helper()
	release := ts.hold()
	defer release()
	var ready, done sync.WaitGroup
	ready.Add(len(clients) * perClient)
	go func() {
		ready.Wait()
		release()
	}()
	tokens := make([]string, len(clients)*perClient)
	errs := make([]error, len(tokens))
	for i, c := range clients {
		for j := range perClient {
			n := i*perClient + j
			done.Add(1)
			go func() {
				defer done.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				ready.Done()
				tok, err := c.AccessToken(ctx)
				tokens[n], errs[n] = tok.Value, err
			}()
		}
	}
	done.Wait()
	for n, err := range errs {
		require.NoError(t, err, "caller %d", n)
	}
	return tokens
}

func assertAll(t *testing.T, tokens []string, want string) {
	t.Helper()
	for n, tok := range tokens {
		if tok != want {
			t.Fatalf("caller %d got token %q, want %q", n, tok, want)
		}
	}
}

// commandCalls returns how many times Redis has run command (lower case).
func commandCalls(t *testing.T, rdb *redis.Client, command string) int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	for line := range strings.Lines(info) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+command+":calls=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
		require.NoError(t, err)
		return n
	}
	return 0
}

// fetchToken is a fetch that returns a token of value, expiring ttl after
// the fetch.
func fetchToken(value string, ttl time.Duration) wechat.FetchFunc {
	return func(context.Context) (wechat.Token, error) {
		return wechat.Token{Value: value, ExpiresAt: time.Now().Add(ttl)}, nil
	}
}

// noFetch is the fetch of a call that must not reach WeChat: it fails t,
// saying why, and returns errFetch.
func noFetch(t *testing.T, why string) wechat.FetchFunc {
	return func(context.Context) (wechat.Token, error) {
		t.Error(why)
		return wechat.Token{}, errFetch
	}
}

// heldFetch is a fetch that closes started, waits for proceed to close
// and then returns a token of value valid for an hour: the test decides
// when the fetch ends.
func heldFetch(started chan<- struct{}, proceed <-chan struct{}, value string) wechat.FetchFunc {
	return func(ctx context.Context) (wechat.Token, error) {
		close(started)
		<-proceed
		return fetchToken(value, time.Hour)(ctx)
	}
}

// TestManyProcessesOneRefresh runs 8 Clients, each with its own Store and
// Redis connection as separate processes would have, and 50 goroutines on
// each, against an empty store: one token request reaches WeChat, and all
// 400 callers get its token. It does the same again once that token has
// expired in Redis.
func TestManyProcessesOneRefresh(t *testing.T) {
	srv := startRedis(t)
	ts := newTokenServer(t)
	admin := srv.client()
	ctx := context.Background()

	clients := make([]*wechat.Client, 8)
	for i := range clients {
		clients[i], _ = newClient(t, srv, ts.URL)
	}

	start := time.Now()
	assertAll(t, hammer(t, ts, clients, 50), "token-1")
	assert.EqualValues(t, 1, ts.requests.Load(), "token requests to WeChat")

	// The TTL ends where the Client stops using the token: expires_in
	// (7200s) less a margin of 5 minutes and a jitter of up to a quarter
	// of that.
	ttl, err := admin.PTTL(ctx, tokenKey).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 7200*time.Second-5*time.Minute-75*time.Second-time.Since(start)-time.Second)
	assert.LessOrEqual(t, ttl, 7200*time.Second-5*time.Minute)
	// Every Client reads the same expiry back.
	tok, err := clients[3].AccessToken(ctx)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(ttl), tok.ExpiresAt, time.Second)
	n, err := admin.Exists(ctx, lockKey).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the lock is released")

	// Expire the token the way Redis does when its TTL ends.
	require.NoError(t, admin.PExpire(ctx, tokenKey, time.Millisecond).Err())
	waitFor(t, "the token to expire", func() bool { return admin.Exists(ctx, tokenKey).Val() == 0 })

	assertAll(t, hammer(t, ts, clients, 50), "token-2")
	assert.EqualValues(t, 2, ts.requests.Load(), "token requests to WeChat after expiry")
}

// TestOneProcessPollsOnce checks that the goroutines of one process share
// one wait: while another process holds the lock, they do not each try to
// take it.
func TestOneProcessPollsOnce(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	store := newStore(t, srv, redisstore.WithPollInterval(20*time.Millisecond))

	// A holder that never releases: its lease ends in 200ms.
	require.NoError(t, admin.Set(ctx, lockKey, "another-process", 200*time.Millisecond).Err())
	before := commandCalls(t, admin, "set")

	var fetches atomic.Int64
	fetch := func(context.Context) (wechat.Token, error) {
		fetches.Add(1)
		return wechat.Token{Value: "fresh", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := store.Token(ctx, storeKey, fetch)
			assert.NoError(t, err)
			assert.Equal(t, "fresh", tok.Value)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, fetches.Load())
	// 200ms of polling every 20ms, plus the lock that won and the save: far
	// fewer than one attempt per goroutine.
	sets := commandCalls(t, admin, "set") - before
	assert.Less(t, sets, 25, "SET commands while 50 goroutines waited")
}

// TestLockHolderCancelled cancels the caller whose process holds the lock
// while its fetch is in flight. The fetch goes on, because others wait on
// it: they get its token and WeChat sees one request.
func TestLockHolderCancelled(t *testing.T) {
	srv := startRedis(t)
	ts := newTokenServer(t)
	admin := srv.client()
	holder, _ := newClient(t, srv, ts.URL)
	waiter, _ := newClient(t, srv, ts.URL, redisstore.WithPollInterval(5*time.Millisecond))
	release := ts.hold()
	defer release()

	hctx, cancel := context.WithCancel(context.Background())
	holderErr := make(chan error, 1)
	go func() {
		_, err := holder.AccessToken(hctx)
		holderErr <- err
	}()
	ts.waitArrival(t) // the holder has the lock and is fetching
	setsWithLock := commandCalls(t, admin, "set")

	type result struct {
		tok wechat.Token
		err error
	}
	waited := make(chan result, 1)
	go func() {
		tok, err := waiter.AccessToken(context.Background())
		waited <- result{tok, err}
	}()
	// The waiter has tried the lock and is polling.
	waitFor(t, "the waiter to try the lock", func() bool { return commandCalls(t, admin, "set") > setsWithLock })

	cancel()
	select {
	case err := <-holderErr:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled caller did not return")
	}

	release()
	r := <-waited
	require.NoError(t, r.err)
	assert.Equal(t, "token-1", r.tok.Value)
	assert.EqualValues(t, 1, ts.requests.Load(), "token requests to WeChat")

	// The cancelled caller's process kept the token too.
	tok, err := holder.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "token-1", tok.Value)
	assert.EqualValues(t, 1, ts.requests.Load())
}

// TestFetchContextDetached checks that the fetch does not see the first
// caller's cancellation, but keeps its values.
func TestFetchContextDetached(t *testing.T) {
	srv := startRedis(t)
	store := newStore(t, srv)
	type ctxKey struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "trace-1"))

	started, proceed := make(chan struct{}), make(chan struct{})
	fetchErr := make(chan error, 1)
	fetch := func(fctx context.Context) (wechat.Token, error) {
		close(started)
		<-proceed
		assert.Equal(t, "trace-1", fctx.Value(ctxKey{}))
		_, hasDeadline := fctx.Deadline()
		assert.True(t, hasDeadline, "the fetch is bounded by the fetch timeout")
		fetchErr <- fctx.Err()
		return wechat.Token{Value: "fresh", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	callerErr := make(chan error, 1)
	go func() {
		_, err := store.Token(ctx, storeKey, fetch)
		callerErr <- err
	}()
	<-started
	cancel()
	assert.ErrorIs(t, <-callerErr, context.Canceled)
	close(proceed)
	assert.NoError(t, <-fetchErr)

	// The fetched token was saved although its caller had gone.
	waitFor(t, "the token to be saved", func() bool {
		return srv.client().Get(context.Background(), tokenKey).Val() == "fresh"
	})
}

// TestWaiterContextEnds checks that a caller waiting for another
// process's refresh gives up when its context ends, without fetching.
func TestWaiterContextEnds(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	store := newStore(t, srv, redisstore.WithPollInterval(5*time.Millisecond))
	// The lock stays taken until Redis stops at the end of the test, so
	// the abandoned wait never reaches fetch.
	require.NoError(t, admin.Set(ctx, lockKey, "another-process", time.Hour).Err())

	var fetches atomic.Int64
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := store.Token(cctx, storeKey, func(context.Context) (wechat.Token, error) {
		fetches.Add(1)
		return wechat.Token{}, errFetch
	})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, redisstore.ErrUnavailable)
	assert.Zero(t, fetches.Load(), "fetch called while another process holds the lock")
}

// TestForeignLockOutlastsWait leaves a lock with a TTL far longer than
// any Store holds one (a lock set by hand, or by a Store with a much
// longer lease), to a caller without a deadline: the refresh, detached
// from its callers, gives up at its own bound, the lease and the fetch
// timeout, without fetching. Its error wraps ErrUnavailable and not
// context.DeadlineExceeded, which the caller would take for its own
// deadline, as Token's doc says.
func TestForeignLockOutlastsWait(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	store := newStore(t, srv, redisstore.WithLease(50*time.Millisecond),
		redisstore.WithPollInterval(5*time.Millisecond), redisstore.WithFetchTimeout(100*time.Millisecond))
	require.NoError(t, admin.Set(ctx, lockKey, "another-process", time.Hour).Err())

	done := make(chan error, 1)
	go func() {
		_, err := store.Token(ctx, storeKey, noFetch(t, "fetched while another process holds the lock"))
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, redisstore.ErrUnavailable)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller has no deadline")
	case <-time.After(10 * time.Second):
		t.Fatal("Token did not return while another process held the lock")
	}
	assert.Equal(t, "another-process", admin.Get(ctx, lockKey).Val(), "the other process's lock")
}

// TestDeadHolder leaves a lock that nobody releases, as a process that
// died mid-refresh would: the others fetch once its lease has ended, and
// not before.
func TestDeadHolder(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	store := newStore(t, srv, redisstore.WithPollInterval(5*time.Millisecond))
	require.NoError(t, admin.Set(ctx, lockKey, "dead-process", 200*time.Millisecond).Err())

	var fetches atomic.Int64
	var lockHeld atomic.Bool
	tok, err := store.Token(ctx, storeKey, func(context.Context) (wechat.Token, error) {
		fetches.Add(1)
		lockHeld.Store(admin.Get(ctx, lockKey).Val() == "dead-process")
		return wechat.Token{Value: "fresh", ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "fresh", tok.Value)
	assert.EqualValues(t, 1, fetches.Load())
	assert.False(t, lockHeld.Load(), "fetch called before the dead holder's lease ended")
}

// beforeLock runs fn once, just before its client sends the script that
// takes the lock: the first script whose key is the lock (the renewal and
// the release come after it).
type beforeLock struct {
	once sync.Once
	fn   func()
}

func (h *beforeLock) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *beforeLock) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		name, args := cmd.Name(), cmd.Args()
		if (name == "evalsha" || name == "eval") && len(args) > 3 && args[3] == lockKey {
			h.once.Do(h.fn)
		}
		return next(ctx, cmd)
	}
}

func (h *beforeLock) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestDoubleCheckAfterLocking lets the previous holder save the token and
// release the lock between a caller's read and its lock: having won the
// lock, the caller finds the token and does not fetch again.
func TestDoubleCheckAfterLocking(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	require.NoError(t, admin.Set(ctx, lockKey, "previous-holder", time.Hour).Err())

	rdb := srv.client()
	rdb.AddHook(&beforeLock{fn: func() {
		require.NoError(t, admin.Set(ctx, tokenKey, "saved", time.Hour).Err())
		require.NoError(t, admin.Del(ctx, lockKey).Err())
	}})
	store, err := redisstore.New(rdb, testPrefix)
	require.NoError(t, err)

	tok, err := store.Token(ctx, storeKey, noFetch(t, "fetched although the token had been saved before the lock was won"))
	require.NoError(t, err)
	assert.Equal(t, "saved", tok.Value)
	assert.Zero(t, admin.Exists(ctx, lockKey).Val(), "the lock is released")
}

// TestLeaseRenewed runs a fetch that lasts several leases: the holder
// renews its lock, so a waiting process does not fetch as well.
func TestLeaseRenewed(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	// Long enough that a renewal, due every 100ms, is not missed on a busy
	// machine.
	const lease = 300 * time.Millisecond
	holder := newStore(t, srv, redisstore.WithLease(lease))
	waiter := newStore(t, srv, redisstore.WithLease(lease), redisstore.WithPollInterval(5*time.Millisecond))

	started, proceed := make(chan struct{}), make(chan struct{})
	holderDone := make(chan error, 1)
	go func() {
		_, err := holder.Token(ctx, storeKey, heldFetch(started, proceed, "slow"))
		holderDone <- err
	}()
	<-started
	waited := make(chan string, 1)
	go func() {
		tok, err := waiter.Token(ctx, storeKey, noFetch(t, "the waiter fetched while the holder was alive"))
		assert.NoError(t, err)
		waited <- tok.Value
	}()

	// Four leases pass; the lock stays held throughout.
	for end := time.Now().Add(4 * lease); time.Now().Before(end); time.Sleep(lease / 10) {
		require.EqualValues(t, 1, admin.Exists(ctx, lockKey).Val(), "lock lost while the holder fetched")
	}
	close(proceed)
	require.NoError(t, <-holderDone)
	assert.Equal(t, "slow", <-waited)
	assert.Zero(t, admin.Exists(ctx, lockKey).Val(), "the lock is released")
}

// TestHungFetchReleasesLock runs a fetch that ignores its context and
// never returns. The holder renews its lease only until the fetch timeout:
// it then gives the fetch up, with the timeout's error, and releases the
// lock, so that another process refreshes instead of waiting behind a
// lock renewed for good, and the holder's own later callers are not stuck
// behind the hung fetch either.
func TestHungFetchReleasesLock(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	holder := newStore(t, srv, redisstore.WithLease(100*time.Millisecond), redisstore.WithFetchTimeout(300*time.Millisecond))
	// The waiter's own bound, its lease and fetch timeout, is long enough
	// not to end its wait before the holder gives up.
	waiter := newStore(t, srv, redisstore.WithPollInterval(5*time.Millisecond))

	started, hung := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(hung) })
	holderErr := make(chan error, 1)
	go func() {
		_, err := holder.Token(ctx, storeKey, func(context.Context) (wechat.Token, error) {
			close(started)
			<-hung
			return wechat.Token{Value: "hung", ExpiresAt: time.Now().Add(time.Hour)}, nil
		})
		holderErr <- err
	}()
	<-started

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tok, err := waiter.Token(wctx, storeKey, fetchToken("fresh", time.Hour))
	assert.NoError(t, err)
	assert.Equal(t, "fresh", tok.Value)

	select {
	case err := <-holderErr:
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the fetch timeout's error")
		assert.NotErrorIs(t, err, redisstore.ErrUnavailable)
	case <-time.After(10 * time.Second):
		t.Fatal("the holder did not give up its hung fetch")
	}
	tok, err = holder.Token(wctx, storeKey, noFetch(t, "fetched although the waiter had saved a token"))
	assert.NoError(t, err)
	assert.Equal(t, "fresh", tok.Value)
}

// TestFetchError checks that a failed fetch releases the lock at once, so
// that the next caller, here in another process, can try without waiting
// for the lease.
func TestFetchError(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	a := newStore(t, srv, redisstore.WithLease(time.Hour))
	b := newStore(t, srv, redisstore.WithLease(time.Hour))

	_, err := a.Token(ctx, storeKey, func(context.Context) (wechat.Token, error) { return wechat.Token{}, errFetch })
	assert.ErrorIs(t, err, errFetch)
	assert.NotErrorIs(t, err, redisstore.ErrUnavailable)
	assert.Zero(t, admin.Exists(ctx, lockKey).Val(), "the lock is released")

	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tok, err := b.Token(cctx, storeKey, fetchToken("second", time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "second", tok.Value)
}

// TestWeChatErrorPassesThrough checks that WeChat's refusal to issue a
// token reaches the caller as the *wechat.APIError it is.
func TestWeChatErrorPassesThrough(t *testing.T) {
	srv := startRedis(t)
	ts := newTokenServer(t)
	c, _ := newClient(t, srv, ts.URL)
	ts.reply(`{"errcode":40125,"errmsg":"invalid appsecret rid: 1-2-3"}`)

	_, err := c.AccessToken(context.Background())
	var apiErr *wechat.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, wechat.CodeInvalidAppSecret, apiErr.Code)
	assert.NotErrorIs(t, err, redisstore.ErrUnavailable)

	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "token-2", tok.Value)
}

// TestRedisRestarted stops Redis under a running Client: calls fail with
// ErrUnavailable wrapping the connection error, without calling WeChat,
// and the first call after Redis is back recovers.
func TestRedisRestarted(t *testing.T) {
	srv := startRedis(t)
	ts := newTokenServer(t)
	c, store := newClient(t, srv, ts.URL)
	ctx := context.Background()

	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	require.Equal(t, "token-1", tok.Value)

	srv.stop()
	_, err = c.AccessToken(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, redisstore.ErrUnavailable)
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr, "the Redis connection error is wrapped")
	assert.Contains(t, err.Error(), "redisstore: reading "+storeKey+": redis unavailable: ")
	noSecret(t, err, "token-1", "test-secret")
	assert.EqualValues(t, 1, ts.requests.Load(), "no fetch while Redis is down")

	err = store.Invalidate(ctx, storeKey, "token-1")
	assert.ErrorIs(t, err, redisstore.ErrUnavailable)
	noSecret(t, err, "token-1")

	srv.start() // empty: persistence is off
	tok, err = c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "token-2", tok.Value)
	assert.EqualValues(t, 2, ts.requests.Load())
}

// TestSaveFails loses Redis between the fetch and the save: the fetched
// token is still returned, and the failure is logged without it.
func TestSaveFails(t *testing.T) {
	srv := startRedis(t)
	store, logs := loggedStore(t, srv)

	tok, err := store.Token(context.Background(), storeKey, func(context.Context) (wechat.Token, error) {
		srv.stop()
		return wechat.Token{Value: "secret-token-value", ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "secret-token-value", tok.Value)
	assert.Contains(t, logs.String(), "saving the fetched token failed")
	assert.NotContains(t, logs.String(), "secret-token-value")
}

// TestExpiredTokenNotSaved checks that a token that is already expired
// when fetched is returned but not stored.
func TestExpiredTokenNotSaved(t *testing.T) {
	srv := startRedis(t)
	store := newStore(t, srv)
	ctx := context.Background()
	tok, err := store.Token(ctx, storeKey, fetchToken("stale", -time.Second))
	require.NoError(t, err)
	assert.Equal(t, "stale", tok.Value)
	assert.Zero(t, srv.client().Exists(ctx, tokenKey).Val())
}

// TestKeyWithoutTTL treats a token that has no TTL, which a Store never
// writes, as expired.
func TestKeyWithoutTTL(t *testing.T) {
	srv := startRedis(t)
	store := newStore(t, srv)
	ctx := context.Background()
	require.NoError(t, srv.client().Set(ctx, tokenKey, "forever", 0).Err())
	tok, err := store.Token(ctx, storeKey, fetchToken("fresh", time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "fresh", tok.Value)
}

// TestLockWithoutTTL leaves a lock that has no TTL, which a Store never
// writes (a key restored or copied without its TTL, one set by hand): it
// would block every refresh of every process for good, each caller
// waiting out the lease and the fetch timeout and failing. The waiter
// gives such a lock the lease, so that it ends as a dead holder's does.
func TestLockWithoutTTL(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	ctx := context.Background()
	require.NoError(t, admin.Set(ctx, lockKey, "left-by-someone", 0).Err())
	store := newStore(t, srv, redisstore.WithLease(100*time.Millisecond),
		redisstore.WithPollInterval(5*time.Millisecond), redisstore.WithFetchTimeout(time.Second))

	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tok, err := store.Token(cctx, storeKey, fetchToken("fresh", time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "fresh", tok.Value)
	assert.Zero(t, admin.Exists(ctx, lockKey).Val(), "the lock is released")
}

// The Store keeps the contract of a TokenStore. Each check has a Store of
// its own on one Redis, as the processes of a fleet have.
func TestTokenStoreContract(t *testing.T) {
	srv := startRedis(t)
	err := wechattest.TestTokenStore(context.Background(), func() wechat.TokenStore {
		return newStore(t, srv, redisstore.WithPollInterval(5*time.Millisecond))
	})
	require.NoError(t, err)
}

// TestInvalidate checks the compare-and-delete: only the rejected value is
// removed.
func TestInvalidate(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	store := newStore(t, srv)
	ctx := context.Background()
	require.NoError(t, admin.Set(ctx, tokenKey, "current", time.Hour).Err())

	require.NoError(t, store.Invalidate(ctx, storeKey, "older"))
	assert.Equal(t, "current", admin.Get(ctx, tokenKey).Val())

	require.NoError(t, store.Invalidate(ctx, storeKey, "current"))
	assert.Zero(t, admin.Exists(ctx, tokenKey).Val())

	require.NoError(t, store.Invalidate(ctx, storeKey, "current"), "nothing to invalidate")
}

// TestInvalidationRacesRefresh invalidates a rejected token while another
// process refreshes it, and again after: the newer token is kept.
func TestInvalidationRacesRefresh(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()

	t.Run("during and after the refresh", func(t *testing.T) {
		a := newStore(t, srv)
		b := newStore(t, srv)
		_, err := a.Token(ctx, storeKey, fetchToken("old", time.Hour))
		require.NoError(t, err)

		// b sees "old" rejected, drops it and refreshes.
		require.NoError(t, b.Invalidate(ctx, storeKey, "old"))
		started, proceed := make(chan struct{}), make(chan struct{})
		refreshed := make(chan string, 1)
		go func() {
			tok, err := b.Token(ctx, storeKey, heldFetch(started, proceed, "new"))
			assert.NoError(t, err)
			refreshed <- tok.Value
		}()
		<-started
		// a sees "old" rejected too, during b's refresh and after it.
		require.NoError(t, a.Invalidate(ctx, storeKey, "old"))
		close(proceed)
		require.Equal(t, "new", <-refreshed)
		require.NoError(t, a.Invalidate(ctx, storeKey, "old"))

		tok, err := a.Token(ctx, storeKey, noFetch(t, "the newer token was lost"))
		require.NoError(t, err)
		assert.Equal(t, "new", tok.Value)
	})

	t.Run("400 callers", func(t *testing.T) {
		require.NoError(t, srv.client().FlushAll(ctx).Err())
		ts := newTokenServer(t)
		clients := make([]*wechat.Client, 8)
		stores := make([]*redisstore.Store, 8)
		for i := range clients {
			clients[i], stores[i] = newClient(t, srv, ts.URL)
		}
		assertAll(t, hammer(t, ts, clients, 50), "token-1")

		// Every caller finds token-1 rejected, as a burst of API calls
		// answered 40001 would: it invalidates it and asks again, and
		// invalidates it once more afterwards, as a late reply would.
		var wg sync.WaitGroup
		for i, c := range clients {
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					assert.NoError(t, stores[i].Invalidate(ctx, storeKey, "token-1"))
					tok, err := c.AccessToken(ctx)
					assert.NoError(t, err)
					assert.Equal(t, "token-2", tok.Value)
					assert.NoError(t, stores[i].Invalidate(ctx, storeKey, "token-1"))
				}()
			}
		}
		wg.Wait()
		assert.EqualValues(t, 2, ts.requests.Load(), "token requests to WeChat")
		tok, err := clients[0].AccessToken(ctx)
		require.NoError(t, err)
		assert.Equal(t, "token-2", tok.Value)
	})
}

func TestNew(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	defer rdb.Close()
	tests := []struct {
		name string
		rdb  redis.UniversalClient
		opts []redisstore.Option
		want string
	}{
		{"nil client", nil, nil, "nil Redis client"},
		{"lease too short", rdb, []redisstore.Option{redisstore.WithLease(time.Millisecond)}, "lease 1ms is shorter than 10ms"},
		{"zero poll interval", rdb, []redisstore.Option{redisstore.WithPollInterval(0)}, "poll interval 0s is not positive"},
		{"negative fetch timeout", rdb, []redisstore.Option{redisstore.WithFetchTimeout(-time.Second)}, "fetch timeout -1s is not positive"},
		{"nil logger", rdb, []redisstore.Option{redisstore.WithLogger(nil)}, "nil logger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.rdb, "p:", tt.opts...)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, wechat.ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	s, err := redisstore.New(rdb, "", nil, redisstore.WithLease(time.Minute))
	require.NoError(t, err)
	assert.NotNil(t, s)

	// A prefix with a "}" that is not the end of a hash tag gives the token
	// and its lock different slots on a Cluster, where saving a token
	// touches both in one script: every save would fail with CROSSSLOT,
	// and every call would fetch a token from WeChat.
	for _, prefix := range []string{"app}:", "{}:", "}{}:"} {
		t.Run(prefix, func(t *testing.T) {
			s, err := redisstore.New(rdb, prefix)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, wechat.ErrInvalidConfig)
			assert.ErrorContains(t, err, "hash tag")
		})
	}
}

// TestContextDoneBeforeCall checks that a caller whose context has ended
// gets its context error, not ErrUnavailable.
func TestContextDoneBeforeCall(t *testing.T) {
	srv := startRedis(t)
	store := newStore(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := store.Token(ctx, storeKey, noFetch(t, "fetch called for a cancelled caller"))
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	assert.NotErrorIs(t, err, redisstore.ErrUnavailable)
}

// loggedStore is newStore with a logger that writes to logs.
func loggedStore(t *testing.T, srv *redisServer, opts ...redisstore.Option) (store *redisstore.Store, logs *bytes.Buffer) {
	t.Helper()
	logs = &bytes.Buffer{}
	return newStore(t, srv, append(opts, redisstore.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))...), logs
}

// lapsed is a Redis whose refresh lock is held by a Store paused in its
// fetch, for the tests that take the lock away from it.
type lapsed struct {
	srv   *redisServer
	admin *redis.Client
	logs  *bytes.Buffer // the holder's
	// finish lets the holder's fetch return and gives its Token call's
	// result.
	finish func() (wechat.Token, error)
}

// startLapsed starts a Redis and a holder, a Store with opts, and has the
// holder take the lock (see lapsedHolder).
func startLapsed(t *testing.T, opts ...redisstore.Option) lapsed {
	t.Helper()
	srv := startRedis(t)
	holder, logs := loggedStore(t, srv, opts...)
	return lapsed{srv: srv, admin: srv.client(), logs: logs, finish: lapsedHolder(t, holder)}
}

// assertLostLock asserts that the holder warned that it lost the lock,
// and logged none of the tokens.
func (l lapsed) assertLostLock(t *testing.T, tokens ...string) {
	t.Helper()
	assert.Contains(t, l.logs.String(), "level=WARN")
	assert.Contains(t, l.logs.String(), "lost the refresh lock")
	for _, tok := range tokens {
		assert.NotContains(t, l.logs.String(), tok)
	}
}

// lapsedHolder starts a Token call on holder whose fetch returns the token
// "older", and waits until that fetch is running, so that the test can
// take the lock away from it as a pause past its lease would. The returned
// finish lets the fetch return and gives the call's result.
func lapsedHolder(t *testing.T, holder *redisstore.Store) (finish func() (wechat.Token, error)) {
	t.Helper()
	started, proceed := make(chan struct{}), make(chan struct{})
	type result struct {
		tok wechat.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := holder.Token(context.Background(), storeKey, heldFetch(started, proceed, "older"))
		done <- result{tok, err}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the holder's fetch did not start within 10s")
	}
	return func() (wechat.Token, error) {
		close(proceed)
		r := <-done
		return r.tok, r.err
	}
}

// TestLapsedHolderKeepsNewerToken pauses a lock holder past its lease
// (its lock is deleted, as Redis does when the lease ends while renewal
// cannot run), lets another process take the lock and save a newer
// token, and then lets the first holder's fetch return: Redis keeps the
// newer token, and the first holder's callers get it too.
func TestLapsedHolderKeepsNewerToken(t *testing.T) {
	l := startLapsed(t)
	ctx := context.Background()
	other := newStore(t, l.srv)

	require.NoError(t, l.admin.Del(ctx, lockKey).Err(), "the holder's lease ends")
	tok, err := other.Token(ctx, storeKey, fetchToken("newer", time.Hour))
	require.NoError(t, err)
	require.Equal(t, "newer", tok.Value)

	tok, err = l.finish()
	require.NoError(t, err)
	assert.Equal(t, "newer", l.admin.Get(ctx, tokenKey).Val(), "the token in Redis")
	assert.Equal(t, "newer", tok.Value, "the token the lapsed holder returns")
	ttl := l.admin.PTTL(ctx, tokenKey).Val()
	assert.WithinDuration(t, time.Now().Add(ttl), tok.ExpiresAt, time.Second, "the expiry of the stored token")
	l.assertLostLock(t, "older", "newer")
}

// TestLapsedHolderWhileAnotherFetches lets another process take the lock
// of a lapsed holder and keep it, as one still fetching would: the
// lapsed holder returns the token it fetched, but neither stores it nor
// releases the other's lock.
func TestLapsedHolderWhileAnotherFetches(t *testing.T) {
	l := startLapsed(t)
	ctx := context.Background()
	require.NoError(t, l.admin.Set(ctx, lockKey, "another-process", time.Hour).Err(), "another process takes the lapsed lock")

	tok, err := l.finish()
	require.NoError(t, err)
	assert.Equal(t, "older", tok.Value, "the fetched token is still returned")
	assert.Zero(t, l.admin.Exists(ctx, tokenKey).Val(), "the token is not stored while another process holds the lock")
	assert.Equal(t, "another-process", l.admin.Get(ctx, lockKey).Val(), "the other process's lock")
	l.assertLostLock(t, "older")
}

// TestLapsedHolderCannotExtendOthersLock lets another process take the
// lock of a holder whose fetch still runs: the holder's renewals, which
// go on every third of its lease, leave the other's lease as it was set.
func TestLapsedHolderCannotExtendOthersLock(t *testing.T) {
	const lease = 300 * time.Millisecond
	l := startLapsed(t, redisstore.WithLease(lease))
	ctx := context.Background()
	require.NoError(t, l.admin.Set(ctx, lockKey, "another-process", 10*time.Second).Err(), "another process takes the lock")
	time.Sleep(3 * lease) // about nine of the holder's renewals
	assert.Greater(t, l.admin.PTTL(ctx, lockKey).Val(), 5*time.Second, "the other's lease, not renewed to the holder's")
	_, err := l.finish()
	require.NoError(t, err)
	assert.Equal(t, "another-process", l.admin.Get(ctx, lockKey).Val())
}

// TestLapsedHolderNobodyElse lets a holder's lease end while nobody else
// wants the lock: with the lock free and no token stored, saving the
// fetched token cannot overwrite anyone's, so it is saved, and the next
// caller does not fetch again.
func TestLapsedHolderNobodyElse(t *testing.T) {
	l := startLapsed(t)
	ctx := context.Background()
	require.NoError(t, l.admin.Del(ctx, lockKey).Err(), "the holder's lease ends")
	tok, err := l.finish()
	require.NoError(t, err)
	assert.Equal(t, "older", tok.Value)
	assert.Equal(t, "older", l.admin.Get(ctx, tokenKey).Val(), "the token in Redis")
	assert.Zero(t, l.admin.Exists(ctx, lockKey).Val(), "no lock is left behind")
	assert.Empty(t, l.logs.String())
}

// TestCluster saves and reads tokens through a Redis Cluster client, with
// a plain prefix and with one that carries a hash tag. The save touches
// the token and its lock in one script, which a Cluster runs only if both
// keys hash to one slot.
func TestCluster(t *testing.T) {
	rdb := startRedisCluster(t)
	ctx := context.Background()
	for _, prefix := range []string{testPrefix, "{myapp}:", "my{app:", "{my}app}:", "a}b{c}:"} {
		t.Run(prefix, func(t *testing.T) {
			var logs bytes.Buffer
			store, err := redisstore.New(rdb, prefix, redisstore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			require.NoError(t, err)
			var fetches atomic.Int64
			fetch := func(context.Context) (wechat.Token, error) {
				fetches.Add(1)
				return wechat.Token{Value: "fresh", ExpiresAt: time.Now().Add(time.Hour)}, nil
			}
			for range 2 {
				tok, err := store.Token(ctx, storeKey, fetch)
				require.NoError(t, err)
				assert.Equal(t, "fresh", tok.Value)
			}
			assert.EqualValues(t, 1, fetches.Load(), "the second call reads the saved token")
			assert.Empty(t, logs.String())
			assert.Equal(t, "fresh", rdb.Get(ctx, prefix+storeKey).Val())
			require.NoError(t, store.Invalidate(ctx, storeKey, "fresh"))
			assert.Zero(t, rdb.Exists(ctx, prefix+storeKey).Val())
		})
	}
}

// Generous bounds for calls with a 500ms deadline against a Redis that
// hangs: a loaded machine may be slow to return, but go-redis, left to its
// own timeouts, takes 5s (its default read timeout) or more.
const (
	callDeadline = 500 * time.Millisecond
	callBound    = 2 * time.Second
)

// TestHangingRedis points a Store at a Redis that accepts connections and
// never answers, through a client built as the README builds it, with
// default options: go-redis ignores context deadlines unless
// ContextTimeoutEnabled is set, and the Store must honour them anyway.
func TestHangingRedis(t *testing.T) {
	addr, stop := hangingRedis(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}})
	t.Cleanup(func() { rdb.Close() })
	callHangingRedis(t, rdb)

	// The abandoned commands end when Redis drops their connections.
	stop()
	noStoreGoroutines(t)
}

// TestHangingRedisRecommendedOptions does the same through a client with
// the options the package documentation recommends. With them go-redis
// ends each command itself, at its context's deadline or at most at the
// short ReadTimeout, so the commands the Store gave up on end too,
// although Redis neither answers nor drops their connections.
func TestHangingRedisRecommendedOptions(t *testing.T) {
	addr, _ := hangingRedis(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{addr},
		ContextTimeoutEnabled: true,
		DialTimeout:           2 * time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		PoolTimeout:           2 * time.Second,
	})
	t.Cleanup(func() { rdb.Close() })
	callHangingRedis(t, rdb)
	noStoreGoroutines(t)
}

// callHangingRedis calls Token and Invalidate with a deadline of
// callDeadline on a Store over rdb, a client of a Redis that never
// answers: each must fail with the caller's deadline within callBound.
func callHangingRedis(t *testing.T, rdb redis.UniversalClient) {
	t.Helper()
	store, err := redisstore.New(rdb, testPrefix)
	require.NoError(t, err)
	endAtDeadline(t, []namedCall{
		{"Token", func(ctx context.Context) error {
			_, err := store.Token(ctx, storeKey, noFetch(t, "fetched although Redis could not be read"))
			return err
		}},
		{"Invalidate", func(ctx context.Context) error { return store.Invalidate(ctx, storeKey, "rejected") }},
	})
}

// namedCall is one call to a Store, for tests that make several.
type namedCall struct {
	name string
	call func(context.Context) error
}

// endAtDeadline makes each call, in a subtest, with a deadline of
// callDeadline, against a Redis that never answers: each must fail with
// the caller's deadline within callBound.
func endAtDeadline(t *testing.T, calls []namedCall) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), callDeadline)
			defer cancel()
			start := time.Now()
			err := c.call(ctx)
			elapsed := time.Since(start)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.NotErrorIs(t, err, redisstore.ErrUnavailable, "the caller's deadline, not Redis, ended the call")
			assert.Less(t, elapsed, callBound, "a call with a %v deadline returned after %v", callDeadline, elapsed)
		})
	}
}

// TestRefreshBoundedWhenRedisHangs makes Redis hang, as a real
// redis-server stopped with SIGSTOP does, while the holder fetches. The
// refresh runs detached from its caller, who here has no deadline at all,
// and its own timeouts (the lease, for the save and the release of the
// lock) must bound it although the client, with default options, ignores
// context deadlines: the fetched token comes back within a second or two,
// not after go-redis's read timeouts and retries.
func TestRefreshBoundedWhenRedisHangs(t *testing.T) {
	srv := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: srv.socket})
	t.Cleanup(func() { rdb.Close() })
	const lease = 300 * time.Millisecond
	store, err := redisstore.New(rdb, testPrefix, redisstore.WithLease(lease))
	require.NoError(t, err)

	var stopped atomic.Bool
	t.Cleanup(func() {
		if stopped.Load() {
			_ = srv.cmd.Process.Signal(syscall.SIGCONT)
		}
	})
	start := time.Now()
	tok, err := store.Token(context.Background(), storeKey, func(context.Context) (wechat.Token, error) {
		require.NoError(t, srv.cmd.Process.Signal(syscall.SIGSTOP))
		stopped.Store(true)
		return wechat.Token{Value: "fresh", ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	elapsed := time.Since(start)
	require.NoError(t, err, "the fetched token is returned although it could not be saved")
	assert.Equal(t, "fresh", tok.Value)
	// The save and the release each wait up to one lease.
	assert.Less(t, elapsed, 2*lease+callBound, "the refresh took %v", elapsed)

	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGCONT))
	stopped.Store(false)
	noStoreGoroutines(t)
}

// stopBefore stops the redis-server srv with SIGSTOP, as a Redis that
// hangs, just before its client sends its n-th script (counting from 1:
// EVALSHA, which is followed by an EVAL when Redis has not cached the
// script yet).
type stopBefore struct {
	srv     *redisServer
	n       int64
	sent    atomic.Int64
	stopped atomic.Bool
}

func (h *stopBefore) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *stopBefore) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" && h.sent.Add(1) == h.n {
			_ = h.srv.cmd.Process.Signal(syscall.SIGSTOP)
			h.stopped.Store(true)
		}
		return next(ctx, cmd)
	}
}

func (h *stopBefore) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestRefreshRedisTimeoutIsUnavailable makes Redis hang during the
// refresh, whose commands run under the Store's own timeouts (the lease
// and the fetch timeout), here shorter than the Redis client's: the
// caller, whose context has not ended, must get an error wrapping
// ErrUnavailable, as for any Redis that does not answer, not a bare
// context.DeadlineExceeded that looks like its own deadline.
func TestRefreshRedisTimeoutIsUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int64 // the script Redis stops before
	}{
		{"reading before the lock", 2}, // the caller's own read is the first
		{"taking the lock", 3},
		{"reading after the lock", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRedis(t)
			rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: srv.socket})
			t.Cleanup(func() { rdb.Close() })
			hook := &stopBefore{srv: srv, n: tt.n}
			rdb.AddHook(hook)
			t.Cleanup(func() {
				if hook.stopped.Load() {
					_ = srv.cmd.Process.Signal(syscall.SIGCONT)
				}
			})
			store, err := redisstore.New(rdb, testPrefix,
				redisstore.WithLease(100*time.Millisecond), redisstore.WithFetchTimeout(200*time.Millisecond))
			require.NoError(t, err)

			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err = store.Token(ctx, storeKey, noFetch(t, "fetched although Redis could not be read"))
			require.True(t, hook.stopped.Load(), "Redis was not stopped")
			require.NoError(t, ctx.Err())
			assert.ErrorIs(t, err, redisstore.ErrUnavailable)
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline has not passed")
		})
	}
}
