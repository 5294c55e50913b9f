package wechat_test

// End-to-end tests of the account operations APIs (blacklist, the menu in
// use, mass send speed, openid migration) against wechattest.

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

const (
	pathGetBlacklist  = "/cgi-bin/tags/members/getblacklist"
	pathBlacklist     = "/cgi-bin/tags/members/batchblacklist"
	pathUnblacklist   = "/cgi-bin/tags/members/batchunblacklist"
	pathSelfMenu      = "/cgi-bin/get_current_selfmenu_info"
	pathMassSpeedGet  = "/cgi-bin/message/mass/speed/get"
	pathMassSpeedSet  = "/cgi-bin/message/mass/speed/set"
	pathChangeOpenID  = "/cgi-bin/changeopenid"
	migratedFromAppID = "wx00000000000o1d00"
	maxBlacklistBatch = 20
)

// blacklisted returns the openids among ids that the fake holds as
// blacklisted.
func blacklisted(t *testing.T, srv *wechattest.Server, ids ...string) []string {
	t.Helper()
	var out []string
	for _, id := range ids {
		f, ok := srv.Follower(id)
		require.True(t, ok, "follower %s", id)
		if f.Blacklisted {
			out = append(out, id)
		}
	}
	return out
}

// beginOpenIDs lists the begin_openid of every getblacklist request.
func beginOpenIDs(t *testing.T, srv *wechattest.Server) []string {
	t.Helper()
	var out []string
	for _, r := range requestsTo(srv, pathGetBlacklist) {
		var body struct {
			BeginOpenID *string `json:"begin_openid"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &body), "body: %s", r.Body)
		require.NotNil(t, body.BeginOpenID, "begin_openid is always sent: %s", r.Body)
		out = append(out, *body.BeginOpenID)
	}
	return out
}

func TestIntegrationBlacklist(t *testing.T) {
	followers := seedFollowers(6)
	for i := range 5 {
		followers[i].Blacklisted = true // o1..o5; o6 is not
	}
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(followers...))
	ctx := context.Background()

	page, err := c.ListBlacklist(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, &wechat.OpenIDPage{Total: 5, Count: 2, OpenIDs: []string{"o1", "o2"}, NextOpenID: "o2"}, page)

	assert.Equal(t, []string{"o1", "o2", "o3", "o4", "o5"}, collect(t, c.Blacklist(ctx), 0))
	// One ListBlacklist, then pages [o1 o2] [o3 o4] [o5] and the empty page
	// after the last next_openid.
	// The counts reach the total on the third page: no empty page after.
	assert.Equal(t, 4, srv.Calls(pathGetBlacklist))
	assert.Equal(t, []string{"", "", "o2", "o4"}, beginOpenIDs(t, srv))
}

func TestIntegrationBlacklistEarlyBreak(t *testing.T) {
	followers := seedFollowers(5)
	for i := range followers {
		followers[i].Blacklisted = true
	}
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(followers...))
	assert.Equal(t, []string{"o1", "o2", "o3"}, collect(t, c.Blacklist(context.Background()), 3))
	assert.Equal(t, 2, srv.Calls(pathGetBlacklist), "no page is fetched after the break")
}

func TestIntegrationBlacklistUsers(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(3)...))
	ctx := context.Background()
	ids := []string{"o1", "o2", "o3"}

	require.NoError(t, c.BlacklistUsers(ctx, []string{"o1", "o3"}))
	assert.Equal(t, []string{"o1", "o3"}, blacklisted(t, srv, ids...))

	// A blacklisted user cannot message the account, so the fake never
	// opens a customer-service window for them.
	err := c.SendText(ctx, "o1", "hello")
	requireAPIError(t, err, wechat.CodeResponseOutOfWindow, pathCustomSend)
	require.NoError(t, c.SendText(ctx, "o2", "hello"))

	page, err := c.ListBlacklist(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"o1", "o3"}, page.OpenIDs)

	require.NoError(t, c.UnblacklistUsers(ctx, []string{"o1"}))
	assert.Equal(t, []string{"o3"}, blacklisted(t, srv, ids...))
	require.NoError(t, c.SendText(ctx, "o1", "hello again"))

	// An unknown openid fails the whole call and changes nothing.
	err = c.BlacklistUsers(ctx, []string{"o2", "nobody"})
	requireAPIError(t, err, wechat.CodeInvalidParameter, pathBlacklist)
	assert.Equal(t, []string{"o3"}, blacklisted(t, srv, ids...))
	err = c.UnblacklistUsers(ctx, []string{"o3", "nobody"})
	requireAPIError(t, err, wechat.CodeInvalidParameter, pathUnblacklist)
	assert.Equal(t, []string{"o3"}, blacklisted(t, srv, ids...))

	// More than 20 openids never reach WeChat.
	tooMany := make([]string, maxBlacklistBatch+1)
	for i := range tooMany {
		tooMany[i] = "o" + strconv.Itoa(i+1)
	}
	assert.ErrorIs(t, c.BlacklistUsers(ctx, tooMany), wechat.ErrInvalidArgument)
	assert.ErrorIs(t, c.UnblacklistUsers(ctx, tooMany), wechat.ErrInvalidArgument)
	assert.Equal(t, 2, srv.Calls(pathBlacklist), "the SDK rejected the long list before any request")
	assert.Equal(t, 2, srv.Calls(pathUnblacklist))
}

// selfMenuOf returns the buttons as get_current_selfmenu_info reports a
// menu created through the API.
func selfMenuOf(buttons []wechat.Button) []wechat.SelfMenuButton {
	var out []wechat.SelfMenuButton
	for _, b := range buttons {
		out = append(out, wechat.SelfMenuButton{
			Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID,
			PagePath: b.PagePath, ArticleID: b.ArticleID, SubButtons: selfMenuOf(b.SubButtons),
		})
	}
	return out
}

func TestIntegrationCurrentSelfMenu(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()

	menu, err := c.GetCurrentSelfMenu(ctx)
	require.NoError(t, err)
	assert.False(t, menu.Open, "no menu yet")
	assert.Empty(t, menu.Buttons)

	require.NoError(t, c.CreateMenu(ctx, testMenu))
	menu, err = c.GetCurrentSelfMenu(ctx)
	require.NoError(t, err)
	assert.True(t, menu.Open)
	assert.Equal(t, selfMenuOf(testMenu.Buttons), menu.Buttons)
	require.Len(t, menu.Buttons, 2)
	assert.Len(t, menu.Buttons[1].SubButtons, 3, "sub-buttons come through the {\"list\":[...]} wrapper")

	require.NoError(t, c.DeleteMenu(ctx))
	menu, err = c.GetCurrentSelfMenu(ctx)
	require.NoError(t, err)
	assert.False(t, menu.Open)
	assert.Empty(t, menu.Buttons)

	for _, r := range requestsTo(srv, pathSelfMenu) {
		assert.Equal(t, "GET", r.Method)
	}
	assert.Equal(t, 3, srv.Calls(pathSelfMenu))
}

func TestIntegrationMassSpeed(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()

	speed, err := c.GetMassSpeed(ctx)
	require.NoError(t, err)
	assert.Equal(t, &wechat.MassSpeed{Level: 0, RealSpeed: 80}, speed, "the fastest level until set")

	for level, rate := range []int{80, 60, 45, 30, 10} {
		require.NoError(t, c.SetMassSpeed(ctx, level))
		speed, err := c.GetMassSpeed(ctx)
		require.NoError(t, err)
		assert.Equal(t, &wechat.MassSpeed{Level: level, RealSpeed: rate}, speed)
	}

	assert.ErrorIs(t, c.SetMassSpeed(ctx, 5), wechat.ErrInvalidArgument)
	assert.Equal(t, 5, srv.Calls(pathMassSpeedSet), "level 5 never reached WeChat")
	assert.Equal(t, 6, srv.Calls(pathMassSpeedGet))

	var bodies []string
	for _, r := range requestsTo(srv, pathMassSpeedSet) {
		bodies = append(bodies, string(r.Body))
	}
	require.Len(t, bodies, 5)
	assert.JSONEq(t, `{"speed":2}`, bodies[2])
}

func TestIntegrationChangeOpenID(t *testing.T) {
	srv, c := startFake(t,
		wechattest.WithMigration(migratedFromAppID, map[string]string{"old1": "new1", "old2": "new2"}),
		wechattest.WithFollowers(wechattest.Follower{OpenID: "new1"}, wechattest.Follower{OpenID: "new2"}))
	ctx := context.Background()

	got, err := c.ChangeOpenID(ctx, migratedFromAppID, []string{"old2", "stranger", "old1"})
	require.NoError(t, err, "the call succeeds when some openids cannot be converted")
	assert.Equal(t, []wechat.OpenIDChange{
		{OldOpenID: "old2", NewOpenID: "new2", Message: "ok"},
		{OldOpenID: "stranger", Message: "ori_openid error"},
		{OldOpenID: "old1", NewOpenID: "new1", Message: "ok"},
	}, got)
	assert.True(t, got[0].OK())
	assert.False(t, got[1].OK())

	// The new openids are followers of this account.
	info, err := c.GetUserInfo(ctx, got[0].NewOpenID, "")
	require.NoError(t, err)
	assert.Equal(t, "new2", info.OpenID)

	_, err = c.ChangeOpenID(ctx, "wxnotmigrated", []string{"old1"})
	requireAPIError(t, err, wechat.CodeInvalidAppID, pathChangeOpenID)

	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = "old" + strconv.Itoa(i)
	}
	_, err = c.ChangeOpenID(ctx, migratedFromAppID, tooMany)
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
	assert.Equal(t, 2, srv.Calls(pathChangeOpenID), "101 openids never reached WeChat")
}
