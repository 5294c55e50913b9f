package wechattest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestTokenStoreMemory(t *testing.T) {
	err := wechattest.TestTokenStore(context.Background(), func() wechat.TokenStore { return wechat.NewMemoryStore() })
	require.NoError(t, err)
}

// uncached fetches on every call, with the caller's context: each caller
// makes a fetch of its own, and one that gives up ends it.
type uncached struct{}

func (uncached) Token(ctx context.Context, _ string, fetch wechat.FetchFunc) (wechat.Token, error) {
	return fetch(ctx)
}
func (uncached) Invalidate(context.Context, string, string) error { return nil }

// blunt removes a token whatever its value: a caller refused an old token
// throws away the new one another caller just fetched.
type blunt struct{ *wechat.MemoryStore }

func (s blunt) Invalidate(ctx context.Context, key, _ string) error {
	tok, err := s.Token(ctx, key, func(context.Context) (wechat.Token, error) { return wechat.Token{}, nil })
	if err != nil {
		return err
	}
	return s.MemoryStore.Invalidate(ctx, key, tok.Value)
}

// A store that breaks the contract is reported, each broken check named.
func TestTokenStoreReportsBrokenStores(t *testing.T) {
	ctx := context.Background()
	err := wechattest.TestTokenStore(ctx, func() wechat.TokenStore { return uncached{} })
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `fetch, then keep: got "wechattest-token-two" from Token, want "wechattest-token-one"`)
	assert.Contains(t, msg, "concurrent callers share a fetch: fetch called 8 times, want 1")
	assert.Contains(t, msg, "a caller gives up, the fetch goes on: the fetch's context ended with its first caller's: context canceled")
	assert.NotContains(t, msg, "invalidate an unknown key")

	err = wechattest.TestTokenStore(ctx, func() wechat.TokenStore { return blunt{wechat.NewMemoryStore()} })
	require.Error(t, err)
	assert.Equal(t, `invalidate a token replaced: got "wechattest-token-one" from Token, want "wechattest-token-two"`, err.Error())

	err = wechattest.TestTokenStore(ctx, func() wechat.TokenStore { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fetch, then keep: newStore returned nil")
}

// leaky answers every key with a token the checks did not fetch, as a
// store that mixes keys up may give another account's, real one.
type leaky struct{}

func (leaky) Token(ctx context.Context, _ string, fetch wechat.FetchFunc) (wechat.Token, error) {
	if _, err := fetch(ctx); err != nil {
		return wechat.Token{}, err
	}
	return wechat.Token{Value: "real-access-token-of-another-account", ExpiresAt: time.Now().Add(time.Hour)}, nil
}
func (leaky) Invalidate(context.Context, string, string) error { return nil }

// A token the checks did not fetch is reported without its value: it may
// be a real one, and test logs are read widely.
func TestTokenStoreHidesForeignTokens(t *testing.T) {
	err := wechattest.TestTokenStore(context.Background(), func() wechat.TokenStore { return leaky{} })
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "real-access-token")
	assert.Contains(t, err.Error(), `fetch, then keep: got a token the check did not fetch from Token, want "wechattest-token-one"`)
}
