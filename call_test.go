package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callEndpoint returns a case's call that sends ep through Call with q
// and body, and returns the member of the reply that names.
func callEndpoint(id endpoint.ID, q url.Values, body any, names ...string) func(context.Context, *Client) (any, error) {
	ep := endpoint.Get(id)
	return func(ctx context.Context, c *Client) (any, error) {
		var r map[string]any
		if err := c.Call(ctx, ep.Method, ep.Path, q, body, &r); err != nil {
			return nil, err
		}
		var v any = r
		for _, name := range names {
			m, _ := v.(map[string]any)
			v = m[name]
		}
		return v, nil
	}
}

// callWithOtherMethod is the invalid call of every Call case: the
// endpoint's path with the method it is not called with.
func callWithOtherMethod(id endpoint.ID) func(context.Context, *Client) error {
	ep := endpoint.Get(id)
	method := http.MethodGet
	if ep.Method == http.MethodGet {
		method = http.MethodPost
	}
	return func(ctx context.Context, c *Client) error {
		return c.Call(ctx, method, ep.Path, nil, nil, nil)
	}
}

// componentEndpoints are the third-party platform's APIs, which package
// platform calls through Call with the bodies of these cases; its own
// tests check its methods on the same fixtures.
func componentEndpoints() map[endpoint.ID]endpointCase {
	const comp = `"component_appid":"wxcomponent00000001"`
	type body = map[string]any
	componentBody := body{"component_appid": "wxcomponent00000001"}
	authorizer := body{"component_appid": "wxcomponent00000001", "authorizer_appid": "wxf8b4f85f3a794e77"}
	cases := map[endpoint.ID]endpointCase{
		endpoint.APIComponentToken: {
			call: callEndpoint(endpoint.APIComponentToken, nil, body{"component_appid": "wxcomponent00000001",
				"component_appsecret": "component-secret", "component_verify_ticket": "ticket@@@1"}, "component_access_token"),
			body:  `{` + comp + `,"component_appsecret":"component-secret","component_verify_ticket":"ticket@@@1"}`,
			reply: "api/component/api_component_token.json",
			want:  "61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA",
		},
		endpoint.APICreatePreAuthCode: {
			call:  callEndpoint(endpoint.APICreatePreAuthCode, nil, componentBody, "pre_auth_code"),
			body:  `{` + comp + `}`,
			reply: "api/component/api_create_preauthcode.json",
			want:  "Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw",
		},
		endpoint.APIQueryAuth: {
			call: callEndpoint(endpoint.APIQueryAuth, nil, body{"component_appid": "wxcomponent00000001",
				"authorization_code": "queryauthcode@@@1"}, "authorization_info", "authorizer_appid"),
			body:  `{` + comp + `,"authorization_code":"queryauthcode@@@1"}`,
			reply: "api/component/api_query_auth.json",
			want:  "wxf8b4f85f3a794e77",
		},
		endpoint.APIAuthorizerToken: {
			call: callEndpoint(endpoint.APIAuthorizerToken, nil, body{"component_appid": "wxcomponent00000001",
				"authorizer_appid": "wxf8b4f85f3a794e77", "authorizer_refresh_token": "refresh_token_value"}, "authorizer_access_token"),
			body:  `{` + comp + `,"authorizer_appid":"wxf8b4f85f3a794e77","authorizer_refresh_token":"refresh_token_value"}`,
			reply: "api/component/api_authorizer_token.json",
			want:  "some-access-token",
		},
		endpoint.APIGetAuthorizerInfo: {
			call:  callEndpoint(endpoint.APIGetAuthorizerInfo, nil, authorizer, "authorizer_info", "user_name"),
			body:  `{` + comp + `,"authorizer_appid":"wxf8b4f85f3a794e77"}`,
			reply: "api/component/api_get_authorizer_info.json",
			want:  "gh_eb5e3a772040",
		},
		endpoint.APIGetAuthorizerList: {
			call: callEndpoint(endpoint.APIGetAuthorizerList, nil, body{"component_appid": "wxcomponent00000001",
				"offset": 0, "count": 500}, "total_count"),
			body:  `{` + comp + `,"offset":0,"count":500}`,
			reply: "api/component/api_get_authorizer_list.json",
			want:  float64(33),
		},
		endpoint.APIGetAuthorizerOption: {
			call: callEndpoint(endpoint.APIGetAuthorizerOption, nil, body{"component_appid": "wxcomponent00000001",
				"authorizer_appid": "wx7bc5ba58cabd00f4", "option_name": "voice_recognize"}, "option_value"),
			body:  `{` + comp + `,"authorizer_appid":"wx7bc5ba58cabd00f4","option_name":"voice_recognize"}`,
			reply: "api/component/api_get_authorizer_option.json",
			want:  "1",
		},
		endpoint.APISetAuthorizerOption: {
			call: callEndpoint(endpoint.APISetAuthorizerOption, nil, body{"component_appid": "wxcomponent00000001",
				"authorizer_appid": "wx7bc5ba58cabd00f4", "option_name": "voice_recognize", "option_value": "0"}, "errmsg"),
			body:  `{` + comp + `,"authorizer_appid":"wx7bc5ba58cabd00f4","option_name":"voice_recognize","option_value":"0"}`,
			reply: "api/ok.json",
			want:  "ok",
		},
		endpoint.ComponentClearQuota: {
			call:  callEndpoint(endpoint.ComponentClearQuota, nil, componentBody, "errmsg"),
			body:  `{` + comp + `}`,
			reply: "api/ok.json",
			want:  "ok",
		},
		endpoint.ComponentOAuthAccessToken: {
			call: callEndpoint(endpoint.ComponentOAuthAccessToken, url.Values{"appid": {"wxf8b4f85f3a794e77"},
				"code": {"CODE"}, "grant_type": {"authorization_code"}, "component_appid": {"wxcomponent00000001"}}, nil, "openid"),
			query: url.Values{"appid": {"wxf8b4f85f3a794e77"}, "code": {"CODE"}, "grant_type": {"authorization_code"},
				"component_appid": {"wxcomponent00000001"}},
			reply: "api/sns_oauth2_access_token.json",
			want:  "OPENID",
		},
		endpoint.ComponentOAuthRefreshToken: {
			call: callEndpoint(endpoint.ComponentOAuthRefreshToken, url.Values{"appid": {"wxf8b4f85f3a794e77"},
				"grant_type": {"refresh_token"}, "component_appid": {"wxcomponent00000001"}, "refresh_token": {"REFRESH"}}, nil, "openid"),
			query: url.Values{"appid": {"wxf8b4f85f3a794e77"}, "grant_type": {"refresh_token"},
				"component_appid": {"wxcomponent00000001"}, "refresh_token": {"REFRESH"}},
			reply: "api/sns_oauth2_refresh_token.json",
			want:  "OPENID",
		},
	}
	for id, tc := range cases {
		tc.invalid = callWithOtherMethod(id)
		cases[id] = tc
	}
	return cases
}

// A path the table does not have carries the access_token, and is
// retried only when it is a GET.
func TestCallUnknownPath(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		method   string
		attempts int
	}{
		{http.MethodGet, 1 + maxRetries},
		{http.MethodPost, 1},
	} {
		t.Run(tt.method, func(t *testing.T) {
			c, mt := newTestClient(t)
			rec := stubWith(mt, tt.method, "/cgi-bin/new/api", httpmock.NewStringResponder(http.StatusBadGateway, "bad gateway"))
			err := c.Call(ctx, tt.method, "/cgi-bin/new/api", url.Values{"b": {"2"}, "a": {"1", "3"}}, nil, nil)
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			calls := rec.Calls()
			require.Len(t, calls, tt.attempts)
			assert.Equal(t, url.Values{"a": {"1", "3"}, "b": {"2"}, "access_token": {testToken}}, calls[0].Query)
		})
	}
}

// Call decodes the reply into result, reports an errcode as an
// *APIError, and sends a body as JSON.
func TestCallReplyAndErrcode(t *testing.T) {
	ctx := context.Background()
	c, mt := newTestClient(t)
	rec := stubSeq(mt, http.MethodPost, "/cgi-bin/new/api",
		[]byte(`{"errcode":0,"errmsg":"ok","value":"<b>&"}`),
		[]byte(`{"errcode":40003,"errmsg":"invalid openid rid: 1-2-3"}`))
	var r struct {
		Value string `json:"value"`
	}
	require.NoError(t, c.Call(ctx, http.MethodPost, "/cgi-bin/new/api", nil, map[string]string{"text": "<b>&"}, &r))
	assert.Equal(t, "<b>&", r.Value)
	assert.Equal(t, `{"text":"<b>&"}`, string(rec.Calls()[0].Body))

	err := c.Call(ctx, http.MethodPost, "/cgi-bin/new/api", nil, nil, &r)
	assertAPIError(t, err, 40003, "/cgi-bin/new/api")
}

// An API that reports its errors elsewhere than errcode (publisher/stat's
// base_resp.ret) fails through Call as through its own method: the table
// says where its status is, not the method.
func TestCallStatusWhereTheEndpointReportsIt(t *testing.T) {
	ctx := context.Background()
	c, _ := newStubClient(t, http.MethodGet, "/publisher/stat", fixture(t, "api/errors/publisher_2009_base_resp.json"))
	var r map[string]any
	err := c.Call(ctx, http.MethodGet, "/publisher/stat", url.Values{"action": {"publisher_settlement"}, "page": {"1"}, "page_size": {"10"},
		"start_date": {"2020-01-01"}, "end_date": {"2020-01-31"}}, nil, &r)
	assertAPIError(t, err, 2009, "/publisher/stat")
	assert.Nil(t, r, "no result for a failed call")
}

// A path or method Call cannot send is refused before any request.
func TestCallInvalid(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
	for _, tt := range []struct{ method, path, want string }{
		{"PUT", "/cgi-bin/menu/get", `wechat: invalid argument: method "PUT" is neither GET nor POST`},
		{http.MethodGet, "cgi-bin/menu/get", `wechat: invalid argument: path "cgi-bin/menu/get" is not an absolute path without query`},
		{http.MethodGet, "/cgi-bin/menu/get?x=1", `wechat: invalid argument: path "/cgi-bin/menu/get?x=1" is not an absolute path without query`},
		{http.MethodPost, "/cgi-bin/menu/get", "wechat: invalid argument: /cgi-bin/menu/get is called with GET, not POST"}, // the table says GET
	} {
		err := c.Call(ctx, tt.method, tt.path, nil, nil, nil)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%s %s", tt.method, tt.path)
		assert.EqualError(t, err, tt.want, "%s %s", tt.method, tt.path)
	}
}

// Call finds an API the table declares without allocating: the platform
// makes every component call through it.
func TestCallLookupAllocations(t *testing.T) {
	ep := endpoint.Get(endpoint.APIAuthorizerToken)
	allocs := testing.AllocsPerRun(100, func() {
		if got, err := lookupEndpoint(ep.Method, ep.Path); err != nil || got != ep {
			t.Fatalf("lookupEndpoint = %v, %v", got, err)
		}
	})
	assert.Zero(t, allocs)
}

// A component_access_token WeChat rejects is dropped and the call sent
// again once with a new one, as an access_token is.
func TestCallComponentTokenRejected(t *testing.T) {
	ctx := context.Background()
	fetches := 0
	c, mt := newTestClient(t, WithAccessToken("", farFuture), WithAccessTokenFunc(
		func(context.Context) (string, time.Duration, error) {
			fetches++
			return fmt.Sprintf("component-token-%d", fetches), 2 * time.Hour, nil
		}))
	ep := endpoint.Get(endpoint.APICreatePreAuthCode)
	rec := stubSeq(mt, ep.Method, ep.Path,
		[]byte(`{"errcode":42001,"errmsg":"access_token expired"}`),
		fixture(t, "api/component/api_create_preauthcode.json"))
	var r map[string]any
	require.NoError(t, c.Call(ctx, ep.Method, ep.Path, nil, map[string]string{"component_appid": "wxc"}, &r))
	calls := rec.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "component-token-1", calls[0].Query.Get("component_access_token"))
	assert.Equal(t, "component-token-2", calls[1].Query.Get("component_access_token"))
	assert.Empty(t, calls[1].Query.Get("access_token"))
	assert.Equal(t, 2, fetches)
}
