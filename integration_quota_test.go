package wechat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

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
