package platform_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/platform"
)

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
