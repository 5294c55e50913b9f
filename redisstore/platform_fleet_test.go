package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/redisstore"
	"github.com/mpkit/wechat/wechattest"
)

const (
	fleetPrefix         = "fleet:"
	componentTokenPath  = "/cgi-bin/component/api_component_token"
	authorizerTokenPath = "/cgi-bin/component/api_authorizer_token"
)

// newPlatformProcess is one instance of a third-party platform: its own
// Redis connection, Store and RefreshTokenStore, as a separate process
// would have, against the shared fake WeChat.
func newPlatformProcess(t *testing.T, srv *redisServer, fake *wechattest.Platform) *platform.Client {
	t.Helper()
	rdb := srv.client()
	store, err := redisstore.New(rdb, fleetPrefix)
	require.NoError(t, err)
	refresh, err := redisstore.NewRefreshTokenStore(rdb, fleetPrefix, fake.ComponentAppID())
	require.NoError(t, err)
	c, err := fake.Client(platform.WithTokenStore(store), platform.WithRefreshTokenStore(refresh))
	require.NoError(t, err)
	return c
}

// hammerAccounts has goroutines goroutines on each platform call every
// account at once, and fails the test on any error.
func hammerAccounts(t *testing.T, fleet []*platform.Client, goroutines int, ids []string) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, len(fleet)*goroutines*len(ids))
	for _, c := range fleet {
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				<-start
				for _, id := range ids {
					ac, err := c.Authorizer(id)
					if err == nil {
						_, err = ac.ListCallbackIPs(ctx)
					}
					if err != nil {
						errs <- fmt.Errorf("%s: %w", id, err)
					}
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPlatformFleetOneRefresh runs 8 instances of a platform, each with
// its own Store on its own Redis connection, one redis-server between
// them, and 50 goroutines on each calling three accounts from a cold
// cache: WeChat sees one component_access_token request, and one
// authorizer token refresh per account. The ticket one instance received
// serves them all. When every token expires the same holds again.
func TestPlatformFleetOneRefresh(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	fake := wechattest.NewPlatform()
	defer fake.Close()
	ids := []string{"wx00000000000f1001", "wx00000000000f1002", "wx00000000000f1003"}
	for _, id := range ids {
		_, err := fake.Authorize(ctx, id) // before any instance listens
		require.NoError(t, err)
	}
	fleet := make([]*platform.Client, 8)
	for i := range fleet {
		fleet[i] = newPlatformProcess(t, srv, fake)
	}
	// The ticket reaches one instance; the refresh tokens are those an
	// instance stored when the accounts authorized.
	fake.SetReceiver(wechattest.Receiver{Events: fleet[5].Events(nil)})
	_, err := fake.PushTicket(ctx)
	require.NoError(t, err)
	refresh, err := redisstore.NewRefreshTokenStore(srv.client(), fleetPrefix, fake.ComponentAppID())
	require.NoError(t, err)
	for _, id := range ids {
		require.NoError(t, refresh.SetRefreshToken(ctx, id, fake.RefreshToken(id)))
	}

	hammerAccounts(t, fleet, 50, ids)
	assert.Equal(t, 1, fake.Calls(componentTokenPath), "component_access_token requests")
	for _, id := range ids {
		assert.Equal(t, 1, fake.Refreshes(id), "authorizer token refreshes of %s", id)
		assert.Equal(t, 8*50, fake.Account(id).Calls("/cgi-bin/getcallbackip"), "calls of %s", id)
	}
	t.Logf("cold cache, 8 instances x 50 goroutines x %d accounts: %d component_access_token request(s), %d api_authorizer_token request(s)",
		len(ids), fake.Calls(componentTokenPath), fake.Calls(authorizerTokenPath))

	// Every token expires at WeChat: each is rejected, dropped once and
	// fetched once for the fleet.
	fake.ExpireTokens()
	hammerAccounts(t, fleet, 50, ids)
	assert.Equal(t, 2, fake.Calls(componentTokenPath), "component_access_token requests after expiry")
	for _, id := range ids {
		assert.Equal(t, 2, fake.Refreshes(id), "authorizer token refreshes of %s after expiry", id)
	}
	t.Logf("after expiry: %d component_access_token request(s) in all, %d authorizer tokens issued per account",
		fake.Calls(componentTokenPath), fake.Refreshes(ids[0]))

	// A revocation one instance hears of stops them all.
	fake.SetReceiver(wechattest.Receiver{Events: fleet[2].Events(nil)})
	require.NoError(t, fake.Unauthorize(ctx, ids[0]))
	ac, err := fleet[7].Authorizer(ids[0])
	require.NoError(t, err)
	before := fake.Account(ids[0]).Calls("/cgi-bin/getcallbackip")
	_, err = ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized)
	assert.Equal(t, before, fake.Account(ids[0]).Calls("/cgi-bin/getcallbackip"), "no call with the revoked account's token")
}
