package wechat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
)

func TestIntegrationLinkedMiniPrograms(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	const app, other = "wx0123456789abcdef", "wxfedcba9876543210"

	list, err := c.ListLinkedMiniPrograms(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)

	require.NoError(t, c.LinkMiniProgram(ctx, app, wechat.MiniProgramLinkOptions{ShowOnProfile: true}))
	require.NoError(t, c.LinkMiniProgram(ctx, other, wechat.MiniProgramLinkOptions{NotifyFollowers: true}))
	list, err = c.ListLinkedMiniPrograms(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, app, list[0].AppID)
	assert.Equal(t, wechat.MiniProgramLinkAwaitingAccount, list[0].Status, "the account's administrator confirms first")
	assert.True(t, list[0].Selected)
	assert.False(t, list[1].Selected)
	assert.Equal(t, "gh_0123456789ab", list[0].Username)
	assert.Len(t, list[0].Funcs, 2)

	// The administrators confirm, or refuse.
	require.True(t, srv.SetMiniProgramLinkStatus(app, wechat.MiniProgramLinkAwaitingMiniProgram))
	require.True(t, srv.SetMiniProgramLinkStatus(app, wechat.MiniProgramLinked))
	require.True(t, srv.SetMiniProgramLinkStatus(other, wechat.MiniProgramLinkRefused))
	assert.False(t, srv.SetMiniProgramLinkStatus("wx1111111111111111", wechat.MiniProgramLinked))
	list, err = c.ListLinkedMiniPrograms(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wechat.MiniProgramLinkStatus{wechat.MiniProgramLinked, wechat.MiniProgramLinkRefused},
		[]wechat.MiniProgramLinkStatus{list[0].Status, list[1].Status})

	// Asking again: a link made stays made, a refused one starts over.
	require.NoError(t, c.LinkMiniProgram(ctx, app, wechat.MiniProgramLinkOptions{}))
	require.NoError(t, c.LinkMiniProgram(ctx, other, wechat.MiniProgramLinkOptions{}))
	list, err = c.ListLinkedMiniPrograms(ctx)
	require.NoError(t, err)
	assert.Equal(t, wechat.MiniProgramLinked, list[0].Status)
	assert.Equal(t, wechat.MiniProgramLinkAwaitingAccount, list[1].Status)

	require.NoError(t, c.UnlinkMiniProgram(ctx, app))
	list, err = c.ListLinkedMiniPrograms(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, other, list[0].AppID)

	// An appid that is not one.
	err = c.LinkMiniProgram(ctx, "gh_0123456789ab", wechat.MiniProgramLinkOptions{})
	requireAPIError(t, err, 40013, "/cgi-bin/wxopen/wxamplink")
	err = c.UnlinkMiniProgram(ctx, "WX0123456789ABCDEF")
	requireAPIError(t, err, 40013, "/cgi-bin/wxopen/wxampunlink")

	// Links send messages: a dropped connection is not retried.
	srv.DropNext("/cgi-bin/wxopen/wxamplink", 1)
	before := srv.Calls("/cgi-bin/wxopen/wxamplink")
	require.Error(t, c.LinkMiniProgram(ctx, app, wechat.MiniProgramLinkOptions{}))
	assert.Equal(t, before+1, srv.Calls("/cgi-bin/wxopen/wxamplink"))
}
