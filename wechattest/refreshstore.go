package wechattest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mpkit/wechat/platform"
)

// TestRefreshTokenStore checks that the stores newStore returns behave as
// a platform.RefreshTokenStore must for a third-party platform to keep
// each account's authorizer_refresh_token, and, when they are
// platform.RefreshTokenSwappers, that SwapRefreshToken replaces a token
// only while it is the one expected. It returns nil if they do, and an
// error naming every check that failed otherwise. Call it from a test of
// a store of your own:
//
//	if err := wechattest.TestRefreshTokenStore(ctx, newStore); err != nil {
//		t.Fatal(err)
//	}
//
// newStore is called once for each check. Each check uses an AppID of its
// own, made for the call, so a store shared between calls (one Redis
// database, one table) is fine.
func TestRefreshTokenStore(ctx context.Context, newStore func() platform.RefreshTokenStore) error {
	// AppIDs of this call's own: "wx" and 16 hex digits, as WeChat's are.
	base := uint64(time.Now().UnixNano()) << 8
	return storeContract[platform.RefreshTokenStore, *refreshCheck]{
		begin: func(i int, _ string, s platform.RefreshTokenStore) *refreshCheck {
			sw, _ := s.(platform.RefreshTokenSwapper)
			return &refreshCheck{ctx: ctx, s: s, sw: sw, appID: fmt.Sprintf("wx%016x", base+uint64(i))}
		},
		checks:   refreshChecks,
		extended: implements[platform.RefreshTokenStore, platform.RefreshTokenSwapper],
		ext:      "RefreshTokenSwapper",
		more:     swapChecks,
	}.run(newStore)
}

// refreshCheck is one check's store and account.
type refreshCheck struct {
	ctx   context.Context
	s     platform.RefreshTokenStore
	sw    platform.RefreshTokenSwapper // s, when it is one
	appID string
}

// get checks that RefreshToken returns want, or an error matching
// wantErr when that is set.
func (c *refreshCheck) get(want string, wantErr error) error {
	got, err := c.s.RefreshToken(c.ctx, c.appID)
	switch {
	case wantErr != nil && !errors.Is(err, wantErr):
		return fmt.Errorf("got %s, %v from RefreshToken; want an error matching %v", shown(got, "store", refreshOne, refreshTwo, refreshThree), err, wantErr)
	case wantErr == nil && err != nil:
		return fmt.Errorf("calling RefreshToken: %w", err)
	case wantErr == nil && got != want:
		return fmt.Errorf("got %s from RefreshToken, want %q", shown(got, "store", refreshOne, refreshTwo, refreshThree), want)
	}
	return nil
}

// set stores token.
func (c *refreshCheck) set(token string) error {
	if err := c.s.SetRefreshToken(c.ctx, c.appID, token); err != nil {
		return fmt.Errorf("calling SetRefreshToken: %w", err)
	}
	return nil
}

// revoke revokes the account.
func (c *refreshCheck) revoke() error {
	if err := c.s.Revoke(c.ctx, c.appID); err != nil {
		return fmt.Errorf("calling Revoke: %w", err)
	}
	return nil
}

// swap checks that SwapRefreshToken from old to token reports want.
func (c *refreshCheck) swap(old, token string, want bool) error {
	swapped, err := c.sw.SwapRefreshToken(c.ctx, c.appID, old, token)
	if err != nil {
		return fmt.Errorf("calling SwapRefreshToken: %w", err)
	}
	if swapped != want {
		return fmt.Errorf("swapped %v from SwapRefreshToken(%q, %q), want %v", swapped, old, token, want)
	}
	return nil
}

// The tokens the checks store. WeChat's begin "refreshtoken@@@".
const (
	refreshOne   = "refreshtoken@@@wechattest-one"
	refreshTwo   = "refreshtoken@@@wechattest-two"
	refreshThree = "refreshtoken@@@wechattest-three"
)

// The checks of every RefreshTokenStore. Each function builds its steps
// when called, so that a step reads what the ones before it left.
var refreshChecks = []storeCheck[*refreshCheck]{
	{"unknown account", func(c *refreshCheck) error {
		return c.get("", platform.ErrNoRefreshToken)
	}},
	{"set and replace", func(c *refreshCheck) error {
		return all(
			func() error { return c.set(refreshOne) },
			func() error { return c.get(refreshOne, nil) },
			func() error { return c.set(refreshTwo) },
			func() error { return c.get(refreshTwo, nil) },
		)
	}},
	{"revoke and authorize again", func(c *refreshCheck) error {
		return all(
			func() error { return c.set(refreshOne) },
			func() error { return c.revoke() },
			func() error { return c.get("", platform.ErrNotAuthorized) },
			func() error { return c.set(refreshTwo) },
			func() error { return c.get(refreshTwo, nil) },
		)
	}},
	{"revoke an unknown account", func(c *refreshCheck) error {
		return all(
			func() error { return c.revoke() },
			func() error { return c.get("", platform.ErrNotAuthorized) },
		)
	}},
}

// The checks of a RefreshTokenSwapper, besides those of a
// RefreshTokenStore.
var swapChecks = []storeCheck[*refreshCheck]{
	{"swap the expected token", func(c *refreshCheck) error {
		return all(
			func() error { return c.set(refreshOne) },
			func() error { return c.swap(refreshOne, refreshTwo, true) },
			func() error { return c.get(refreshTwo, nil) },
		)
	}},
	{"swap another token", func(c *refreshCheck) error {
		return all(
			func() error { return c.set(refreshTwo) },
			func() error { return c.swap(refreshOne, refreshThree, false) },
			func() error { return c.get(refreshTwo, nil) },
		)
	}},
	{"swap when none is stored", func(c *refreshCheck) error {
		return all(
			func() error { return c.swap(refreshOne, refreshTwo, false) },
			func() error { return c.swap("", refreshTwo, false) },
			func() error { return c.get("", platform.ErrNoRefreshToken) },
		)
	}},
	{"swap a revoked account", func(c *refreshCheck) error {
		return all(
			func() error { return c.set(refreshOne) },
			func() error { return c.revoke() },
			// A revoked account's token may be kept as empty: "" must not
			// match it either.
			func() error { return c.swap(refreshOne, refreshTwo, false) },
			func() error { return c.swap("", refreshTwo, false) },
			func() error { return c.get("", platform.ErrNotAuthorized) },
		)
	}},
}
