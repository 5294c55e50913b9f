package wechat_test

// End-to-end tests of the operations APIs (quotas, rid look-up, short
// keys, the callback check) against wechattest.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestIntegrationQuota(t *testing.T) {
	srv, c := startFake(t, wechattest.WithQuota(pathMenuGet, 2))
	ctx := context.Background()
	_, _ = c.GetMenu(ctx)
	_, _ = c.GetMenu(ctx)
	_, err := c.GetMenu(ctx)
	requireAPIError(t, err, wechat.CodeAPIFreqOutOfLimit, pathMenuGet)
	q, err := c.GetAPIQuota(ctx, pathMenuGet)
	require.NoError(t, err)
	assert.Equal(t, wechat.APIQuota{DailyLimit: 2, Used: 2, Remain: 0}, q.Quota)
	used, limit := srv.Quota(pathMenuGet)
	assert.Equal(t, [2]int64{2, 2}, [2]int64{used, limit})

	require.NoError(t, c.ClearQuota(ctx))
	q, err = c.GetAPIQuota(ctx, pathMenuGet)
	require.NoError(t, err)
	assert.Equal(t, int64(0), q.Quota.Used)
	_, err = c.GetMenu(ctx)
	requireAPIError(t, err, 46003, pathMenuGet)

	tok, err := c.GetAPIQuota(ctx, pathToken)
	require.NoError(t, err)
	assert.Equal(t, wechat.APIQuota{DailyLimit: 2000, Used: 0, Remain: 2000}, tok.Quota, "counts start again after the clear")
	_, err = c.GetAPIQuota(ctx, "/cgi-bin/no/such/api")
	requireAPIError(t, err, 76021, "/cgi-bin/openapi/quota/get")

	// Ten resets a month, shared with the AppSecret variant.
	for range 8 {
		require.NoError(t, c.ClearQuota(ctx))
	}
	require.NoError(t, c.ClearQuotaWithSecret(ctx))
	err = c.ClearQuotaWithSecret(ctx)
	requireAPIError(t, err, 48006, "/cgi-bin/clear_quota/v2")
	err = c.ClearQuota(ctx)
	requireAPIError(t, err, 48006, "/cgi-bin/clear_quota")
}

func TestIntegrationClearAPIQuota(t *testing.T) {
	srv, c := startFake(t, wechattest.WithQuota(pathMenuGet, 1), wechattest.WithQuota("/cgi-bin/tags/get", 1))
	ctx := context.Background()
	_, _ = c.GetMenu(ctx)
	_, err := c.GetMenu(ctx)
	requireAPIError(t, err, wechat.CodeAPIFreqOutOfLimit, pathMenuGet)
	_, err = c.GetTags(ctx)
	require.NoError(t, err)

	// Only the API named starts again.
	require.NoError(t, c.ClearAPIQuota(ctx, pathMenuGet))
	used, _ := srv.Quota(pathMenuGet)
	assert.Zero(t, used)
	used, _ = srv.Quota("/cgi-bin/tags/get")
	assert.Equal(t, int64(1), used, "other APIs keep their counts")
	_, err = c.GetMenu(ctx)
	requireAPIError(t, err, 46003, pathMenuGet) // through to menu/get, which has no menu

	err = c.ClearAPIQuota(ctx, "/cgi-bin/no/such/api")
	requireAPIError(t, err, 76021, "/cgi-bin/openapi/quota/clear")
	err = c.ClearAPIQuota(ctx, "/sns/userinfo")
	requireAPIError(t, err, 76022, "/cgi-bin/openapi/quota/clear")
}

func TestIntegrationLookupRID(t *testing.T) {
	_, c := startFake(t, wechattest.WithFollowers(seedFollowers(1)...))
	ctx := context.Background()
	err := c.SendText(ctx, "oNobody", "hi")
	var apiErr *wechat.APIError
	require.True(t, errors.As(err, &apiErr))
	require.NotEmpty(t, apiErr.RID)

	req, err := c.GetRIDInfo(ctx, apiErr.RID)
	require.NoError(t, err)
	assert.Equal(t, `{"touser":"oNobody","msgtype":"text","text":{"content":"hi"}}`, req.RequestBody)
	assert.Contains(t, req.ResponseBody, `"errcode":40003`)
	assert.Contains(t, req.ResponseBody, apiErr.RID)
	assert.Equal(t, "access_token=REDACTED", req.RequestURL, "the Client hides the token")
	assert.Equal(t, "127.0.0.1", req.ClientIP)
	assert.InDelta(t, time.Now().Unix(), req.InvokeTime, 5)

	_, err = c.GetRIDInfo(ctx, "00000000-00000000-00000000")
	requireAPIError(t, err, 76001, "/cgi-bin/openapi/rid/get")
	_, err = c.GetRIDInfo(ctx, "not a rid")
	requireAPIError(t, err, 76002, "/cgi-bin/openapi/rid/get")
}

func TestIntegrationShortKeys(t *testing.T) {
	clock := newFakeClock()
	_, c := startFake(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(60*24*time.Hour))
	ctx := context.Background()
	key, err := c.CreateShortKey(ctx, "scene=42&from=poster", time.Hour)
	require.NoError(t, err)
	assert.Len(t, key, 15)
	clock.Advance(10 * time.Minute)
	got, err := c.GetShortKey(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, &wechat.ShortKeyData{LongData: "scene=42&from=poster", CreateTime: clock.Now().Add(-10 * time.Minute).Unix(), ExpireSeconds: 3000}, got)
	clock.Advance(time.Hour)
	_, err = c.GetShortKey(ctx, key)
	requireAPIError(t, err, 9410012, "/cgi-bin/shorten/fetch")

	long, err := c.CreateShortKey(ctx, strings.Repeat("x", 100), 0)
	require.NoError(t, err)
	clock.Advance(29 * 24 * time.Hour)
	_, err = c.GetShortKey(ctx, long)
	require.NoError(t, err, "0 means 30 days")
}

func TestIntegrationCheckCallback(t *testing.T) {
	_, c := startFake(t)
	ctx := context.Background()
	all, err := c.CheckCallback(ctx, wechat.CheckAll, wechat.OperatorChinanet)
	require.NoError(t, err)
	assert.Equal(t, []wechat.DNSResult{{IP: "111.161.64.40", RealOperator: "CHINANET"}, {IP: "111.161.64.48", RealOperator: "CHINANET"}}, all.DNS)
	require.Len(t, all.Ping, 2)
	assert.Equal(t, wechat.PingResult{IP: "111.161.64.40", FromOperator: "CHINANET", PackageLoss: "0%", Time: "23.079ms"}, all.Ping[0])
	dns, err := c.CheckCallback(ctx, wechat.CheckDNS, wechat.OperatorDefault)
	require.NoError(t, err)
	assert.Len(t, dns.DNS, 2)
	assert.Empty(t, dns.Ping)
}
