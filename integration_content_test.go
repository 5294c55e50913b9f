package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

const (
	pathTagMembers = "/cgi-bin/user/tag/get"
	pathBatchGet   = "/cgi-bin/user/info/batchget"
	pathMassSend   = "/cgi-bin/message/mass/send"
	pathMassAll    = "/cgi-bin/message/mass/sendall"
)

// tagsOf returns the tag ids the fake holds for a follower.
func tagsOf(t *testing.T, srv *wechattest.Server, openID string) []int {
	t.Helper()
	f, ok := srv.Follower(openID)
	require.True(t, ok, "follower %s", openID)
	return f.TagIDs
}

func TestIntegrationTags(t *testing.T) {
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(seedFollowers(5)...))
	ctx := context.Background()

	tag, err := c.CreateTag(ctx, "广东")
	require.NoError(t, err)
	assert.Equal(t, "广东", tag.Name)
	assert.Greater(t, tag.ID, 2, "ids 0 to 2 are reserved")

	_, err = c.CreateTag(ctx, "广东")
	requireAPIError(t, err, 45157, "/cgi-bin/tags/create")

	require.NoError(t, c.TagUsers(ctx, tag.ID, []string{"o1", "o3", "o5"}))
	for _, id := range []string{"o1", "o3", "o5"} {
		assert.Equal(t, []int{tag.ID}, tagsOf(t, srv, id))
	}
	assert.Empty(t, tagsOf(t, srv, "o2"))

	// Every member, over pages of two: [o1 o3] [o5] and the empty page.
	assert.Equal(t, []string{"o1", "o3", "o5"}, collect(t, c.TagMembers(ctx, tag.ID), 0))
	assert.Equal(t, 3, srv.Calls(pathTagMembers))
	var cursors []string
	for _, r := range requestsTo(srv, pathTagMembers) {
		var body struct {
			TagID      int    `json:"tagid"`
			NextOpenID string `json:"next_openid"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &body))
		assert.Equal(t, tag.ID, body.TagID)
		cursors = append(cursors, body.NextOpenID)
	}
	assert.Equal(t, []string{"", "o3", "o5"}, cursors)

	page, err := c.ListTagMembers(ctx, tag.ID, "")
	require.NoError(t, err)
	assert.Equal(t, &wechat.OpenIDPage{Count: 2, OpenIDs: []string{"o1", "o3"}, NextOpenID: "o3"}, page, "tag pages carry no total")

	ids, err := c.ListUserTags(ctx, "o3")
	require.NoError(t, err)
	assert.Equal(t, []int{tag.ID}, ids)
	ids, err = c.ListUserTags(ctx, "o2")
	require.NoError(t, err)
	assert.Empty(t, ids)

	tags, err := c.ListTags(ctx)
	require.NoError(t, err)
	assert.Contains(t, tags, wechat.Tag{ID: tag.ID, Name: "广东", Count: 3})
	assert.Contains(t, tags, wechat.Tag{ID: 2, Name: "星标组", Count: 0})

	require.NoError(t, c.UntagUsers(ctx, tag.ID, []string{"o3"}))
	assert.Empty(t, tagsOf(t, srv, "o3"))
	assert.Equal(t, []int{tag.ID}, tagsOf(t, srv, "o1"))

	require.NoError(t, c.UpdateTag(ctx, tag.ID, "广州"))
	tags, err = c.ListTags(ctx)
	require.NoError(t, err)
	assert.Contains(t, tags, wechat.Tag{ID: tag.ID, Name: "广州", Count: 2})

	// Reserved tags and unknown ids.
	err = c.UpdateTag(ctx, 2, "x")
	requireAPIError(t, err, 45058, "/cgi-bin/tags/update")
	err = c.DeleteTag(ctx, 2)
	requireAPIError(t, err, 45058, "/cgi-bin/tags/delete")
	err = c.TagUsers(ctx, 999, []string{"o1"})
	requireAPIError(t, err, 45159, "/cgi-bin/tags/members/batchtagging")
	err = c.TagUsers(ctx, tag.ID, []string{"o1", "oNobody"})
	requireAPIError(t, err, wechat.CodeInvalidParameter, "/cgi-bin/tags/members/batchtagging")
	_, err = c.ListTagMembers(ctx, 999, "")
	requireAPIError(t, err, 45159, pathTagMembers)

	require.NoError(t, c.DeleteTag(ctx, tag.ID))
	for _, id := range []string{"o1", "o5"} {
		assert.Empty(t, tagsOf(t, srv, id), "deleting a tag removes it from %s", id)
	}
	tags, err = c.ListTags(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wechat.Tag{{ID: 2, Name: "星标组"}}, tags)
	for id, err := range c.TagMembers(ctx, tag.ID) {
		assert.Empty(t, id)
		requireAPIError(t, err, 45159, pathTagMembers)
	}
}

func TestIntegrationTagMembersEarlyBreak(t *testing.T) {
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(seedFollowers(6)...))
	ctx := context.Background()
	tag, err := c.CreateTag(ctx, "t")
	require.NoError(t, err)
	require.NoError(t, c.TagUsers(ctx, tag.ID, []string{"o1", "o2", "o3", "o4", "o5", "o6"}))
	assert.Equal(t, []string{"o1", "o2"}, collect(t, c.TagMembers(ctx, tag.ID), 2))
	assert.Equal(t, 1, srv.Calls(pathTagMembers), "a break on the first page fetches no other")
}

func TestIntegrationConditionalMenus(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(
		wechattest.Follower{OpenID: "oVIP"},
		wechattest.Follower{OpenID: "oPlain"},
		wechattest.Follower{OpenID: "oEnglish", Language: "en"},
	))
	ctx := context.Background()

	vipMenu := &wechat.Menu{
		Buttons:   []wechat.Button{{Type: wechat.ButtonView, Name: "VIP", URL: "https://example.com/vip"}},
		MatchRule: &wechat.MatchRule{TagID: "2"},
	}
	// A conditional menu needs a default menu first.
	_, err := c.AddConditionalMenu(ctx, vipMenu)
	requireAPIError(t, err, 65303, "/cgi-bin/menu/addconditional")

	require.NoError(t, c.CreateMenu(ctx, testMenu))
	require.NoError(t, c.TagUsers(ctx, 2, []string{"oVIP"}))
	vipID, err := c.AddConditionalMenu(ctx, vipMenu)
	require.NoError(t, err)
	require.NotEmpty(t, vipID)
	_, err = strconv.ParseInt(vipID, 10, 64)
	assert.NoError(t, err, "menuid %q is numeric", vipID)

	enMenu := &wechat.Menu{
		Buttons:   []wechat.Button{{Type: wechat.ButtonClick, Name: "Hello", Key: "EN"}},
		MatchRule: &wechat.MatchRule{Language: "en"},
	}
	enID, err := c.AddConditionalMenu(ctx, enMenu)
	require.NoError(t, err)
	assert.NotEqual(t, vipID, enID)

	tests := []struct {
		user string
		want []wechat.Button
	}{
		{"oVIP", vipMenu.Buttons},
		{"oEnglish", enMenu.Buttons},
		{"oPlain", testMenu.Buttons},
	}
	for _, tt := range tests {
		got, err := c.GetUserMenu(ctx, tt.user)
		require.NoError(t, err, tt.user)
		assert.JSONEq(t, buttonsJSON(t, tt.want), buttonsJSON(t, got.Buttons), "menu of %s", tt.user)
	}
	_, err = c.GetUserMenu(ctx, "oNobody")
	requireAPIError(t, err, 65302, "/cgi-bin/menu/trymatch")

	menus, err := c.GetMenu(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, menus.Menu.MenuID, "the default menu has a menuid once conditional menus exist")
	assert.JSONEq(t, buttonsJSON(t, testMenu.Buttons), buttonsJSON(t, menus.Menu.Buttons))
	require.Len(t, menus.Conditional, 2)
	assert.Equal(t, vipID, menus.Conditional[0].MenuID)
	assert.Equal(t, &wechat.MatchRule{TagID: "2"}, menus.Conditional[0].MatchRule)
	assert.JSONEq(t, buttonsJSON(t, vipMenu.Buttons), buttonsJSON(t, menus.Conditional[0].Buttons))
	assert.Equal(t, enID, menus.Conditional[1].MenuID)
	assert.Equal(t, &wechat.MatchRule{Language: "en"}, menus.Conditional[1].MatchRule)

	require.NoError(t, c.DeleteConditionalMenu(ctx, vipID))
	got, err := c.GetUserMenu(ctx, "oVIP")
	require.NoError(t, err)
	assert.JSONEq(t, buttonsJSON(t, testMenu.Buttons), buttonsJSON(t, got.Buttons), "back to the default menu")
	menus, err = c.GetMenu(ctx)
	require.NoError(t, err)
	require.Len(t, menus.Conditional, 1)
	assert.Equal(t, enID, menus.Conditional[0].MenuID)

	err = c.DeleteConditionalMenu(ctx, vipID)
	requireAPIError(t, err, 65301, "/cgi-bin/menu/delconditional")

	// Deleting the menu deletes the conditional ones too.
	require.NoError(t, c.DeleteMenu(ctx))
	err = c.DeleteConditionalMenu(ctx, enID)
	requireAPIError(t, err, 65301, "/cgi-bin/menu/delconditional")
	assert.Equal(t, 1, srv.Calls(pathToken))
}

func TestIntegrationMass(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(3)...))
	ctx := context.Background()
	tag, err := c.CreateTag(ctx, "mass")
	require.NoError(t, err)
	require.NoError(t, c.TagUsers(ctx, tag.ID, []string{"o1", "o2"}))

	text := wechat.MassMessage{Type: wechat.MassText, Content: "大家好 <b>&</b>"}
	tests := []struct {
		name  string
		send  func() (*wechat.MassResult, error)
		check func(t *testing.T, m wechattest.SentMessage)
		body  string
	}{
		{"to a tag", func() (*wechat.MassResult, error) { return c.SendMassToTag(ctx, int64(tag.ID), text) },
			func(t *testing.T, m wechattest.SentMessage) {
				assert.Equal(t, pathMassAll, m.Path)
				assert.False(t, m.ToAll)
				assert.Equal(t, tag.ID, m.TagID)
			},
			`{"filter":{"is_to_all":false,"tag_id":` + strconv.Itoa(tag.ID) + `},"msgtype":"text","text":{"content":"大家好 <b>&</b>"}}`},
		{"to all", func() (*wechat.MassResult, error) { return c.SendMassToAll(ctx, text) },
			func(t *testing.T, m wechattest.SentMessage) {
				assert.Equal(t, pathMassAll, m.Path)
				assert.True(t, m.ToAll)
			},
			`{"filter":{"is_to_all":true},"msgtype":"text","text":{"content":"大家好 <b>&</b>"}}`},
		{"to openids", func() (*wechat.MassResult, error) {
			return c.SendMassToUsers(ctx, []string{"o1", "o3"}, text)
		},
			func(t *testing.T, m wechattest.SentMessage) {
				assert.Equal(t, pathMassSend, m.Path)
				assert.Equal(t, []string{"o1", "o3"}, m.ToUsers)
			},
			`{"touser":["o1","o3"],"msgtype":"text","text":{"content":"大家好 <b>&</b>"}}`},
	}
	var msgIDs []int64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.SentMessages())
			res, err := tt.send()
			require.NoError(t, err)
			sent := srv.SentMessages()
			require.Len(t, sent, before+1)
			m := sent[before]
			assert.Equal(t, wechattest.MassMessage, m.Kind)
			assert.Equal(t, "text", m.MsgType)
			assert.Equal(t, m.MsgID, res.MsgID, "the returned msg_id is the recorded one")
			assert.Zero(t, res.MsgDataID, "msg_data_id comes with mpnews only")
			assert.JSONEq(t, tt.body, string(m.Body))
			tt.check(t, m)
			msgIDs = append(msgIDs, res.MsgID)
		})
	}
	require.Len(t, msgIDs, len(tests))

	t.Run("news has a msg_data_id", func(t *testing.T) {
		draft, err := c.AddDraft(ctx, []wechat.NewsArticle{newsArticle("群发", addCover(t, c))})
		require.NoError(t, err)
		res, err := c.SendMassToTag(ctx, int64(tag.ID), wechat.MassMessage{Type: wechat.MassNews, MediaID: draft})
		require.NoError(t, err)
		assert.NotZero(t, res.MsgDataID)
		sent := srv.SentMessages()
		assert.JSONEq(t, `{"filter":{"is_to_all":false,"tag_id":`+strconv.Itoa(tag.ID)+`},"msgtype":"mpnews",
			"mpnews":{"media_id":"`+draft+`"},"send_ignore_reprint":0}`, string(sent[len(sent)-1].Body))
	})

	t.Run("video prepared with media/uploadvideo", func(t *testing.T) {
		up, err := c.UploadMedia(ctx, wechat.MediaVideo, "clip.mp4", bytes.NewReader([]byte("\x00\x00\x00\x18ftypmp42 video")))
		require.NoError(t, err)
		_, err = c.UploadMassVideo(ctx, "no-such-media", "标题", "")
		requireAPIError(t, err, 40007, "/cgi-bin/media/uploadvideo")
		mv, err := c.UploadMassVideo(ctx, up.MediaID, "标题", "描述")
		require.NoError(t, err)
		assert.Equal(t, wechat.MediaVideo, mv.Type)
		assert.NotEqual(t, up.MediaID, mv.MediaID)
		res, err := c.SendMassToAll(ctx, wechat.MassMessage{Type: wechat.MassVideo, MediaID: mv.MediaID})
		require.NoError(t, err)
		sent := srv.SentMessages()
		last := sent[len(sent)-1]
		assert.Equal(t, res.MsgID, last.MsgID)
		assert.JSONEq(t, `{"filter":{"is_to_all":true},"msgtype":"mpvideo","mpvideo":{"media_id":"`+mv.MediaID+`"}}`, string(last.Body))
	})

	t.Run("status and delete", func(t *testing.T) {
		for _, id := range msgIDs {
			st, err := c.GetMassStatus(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, wechat.MassSendSuccess, st)
		}
		require.NoError(t, c.DeleteMass(ctx, msgIDs[0], 0))
		st, err := c.GetMassStatus(ctx, msgIDs[0])
		require.NoError(t, err)
		assert.Equal(t, wechat.MassDeleted, st)
		st, err = c.GetMassStatus(ctx, msgIDs[1])
		require.NoError(t, err)
		assert.Equal(t, wechat.MassSendSuccess, st, "only the deleted send changes")

		_, err = c.GetMassStatus(ctx, 12345)
		requireAPIError(t, err, wechat.CodeArgumentInvalid, "/cgi-bin/message/mass/get")
		err = c.DeleteMass(ctx, 12345, 0)
		requireAPIError(t, err, wechat.CodeArgumentInvalid, "/cgi-bin/message/mass/delete")
	})

	t.Run("preview", func(t *testing.T) {
		before := len(srv.SentMessages())
		require.NoError(t, c.PreviewMass(ctx, "o2", text))
		sent := srv.SentMessages()
		require.Len(t, sent, before+1)
		m := sent[before]
		assert.Equal(t, wechattest.MassPreview, m.Kind)
		assert.Equal(t, "o2", m.ToUser)
		assert.JSONEq(t, `{"touser":"o2","msgtype":"text","text":{"content":"大家好 <b>&</b>"}}`, string(m.Body))

		err := c.PreviewMass(ctx, "oNobody", text)
		requireAPIError(t, err, wechat.CodeInvalidParameter, "/cgi-bin/message/mass/preview")
	})

	t.Run("clientmsgid", func(t *testing.T) {
		before := len(srv.SentMessages())
		m := text
		m.ClientMsgID = "campaign-42"
		first, err := c.SendMassToUsers(ctx, []string{"o1", "o2"}, m)
		require.NoError(t, err)
		_, err = c.SendMassToUsers(ctx, []string{"o1", "o2"}, m)
		requireAPIError(t, err, wechat.CodeMassDuplicate, pathMassSend)
		assert.ErrorIs(t, err, &wechat.APIError{Code: wechat.CodeMassDuplicate})
		sent := srv.SentMessages()
		require.Len(t, sent, before+1, "the second send did not go out")
		assert.Equal(t, first.MsgID, sent[before].MsgID)
		var body struct {
			ClientMsgID string `json:"clientmsgid"`
		}
		require.NoError(t, json.Unmarshal(sent[before].Body, &body))
		assert.Equal(t, "campaign-42", body.ClientMsgID)
	})

	t.Run("rejected", func(t *testing.T) {
		before := len(srv.SentMessages())
		_, err := c.SendMassToTag(ctx, 999, text)
		requireAPIError(t, err, 45159, pathMassAll)
		srv.FailNext(pathMassAll, 1, wechat.CodeSystemBusy)
		_, err = c.SendMassToAll(ctx, text)
		requireAPIError(t, err, wechat.CodeSystemBusy, pathMassAll)
		assert.Len(t, srv.SentMessages(), before)
	})
}

func TestIntegrationBatchGetUsers(t *testing.T) {
	followers := seedFollowers(150)
	followers[0].Remark = "first"
	followers[0].TagIDs = []int{2}
	followers[149].UnionID = "u150"
	followers = append(followers, wechattest.Follower{OpenID: "oGone", Unsubscribed: true})
	srv, c := startFake(t, wechattest.WithFollowers(followers...))
	ctx := context.Background()

	t.Run("one request", func(t *testing.T) {
		infos, err := c.BatchGetUserInfo(ctx, []string{"o2", "o1", "oGone"}, wechat.LangZhCN)
		require.NoError(t, err)
		require.Len(t, infos, 3)
		assert.Equal(t, "o2", infos[0].OpenID)
		assert.True(t, infos[0].Subscribed)
		assert.Equal(t, "o1", infos[1].OpenID)
		assert.Equal(t, "first", infos[1].Remark)
		assert.Equal(t, []int{2}, infos[1].TagIDs)
		assert.Equal(t, "zh_CN", infos[1].Language)
		assert.Equal(t, wechat.UserInfo{OpenID: "oGone"}, infos[2], "a user who left")
		assert.Equal(t, 1, srv.Calls(pathBatchGet))
		reqs := srv.Requests()
		assert.JSONEq(t, `{"user_list":[{"openid":"o2","lang":"zh_CN"},{"openid":"o1","lang":"zh_CN"},{"openid":"oGone","lang":"zh_CN"}]}`,
			string(reqs[len(reqs)-1].Body))
	})

	t.Run("split by 100", func(t *testing.T) {
		ids := make([]string, 150)
		for i := range ids {
			ids[i] = "o" + strconv.Itoa(150-i) // newest first
		}
		before := srv.Calls(pathBatchGet)
		infos, err := c.BatchGetUserInfo(ctx, ids, "")
		require.NoError(t, err)
		require.Len(t, infos, 150)
		for i, u := range infos {
			assert.Equal(t, ids[i], u.OpenID, "order is kept")
		}
		assert.Equal(t, "u150", infos[0].UnionID)
		assert.Equal(t, 2, srv.Calls(pathBatchGet)-before, "100 openids per request")
		var sizes []int
		for _, r := range requestsTo(srv, pathBatchGet) {
			var body struct {
				UserList []json.RawMessage `json:"user_list"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &body))
			sizes = append(sizes, len(body.UserList))
		}
		assert.Equal(t, []int{100, 50}, sizes[len(sizes)-2:])
	})

	t.Run("a failing chunk keeps the earlier profiles", func(t *testing.T) {
		ids := make([]string, 0, 101)
		for i := 1; i <= 100; i++ {
			ids = append(ids, "o"+strconv.Itoa(i))
		}
		ids = append(ids, "oNobody")
		before := srv.Calls(pathBatchGet)
		infos, err := c.BatchGetUserInfo(ctx, ids, "")
		requireAPIError(t, err, wechat.CodeInvalidParameter, pathBatchGet)
		assert.Len(t, infos, 100)
		assert.True(t, slices.ContainsFunc(infos, func(u wechat.UserInfo) bool { return u.OpenID == "o100" }))
		assert.Equal(t, 2, srv.Calls(pathBatchGet)-before)
	})

	t.Run("a pure read is retried on system busy", func(t *testing.T) {
		before := srv.Calls(pathBatchGet)
		srv.FailNext(pathBatchGet, 1, wechat.CodeSystemBusy)
		infos, err := c.BatchGetUserInfo(ctx, []string{"o1"}, "")
		require.NoError(t, err)
		require.Len(t, infos, 1)
		assert.Equal(t, 2, srv.Calls(pathBatchGet)-before)
	})
}
