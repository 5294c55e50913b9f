package platform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mpkit/wechat"
)

// OAuthURL is called with the AppID of a request to the platform's page
// (the account whose user signs in), which anyone can make up: building
// the link must not keep a Client for every AppID it was asked for, or
// the process grows with each made-up one.
func TestOAuthURLKeepsNoClient(t *testing.T) {
	c, err := New(WithAppID("wxplatform0000001"), WithAppSecret("secret"))
	if err != nil {
		t.Fatal(err)
	}
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
