package wechattest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mpkit/wechat"
)

// TestTokenStore checks that the stores newStore returns behave as a
// wechat.TokenStore must for a Client to fetch each token once and send
// no token WeChat has replaced: a valid token is kept and an expired one
// fetched again, concurrent callers share one fetch, a caller that gives
// up does not cancel the fetch others wait on, a failed fetch is not
// kept, and Invalidate removes a token only while it holds the value
// given. It returns nil if they do, and an error naming every check that
// failed otherwise. Call it from a test of a store of your own:
//
//	if err := wechattest.TestTokenStore(ctx, newStore); err != nil {
//		t.Fatal(err)
//	}
//
// newStore is called once for each check. The checks use keys of their
// own, which start "wechattest:token:"; a store shared between calls is
// fine. The checks that start concurrent callers wait up to five seconds
// for them, so a store that polls (redisstore) should poll more often.
func TestTokenStore(ctx context.Context, newStore func() wechat.TokenStore) error {
	prefix := fmt.Sprintf("wechattest:token:%d:", time.Now().UnixNano())
	return storeContract[wechat.TokenStore, *tokenCheck]{
		begin: func(_ int, name string, s wechat.TokenStore) *tokenCheck {
			return &tokenCheck{ctx: ctx, s: s, key: prefix + name}
		},
		checks: tokenChecks,
	}.run(newStore)
}

// tokenCheck is one check's store and key, and the fetches made for it.
type tokenCheck struct {
	ctx     context.Context
	s       wechat.TokenStore
	key     string
	fetches atomic.Int64
}

// tokenWait bounds every wait of a check on the store.
const tokenWait = 5 * time.Second

// fetchOf returns a fetch that counts itself and returns a token of value
// valid for lifetime (expired already if it is negative).
func (c *tokenCheck) fetchOf(value string, lifetime time.Duration) wechat.FetchFunc {
	return func(context.Context) (wechat.Token, error) {
		c.fetches.Add(1)
		return wechat.Token{Value: value, ExpiresAt: time.Now().Add(lifetime)}, nil
	}
}

// token calls Token with fetch and checks that it returns want and that
// fetch has been called fetches times in all.
func (c *tokenCheck) token(fetch wechat.FetchFunc, want string, fetches int64) error {
	got, err := c.s.Token(c.ctx, c.key, fetch)
	if err != nil {
		return fmt.Errorf("calling Token: %w", err)
	}
	if got.Value != want {
		return fmt.Errorf("got %s from Token, want %q", shown(got.Value, "fetch", tokenOne, tokenTwo), want)
	}
	return c.fetched(fetches)
}

// fetched checks the number of fetches made so far.
func (c *tokenCheck) fetched(want int64) error {
	if n := c.fetches.Load(); n != want {
		return fmt.Errorf("fetch called %d times, want %d", n, want)
	}
	return nil
}

// invalidate invalidates the token under the check's key if it is value.
func (c *tokenCheck) invalidate(value string) error {
	if err := c.s.Invalidate(c.ctx, c.key, value); err != nil {
		return fmt.Errorf("calling Invalidate: %w", err)
	}
	return nil
}

// errTokenFetch is the error of a fetch that fails.
var errTokenFetch = errors.New("wechattest: the fetch failed")

// The tokens the checks fetch.
const (
	tokenOne = "wechattest-token-one"
	tokenTwo = "wechattest-token-two"
)

// The checks of every TokenStore.
var tokenChecks = []storeCheck[*tokenCheck]{
	{"fetch, then keep", func(c *tokenCheck) error {
		return all(
			func() error { return c.token(c.fetchOf(tokenOne, time.Hour), tokenOne, 1) },
			func() error { return c.token(c.fetchOf(tokenTwo, time.Hour), tokenOne, 1) },
		)
	}},
	{"keys of their own", func(c *tokenCheck) error {
		return all(
			func() error { return c.token(c.fetchOf(tokenOne, time.Hour), tokenOne, 1) },
			func() error { c.key += ":other"; return nil },
			func() error { return c.token(c.fetchOf(tokenTwo, time.Hour), tokenTwo, 2) },
		)
	}},
	{"fetch an expired token again", func(c *tokenCheck) error {
		return all(
			// A token expired when fetched is returned to its caller, as
			// WeChat gave it, but not kept.
			func() error { return c.token(c.fetchOf(tokenOne, -time.Second), tokenOne, 1) },
			func() error { return c.token(c.fetchOf(tokenTwo, time.Hour), tokenTwo, 2) },
		)
	}},
	{"a failed fetch is not kept", func(c *tokenCheck) error {
		return all(
			func() error {
				_, err := c.s.Token(c.ctx, c.key, func(context.Context) (wechat.Token, error) {
					c.fetches.Add(1)
					return wechat.Token{}, errTokenFetch
				})
				if !errors.Is(err, errTokenFetch) {
					return fmt.Errorf("got %v from Token, want the fetch's error", err)
				}
				return nil
			},
			func() error { return c.token(c.fetchOf(tokenOne, time.Hour), tokenOne, 2) },
		)
	}},
	{"invalidate the token held", func(c *tokenCheck) error {
		return all(
			func() error { return c.token(c.fetchOf(tokenOne, time.Hour), tokenOne, 1) },
			func() error { return c.invalidate(tokenOne) },
			func() error { return c.token(c.fetchOf(tokenTwo, time.Hour), tokenTwo, 2) },
		)
	}},
	{"invalidate a token replaced", func(c *tokenCheck) error {
		return all(
			func() error { return c.token(c.fetchOf(tokenTwo, time.Hour), tokenTwo, 1) },
			// A caller WeChat refused tokenOne, which another has replaced
			// already: the newer token stays.
			func() error { return c.invalidate(tokenOne) },
			func() error { return c.token(c.fetchOf(tokenOne, time.Hour), tokenTwo, 1) },
		)
	}},
	{"invalidate an unknown key", func(c *tokenCheck) error {
		return all(
			func() error { return c.invalidate(tokenOne) },
			func() error { return c.token(c.fetchOf(tokenOne, time.Hour), tokenOne, 1) },
		)
	}},
	{"concurrent callers share a fetch", func(c *tokenCheck) error {
		const callers = 8
		release := make(chan struct{})
		fetch := func(ctx context.Context) (wechat.Token, error) {
			c.fetches.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
				return wechat.Token{}, ctx.Err()
			}
			return wechat.Token{Value: tokenOne, ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
		ctx, cancel := context.WithTimeout(c.ctx, tokenWait)
		defer cancel()
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := c.s.Token(ctx, c.key, fetch)
				if err == nil && got.Value != tokenOne {
					err = fmt.Errorf("got %s from Token, want %q", shown(got.Value, "fetch", tokenOne, tokenTwo), tokenOne)
				}
				errs[i] = err
			}()
		}
		// The callers that have not come yet when the fetch ends find its
		// token kept: one fetch, however the callers are scheduled. The
		// fetch is held a moment, so that a store that does not share it
		// is caught.
		if err := c.awaitFetch(ctx); err != nil {
			cancel()
			wg.Wait()
			return err
		}
		time.Sleep(20 * time.Millisecond)
		close(release)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("calling Token: %w", err)
		}
		return c.fetched(1)
	}},
	{"a caller gives up, the fetch goes on", func(c *tokenCheck) error {
		release := make(chan struct{})
		fetchErr := make(chan error, 1)
		fetch := func(ctx context.Context) (wechat.Token, error) {
			c.fetches.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			select {
			case fetchErr <- ctx.Err(): // the fetch's context outlives the first caller's
			default: // a second fetch, which fetched counts
			}
			return wechat.Token{Value: tokenOne, ExpiresAt: time.Now().Add(time.Hour)}, ctx.Err()
		}
		first, cancelFirst := context.WithCancel(c.ctx)
		defer cancelFirst()
		firstErr := make(chan error, 1)
		go func() {
			_, err := c.s.Token(first, c.key, fetch)
			firstErr <- err
		}()
		wait, cancel := context.WithTimeout(c.ctx, tokenWait)
		defer cancel()
		if err := c.awaitFetch(wait); err != nil {
			close(release)
			return err
		}
		second := make(chan error, 1)
		go func() {
			got, err := c.s.Token(wait, c.key, fetch)
			if err == nil && got.Value != tokenOne {
				err = fmt.Errorf("got %s from Token, want %q", shown(got.Value, "fetch", tokenOne, tokenTwo), tokenOne)
			}
			second <- err
		}()

		cancelFirst()
		var steps []error
		if ok, err := receive(firstErr); !ok {
			steps = append(steps, errors.New("the caller that gave up was still waiting for the fetch"))
		} else if !errors.Is(err, context.Canceled) {
			steps = append(steps, fmt.Errorf("the caller that gave up: got %v from Token, want context.Canceled", err))
		}
		close(release)
		if ok, err := receive(fetchErr); !ok {
			steps = append(steps, errors.New("the fetch did not end"))
		} else if err != nil {
			steps = append(steps, fmt.Errorf("the fetch's context ended with its first caller's: %w", err))
		}
		if ok, err := receive(second); !ok {
			steps = append(steps, errors.New("the caller that waited got nothing"))
		} else if err != nil {
			steps = append(steps, fmt.Errorf("the caller that waited: %w", err))
		}
		if err := errors.Join(steps...); err != nil {
			return err
		}
		return c.fetched(1)
	}},
}

// receive waits up to tokenWait for an error on ch, and reports whether
// one came.
func receive(ch <-chan error) (ok bool, err error) {
	t := time.NewTimer(tokenWait)
	defer t.Stop()
	select {
	case err := <-ch:
		return true, err
	case <-t.C:
		return false, nil
	}
}

// awaitFetch waits until a fetch has been called, or ctx ends.
func (c *tokenCheck) awaitFetch(ctx context.Context) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for c.fetches.Load() == 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return errors.New("no fetch called")
		}
	}
	return nil
}
