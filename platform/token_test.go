package platform_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowMissStore is a MemoryStore whose look-ups that find no ticket take
// a while, as a shared store's do (redisstore reads, locks, reads again
// and unlocks before it answers): entered is closed when the first such
// look-up is under way.
type slowMissStore struct {
	*wechat.MemoryStore
	once    sync.Once
	entered chan struct{}
}

func (s *slowMissStore) Token(ctx context.Context, key string, fetch wechat.FetchFunc) (wechat.Token, error) {
	return s.MemoryStore.Token(ctx, key, func(ctx context.Context) (wechat.Token, error) {
		t, err := fetch(ctx)
		if errors.Is(err, platform.ErrNoTicket) {
			s.once.Do(func() { close(s.entered) })
			time.Sleep(200 * time.Millisecond)
		}
		return t, err
	})
}

// A ticket pushed while a call of the platform is finding that there is
// none (a new deployment, or a store that lost its keys, under load) is
// stored: the push does not share that call's answer, ErrNoTicket.
func TestTicketPushedWhileACallFindsNone(t *testing.T) {
	ctx := context.Background()
	var e *env
	now := func() time.Time { return e.clock.Now() } // the fake's clock, once e is made
	store := &slowMissStore{MemoryStore: wechat.NewMemoryStoreWithClock(now), entered: make(chan struct{})}
	e = newEnv(t, nil, platform.WithTokenStore(store))
	missed := make(chan error, 1)
	go func() {
		_, err := e.c.ComponentAccessToken(ctx)
		missed <- err
	}()
	<-store.entered
	_, err := e.fake.PushTicket(ctx)
	require.NoError(t, err, "the push is taken")
	assert.ErrorIs(t, <-missed, platform.ErrNoTicket, "the call that found none")
	_, err = e.c.ComponentAccessToken(ctx)
	assert.NoError(t, err)
}

// awaitCalls waits until the fake has seen n requests to path.
func (e *env) awaitCalls(path string, n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.fake.Calls(path) < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("no request %d to %s", n, path)
		}
		time.Sleep(time.Millisecond)
	}
}

// The platform revokes an account while a refresh of its token is on its
// way to WeChat, and WeChat's answer hands back a new refresh token:
// storing that token must not undo the revocation, nor may the account
// be given an access token afterwards.
func TestRevokeDuringRotatingRefresh(t *testing.T) {
	ctx := context.Background()
	refresh := platform.NewMemoryRefreshTokenStore()
	const appID = "wx1000000000000031"
	e, ac := authorized(t, appID, platform.WithRefreshTokenStore(refresh))
	e.fake.RotateRefreshToken(appID)
	e.fake.ExpireTokens()
	e.fake.SetLatency(authorizerTokenPath, 200*time.Millisecond)

	before := e.fake.Calls(authorizerTokenPath)
	done := make(chan error, 1)
	go func() {
		_, err := ac.ListCallbackIPs(ctx) // refused token: refreshed
		done <- err
	}()
	e.awaitCalls(authorizerTokenPath, before+1)
	revoked := e.c.Revoke(ctx, appID)
	<-done
	require.NoError(t, revoked)

	_, err := refresh.RefreshToken(ctx, appID)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized, "the revocation stands")
	_, err = ac.AccessToken(ctx)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized, "no token for a revoked account")
}

// An account revoked by another instance (the shared RefreshTokenStore
// says so) while this one keeps a refresh token the store did not take:
// the kept token gives no access token, and is not sent to WeChat again.
func TestRevokedElsewhereDropsKeptRefreshToken(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{MemoryRefreshTokenStore: platform.NewMemoryRefreshTokenStore()}
	const appID = "wx1000000000000032"
	e, ac := authorized(t, appID, platform.WithRefreshTokenStore(store))
	store.setBroken(true)
	e.fake.RotateRefreshToken(appID)
	e.fake.ExpireTokens()
	_, err := ac.ListCallbackIPs(ctx)
	require.NoError(t, err, "the new refresh token is kept in the process")

	require.NoError(t, store.Revoke(ctx, appID)) // another instance's Revoke
	e.fake.ExpireTokens()
	_, err = ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized)
	sent := e.fake.Calls(authorizerTokenPath)
	_, err = ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized)
	assert.Equal(t, sent, e.fake.Calls(authorizerTokenPath), "the kept token is not sent again")
}

// The memory store keeps the contract of a RefreshTokenStore and a
// RefreshTokenSwapper, and refuses an empty token.
func TestMemoryRefreshTokenStore(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, wechattest.TestRefreshTokenStore(ctx, func() platform.RefreshTokenStore {
		return platform.NewMemoryRefreshTokenStore()
	}))

	s := platform.NewMemoryRefreshTokenStore()
	const appID = "wx100000000000000a"
	assert.ErrorIs(t, s.SetRefreshToken(ctx, appID, ""), wechat.ErrInvalidArgument)
	require.NoError(t, s.SetRefreshToken(ctx, appID, "refreshtoken@@@one"))
	_, err := s.SwapRefreshToken(ctx, appID, "refreshtoken@@@one", "")
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
	got, err := s.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@one", got, "kept")
}
