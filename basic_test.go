package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClearQuota(t *testing.T) {
	ctx := context.Background()
	t.Run("limit reached", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/clear_quota", fixture(t, "api/errors/48006_clear_quota_limit.json"))
		err := c.ClearQuota(ctx)
		assert.ErrorIs(t, err, &APIError{Code: 48006})
	})
	t.Run("secret error hides the secret", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/clear_quota/v2", fixture(t, "api/errors/48006_clear_quota_limit.json"))
		err := c.ClearQuotaWithSecret(ctx)
		require.ErrorIs(t, err, &APIError{Code: 48006})
		assert.NotContains(t, err.Error(), testSecret)
	})
	t.Run("missing config", func(t *testing.T) {
		c, err := New()
		require.NoError(t, err)
		assert.ErrorIs(t, c.ClearQuota(ctx), ErrMissingConfig)
		assert.ErrorIs(t, c.ClearQuotaWithSecret(ctx), ErrMissingConfig)
	})
}

func TestQueryAPIQuota(t *testing.T) {
	ctx := context.Background()
	// The current reference adds the frequency limits.
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/openapi/quota/get", []byte(`{"errcode":0,"errmsg":"ok","quota":{"daily_limit":10000000,"used":12,"remain":9999988},
		"rate_limit":{"call_count":5000,"refresh_second":60},"component_rate_limit":{"call_count":100,"refresh_second":60}}`))
	q, err := c.GetAPIQuota(ctx, "/cgi-bin/message/custom/send")
	require.NoError(t, err)
	assert.Equal(t, &APIQuotaInfo{
		Quota:              APIQuota{DailyLimit: 10000000, Used: 12, Remain: 9999988},
		RateLimit:          &RateLimit{CallCount: 5000, RefreshSecond: 60},
		ComponentRateLimit: &RateLimit{CallCount: 100, RefreshSecond: 60},
	}, q)

	forbidRequests(t, mt)
	for _, bad := range []string{"", "cgi-bin/token", "https://api.weixin.qq.com/cgi-bin/token"} {
		_, err := c.GetAPIQuota(ctx, bad)
		assert.ErrorIs(t, err, ErrInvalidArgument, bad)
	}
}

func TestLookupRID(t *testing.T) {
	ctx := context.Background()
	// The RID of an *APIError feeds straight in.
	c, mt := newTestClient(t)
	stub(mt, "GET", "/cgi-bin/getcallbackip", fixture(t, "api/errors/40013_invalid_appid_rid.json"))
	rec := stub(mt, "POST", "/cgi-bin/openapi/rid/get", fixture(t, "api/openapi_rid_get.json"))
	_, err := c.ListCallbackIPs(ctx)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	_, err = c.GetRIDInfo(ctx, apiErr.RID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"rid":"664ef1ea-61270f43-2b492c40"}`, string(rec.only(t).Body))
}

// GetRIDInfo hands back what WeChat recorded of a request, and requests
// carry secrets: cgi-bin/token and sns/oauth2 in the URL, stable_token and
// clear_quota/v2 in a JSON body, sns replies in the response. Each is
// redacted; everything else is kept as WeChat wrote it.
func TestLookupRIDRedactsRecordedBodies(t *testing.T) {
	reply, err := json.Marshal(map[string]any{"errcode": 0, "errmsg": "ok", "request": map[string]any{
		"invoke_time":   1635156704,
		"cost_in_ms":    12,
		"request_url":   "grant_type=client_credential&appid=wx1&secret=URL_SECRET_x",
		"request_body":  `{"grant_type":"client_credential","appid":"wx1","secret":"BODY_SECRET_x","force_refresh":false}`,
		"response_body": `{"access_token":"RESP_TOKEN_x","expires_in":7200}`,
		"client_ip":     "113.xx.70.51",
	}})
	require.NoError(t, err)
	c, _ := newStubClient(t, "POST", "/cgi-bin/openapi/rid/get", reply)
	r, err := c.GetRIDInfo(context.Background(), "61725984-6126f6f9-040f19c4")
	require.NoError(t, err)
	assert.Equal(t, &RIDRequest{
		InvokeTime:   1635156704,
		CostInMs:     12,
		RequestURL:   "grant_type=client_credential&appid=wx1&secret=REDACTED",
		RequestBody:  `{"grant_type":"client_credential","appid":"wx1","secret":"REDACTED","force_refresh":false}`,
		ResponseBody: `{"access_token":"REDACTED","expires_in":7200}`,
		ClientIP:     "113.xx.70.51",
	}, r)
	assert.NotContains(t, fmt.Sprintf("%+v", r), "_x")
}

func TestShortKey(t *testing.T) {
	ctx := context.Background()
	t.Run("default lifetime", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/shorten/gen", fixture(t, "api/shorten_gen.json"))
		_, err := c.CreateShortKey(ctx, strings.Repeat("x", MaxShortKeyData), 0)
		require.NoError(t, err)
		assert.Contains(t, string(rec.only(t).Body), `"expire_seconds":2592000`)
	})
	t.Run("generate without key", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/shorten/gen", fixture(t, "api/ok.json"))
		_, err := c.CreateShortKey(ctx, "d", time.Hour)
		assert.ErrorIs(t, err, ErrUnexpectedResponse)
	})
	t.Run("invalid", func(t *testing.T) {
		c := newOfflineClient(t)
		for name, f := range map[string]func() error{
			"empty":     func() error { _, err := c.CreateShortKey(ctx, "", 0); return err },
			"too large": func() error { _, err := c.CreateShortKey(ctx, strings.Repeat("x", MaxShortKeyData+1), 0); return err },
			"too long":  func() error { _, err := c.CreateShortKey(ctx, "d", 31*24*time.Hour); return err },
			"a second over": func() error {
				_, err := c.CreateShortKey(ctx, "d", MaxShortKeyLifetime+time.Second)
				return err
			},
			"negative": func() error { _, err := c.CreateShortKey(ctx, "d", -time.Second); return err },
			"sub-second": func() error {
				_, err := c.CreateShortKey(ctx, "d", time.Millisecond)
				return err
			},
			"fetch empty": func() error { _, err := c.GetShortKey(ctx, ""); return err },
		} {
			assert.ErrorIs(t, f(), ErrInvalidArgument, name)
		}
	})
}

func basicEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.CallbackIP: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListCallbackIPs(ctx) },
			reply:  "api/getcallbackip.json",
			want:   []string{"127.0.0.1"},
			noArgs: true,
		},
		endpoint.APIDomainIP: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListAPIDomainIPs(ctx) },
			reply:  "api/get_api_domain_ip.json",
			want:   []string{"101.89.47.18", "101.91.34.103"},
			noArgs: true,
		},
		endpoint.CallbackCheck: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CheckCallback(ctx, CheckAll, OperatorDefault)
			},
			body:  `{"action":"all","check_operator":"DEFAULT"}`,
			reply: "api/callback_check.json",
			want: &CallbackCheck{
				DNS: []DNSResult{{IP: "111.161.64.40", RealOperator: "UNICOM"}, {IP: "111.161.64.48", RealOperator: "UNICOM"}},
				Ping: []PingResult{
					{IP: "111.161.64.40", FromOperator: "UNICOM", PackageLoss: "0%", Time: "23.079ms"},
					{IP: "111.161.64.48", FromOperator: "UNICOM", PackageLoss: "0%", Time: "21.434ms"},
				},
			},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.CheckCallback(ctx, "trace", OperatorDefault)
				return err
			},
		},
		endpoint.ClearQuota: execCase(`{"appid":"`+testAppID+`"}`,
			func(ctx context.Context, c *Client) error { return c.ClearQuota(ctx) }, nil),
		// No access_token, and the secret in the body, not the URL.
		endpoint.ClearQuotaV2: execCase(`{"appid":"`+testAppID+`","appsecret":"`+testSecret+`"}`,
			func(ctx context.Context, c *Client) error { return c.ClearQuotaWithSecret(ctx) }, nil),
		endpoint.QuotaClearAPI: execCase(`{"cgi_path":"/cgi-bin/message/custom/send"}`,
			func(ctx context.Context, c *Client) error {
				return c.ClearAPIQuota(ctx, "/cgi-bin/message/custom/send")
			},
			func(ctx context.Context, c *Client) error { return c.ClearAPIQuota(ctx, "cgi-bin/message/custom/send") }),
		endpoint.QuotaGet: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetAPIQuota(ctx, "/cgi-bin/message/custom/send")
			},
			body:  `{"cgi_path":"/cgi-bin/message/custom/send"}`,
			reply: "api/openapi_quota_get.json",
			want:  &APIQuotaInfo{},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.GetAPIQuota(ctx, "https://api.weixin.qq.com/cgi-bin/token")
				return err
			},
		},
		endpoint.RIDGet: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetRIDInfo(ctx, "61725984-6126f6f9-040f19c4")
			},
			body:  `{"rid":"61725984-6126f6f9-040f19c4"}`,
			reply: "api/openapi_rid_get.json",
			want: &RIDRequest{
				InvokeTime:   1635156704,
				CostInMs:     30,
				RequestURL:   "access_token=REDACTED",
				ResponseBody: `{"errcode":45009,"errmsg":"reach max api daily quota limit rid: 617682e0-09059ac5-34a8e2ea"}`,
				ClientIP:     "113.xx.70.51",
			},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetRIDInfo(ctx, " "); return err },
		},
		endpoint.ShortenGen: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateShortKey(ctx, "loooooong data", 24*time.Hour)
			},
			body:    `{"long_data":"loooooong data","expire_seconds":86400}`,
			reply:   "api/shorten_gen.json",
			want:    "iTqRJFSEqk9RvPk",
			invalid: func(ctx context.Context, c *Client) error { _, err := c.CreateShortKey(ctx, "", 0); return err },
		},
		endpoint.ShortenFetch: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetShortKey(ctx, "iTqRJFSEqk9RvPk") },
			body:    `{"short_key":"iTqRJFSEqk9RvPk"}`,
			reply:   "api/shorten_fetch.json",
			want:    &ShortKeyData{LongData: "loooooong data", CreateTime: 1611047541, ExpireSeconds: 86300},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetShortKey(ctx, ""); return err },
		},
	}
}

// TestClearAPIQuotaErrors checks the errcodes documented for
// openapi/quota/clear, and that it is not retried: each reset spends one
// of the month's 50.
func TestClearAPIQuotaErrors(t *testing.T) {
	for code, msg := range map[int]string{
		50002: "user limited",
		76021: "cgi_path not found, please check",
		76022: "could not use this cgi_path,no permission",
		-1:    "system error",
	} {
		t.Run(msg, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/openapi/quota/clear", []byte(fmt.Sprintf(`{"errcode":%d,"errmsg":%q}`, code, msg)))
			err := c.ClearAPIQuota(context.Background(), "/cgi-bin/message/custom/send")
			assertAPIError(t, err, code, "/cgi-bin/openapi/quota/clear")
			assert.Len(t, rec.Calls(), 1)
		})
	}
}
