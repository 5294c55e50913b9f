package redisstore_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases of the core's TestMemoryDedupStore, on Redis: attempts are
// counted, the first attempt's time is kept, Finish and GiveUp decide
// between them in either order, and pushes expire.
func TestDedupStore(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client()
	s := newStore(t, srv)
	ctx := context.Background()
	now := time.UnixMilli(1700000000123)

	st, err := s.Arrive(ctx, "a", now, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 1, First: now}, st)
	st, err = s.Arrive(ctx, "a", now.Add(5*time.Second), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 2, First: now}, st, "the first attempt's time is kept")

	st, err = s.State(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 2, First: now}, st, "State records no attempt")

	stored, err := s.Finish(ctx, "a", []byte("<xml>reply</xml>"))
	require.NoError(t, err)
	assert.True(t, stored)
	st, err = s.State(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 2, First: now, Done: true, Reply: []byte("<xml>reply</xml>")}, st)
	st, err = s.GiveUp(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 2, First: now, Done: true, Reply: []byte("<xml>reply</xml>")}, st,
		"GiveUp after Finish returns the reply and does not mark the push")
	st, err = s.Arrive(ctx, "a", now.Add(10*time.Second), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 3, First: now, Done: true, Reply: []byte("<xml>reply</xml>")}, st,
		"a retry after Finish gets the reply in the same step")

	// GiveUp first: the reply is late and not kept.
	_, err = s.Arrive(ctx, "b", now, time.Minute)
	require.NoError(t, err)
	st, err = s.GiveUp(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 1, First: now, GivenUp: true}, st)
	stored, err = s.Finish(ctx, "b", []byte("late"))
	require.NoError(t, err)
	assert.False(t, stored)
	st, _ = s.State(ctx, "b")
	assert.Equal(t, wechat.PushState{Attempt: 1, First: now, GivenUp: true}, st, "nothing stored")
	assert.NotContains(t, admin.HGetAll(ctx, testPrefix+"b").Val(), "reply")

	// A handler without a reply.
	_, _ = s.Arrive(ctx, "none", now, time.Minute)
	stored, err = s.Finish(ctx, "none", nil)
	require.NoError(t, err)
	assert.True(t, stored)
	st, _ = s.State(ctx, "none")
	assert.Equal(t, wechat.PushState{Attempt: 1, First: now, Done: true}, st)

	// A push nobody has seen.
	st, err = s.State(ctx, "unknown")
	require.NoError(t, err)
	assert.Zero(t, st)

	// Pushes expire ttl after their first attempt.
	_, err = s.Arrive(ctx, "c", now, 50*time.Millisecond)
	require.NoError(t, err)
	waitFor(t, "c to expire", func() bool { return admin.Exists(ctx, testPrefix+"c").Val() == 0 })
	st, _ = s.State(ctx, "c")
	assert.Zero(t, st)
	// Neither Finish nor GiveUp brings an expired push back: it would
	// have no TTL.
	stored, err = s.Finish(ctx, "c", []byte("late"))
	require.NoError(t, err)
	assert.False(t, stored, "an expired push stores no reply")
	st, err = s.GiveUp(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{GivenUp: true}, st)
	assert.Zero(t, admin.Exists(ctx, testPrefix+"c").Val(), "Finish and GiveUp created nothing")
	st, err = s.Arrive(ctx, "c", now.Add(time.Minute), 50*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, wechat.PushState{Attempt: 1, First: now.Add(time.Minute)}, st, "c expired and arrives anew")
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
			assert.Equal(t, wechat.PushState{Attempt: 1, First: now, Done: true, Reply: []byte("reply")}, st)
			st, err = s.State(ctx, key)
			require.NoError(t, err)
			assert.True(t, st.Done)
			assert.Equal(t, "1", rdb.HGet(ctx, prefix+key, "done").Val())
		})
	}
}

// dedupCalls are the four DedupStore methods, for tests that call each.
func dedupCalls(s *redisstore.Store) []struct {
	name string
	call func(context.Context) error
} {
	return []struct {
		name string
		call func(context.Context) error
	}{
		{"Arrive", func(ctx context.Context) error {
			_, err := s.Arrive(ctx, "k", time.Now(), time.Minute)
			return err
		}},
		{"Finish", func(ctx context.Context) error { _, err := s.Finish(ctx, "k", []byte("reply")); return err }},
		{"GiveUp", func(ctx context.Context) error { _, err := s.GiveUp(ctx, "k"); return err }},
		{"State", func(ctx context.Context) error { _, err := s.State(ctx, "k"); return err }},
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
	for _, c := range dedupCalls(s) {
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
	stop()
	noStoreGoroutines(t)
}
