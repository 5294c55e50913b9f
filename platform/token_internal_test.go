package platform

import (
	"context"
	"errors"
	"testing"

	"github.com/mpkit/wechat"
)

// The Messages Client's store hands out an account's access token for the
// Client's access-token key only: were the Client ever to ask it for
// another credential (a jsapi_ticket), answering with the access token
// would give WeChat's JS-SDK the wrong secret.
func TestRouteStoreAnswersOnlyTheAccessTokenKey(t *testing.T) {
	c, err := New(WithAppID("wxplatform0000001"), WithAppSecret("secret"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithAuthorizerAppID(context.Background(), "wxaccount00000001")
	fetch := func(context.Context) (wechat.Token, error) {
		t.Error("the store called fetch")
		return wechat.Token{}, nil
	}
	_, err = routeStore{c}.Token(ctx, "wechat:jsapi_ticket:"+c.appID, fetch)
	if !errors.Is(err, errForeignKey) {
		t.Fatalf("Token(jsapi_ticket key) error = %v, want errForeignKey", err)
	}
}
