package platform_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// One process serves a thousand accounts: each account's first call
// makes one token request (api_authorizer_token), its later calls none.
// The memory each account's Client holds is reported, alone and with its
// cached token (the fake's records of the calls included in the second
// figure).
func TestThousandAuthorizers(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand accounts")
	}
	const n = 1000
	ctx := context.Background()
	clock := wechattest.NewClock(time.Unix(1_700_000_000, 0))
	fake := wechattest.NewPlatform(wechattest.WithClock(clock.Now))
	defer fake.Close()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("wx%016x", 0x7000000000000000+i)
		_, err := fake.Authorize(ctx, ids[i]) // no receiver: the platform learns of them below
		require.NoError(t, err)
	}
	c, err := fake.Client()
	require.NoError(t, err)
	ticket, err := fake.PushTicket(ctx)
	require.NoError(t, err)
	require.NoError(t, c.SetTicket(ctx, ticket))
	restored, err := c.RestoreRefreshTokens(ctx)
	require.NoError(t, err)
	require.Equal(t, n, restored)
	require.Equal(t, 2, fake.Calls("/cgi-bin/component/api_get_authorizer_list"), "two pages of 500")

	before := heapAlloc()
	for _, id := range ids {
		_, err := c.Authorizer(id)
		require.NoError(t, err)
	}
	built := heapAlloc()
	for _, id := range ids {
		ac, err := c.Authorizer(id)
		require.NoError(t, err)
		_, err = ac.ListCallbackIPs(ctx)
		require.NoError(t, err)
	}
	called := heapAlloc()
	t.Logf("memory per authorizer Client: %d bytes; with its token cached and its first call made: %d bytes (the fake's records included)",
		int64(built-before)/n, int64(called-before)/n)

	assert.Equal(t, n, fake.Calls(authorizerTokenPath), "one token request per account")
	for _, id := range ids {
		ac, err := c.Authorizer(id)
		require.NoError(t, err)
		_, err = ac.ListCallbackIPs(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, n, fake.Calls(authorizerTokenPath), "no token request for the later calls")
	assert.Equal(t, 1, fake.Calls(componentTokenPath), "one component_access_token")
	for _, id := range ids[:10] {
		assert.Equal(t, 1, fake.Refreshes(id), id)
		assert.Equal(t, 2, fake.Account(id).Calls("/cgi-bin/getcallbackip"), id)
	}
}

// Building an account's Client does no I/O and needs no ticket.
func TestAuthorizerIsLazy(t *testing.T) {
	fake := wechattest.NewPlatform()
	defer fake.Close()
	c, err := fake.Client()
	require.NoError(t, err)
	ac, err := c.Authorizer("wx7100000000000001")
	require.NoError(t, err)
	again, err := c.Authorizer("wx7100000000000001")
	require.NoError(t, err)
	assert.Same(t, ac, again)
	assert.Zero(t, len(fake.Requests()))
	_, err = c.Authorizer("")
	assert.Error(t, err)
	_, err = ac.ListCallbackIPs(context.Background())
	assert.ErrorIs(t, err, platform.ErrNoRefreshToken)
}
