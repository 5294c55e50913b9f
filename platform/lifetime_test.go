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

// An expires_in so far below zero that its nanoseconds do not fit a
// time.Duration (-9,300,000,000 seconds) is a credential that cannot be
// used, as any expires_in of zero or less is: it must be refused, not
// wrap around to a long positive lifetime and be cached.
func TestNegativeAbsurdLifetimeRefused(t *testing.T) {
	ctx := context.Background()
	const appID = "wxf8b4f85f3a794e78"
	t.Run("component_access_token", func(t *testing.T) {
		c, mt, w := newWireClient(t)
		w.answer(mt, http.MethodPost, componentTokenPath, []byte(`{"component_access_token":"comp-token","expires_in":-9300000000}`))
		_, err := c.ComponentAccessToken(ctx)
		assert.ErrorIs(t, err, wechat.ErrUnexpectedResponse)
	})
	t.Run("authorizer_access_token", func(t *testing.T) {
		refresh := platform.NewMemoryRefreshTokenStore()
		require.NoError(t, refresh.SetRefreshToken(ctx, appID, "refresh_token_value"))
		c, mt, w := newWireClient(t, platform.WithRefreshTokenStore(refresh))
		w.answer(mt, http.MethodPost, authorizerTokenPath, []byte(`{"authorizer_access_token":"account-token","expires_in":-9300000000}`))
		ac, err := c.Authorizer(appID)
		require.NoError(t, err)
		_, err = ac.AccessToken(ctx)
		assert.ErrorIs(t, err, wechat.ErrUnexpectedResponse)
	})
	t.Run("api_query_auth", func(t *testing.T) {
		c, mt, w := newWireClient(t)
		w.answer(mt, http.MethodPost, "/cgi-bin/component/api_query_auth", []byte(`{"authorization_info":{"authorizer_appid":"`+appID+
			`","authorizer_access_token":"account-token","expires_in":-9300000000,"authorizer_refresh_token":"rt"}}`))
		auth, err := c.QueryAuth(ctx, "queryauthcode@@@1")
		require.NoError(t, err)
		assert.False(t, auth.AccessToken.Valid(time.Now()), "expires %v: not a usable token", auth.AccessToken.ExpiresAt)
	})
}
