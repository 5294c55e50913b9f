package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mpkit/wechat"
	"github.com/redis/go-redis/v9"
)

var _ wechat.ReplyTracker = (*Store)(nil)

// A push is a Redis hash under prefix + key, the key the webhook chooses
// (it includes the AppID): one key per push, so that every method is one
// script or command on one key, which a Cluster runs in any slot without
// hash tags. Its fields are "attempts" (the attempts recorded, counted by
// HINCRBY), "first" (the first attempt's time in Unix milliseconds),
// "done" ("1" once the handler finished), "reply" (the passive reply's
// plaintext XML, empty for none), "given_up" ("1" once the last attempt
// was answered without the reply) and "taken" ("1" once an attempt was
// given the finished state to answer with, or the late claim took the
// reply to hand it on: see wechat.ReplyTracker) and "tracked" (the
// attempts recorded by a Store that records takes: one of a release
// before, whose webhook polled with State, records none, so that a
// reply its attempt carried is not marked taken).

// arriveScript counts an attempt at the push KEYS[1] and returns its
// state as stateFields lists them. The first attempt also records its
// time (ARGV[1]) and starts the push's TTL (ARGV[2] milliseconds), which
// later attempts do not extend: WeChat's retries end a fixed time after
// the first. A hash without a TTL (not written by a Store) gets one, so
// that it cannot stay forever. An attempt at a finished push takes its
// reply. Each attempt counts in "tracked" too.
const arriveScript = `
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HINCRBY', KEYS[1], 'tracked', 1)
if n == 1 then
	redis.call('HSET', KEYS[1], 'first', ARGV[1])
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif redis.call('PTTL', KEYS[1]) < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('HGET', KEYS[1], 'done') == '1' then
	redis.call('HSET', KEYS[1], 'taken', '1')
end
return redis.call('HMGET', KEYS[1], 'attempts', 'first', 'done', 'reply', 'given_up', 'taken')
`

// finishScript stores the reply ARGV[1] of the push KEYS[1] and returns 1,
// unless the push was given up, or is gone (its TTL ended, or Redis lost
// it): then it returns 0 and writes nothing, so that no push is ever
// recreated without a TTL.
const finishScript = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'given_up') == '1' then
	return 0
end
redis.call('HSET', KEYS[1], 'done', '1', 'reply', ARGV[1])
return 1
`

// giveUpScript marks the push KEYS[1] given up unless it is done (then
// the last attempt takes the reply), and returns its state as
// stateFields lists them; nil for a push that is gone, which is not
// recreated.
const giveUpScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then
	return false
end
if redis.call('HGET', KEYS[1], 'done') ~= '1' then
	redis.call('HSET', KEYS[1], 'given_up', '1')
else
	redis.call('HSET', KEYS[1], 'taken', '1')
end
return redis.call('HMGET', KEYS[1], 'attempts', 'first', 'done', 'reply', 'given_up', 'taken')
`

// takeScript returns the state of the push KEYS[1] as stateFields lists
// them, and marks the reply of a finished push taken. A push that is
// gone is not recreated: HGET finds no "done".
const takeScript = `
if redis.call('HGET', KEYS[1], 'done') == '1' then
	redis.call('HSET', KEYS[1], 'taken', '1')
end
return redis.call('HMGET', KEYS[1], 'attempts', 'first', 'done', 'reply', 'given_up', 'taken')
`

// claimLateScript returns 1 if the reply of the push KEYS[1] was taken,
// or there is none to hand on (the push is gone or not finished), or an
// attempt was recorded by a Store of a release before, which records no
// take (in a rolling deploy): that attempt may have carried the reply,
// which is better lost than sent twice. Otherwise it empties the reply,
// marks it taken and returns 0: the caller hands it on.
const claimLateScript = `
if redis.call('HGET', KEYS[1], 'done') ~= '1' or redis.call('HGET', KEYS[1], 'taken') == '1' then
	return 1
end
if tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0') ~= tonumber(redis.call('HGET', KEYS[1], 'tracked') or '0') then
	return 1
end
redis.call('HSET', KEYS[1], 'reply', '', 'taken', '1')
return 0
`

// stateFields are the fields a push's state is read from, in the order
// of the scripts' HMGET.
var stateFields = []string{"attempts", "first", "done", "reply", "given_up", "taken"}

// Arrive implements wechat.DedupStore: it counts an attempt at the push
// key made at now, and returns the push's state, this attempt counted,
// in the same step. The first attempt starts the push's ttl.
func (s *Store) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	// PEXPIRE 0 would delete the push at once; one millisecond is the
	// shortest TTL Redis keeps.
	ms := max(ttl.Milliseconds(), 1)
	res, err := s.run(ctx, s.arrive, []string{s.prefix + key}, now.UnixMilli(), ms)
	if err != nil {
		return wechat.PushState{}, dedupError("recording an attempt at", err)
	}
	return pushState(res)
}

// Finish implements wechat.DedupStore: it stores reply (nil or empty for
// none) as the handler's answer to the push key, unless the push was
// given up or Redis no longer has it (its ttl ended): then it stores
// nothing and returns false, since no attempt is left to deliver it.
// The reply is the plaintext XML of a passive reply, readable by anyone
// who can read Redis until the push's ttl ends, even for a push that
// came encrypted: Redis must be trusted with message content for those
// seconds.
func (s *Store) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	res, err := s.run(ctx, s.finish, []string{s.prefix + key}, reply)
	if err != nil {
		return false, dedupError("storing the reply to", err)
	}
	stored, ok := res.(int64)
	if !ok {
		return false, fmt.Errorf("redisstore: storing the reply to a push: %w: unexpected reply %T to the finish script", ErrUnavailable, res)
	}
	return stored == 1, nil
}

// GiveUp implements wechat.DedupStore: it marks the push key given up
// unless it is done, and returns its state, whose reply the last attempt
// can still send if it is done. A push Redis no longer has is given up
// (and not recreated).
func (s *Store) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	res, err := s.run(ctx, s.giveUp, []string{s.prefix + key})
	if errors.Is(err, redis.Nil) {
		return wechat.PushState{GivenUp: true}, nil
	}
	if err != nil {
		return wechat.PushState{}, dedupError("giving up", err)
	}
	return pushState(res)
}

// State implements wechat.DedupStore: it reads the push key's state with
// one HMGET, without recording an attempt. A push Redis does not have is
// the zero PushState.
func (s *Store) State(ctx context.Context, key string) (wechat.PushState, error) {
	res, err := call(ctx, func(ctx context.Context) ([]any, error) {
		return s.rdb.HMGet(ctx, s.prefix+key, stateFields...).Result()
	})
	if err != nil {
		return wechat.PushState{}, dedupError("reading", err)
	}
	return pushState(res)
}

// Take implements wechat.ReplyTracker: it reads the push key's state as
// State does and, in the same step, records that an attempt took the
// reply of a finished push.
func (s *Store) Take(ctx context.Context, key string) (wechat.PushState, error) {
	res, err := s.run(ctx, s.take, []string{s.prefix + key})
	if err != nil {
		return wechat.PushState{}, dedupError("taking the reply to", err)
	}
	return pushState(res)
}

// ClaimLate implements wechat.ReplyTracker: unless an attempt took the
// reply of the push key, it removes the reply and reports false, in one
// step, so that the webhook hands the reply on as late and no attempt at
// any process can take it after. A push Redis no longer has counts as
// taken.
func (s *Store) ClaimLate(ctx context.Context, key string) (bool, error) {
	res, err := s.run(ctx, s.claimLate, []string{s.prefix + key})
	if err != nil {
		return false, dedupError("claiming the reply to", err)
	}
	taken, ok := res.(int64)
	if !ok {
		return false, fmt.Errorf("redisstore: claiming the reply to a push: %w: unexpected reply %T to the claim script", ErrUnavailable, res)
	}
	return taken == 1, nil
}

// pushState decodes the values of stateFields, as HMGET and the scripts
// return them: nil for a field that is not set, so all nil for a push
// Redis does not have.
func pushState(res any) (wechat.PushState, error) {
	v, ok := res.([]any)
	if !ok || len(v) != len(stateFields) {
		return wechat.PushState{}, fmt.Errorf("redisstore: reading a push: %w: unexpected reply %T to HMGET", ErrUnavailable, res)
	}
	field := func(i int) string {
		s, _ := v[i].(string)
		return s
	}
	var st wechat.PushState
	if a := field(0); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil {
			return wechat.PushState{}, fmt.Errorf("redisstore: reading a push: %w: attempt count %q", ErrUnavailable, a)
		}
		st.Attempt = n
	}
	if f := field(1); f != "" {
		ms, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return wechat.PushState{}, fmt.Errorf("redisstore: reading a push: %w: first arrival %q", ErrUnavailable, f)
		}
		st.First = time.UnixMilli(ms)
	}
	st.Done = field(2) == "1"
	if r := field(3); r != "" {
		st.Reply = []byte(r)
	}
	st.GivenUp = field(4) == "1"
	st.Taken = field(5) == "1"
	return st, nil
}

// dedupError wraps a failed Redis command of the DedupStore methods, as
// redisError does, without the push's key.
func dedupError(op string, err error) error {
	return redisError(op, "a push", err)
}
