package wechattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

func TestRefreshTokenStoreMemory(t *testing.T) {
	err := wechattest.TestRefreshTokenStore(context.Background(), func() platform.RefreshTokenStore {
		return platform.NewMemoryRefreshTokenStore()
	})
	require.NoError(t, err)
}

// unswapping is a RefreshTokenStore over the memory store that is not a
// RefreshTokenSwapper: the swapper's checks are not run on it.
type unswapping struct {
	mem *platform.MemoryRefreshTokenStore
}

func (s unswapping) RefreshToken(ctx context.Context, appID string) (string, error) {
	return s.mem.RefreshToken(ctx, appID)
}
func (s unswapping) SetRefreshToken(ctx context.Context, appID, token string) error {
	return s.mem.SetRefreshToken(ctx, appID, token)
}
func (s unswapping) Revoke(ctx context.Context, appID string) error { return s.mem.Revoke(ctx, appID) }

// amnesiac forgets that an account revoked the platform: the platform
// would go on calling WeChat for it with a token WeChat refuses.
type amnesiac struct{ unswapping }

func (s amnesiac) Revoke(ctx context.Context, appID string) error {
	if err := s.mem.Revoke(ctx, appID); err != nil {
		return err
	}
	return s.mem.SetRefreshToken(ctx, appID, "refreshtoken@@@stale")
}

// blindSwap swaps whatever is stored: a paused refresh would write its
// older token over a newer one.
type blindSwap struct {
	*platform.MemoryRefreshTokenStore
}

func (s blindSwap) SwapRefreshToken(ctx context.Context, appID, _, token string) (bool, error) {
	return true, s.SetRefreshToken(ctx, appID, token)
}

// A store that breaks the contract is reported, each broken check named;
// one that is no RefreshTokenSwapper is checked as a RefreshTokenStore
// only.
func TestRefreshTokenStoreReportsBrokenStores(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, wechattest.TestRefreshTokenStore(ctx, func() platform.RefreshTokenStore {
		return unswapping{platform.NewMemoryRefreshTokenStore()}
	}))

	err := wechattest.TestRefreshTokenStore(ctx, func() platform.RefreshTokenStore {
		return amnesiac{unswapping{platform.NewMemoryRefreshTokenStore()}}
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `revoke and authorize again: got a token the check did not store, <nil> from RefreshToken; want an error matching platform: the account has not authorized the platform`)
	assert.Contains(t, err.Error(), "revoke an unknown account: ")
	assert.NotContains(t, err.Error(), "set and replace")

	err = wechattest.TestRefreshTokenStore(ctx, func() platform.RefreshTokenStore {
		return blindSwap{platform.NewMemoryRefreshTokenStore()}
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `swap another token: swapped true from SwapRefreshToken("refreshtoken@@@wechattest-one", "refreshtoken@@@wechattest-three"), want false`)
	assert.Contains(t, err.Error(), "swap when none is stored: ")
	assert.Contains(t, err.Error(), "swap a revoked account: ")
	assert.NotContains(t, err.Error(), "swap the expected token")

	err = wechattest.TestRefreshTokenStore(ctx, func() platform.RefreshTokenStore { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown account: newStore returned nil")
}

// A refresh token the checks did not store is reported without its
// value: it may be a real account's.
func TestRefreshTokenStoreHidesForeignTokens(t *testing.T) {
	err := wechattest.TestRefreshTokenStore(context.Background(), func() platform.RefreshTokenStore {
		return amnesiac{unswapping{platform.NewMemoryRefreshTokenStore()}}
	})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "refreshtoken@@@stale")
	assert.Contains(t, err.Error(), `revoke and authorize again: got a token the check did not store, <nil> from RefreshToken`)
}
