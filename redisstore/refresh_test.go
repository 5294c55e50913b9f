package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/redisstore"
	"github.com/mpkit/wechat/wechattest"
)

// A refresh token is kept without a TTL, read back by another connection
// (another process), replaced, revoked and restored.
func TestRefreshTokenStore(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	a, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, testPlatform)
	require.NoError(t, err)
	b, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, testPlatform)
	require.NoError(t, err)
	const appID = "wx0000000000000a01"

	_, err = a.RefreshToken(ctx, appID)
	assert.ErrorIs(t, err, platform.ErrNoRefreshToken)

	require.NoError(t, a.SetRefreshToken(ctx, appID, "refreshtoken@@@one"))
	got, err := b.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@one", got)
	admin := srv.client()
	key := testPrefix + "platform:" + testPlatform + ":refresh_token:" + appID
	ttl, err := admin.TTL(ctx, key).Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), ttl, "no TTL: refresh tokens are not a cache")

	require.NoError(t, b.SetRefreshToken(ctx, appID, "refreshtoken@@@two"))
	got, err = a.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@two", got)

	require.NoError(t, a.Revoke(ctx, appID))
	_, err = b.RefreshToken(ctx, appID)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized)
	require.NoError(t, b.SetRefreshToken(ctx, appID, "refreshtoken@@@three"))
	got, err = a.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@three", got)

	assert.ErrorIs(t, a.SetRefreshToken(ctx, appID, ""), wechat.ErrInvalidArgument)
	_, err = redisstore.NewRefreshTokenStore(nil, testPrefix, testPlatform)
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)
	_, err = redisstore.NewRefreshTokenStore(srv.client(), testPrefix, "")
	assert.ErrorIs(t, err, wechat.ErrInvalidConfig)
}

// The store keeps the contract of a RefreshTokenStore and a
// RefreshTokenSwapper, and refuses an empty token.
func TestRefreshTokenStoreContract(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	require.NoError(t, wechattest.TestRefreshTokenStore(ctx, func() platform.RefreshTokenStore {
		s, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, testPlatform)
		require.NoError(t, err)
		return s
	}))

	s, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, testPlatform)
	require.NoError(t, err)
	const appID = "wx0000000000000a05"
	require.NoError(t, s.SetRefreshToken(ctx, appID, "refreshtoken@@@one"))
	_, err = s.SwapRefreshToken(ctx, appID, "refreshtoken@@@one", "")
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
	got, err := s.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@one", got, "kept")
}

// testPlatform is the AppID of the platform whose refresh tokens the
// tests keep.
const testPlatform = "wx000000000c0e0001"

// Two platforms on one Redis, with one prefix, each keep the refresh
// token of an account that authorized both: WeChat issues one per
// platform, and one overwriting the other would make the account
// authorize again.
func TestRefreshTokenStoresOfTwoPlatforms(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	a, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, "wx000000000c0e0001")
	require.NoError(t, err)
	b, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, "wx000000000c0e0002")
	require.NoError(t, err)
	const appID = "wx0000000000000a03"
	require.NoError(t, a.SetRefreshToken(ctx, appID, "refreshtoken@@@of-a"))
	require.NoError(t, b.SetRefreshToken(ctx, appID, "refreshtoken@@@of-b"))
	got, err := a.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@of-a", got)
	require.NoError(t, b.Revoke(ctx, appID))
	got, err = a.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, "refreshtoken@@@of-a", got, "one platform's revocation is its own")
}

// When Redis is down the errors say so, and a caller's deadline holds.
func TestRefreshTokenStoreUnavailable(t *testing.T) {
	srv := startRedis(t)
	s, err := redisstore.NewRefreshTokenStore(srv.client(), testPrefix, testPlatform)
	require.NoError(t, err)
	srv.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = s.RefreshToken(ctx, "wx0000000000000a02")
	assert.ErrorIs(t, err, redisstore.ErrUnavailable)
	assert.NotErrorIs(t, err, platform.ErrNoRefreshToken)
	assert.ErrorIs(t, s.SetRefreshToken(ctx, "wx0000000000000a02", "rt"), redisstore.ErrUnavailable)
	assert.ErrorIs(t, s.Revoke(ctx, "wx0000000000000a02"), redisstore.ErrUnavailable)
}
