package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/mpkit/wechat/wechattest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Arrive and GiveUp scripts of the release before the Store was a
// wechat.ReplyTracker: they record no take. Its webhook polled with State.
const (
	previousArriveScript = `
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if n == 1 then
	redis.call('HSET', KEYS[1], 'first', ARGV[1])
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif redis.call('PTTL', KEYS[1]) < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'attempts', 'first', 'done', 'reply', 'given_up')
`
	previousGiveUpScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then
	return false
end
if redis.call('HGET', KEYS[1], 'done') ~= '1' then
	redis.call('HSET', KEYS[1], 'given_up', '1')
end
return redis.call('HMGET', KEYS[1], 'attempts', 'first', 'done', 'reply', 'given_up')
`
)

// previousStore is a process of the release before, on the same Redis:
// a DedupStore only, whose Arrive and GiveUp record no take.
type previousStore struct {
	s      *redisstore.Store
	rdb    redis.UniversalClient
	prefix string
}

func (p previousStore) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	res, err := p.rdb.Eval(ctx, previousArriveScript, []string{p.prefix + key}, now.UnixMilli(), max(ttl.Milliseconds(), 1)).Result()
	if err != nil {
		return wechat.PushState{}, err
	}
	return previousState(res), nil
}

func (p previousStore) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	return p.s.Finish(ctx, key, reply)
}

func (p previousStore) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	res, err := p.rdb.Eval(ctx, previousGiveUpScript, []string{p.prefix + key}).Result()
	if errors.Is(err, redis.Nil) {
		return wechat.PushState{GivenUp: true}, nil
	}
	if err != nil {
		return wechat.PushState{}, err
	}
	return previousState(res), nil
}

func (p previousStore) State(ctx context.Context, key string) (wechat.PushState, error) {
	return p.s.State(ctx, key)
}

// previousState decodes the scripts' HMGET.
func previousState(res any) wechat.PushState {
	v, _ := res.([]any)
	field := func(i int) string {
		if i >= len(v) {
			return ""
		}
		s, _ := v[i].(string)
		return s
	}
	var st wechat.PushState
	st.Attempt, _ = strconv.Atoi(field(0))
	if ms, err := strconv.ParseInt(field(1), 10, 64); err == nil {
		st.First = time.UnixMilli(ms)
	}
	st.Done = field(2) == "1"
	if r := field(3); r != "" {
		st.Reply = []byte(r)
	}
	st.GivenUp = field(4) == "1"
	return st
}

// A fleet half upgraded, as in a rolling deploy: A runs this release, B
// the one before, on one Redis. The first attempt, at A, is dropped; the
// second, at B, waits and carries A's reply passively, which B's store
// does not record as taken. A's late claim must not find the reply
// untaken and hand it on as well: the user would get it twice.
func TestFleetHalfUpgradedReplyOnce(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	rdb := srv.client()
	s, err := redisstore.New(rdb, testPrefix)
	require.NoError(t, err)
	a := newInstance(t, "A", srv.client(), hookAttempt*3/2)
	b := newInstance(t, "B", srv.client(), hookAttempt*3/2,
		wechat.WithDedupStore(previousStore{s: s, rdb: rdb, prefix: testPrefix}))
	lb := newAlternate(a, b)
	m := wechattest.Text("hello")
	m.MsgID = 5000
	d, err := wechatFor(lb).Push(context.Background(), m)
	require.NoError(t, err)
	require.Equal(t, 2, d.Attempt, d.String())
	require.IsType(t, &wechat.TextReply{}, d.Reply, d.String())
	assert.Equal(t, "A answers: hello", d.Reply.(*wechat.TextReply).Content, "B carried A's reply")

	time.Sleep(4 * hookAttempt) // past A's late claim
	assert.Empty(t, a.lateReplies(), "the reply reached the user passively; handed on as late too, it reaches them twice")
	assert.Empty(t, b.lateReplies())
	assert.Equal(t, int32(1), a.runs.Load())
	assert.Zero(t, b.runs.Load())
}
