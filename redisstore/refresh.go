package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/redis/go-redis/v9"
)

// RefreshTokenStore is a platform.RefreshTokenStore kept in Redis: the
// authorizer_refresh_token of every account authorized to one
// third-party platform, shared by the platform's instances. Build it with
// NewRefreshTokenStore; it is safe for concurrent use.
//
// Unlike tokens and pushes, refresh tokens are not a cache: a token lost
// is an account that has to authorize the platform again (or be restored
// with platform.Client.RestoreRefreshTokens). So they are kept without a
// TTL, and the Redis they are kept in must persist what it holds (AOF or
// RDB snapshots, and a replica) and must not evict keys (a maxmemory
// policy of noeviction, or volatile-* ones, which spare keys without a
// TTL). An account that revoked the platform is remembered as an empty
// value under its key.
type RefreshTokenStore struct {
	rdb    redis.UniversalClient
	prefix string // of every key: the platform's own
	swap   *redis.Script
}

var _ platform.RefreshTokenSwapper = (*RefreshTokenStore)(nil)

// swapScript stores ARGV[2] under KEYS[1] if ARGV[1], the token a refresh
// used, is stored there, and returns 1 if it did. A revoked account holds
// "", which is no token.
const swapScript = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[2])
	return 1
end
return 0
`

// NewRefreshTokenStore returns a RefreshTokenStore for the platform
// componentAppID that keeps the token of the account appID under
// prefix + "platform:" + componentAppID + ":refresh_token:" + appID: an
// account that authorized two platforms has a token for each, and
// platforms sharing a Redis and a prefix keep theirs apart. It fails with
// an error wrapping wechat.ErrInvalidConfig if rdb is nil or
// componentAppID empty, and does not contact Redis.
func NewRefreshTokenStore(rdb redis.UniversalClient, prefix, componentAppID string) (*RefreshTokenStore, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: redisstore: nil Redis client", wechat.ErrInvalidConfig)
	}
	if componentAppID == "" {
		return nil, fmt.Errorf("%w: redisstore: empty platform AppID", wechat.ErrInvalidConfig)
	}
	return &RefreshTokenStore{rdb: rdb, prefix: prefix + "platform:" + componentAppID + ":refresh_token:", swap: redis.NewScript(swapScript)}, nil
}

func (s *RefreshTokenStore) key(appID string) string { return s.prefix + appID }

// RefreshToken implements platform.RefreshTokenStore: the stored token,
// an error matching platform.ErrNoRefreshToken when there is none,
// platform.ErrNotAuthorized after Revoke, and ErrUnavailable when Redis
// failed. It returns when ctx ends, as the Store's methods do.
func (s *RefreshTokenStore) RefreshToken(ctx context.Context, appID string) (string, error) {
	v, err := call(ctx, func(ctx context.Context) (string, error) {
		return s.rdb.Get(ctx, s.key(appID)).Result()
	})
	switch {
	case errors.Is(err, redis.Nil):
		return "", platform.ErrNoRefreshToken
	case err != nil:
		return "", redisError("reading the refresh token of", appID, err)
	case v == "":
		return "", platform.ErrNotAuthorized
	}
	return v, nil
}

// SetRefreshToken implements platform.RefreshTokenStore. An empty token
// is an error wrapping wechat.ErrInvalidArgument.
func (s *RefreshTokenStore) SetRefreshToken(ctx context.Context, appID, token string) error {
	if token == "" {
		return fmt.Errorf("%w: redisstore: empty refresh token", wechat.ErrInvalidArgument)
	}
	return s.set(ctx, "saving the refresh token of", appID, token)
}

// SwapRefreshToken implements platform.RefreshTokenSwapper, in one Lua
// script. An empty token is an error wrapping wechat.ErrInvalidArgument.
func (s *RefreshTokenStore) SwapRefreshToken(ctx context.Context, appID, old, token string) (bool, error) {
	if token == "" {
		return false, fmt.Errorf("%w: redisstore: empty refresh token", wechat.ErrInvalidArgument)
	}
	n, err := call(ctx, func(ctx context.Context) (int64, error) {
		return s.swap.Run(ctx, s.rdb, []string{s.key(appID)}, old, token).Int64()
	})
	if err != nil {
		return false, redisError("replacing the refresh token of", appID, err)
	}
	return n == 1, nil
}

// Revoke implements platform.RefreshTokenStore.
func (s *RefreshTokenStore) Revoke(ctx context.Context, appID string) error {
	return s.set(ctx, "revoking", appID, "")
}

func (s *RefreshTokenStore) set(ctx context.Context, op, appID, value string) error {
	_, err := call(ctx, func(ctx context.Context) (string, error) {
		return s.rdb.Set(ctx, s.key(appID), value, 0).Result()
	})
	if err != nil {
		return redisError(op, appID, err)
	}
	return nil
}
