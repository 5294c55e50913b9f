package wechattest

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/mpkit/wechat"
)

// TestDedupStore checks that the stores newStore returns behave as a
// wechat.DedupStore must for the webhook to handle each push once, and,
// when they are wechat.ReplyTrackers, as a ReplyTracker must for each
// reply to reach the user once. It returns nil if they do, and an error
// naming every check that failed otherwise. Call it from a test of a
// store of your own:
//
//	if err := wechattest.TestDedupStore(ctx, newStore); err != nil {
//		t.Fatal(err)
//	}
//
// newStore is called once for each check. The checks use keys of their
// own, which start "wechattest:dedup:"; a store shared between calls
// (one Redis database) is fine. One check waits for a push's ttl, 50
// milliseconds, to end, by the wall clock and by the times given to
// Arrive both; a store that keeps TTLs in whole seconds (memcached,
// Redis EXPIRE) is given up to 2.5 seconds to forget the push. A store
// may keep the time of a push's first attempt to the second.
func TestDedupStore(ctx context.Context, newStore func() wechat.DedupStore) error {
	// Keys of this call's own, so that a store kept between calls does
	// not give one call's pushes to the next.
	prefix := fmt.Sprintf("wechattest:dedup:%d:", time.Now().UnixNano())
	return storeContract[wechat.DedupStore, *dedupCheck]{
		begin: func(_ int, name string, s wechat.DedupStore) *dedupCheck {
			t, _ := s.(wechat.ReplyTracker)
			return &dedupCheck{ctx: ctx, s: s, t: t, key: prefix + name, now: time.UnixMilli(time.Now().UnixMilli())}
		},
		checks:   dedupChecks,
		extended: implements[wechat.DedupStore, wechat.ReplyTracker],
		ext:      "ReplyTracker",
		more:     trackerChecks,
	}.run(newStore)
}

// dedupCheck is one check's store and push.
type dedupCheck struct {
	ctx context.Context
	s   wechat.DedupStore
	t   wechat.ReplyTracker // s, when it is one
	key string
	now time.Time // whole milliseconds, as a store may keep them
}

// dedupTTL is the time each check's push is kept.
const dedupTTL = time.Minute

// arrive records an attempt and checks the state it returns against want
// (First is checked against the check's time).
func (c *dedupCheck) arrive(want wechat.PushState) error {
	st, err := c.s.Arrive(c.ctx, c.key, c.now, dedupTTL)
	if err != nil {
		return fmt.Errorf("calling Arrive: %w", err)
	}
	want.First = c.now
	return c.expect("Arrive", st, want)
}

// state checks what State returns against want.
func (c *dedupCheck) state(want wechat.PushState) error {
	st, err := c.s.State(c.ctx, c.key)
	if err != nil {
		return fmt.Errorf("calling State: %w", err)
	}
	return c.expect("State", st, want)
}

// finish stores reply and checks that Finish reports want.
func (c *dedupCheck) finish(reply []byte, want bool) error {
	stored, err := c.s.Finish(c.ctx, c.key, reply)
	if err != nil {
		return fmt.Errorf("calling Finish: %w", err)
	}
	if stored != want {
		return fmt.Errorf("stored %v from Finish, want %v", stored, want)
	}
	return nil
}

// giveUp gives the push up and checks the state GiveUp returns.
func (c *dedupCheck) giveUp(want wechat.PushState) error {
	st, err := c.s.GiveUp(c.ctx, c.key)
	if err != nil {
		return fmt.Errorf("calling GiveUp: %w", err)
	}
	return c.expect("GiveUp", st, want)
}

// expect compares a state op returned with want. A reply of no bytes is
// no reply: a store may give either for none.
func (c *dedupCheck) expect(op string, got, want wechat.PushState) error {
	if got.Attempt != want.Attempt || !sameFirst(got.First, want.First) || got.Done != want.Done ||
		got.GivenUp != want.GivenUp || !bytes.Equal(got.Reply, want.Reply) {
		return fmt.Errorf("state %s from %s, want %s", formatPush(got), op, formatPush(want))
	}
	return nil
}

// sameFirst reports whether got is the time want of a first attempt, as a
// store may keep it: to the second. The webhook reads it to tell the
// last of WeChat's attempts, which come seconds apart.
func sameFirst(got, want time.Time) bool {
	if got.IsZero() || want.IsZero() {
		return got.IsZero() == want.IsZero()
	}
	return got.Sub(want).Abs() < time.Second
}

// formatPush prints a state for a failed check.
func formatPush(st wechat.PushState) string {
	first := "zero"
	if !st.First.IsZero() {
		first = st.First.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("{Attempt:%d First:%s Done:%v Reply:%q GivenUp:%v}", st.Attempt, first, st.Done, st.Reply, st.GivenUp)
}

// dedupReply is the reply the checks store.
var dedupReply = []byte("<xml><MsgType><![CDATA[text]]></MsgType></xml>")

// The checks of every DedupStore. Each function builds its steps when
// called, so that a step reads what the ones before it left.
var dedupChecks = []storeCheck[*dedupCheck]{
	{"unknown push", func(c *dedupCheck) error {
		return all(
			func() error { return c.state(wechat.PushState{}) },
			func() error { return c.finish(dedupReply, false) },
			func() error { return c.state(wechat.PushState{}) }, // Finish does not make a push
		)
	}},
	{"attempts", func(c *dedupCheck) error {
		// The first attempt came 5 s ago and the retry comes now: no
		// Arrive is given a time ahead of the checks after this one, which
		// a store shared between them (one that keeps time by the Arrives
		// it is given) would take for its own clock.
		retry := c.now
		c.now = c.now.Add(-5 * time.Second)
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.state(wechat.PushState{Attempt: 1, First: c.now}) },
			func() error {
				st, err := c.s.Arrive(c.ctx, c.key, retry, dedupTTL)
				if err != nil {
					return fmt.Errorf("calling Arrive: %w", err)
				}
				// First stays the first's.
				return c.expect("Arrive", st, wechat.PushState{Attempt: 2, First: c.now})
			},
		)
	}},
	{"finish", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error {
				return c.state(wechat.PushState{Attempt: 1, First: c.now, Done: true, Reply: dedupReply})
			},
			func() error { return c.arrive(wechat.PushState{Attempt: 2, Done: true, Reply: dedupReply}) },
		)
	}},
	{"finish without a reply", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(nil, true) },
			func() error { return c.arrive(wechat.PushState{Attempt: 2, Done: true}) },
		)
	}},
	{"take a reply back", func(c *dedupCheck) error {
		if c.t != nil {
			return nil // a ReplyTracker's reply is taken back by ClaimLate
		}
		// A store that is not a ReplyTracker: the webhook takes a reply
		// back with a second Finish, of no reply, before it hands it on
		// as late. An attempt that comes after must not carry it too.
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error {
				_, err := c.s.Finish(c.ctx, c.key, nil)
				if err != nil {
					return fmt.Errorf("calling Finish: %w", err)
				}
				return nil
			},
			func() error { return c.state(wechat.PushState{Attempt: 1, First: c.now, Done: true}) },
			func() error { return c.arrive(wechat.PushState{Attempt: 2, Done: true}) },
		)
	}},
	{"give up, then finish", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.giveUp(wechat.PushState{Attempt: 1, First: c.now, GivenUp: true}) },
			func() error { return c.finish(dedupReply, false) },
			func() error { return c.state(wechat.PushState{Attempt: 1, First: c.now, GivenUp: true}) },
		)
	}},
	{"finish, then give up", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error {
				return c.giveUp(wechat.PushState{Attempt: 1, First: c.now, Done: true, Reply: dedupReply})
			},
		)
	}},
	{"give up an unknown push", func(c *dedupCheck) error {
		return all(
			func() error { return c.giveUp(wechat.PushState{GivenUp: true}) },
			func() error { return c.state(wechat.PushState{}) }, // GiveUp does not make a push
		)
	}},
	{"ttl", func(c *dedupCheck) error {
		const ttl = 50 * time.Millisecond
		return all(
			func() error {
				_, err := c.s.Arrive(c.ctx, c.key, c.now, ttl)
				return err
			},
			func() error { return c.finish(dedupReply, true) },
			func() error {
				time.Sleep(3 * ttl)
				// A store that keeps time by the Arrives it is given sees it
				// pass by another push's.
				_, err := c.s.Arrive(c.ctx, c.key+":later", c.now.Add(3*ttl), ttl)
				return err
			},
			func() error {
				// A store that keeps TTLs in whole seconds forgets the push
				// a second or two after it came.
				deadline := time.Now().Add(2500 * time.Millisecond)
				for {
					err := c.state(wechat.PushState{})
					if err == nil || time.Now().After(deadline) {
						return err
					}
					time.Sleep(ttl)
				}
			},
			func() error { return c.finish(dedupReply, false) },
		)
	}},
}

// The checks of a ReplyTracker, besides those of a DedupStore.
var trackerChecks = []storeCheck[*dedupCheck]{
	{"claim an untaken reply", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.arrive(wechat.PushState{Attempt: 2}) }, // an attempt before the reply takes nothing
			func() error { return c.take(wechat.PushState{Attempt: 2, First: c.now}) },
			func() error { return c.finish(dedupReply, true) },
			func() error { return c.claim(false) },
			func() error { return c.state(wechat.PushState{Attempt: 2, First: c.now, Done: true}) },
			func() error { return c.reportsTaken("State", true) }, // a failed claim's caller reads it so
			func() error { return c.arrive(wechat.PushState{Attempt: 3, Done: true}) },
			func() error { return c.claim(true) }, // handed on once
		)
	}},
	{"taken by Arrive", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error { return c.arrive(wechat.PushState{Attempt: 2, Done: true, Reply: dedupReply}) },
			// WeChat may have dropped that attempt as it took the reply:
			// the next carries it instead.
			func() error { return c.arrive(wechat.PushState{Attempt: 3, Done: true, Reply: dedupReply}) },
			func() error { return c.claim(true) },
		)
	}},
	{"taken by Take", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error {
				return c.take(wechat.PushState{Attempt: 1, First: c.now, Done: true, Reply: dedupReply})
			},
			func() error {
				return c.take(wechat.PushState{Attempt: 1, First: c.now, Done: true, Reply: dedupReply})
			},
			func() error { return c.claim(true) },
		)
	}},
	{"taken by GiveUp", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error {
				return c.giveUp(wechat.PushState{Attempt: 1, First: c.now, Done: true, Reply: dedupReply})
			},
			func() error { return c.claim(true) },
		)
	}},
	{"states report the take", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.finish(dedupReply, true) },
			func() error { return c.reportsTaken("State", false) },
			func() error { return c.reportsTaken("Take", true) },
			func() error { return c.reportsTaken("State", true) },
		)
	}},
	{"claim an unknown push", func(c *dedupCheck) error {
		return all(
			func() error { return c.take(wechat.PushState{}) },
			func() error { return c.claim(true) },
			func() error { return c.state(wechat.PushState{}) }, // not made by the claim
		)
	}},
	{"claim an unfinished push", func(c *dedupCheck) error {
		return all(
			func() error { return c.arrive(wechat.PushState{Attempt: 1}) },
			func() error { return c.claim(true) },
		)
	}},
}

// reportsTaken calls State or Take and checks the Taken of the state it
// returns.
func (c *dedupCheck) reportsTaken(op string, want bool) error {
	call := c.s.State
	if op == "Take" {
		call = c.t.Take
	}
	st, err := call(c.ctx, c.key)
	if err != nil {
		return fmt.Errorf("calling %s: %w", op, err)
	}
	if st.Taken != want {
		return fmt.Errorf("the state from %s reports Taken %v, want %v", op, st.Taken, want)
	}
	return nil
}

// take checks what Take returns against want.
func (c *dedupCheck) take(want wechat.PushState) error {
	st, err := c.t.Take(c.ctx, c.key)
	if err != nil {
		return fmt.Errorf("calling Take: %w", err)
	}
	return c.expect("Take", st, want)
}

// claim checks that ClaimLate reports want.
func (c *dedupCheck) claim(want bool) error {
	taken, err := c.t.ClaimLate(c.ctx, c.key)
	if err != nil {
		return fmt.Errorf("calling ClaimLate: %w", err)
	}
	if taken != want {
		return fmt.Errorf("taken %v from ClaimLate, want %v", taken, want)
	}
	return nil
}
