package wechattest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDedupStoreMemory(t *testing.T) {
	err := wechattest.TestDedupStore(context.Background(), func() wechat.DedupStore { return wechat.NewMemoryDedupStore(0, 0) })
	require.NoError(t, err)
}

// untracked is a DedupStore over the memory store that is not a
// ReplyTracker: the tracker's checks are not run on it.
type untracked struct{ mem *wechat.MemoryDedupStore }

func (s untracked) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	return s.mem.Arrive(ctx, key, now, ttl)
}
func (s untracked) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	return s.mem.Finish(ctx, key, reply)
}
func (s untracked) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	return s.mem.GiveUp(ctx, key)
}
func (s untracked) State(ctx context.Context, key string) (wechat.PushState, error) {
	return s.mem.State(ctx, key)
}

// forgetful gives every push up when asked, done or not: a store whose
// GiveUp is not atomic with its Finish.
type forgetful struct{ untracked }

func (s forgetful) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	st, err := s.mem.State(ctx, key)
	st.Done, st.Reply, st.GivenUp = false, nil, true
	return st, err
}

// alwaysLate is a ReplyTracker that hands on every reply as late, taken
// or not: a reply would reach the user twice.
type alwaysLate struct{ *wechat.MemoryDedupStore }

func (alwaysLate) ClaimLate(context.Context, string) (bool, error) { return false, nil }

// A store that breaks the contract is reported, each broken check named;
// one that is no ReplyTracker is checked as a DedupStore only.
func TestDedupStoreReportsBrokenStores(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, wechattest.TestDedupStore(ctx, func() wechat.DedupStore {
		return untracked{wechat.NewMemoryDedupStore(0, 0)}
	}))

	err := wechattest.TestDedupStore(ctx, func() wechat.DedupStore {
		return forgetful{untracked{wechat.NewMemoryDedupStore(0, 0)}}
	})
	require.Error(t, err)
	assert.Regexp(t, `finish, then give up: state \{.*GivenUp:true\} from GiveUp, want`, err.Error())

	err = wechattest.TestDedupStore(ctx, func() wechat.DedupStore {
		return alwaysLate{wechat.NewMemoryDedupStore(0, 0)}
	})
	require.Error(t, err)
	for _, check := range []string{"taken by Arrive", "taken by Take", "taken by GiveUp", "claim an unknown push", "claim an unfinished push"} {
		assert.Contains(t, err.Error(), check+": taken false from ClaimLate, want true")
	}
	assert.Regexp(t, `claim an untaken reply: state \{.*Reply:"<xml>.*\} from State, want`, err.Error(), "the claimed reply was left for attempts")

	err = wechattest.TestDedupStore(ctx, func() wechat.DedupStore {
		return silentTakes{wechat.NewMemoryDedupStore(0, 0)}
	})
	require.Error(t, err)
	assert.Equal(t, "claim an untaken reply: the state from State reports Taken false, want true\n"+
		"states report the take: the state from State reports Taken false, want true", err.Error())

	err = wechattest.TestDedupStore(ctx, func() wechat.DedupStore { return nil })
	assert.ErrorContains(t, err, "newStore returned nil")
}

// silentTakes is a ReplyTracker whose State does not report takes: an
// attempt WeChat dropped would wait out WeChat's attempts for a reply a
// retry at another process took long before.
type silentTakes struct{ *wechat.MemoryDedupStore }

func (s silentTakes) State(ctx context.Context, key string) (wechat.PushState, error) {
	st, err := s.MemoryDedupStore.State(ctx, key)
	st.Taken = false
	return st, err
}

// The doc says one store may be shared between calls: each check is given
// the same MemoryDedupStore, whose clock is the latest time an Arrive gave
// it. No check may move that clock past the times the checks after it
// give, or a correct store fails them.
func TestDedupStoreOneSharedStore(t *testing.T) {
	s := wechat.NewMemoryDedupStore(0, 0)
	require.NoError(t, wechattest.TestDedupStore(context.Background(), func() wechat.DedupStore { return s }))
}

// firstFinishWins keeps the first reply Finish stores: a second Finish,
// the one of no reply with which the webhook takes a reply back before it
// hands it on as late (a store that is not a ReplyTracker), leaves it
// there, for an attempt that comes after to carry as well.
type firstFinishWins struct{ untracked }

func (s firstFinishWins) Finish(ctx context.Context, key string, reply []byte) (bool, error) {
	if st, err := s.mem.State(ctx, key); err != nil || st.Done {
		return st.Done, err
	}
	return s.mem.Finish(ctx, key, reply)
}

// takeOnce is a ReplyTracker that gives a reply to the first attempt
// that takes it only: a retry that comes after one WeChat dropped as it
// took the reply is answered without it, and the reply, recorded taken,
// reaches nobody.
type takeOnce struct {
	*wechat.MemoryDedupStore
	mu   sync.Mutex
	took map[string]bool
}

func (s *takeOnce) once(key string, st wechat.PushState, err error) (wechat.PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Done {
		if s.took[key] {
			st.Reply = nil
		}
		s.took[key] = true
	}
	return st, err
}

func (s *takeOnce) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	st, err := s.MemoryDedupStore.Arrive(ctx, key, now, ttl)
	return s.once(key, st, err)
}

func (s *takeOnce) Take(ctx context.Context, key string) (wechat.PushState, error) {
	st, err := s.MemoryDedupStore.Take(ctx, key)
	return s.once(key, st, err)
}

func (s *takeOnce) GiveUp(ctx context.Context, key string) (wechat.PushState, error) {
	st, err := s.MemoryDedupStore.GiveUp(ctx, key)
	return s.once(key, st, err)
}

// Stores that break what the webhook relies on, and that the checks
// passed: a reply taken back stays, a reply taken once is not given again.
func TestDedupStoreReportsStoresThatKeepOrDropAReply(t *testing.T) {
	ctx := context.Background()
	err := wechattest.TestDedupStore(ctx, func() wechat.DedupStore {
		return firstFinishWins{untracked{wechat.NewMemoryDedupStore(0, 0)}}
	})
	assert.Error(t, err, "a reply taken back with Finish(nil) stays for the attempts after")

	err = wechattest.TestDedupStore(ctx, func() wechat.DedupStore {
		return &takeOnce{MemoryDedupStore: wechat.NewMemoryDedupStore(0, 0), took: map[string]bool{}}
	})
	assert.Error(t, err, "a reply taken is given to no attempt after")
}

// coarse is a DedupStore that keeps times to the second, as one on
// memcached or on Redis EXPIRE does: a push's first attempt truncated to
// its second, and the push kept until the whole second after its ttl.
type coarse struct {
	mu     sync.Mutex
	pushes map[string]*coarsePush
}

type coarsePush struct {
	st      wechat.PushState
	expires time.Time
}

func (s *coarse) get(key string) *coarsePush {
	p := s.pushes[key]
	if p != nil && !time.Now().Before(p.expires) {
		delete(s.pushes, key)
		return nil
	}
	return p
}

func (s *coarse) Arrive(_ context.Context, key string, now time.Time, ttl time.Duration) (wechat.PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.get(key)
	if p == nil {
		secs := (ttl + time.Second - 1).Truncate(time.Second)
		p = &coarsePush{st: wechat.PushState{First: now.Truncate(time.Second)}, expires: time.Now().Truncate(time.Second).Add(secs + time.Second)}
		s.pushes[key] = p
	}
	p.st.Attempt++
	return p.st, nil
}

func (s *coarse) Finish(_ context.Context, key string, reply []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.get(key)
	if p == nil || p.st.GivenUp {
		return false, nil
	}
	p.st.Done, p.st.Reply = true, reply
	return true, nil
}

func (s *coarse) GiveUp(_ context.Context, key string) (wechat.PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.get(key)
	if p == nil {
		return wechat.PushState{GivenUp: true}, nil
	}
	if !p.st.Done {
		p.st.GivenUp = true
	}
	return p.st, nil
}

func (s *coarse) State(_ context.Context, key string) (wechat.PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.get(key); p != nil {
		return p.st, nil
	}
	return wechat.PushState{}, nil
}

// A store that keeps times to the second passes: the webhook needs no
// finer time of a first attempt, and a push kept a second past its ttl
// is forgotten in time.
func TestDedupStoreWholeSeconds(t *testing.T) {
	err := wechattest.TestDedupStore(context.Background(), func() wechat.DedupStore {
		return &coarse{pushes: map[string]*coarsePush{}}
	})
	require.NoError(t, err)
}
