package platform_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
)

// An expires_in far beyond what WeChat documents (9,300,000,000 seconds
// would overflow a time.Duration) is clamped to wechat.MaxTokenLifetime,
// as the core clamps its own, in every reply that carries one: the
// credential is neither refused nor dated in the past.
func TestAbsurdLifetimesClamped(t *testing.T) {
	ctx := context.Background()
	const appID = "wxf8b4f85f3a794e77"
	inRange := func(t *testing.T, expires time.Time) {
		t.Helper()
		now := time.Now()
		assert.True(t, expires.After(now), "expires %v, in the future", expires)
		assert.False(t, expires.After(now.Add(wechat.MaxTokenLifetime+time.Second)), "expires %v, within MaxTokenLifetime", expires)
	}

	t.Run("component_access_token", func(t *testing.T) {
		c, mt, w := newWireClient(t)
		w.answer(mt, http.MethodPost, componentTokenPath, []byte(`{"component_access_token":"comp-token","expires_in":9300000000}`))
		tok, err := c.ComponentAccessToken(ctx)
		require.NoError(t, err)
		assert.Equal(t, "comp-token", tok.Value)
		inRange(t, tok.ExpiresAt)
	})
	t.Run("authorizer_access_token", func(t *testing.T) {
		refresh := platform.NewMemoryRefreshTokenStore()
		require.NoError(t, refresh.SetRefreshToken(ctx, appID, "refresh_token_value"))
		c, mt, w := newWireClient(t, platform.WithRefreshTokenStore(refresh))
		w.answer(mt, http.MethodPost, authorizerTokenPath, []byte(`{"authorizer_access_token":"account-token","expires_in":9300000000}`))
		ac, err := c.Authorizer(appID)
		require.NoError(t, err)
		tok, err := ac.AccessToken(ctx)
		require.NoError(t, err)
		assert.Equal(t, "account-token", tok.Value)
		inRange(t, tok.ExpiresAt)
	})
	t.Run("api_query_auth", func(t *testing.T) {
		c, mt, w := newWireClient(t)
		w.answer(mt, http.MethodPost, "/cgi-bin/component/api_query_auth", []byte(`{"authorization_info":{"authorizer_appid":"`+appID+
			`","authorizer_access_token":"account-token","expires_in":9300000000,"authorizer_refresh_token":"rt"}}`))
		auth, err := c.QueryAuth(ctx, "queryauthcode@@@1")
		require.NoError(t, err)
		inRange(t, auth.AccessToken.ExpiresAt)
	})
	t.Run("sns/oauth2/component/access_token", func(t *testing.T) {
		c, mt, w := newWireClient(t)
		// is_snapshotuser as a string, as WeChat writes some numbers: the
		// core takes either, and so does the platform.
		w.answer(mt, http.MethodGet, "/sns/oauth2/component/access_token", []byte(`{"access_token":"user-token","expires_in":9300000000,`+
			`"refresh_token":"user-refresh","openid":"OPENID","scope":"snsapi_base","is_snapshotuser":"1"}`))
		tok, err := c.ExchangeOAuthCode(ctx, appID, "CODE")
		require.NoError(t, err)
		assert.True(t, tok.IsSnapshotUser)
		inRange(t, tok.ExpiresAt)
	})
}
