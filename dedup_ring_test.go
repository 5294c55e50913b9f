package wechat

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// modelDedup is MemoryDedupStore's semantics at their plainest: a list of
// the pushes it has not forgotten, in the order they first arrived. Like
// the store it forgets lazily: the oldest pushes whose time is up when a
// push arrives, and any push whose time is up when it is looked up. The
// store must answer every sequence of calls as it does.
type modelDedup struct {
	maxEntries, maxBytes int
	now                  time.Time
	pushes               []*modelPush
}

type modelPush struct {
	key     string
	expires time.Time
	state   PushState
}

func (m *modelDedup) bytes() int {
	n := 0
	for _, p := range m.pushes {
		n += len(p.state.Reply)
	}
	return n
}

func (m *modelDedup) find(key string) *modelPush {
	for i, p := range m.pushes {
		if p.key == key {
			if !m.now.Before(p.expires) {
				m.pushes = append(m.pushes[:i:i], m.pushes[i+1:]...)
				return nil
			}
			return p
		}
	}
	return nil
}

func (m *modelDedup) arrive(key string, now time.Time, ttl time.Duration) PushState {
	if now.After(m.now) {
		m.now = now
	}
	for len(m.pushes) > 0 && !now.Before(m.pushes[0].expires) {
		m.pushes = m.pushes[1:]
	}
	p := m.find(key)
	if p == nil {
		if len(m.pushes) >= m.maxEntries {
			m.pushes = m.pushes[len(m.pushes)-m.maxEntries+1:]
		}
		p = &modelPush{key: key, expires: now.Add(ttl), state: PushState{First: now}}
		m.pushes = append(m.pushes, p)
	}
	p.state.Attempt++
	return p.state
}

func (m *modelDedup) finish(key string, reply []byte) bool {
	p := m.find(key)
	if p == nil || p.state.GivenUp {
		return false
	}
	if len(reply) > m.maxBytes {
		reply = nil
	}
	for m.bytes()+len(reply) > m.maxBytes && m.pushes[0] != p {
		m.pushes = m.pushes[1:]
	}
	p.state.Done, p.state.Reply = true, reply
	return true
}

func (m *modelDedup) giveUp(key string) PushState {
	p := m.find(key)
	if p == nil {
		return PushState{GivenUp: true}
	}
	if !p.state.Done {
		p.state.GivenUp = true
	}
	return p.state
}

func (m *modelDedup) stateOf(key string) PushState {
	if p := m.find(key); p != nil {
		return p.state
	}
	return PushState{}
}

// Random calls, with ttls that differ so that pushes expire out of order
// and leave dead entries in the ring, and enough pushes to grow the ring
// several times and wrap round it: the store answers each call as the
// model does and holds the same pushes and reply bytes.
func TestMemoryDedupStoreMatchesModel(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			maxEntries, maxBytes := 1+rng.IntN(80), 1+rng.IntN(400)
			s := NewMemoryDedupStore(maxEntries, maxBytes)
			m := &modelDedup{maxEntries: maxEntries, maxBytes: maxBytes}
			now := time.Unix(1700000000, 0)
			for step := range 3000 {
				key := fmt.Sprint("k", rng.IntN(150))
				what := fmt.Sprintf("step %d (%d entries, %d bytes): ", step, maxEntries, maxBytes)
				switch op := rng.IntN(10); {
				case op < 4:
					now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
					ttl := time.Duration(1+rng.IntN(20)) * time.Second
					got, err := s.Arrive(ctx, key, now, ttl)
					require.NoError(t, err)
					require.Equal(t, m.arrive(key, now, ttl), got, what+"Arrive %s", key)
				case op < 7:
					reply := bytes.Repeat([]byte{'r'}, rng.IntN(60))
					if rng.IntN(4) == 0 {
						reply = nil
					}
					got, err := s.Finish(ctx, key, reply)
					require.NoError(t, err)
					require.Equal(t, m.finish(key, reply), got, what+"Finish %s", key)
				case op < 8:
					got, err := s.GiveUp(ctx, key)
					require.NoError(t, err)
					require.Equal(t, m.giveUp(key), got, what+"GiveUp %s", key)
				default:
					got, err := s.State(ctx, key)
					require.NoError(t, err)
					require.Equal(t, m.stateOf(key), got, what+"State %s", key)
				}
				s.mu.Lock()
				keys := make([]string, 0, len(m.pushes))
				for _, p := range m.pushes {
					keys = append(keys, p.key)
				}
				require.ElementsMatch(t, keys, slices.Collect(maps.Keys(s.pushes)), what+"the pushes held")
				require.Equal(t, m.bytes(), s.bytes, what+"the reply bytes held")
				s.mu.Unlock()
			}
			for i := range 150 {
				key := fmt.Sprint("k", i)
				got, _ := s.State(ctx, key)
				assert.Equal(t, m.stateOf(key), got, "State %s at the end", key)
			}
		})
	}
}

// The ring grows past its first size with every entry where it was, an
// entry dropped from it keeps nothing reachable, and once the pushes are
// gone it shrinks back.
func TestMemoryDedupStoreRingGrowth(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(1000, 0)
	for i := range 100 {
		key := fmt.Sprint("k", i)
		_, _ = s.Arrive(ctx, key, now, time.Minute)
		_, _ = s.Finish(ctx, key, []byte(key))
	}
	s.mu.Lock()
	assert.GreaterOrEqual(t, len(s.ring), 100)
	s.mu.Unlock()
	for i := range 100 {
		key := fmt.Sprint("k", i)
		st, _ := s.State(ctx, key)
		assert.Equal(t, PushState{Attempt: 1, First: now, Done: true, Reply: []byte(key)}, st, key)
	}

	// Past their time, all go at the next arrival, and their entries
	// hold no reply.
	later := now.Add(time.Hour)
	_, _ = s.Arrive(ctx, "next", later, time.Minute)
	s.mu.Lock()
	assert.Len(t, s.pushes, 1)
	assert.Zero(t, s.bytes)
	for i := range s.ring {
		if p := &s.ring[i]; p.key != "next" {
			assert.Zero(t, *p, "entry %d", i)
		}
	}
	s.mu.Unlock()

	// The burst over, the ring shrinks back as pushes arrive, keeping
	// the entries it holds.
	for i := range 5 {
		_, _ = s.Arrive(ctx, fmt.Sprint("after", i), later, time.Minute)
	}
	s.mu.Lock()
	assert.Equal(t, minRing, len(s.ring))
	s.mu.Unlock()
	for _, key := range []string{"next", "after0", "after4"} {
		st, _ := s.State(ctx, key)
		assert.Equal(t, PushState{Attempt: 1, First: later}, st, key)
	}
}
