package platform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mpkit/wechat"
)

// The Messages Client's store hands out an account's access token for the
// Client's access-token key only: were the Client ever to ask it for
// another credential (a jsapi_ticket), answering with the access token
// would give WeChat's JS-SDK the wrong secret.
func TestRouteStoreAnswersOnlyTheAccessTokenKey(t *testing.T) {
	c := newTestClient(t)
	ctx := WithAuthorizerAppID(context.Background(), "wxaccount00000001")
	fetch := func(context.Context) (wechat.Token, error) {
		t.Error("the store called fetch")
		return wechat.Token{}, nil
	}
	_, err := routeStore{c}.Token(ctx, "wechat:jsapi_ticket:"+c.appID, fetch)
	if !errors.Is(err, errForeignKey) {
		t.Fatalf("Token(jsapi_ticket key) error = %v, want errForeignKey", err)
	}
}

// OAuthURL is called with the AppID of a request to the platform's page
// (the account whose user signs in), which anyone can make up: building
// the link must not keep a Client for every AppID it was asked for, or
// the process grows with each made-up one.
func TestOAuthURLKeepsNoClient(t *testing.T) {
	c := newTestClient(t)
	for i := range 100 {
		appID := fmt.Sprintf("wx%016x", i)
		u, err := c.OAuthURL(appID, "https://example.com/back", wechat.ScopeBase, "s")
		if err != nil {
			t.Fatal(err)
		}
		if want := "appid=" + appID; !strings.Contains(u, want) {
			t.Fatalf("OAuthURL = %q, want %q in it", u, want)
		}
	}
	c.mu.Lock()
	kept := len(c.authorizers)
	c.mu.Unlock()
	if kept != 0 {
		t.Fatalf("after 100 links for 100 AppIDs the platform keeps %d Clients, want 0", kept)
	}
}

// newTestClient is a platform Client with the credentials New needs and
// nothing else: no store, no fake behind it.
func newTestClient(t *testing.T) *Client {
	t.Helper()
	c, err := New(WithAppID("wxplatform0000001"), WithAppSecret("secret"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
