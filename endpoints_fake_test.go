package wechat_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/wechattest"
	"github.com/stretchr/testify/require"
)

// The fake answers an unknown path with errcode 40066 (invalid url), a
// known path called with the other method with 43001 or 43002, and an
// access_token endpoint called without one with 41001.
const (
	codeInvalidURL         = 40066
	codeRequireGET         = 43001
	codeRequirePOST        = 43002
	codeAccessTokenMissing = 41001
	codeNoErrcode          = -100 // a document without errcode, a file, a bare status: served
)

// TestFakeServesEveryEndpoint walks the endpoint table against wechattest:
// every endpoint the Client calls is served by the fake, with the
// table's method and credential.
func TestFakeServesEveryEndpoint(t *testing.T) {
	srv, c := startFake(t)
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	for _, ep := range endpoint.All() {
		switch code := fakeAnswer(t, srv, ep, tok.Value); code {
		case codeInvalidURL:
			t.Errorf("wechattest does not serve %s %s", ep.Method, ep.Path)
			continue
		case codeRequireGET, codeRequirePOST:
			t.Errorf("wechattest serves %s with another method than the table's %s", ep.Path, ep.Method)
		}
		if ep.Auth == endpoint.AccessToken {
			if code := fakeAnswer(t, srv, ep, ""); code != codeAccessTokenMissing {
				t.Errorf("wechattest answers %s without an access_token with %d, not %d", ep.Path, code, codeAccessTokenMissing)
			}
		}
	}
}

// fakeAnswer sends ep a request without arguments (an empty JSON object
// for a POST), with tok as access_token unless it is empty, and returns
// the errcode of the reply.
func fakeAnswer(t *testing.T, srv *wechattest.Server, ep endpoint.Endpoint, tok string) int {
	t.Helper()
	u := srv.URL + ep.Path
	if tok != "" {
		u += "?" + url.Values{"access_token": {tok}}.Encode()
	}
	var body io.Reader
	if ep.Method == http.MethodPost {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequestWithContext(context.Background(), ep.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", ep.Method, ep.Path, err)
	}
	defer resp.Body.Close()
	var reply struct {
		ErrCode *int `json:"errcode"`
	}
	if json.NewDecoder(resp.Body).Decode(&reply) != nil || reply.ErrCode == nil {
		return codeNoErrcode
	}
	return *reply.ErrCode
}
