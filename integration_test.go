package wechat_test

// End-to-end tests of the Client against the fake WeChat server of package
// wechattest: every call goes over HTTP to a server that keeps state, so
// these tests check that what one call writes, the next one reads, and
// that token refreshes and retries behave as documented when the server
// misbehaves. Run them alone with go test -run Integration.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// Paths of the fake that the tests count calls to.
const (
	pathToken       = "/cgi-bin/token"
	pathMenuGet     = "/cgi-bin/menu/get"
	pathCustomSend  = "/cgi-bin/message/custom/send"
	pathTemplSend   = "/cgi-bin/message/template/send"
	pathUserGet     = "/cgi-bin/user/get"
	pathCallbackIP  = "/cgi-bin/getcallbackip"
	pathMediaUpload = "/cgi-bin/media/upload"
	pathGetTicket   = "/cgi-bin/ticket/getticket"
)

// startFake starts a fake server for the test and returns it with a
// Client pointed at it.
func startFake(t *testing.T, opts ...wechattest.Option) (*wechattest.Server, *wechat.Client) {
	t.Helper()
	srv := wechattest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	require.NoError(t, err)
	return srv, c
}

// newFakeClock returns a clock for wechattest.WithClock that the test moves.
func newFakeClock() *wechattest.Clock { return wechattest.NewClock(time.Unix(1700000000, 0)) }

// requireAPIError asserts that err is an *APIError with the code and the
// path, and returns it.
func requireAPIError(t *testing.T, err error, code int, path string) *wechat.APIError {
	t.Helper()
	require.Error(t, err)
	var apiErr *wechat.APIError
	require.ErrorAs(t, err, &apiErr, "error: %v", err)
	assert.Equal(t, code, apiErr.Code, "error: %v", err)
	assert.Equal(t, path, apiErr.Path)
	assert.NotEmpty(t, apiErr.RID, "the fake appends a rid to every errmsg")
	return apiErr
}

// collect ranges over seq and returns its values, failing the test on an
// error. With limit above 0 it breaks out of the loop once it has that
// many.
func collect[T any](t *testing.T, seq iter.Seq2[T, error], limit int) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
		if len(out) == limit {
			break
		}
	}
	return out
}

// requestsTo returns the requests the fake received for path, in order.
func requestsTo(srv *wechattest.Server, path string) []wechattest.Request {
	var out []wechattest.Request
	for _, r := range srv.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// tokensSent returns the access_token of every request to path, in order.
func tokensSent(srv *wechattest.Server, path string) []string {
	var out []string
	for _, r := range requestsTo(srv, path) {
		out = append(out, r.Query.Get("access_token"))
	}
	return out
}

// buttonsJSON encodes buttons the way CreateMenu sends them, so that a
// menu read back (where WeChat adds empty sub_button arrays) compares
// equal to the one created.
func buttonsJSON(t *testing.T, buttons []wechat.Button) string {
	t.Helper()
	b, err := json.Marshal(buttons)
	require.NoError(t, err)
	return string(b)
}

var testMenu = &wechat.Menu{Buttons: []wechat.Button{
	{Type: wechat.ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"},
	{Name: "菜单", SubButtons: []wechat.Button{
		{Type: wechat.ButtonView, Name: "搜索", URL: "http://www.soso.com/?a=1&b=2"},
		{Type: wechat.ButtonMiniProgram, Name: "wxa", URL: "http://mp.weixin.qq.com", AppID: "wx286b93c14bbf93aa", PagePath: "pages/lunar/index"},
		{Type: wechat.ButtonScancodePush, Name: "扫码", Key: "rselfmenu_0_1"},
	}},
}}

// startFailingMenu starts a fake that holds testMenu and answers the next
// n menu/get calls with errcode code: a read that fails and can be retried.
func startFailingMenu(t *testing.T, n, code int) (*wechattest.Server, *wechat.Client) {
	t.Helper()
	srv, c := startFake(t)
	require.NoError(t, c.CreateMenu(context.Background(), testMenu))
	srv.FailNext(pathMenuGet, n, code)
	return srv, c
}

func TestIntegrationMenu(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()

	// No menu yet: the documented "menu no exist".
	_, err := c.GetMenu(ctx)
	apiErr := requireAPIError(t, err, wechat.CodeMenuNotExist, pathMenuGet)
	assert.Contains(t, apiErr.Message, "menu no exist")
	assert.ErrorIs(t, err, &wechat.APIError{Code: wechat.CodeMenuNotExist})

	require.NoError(t, c.CreateMenu(ctx, testMenu))
	want := buttonsJSON(t, testMenu.Buttons)
	assert.JSONEq(t, `{"button":`+want+`}`, string(srv.Menu()), "the fake holds the menu as sent")
	assert.NotContains(t, string(srv.Menu()), `\u0026`, "the URL is sent without HTML escaping")

	got, err := c.GetMenu(ctx)
	require.NoError(t, err)
	assert.JSONEq(t, want, buttonsJSON(t, got.Menu.Buttons))
	assert.Empty(t, got.Conditional)
	assert.Empty(t, got.Menu.MenuID, "without conditional menus menu/get gives no menuid")

	// Creating again replaces the whole menu.
	second := &wechat.Menu{Buttons: []wechat.Button{{Type: wechat.ButtonClick, Name: "only", Key: "K"}}}
	require.NoError(t, c.CreateMenu(ctx, second))
	got, err = c.GetMenu(ctx)
	require.NoError(t, err)
	assert.JSONEq(t, buttonsJSON(t, second.Buttons), buttonsJSON(t, got.Menu.Buttons))

	require.NoError(t, c.DeleteMenu(ctx))
	assert.Nil(t, srv.Menu())
	_, err = c.GetMenu(ctx)
	requireAPIError(t, err, wechat.CodeMenuNotExist, pathMenuGet)

	assert.Equal(t, 1, srv.Calls(pathToken), "one token serves every call")
}

func TestIntegrationMenuRejectedByServer(t *testing.T) {
	srv, c := startFake(t)
	// A name of 17 bytes passes the Client's checks, which leave lengths
	// to WeChat, but not WeChat's limit of 16 for a top-level button.
	long := &wechat.Menu{Buttons: []wechat.Button{{Type: wechat.ButtonClick, Name: strings.Repeat("a", 17), Key: "K"}}}
	err := c.CreateMenu(context.Background(), long)
	requireAPIError(t, err, 40018, "/cgi-bin/menu/create")
	assert.Nil(t, srv.Menu())
}

func TestIntegrationMedia(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3}, 100)...)
	jpg := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{7}, 500)...)
	tests := []struct {
		typ         wechat.MediaType
		filename    string
		data        []byte
		contentType string // "" when it depends on the system's MIME table
		ext         string
	}{
		{wechat.MediaImage, "photo.png", png, "image/png", ".png"},
		{wechat.MediaThumb, "cover.jpg", jpg, "image/jpeg", ".jpg"},
		{wechat.MediaVoice, "hello.amr", []byte("#!AMR\n" + strings.Repeat("v", 300)), "", ".amr"},
		{wechat.MediaVideo, "clip.mp4", bytes.Repeat([]byte("mp4!"), 2000), "", ".mp4"},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			srv, c := startFake(t)
			ctx := context.Background()
			before := time.Now().Add(-time.Second)

			up, err := c.UploadMedia(ctx, tt.typ, tt.filename, bytes.NewReader(tt.data))
			require.NoError(t, err)
			assert.Equal(t, tt.typ, up.Type)
			assert.NotEmpty(t, up.MediaID, "a thumb's thumb_media_id lands in MediaID too")
			assert.False(t, up.CreatedAt.Before(before), "created_at %v", up.CreatedAt)

			m, err := c.DownloadMedia(ctx, up.MediaID)
			require.NoError(t, err)
			defer m.Close()
			if tt.typ == wechat.MediaVideo {
				// A video comes as a link, which needs no access token.
				require.True(t, strings.HasPrefix(m.VideoURL, srv.URL+"/"), "video_url %q", m.VideoURL)
				assert.NotContains(t, m.VideoURL, "access_token")
				body, err := io.ReadAll(m.Body)
				require.NoError(t, err)
				assert.Empty(t, body)
				resp, err := srv.HTTPClient().Get(m.VideoURL)
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
				got, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, tt.data, got)
				return
			}
			assert.Empty(t, m.VideoURL)
			got, err := io.ReadAll(m.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.data, got, "the download is the upload, byte for byte")
			assert.Equal(t, int64(len(tt.data)), m.ContentLength)
			assert.Equal(t, up.MediaID+tt.ext, m.Filename)
			if tt.contentType != "" {
				assert.Equal(t, tt.contentType, m.ContentType)
			}
		})
	}
}

func TestIntegrationMediaErrors(t *testing.T) {
	_, c := startFake(t)
	ctx := context.Background()

	_, err := c.DownloadMedia(ctx, "no-such-media")
	requireAPIError(t, err, 40007, "/cgi-bin/media/get")

	// A thumb over WeChat's 64 KB limit.
	_, err = c.UploadMedia(ctx, wechat.MediaThumb, "big.jpg", bytes.NewReader(make([]byte, 65<<10)))
	requireAPIError(t, err, 40012, pathMediaUpload)

	// Temporary media lives three days.
	clock := newFakeClock()
	srv, c := startFake(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(30*24*time.Hour))
	up, err := c.UploadMedia(ctx, wechat.MediaImage, "a.png", bytes.NewReader([]byte("\x89PNG\r\n\x1a\nxx")))
	require.NoError(t, err)
	clock.Advance(72*time.Hour + time.Second)
	_, err = c.DownloadMedia(ctx, up.MediaID)
	requireAPIError(t, err, 40007, "/cgi-bin/media/get")
	assert.Equal(t, 1, srv.Calls(pathToken))
}

// seedFollowers returns n followers o1..on.
func seedFollowers(n int) []wechattest.Follower {
	fs := make([]wechattest.Follower, n)
	for i := range fs {
		fs[i] = wechattest.Follower{OpenID: "o" + strconv.Itoa(i+1)}
	}
	return fs
}

func TestIntegrationFollowers(t *testing.T) {
	followers := seedFollowers(5)
	// A user who left is known to user/info but not listed.
	followers = append(followers[:2], append([]wechattest.Follower{{OpenID: "gone", Unsubscribed: true}}, followers[2:]...)...)
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(followers...))
	ctx := context.Background()

	page, err := c.ListFollowers(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, &wechat.OpenIDPage{Total: 5, Count: 2, OpenIDs: []string{"o1", "o2"}, NextOpenID: "o2"}, page)

	page, err = c.ListFollowers(ctx, page.NextOpenID)
	require.NoError(t, err)
	assert.Equal(t, []string{"o3", "o4"}, page.OpenIDs, "the unsubscribed user is skipped")
	assert.Equal(t, "o4", page.NextOpenID)

	_, err = c.ListFollowers(ctx, "unknown-openid")
	requireAPIError(t, err, wechat.CodeInvalidParameter, pathUserGet)

	before := srv.Calls(pathUserGet)
	assert.Equal(t, []string{"o1", "o2", "o3", "o4", "o5"}, collect(t, c.Followers(ctx), 0))
	// Pages [o1 o2] [o3 o4] [o5]: the counts reach the total, so the
	// empty page after the last next_openid is not asked for.
	assert.Equal(t, 3, srv.Calls(pathUserGet)-before)
	assert.Equal(t, []string{"", "o2", "o4"}, nextOpenIDs(srv)[before:])
}

// nextOpenIDs lists the next_openid of every user/get request.
func nextOpenIDs(srv *wechattest.Server) []string {
	var out []string
	for _, r := range requestsTo(srv, pathUserGet) {
		out = append(out, r.Query.Get("next_openid"))
	}
	return out
}

func TestIntegrationFollowersEarlyBreak(t *testing.T) {
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(seedFollowers(5)...))
	got := collect(t, c.Followers(context.Background()), 3)
	assert.Equal(t, []string{"o1", "o2", "o3"}, got)
	assert.Equal(t, 2, srv.Calls(pathUserGet), "no page is fetched after the break")
}

func TestIntegrationFollowersErrorEndsIteration(t *testing.T) {
	srv, c := startFake(t, wechattest.WithPageSize(2), wechattest.WithFollowers(seedFollowers(5)...))
	var ids []string
	var errs []error
	n := 0
	for id, err := range c.Followers(context.Background()) {
		n++
		if n == 2 {
			// The second page fails with a quota error, which is not
			// retried.
			srv.FailNext(pathUserGet, 1, wechat.CodeAPIFreqOutOfLimit)
		}
		if err != nil {
			errs = append(errs, err)
			assert.Empty(t, id)
			continue
		}
		ids = append(ids, id)
	}
	assert.Equal(t, []string{"o1", "o2"}, ids)
	require.Len(t, errs, 1, "the error is yielded once and ends the loop")
	requireAPIError(t, errs[0], wechat.CodeAPIFreqOutOfLimit, pathUserGet)
	assert.Equal(t, 2, srv.Calls(pathUserGet))
}

func TestIntegrationUserInfo(t *testing.T) {
	subscribed := time.Unix(1600000000, 0)
	srv, c := startFake(t, wechattest.WithFollowers(
		wechattest.Follower{
			OpenID: "oAlice", UnionID: "uAlice", Language: "en", SubscribeTime: subscribed,
			SubscribeScene: "ADD_SCENE_QR_CODE", QRScene: 98765, QRSceneStr: "poster",
			Remark: "old", GroupID: 2, TagIDs: []int{2},
		},
		wechattest.Follower{OpenID: "oBob"},
		wechattest.Follower{OpenID: "oGone", UnionID: "uGone", Unsubscribed: true},
	))
	ctx := context.Background()

	u, err := c.GetUserInfo(ctx, "oAlice", wechat.LangEn)
	require.NoError(t, err)
	assert.Equal(t, &wechat.UserInfo{
		Subscribed: true, OpenID: "oAlice", Language: "en", SubscribeTime: subscribed,
		UnionID: "uAlice", Remark: "old", GroupID: 2, TagIDs: []int{2},
		SubscribeScene: wechat.SubscribeSceneQRCode, QRScene: 98765, QRSceneStr: "poster",
	}, u)
	assert.Equal(t, "en", srv.Requests()[1].Query.Get("lang"))

	u, err = c.GetUserInfo(ctx, "oGone", "")
	require.NoError(t, err)
	assert.Equal(t, &wechat.UserInfo{OpenID: "oGone", UnionID: "uGone"}, u, "a user who left is all but anonymous")

	_, err = c.GetUserInfo(ctx, "oNobody", "")
	requireAPIError(t, err, wechat.CodeInvalidParameter, "/cgi-bin/user/info")

	// Remark: set through the API, seen by the fake and read back.
	require.NoError(t, c.UpdateUserRemark(ctx, "oBob", "鲍勃 <vip> & co"))
	f, ok := srv.Follower("oBob")
	require.True(t, ok)
	assert.Equal(t, "鲍勃 <vip> & co", f.Remark)
	u, err = c.GetUserInfo(ctx, "oBob", "")
	require.NoError(t, err)
	assert.Equal(t, "鲍勃 <vip> & co", u.Remark)
	assert.Equal(t, []int{}, u.TagIDs)
	assert.Equal(t, wechat.SubscribeSceneOthers, u.SubscribeScene)

	err = c.UpdateUserRemark(ctx, "oGone", "x")
	requireAPIError(t, err, wechat.CodeSubscribeRequired, "/cgi-bin/user/info/updateremark")
}

func TestIntegrationGroups(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(3)...))
	ctx := context.Background()

	g, err := c.CreateGroup(ctx, "VIP")
	require.NoError(t, err)
	assert.Equal(t, "VIP", g.Name)
	assert.Greater(t, g.ID, 2, "ids 0, 1 and 2 are the built-in groups")

	_, err = c.CreateGroup(ctx, "VIP")
	requireAPIError(t, err, 40051, "/cgi-bin/groups/create")

	require.NoError(t, c.MoveUserToGroup(ctx, "o1", g.ID))
	f, _ := srv.Follower("o1")
	assert.Equal(t, g.ID, f.GroupID)
	id, err := c.GetUserGroup(ctx, "o1")
	require.NoError(t, err)
	assert.Equal(t, g.ID, id)
	id, err = c.GetUserGroup(ctx, "o2")
	require.NoError(t, err)
	assert.Equal(t, 0, id, "users start in 未分组")

	require.NoError(t, c.MoveUsersToGroup(ctx, []string{"o2", "o3"}, g.ID))
	require.NoError(t, c.UpdateGroup(ctx, g.ID, "贵宾"))

	groups, err := c.ListGroups(ctx)
	require.NoError(t, err)
	assert.Contains(t, groups, wechat.Group{ID: 0, Name: "未分组", Count: 0})
	assert.Contains(t, groups, wechat.Group{ID: g.ID, Name: "贵宾", Count: 3})

	err = c.UpdateGroup(ctx, 2, "renamed")
	requireAPIError(t, err, 40050, "/cgi-bin/groups/update")
	err = c.MoveUserToGroup(ctx, "o1", 999)
	requireAPIError(t, err, 40050, "/cgi-bin/groups/members/update")
	_, err = c.GetUserGroup(ctx, "oNobody")
	requireAPIError(t, err, wechat.CodeInvalidParameter, "/cgi-bin/groups/getid")

	require.NoError(t, c.DeleteGroup(ctx, g.ID))
	for _, id := range []string{"o1", "o2", "o3"} {
		f, _ := srv.Follower(id)
		assert.Equal(t, 0, f.GroupID, "%s moves back to group 0", id)
	}
	groups, err = c.ListGroups(ctx)
	require.NoError(t, err)
	for _, gr := range groups {
		assert.NotEqual(t, g.ID, gr.ID)
	}
}

func TestIntegrationCustomMessages(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(
		wechattest.Follower{OpenID: "oAlice"},
		wechattest.Follower{OpenID: "oGone", Unsubscribed: true},
	))
	ctx := context.Background()
	upload := func(typ wechat.MediaType, name string, data string) string {
		up, err := c.UploadMedia(ctx, typ, name, strings.NewReader(data))
		require.NoError(t, err)
		return up.MediaID
	}
	image := upload(wechat.MediaImage, "p.png", "\x89PNG\r\n\x1a\nimage")
	voice := upload(wechat.MediaVoice, "v.amr", "#!AMR\nvoice")
	video := upload(wechat.MediaVideo, "v.mp4", "video")
	thumb := upload(wechat.MediaThumb, "t.jpg", "\xff\xd8\xffthumb")

	tests := []struct {
		name    string
		send    func() error
		msgType string
		body    string
	}{
		{"text", func() error {
			return c.SendText(ctx, "oAlice", `Hi <a href="https://x.example/?a=1&b=2">&</a>`)
		}, "text", `{"touser":"oAlice","msgtype":"text","text":{"content":"Hi <a href=\"https://x.example/?a=1&b=2\">&</a>"}}`},
		{"text as kf account", func() error {
			return c.SendText(ctx, "oAlice", "hello", wechat.AsKFAccount("kf2001@gh_abc"))
		}, "text", `{"touser":"oAlice","msgtype":"text","text":{"content":"hello"},"customservice":{"kf_account":"kf2001@gh_abc"}}`},
		{"image", func() error { return c.SendImage(ctx, "oAlice", image) },
			"image", `{"touser":"oAlice","msgtype":"image","image":{"media_id":"` + image + `"}}`},
		{"voice", func() error { return c.SendVoice(ctx, "oAlice", voice) },
			"voice", `{"touser":"oAlice","msgtype":"voice","voice":{"media_id":"` + voice + `"}}`},
		{"video", func() error {
			return c.SendVideo(ctx, "oAlice", wechat.VideoMessage{MediaID: video, ThumbMediaID: thumb, Title: "T"})
		}, "video", `{"touser":"oAlice","msgtype":"video","video":{"media_id":"` + video + `","thumb_media_id":"` + thumb + `","title":"T"}}`},
		{"music", func() error {
			return c.SendMusic(ctx, "oAlice", wechat.MusicMessage{Title: "歌", MusicURL: "http://m/1.mp3", HQMusicURL: "http://m/1hq.mp3", ThumbMediaID: thumb})
		}, "music", `{"touser":"oAlice","msgtype":"music","music":{"title":"歌","musicurl":"http://m/1.mp3","hqmusicurl":"http://m/1hq.mp3","thumb_media_id":"` + thumb + `"}}`},
		{"news", func() error {
			return c.SendNews(ctx, "oAlice", wechat.Article{Title: "T", Description: "D", URL: "http://u", PicURL: "http://p"})
		}, "news", `{"touser":"oAlice","msgtype":"news","news":{"articles":[{"title":"T","description":"D","url":"http://u","picurl":"http://p"}]}}`},
		{"menu", func() error {
			return c.SendMenuMessage(ctx, "oAlice", wechat.MenuMessage{HeadContent: "h", List: []wechat.MenuMessageItem{{ID: "101", Content: "yes"}}, TailContent: "t"})
		}, "msgmenu", `{"touser":"oAlice","msgtype":"msgmenu","msgmenu":{"head_content":"h","list":[{"id":"101","content":"yes"}],"tail_content":"t"}}`},
		{"mini program", func() error {
			return c.SendMiniProgramPage(ctx, "oAlice", wechat.MiniProgramPage{Title: "t", AppID: "wxa", PagePath: "pages/i", ThumbMediaID: thumb})
		}, "miniprogrampage", `{"touser":"oAlice","msgtype":"miniprogrampage","miniprogrampage":{"title":"t","appid":"wxa","pagepath":"pages/i","thumb_media_id":"` + thumb + `"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.SentMessages())
			require.NoError(t, tt.send())
			sent := srv.SentMessages()
			require.Len(t, sent, before+1)
			m := sent[before]
			assert.Equal(t, wechattest.CustomMessage, m.Kind)
			assert.Equal(t, pathCustomSend, m.Path)
			assert.Equal(t, "oAlice", m.ToUser)
			assert.Equal(t, tt.msgType, m.MsgType)
			assert.JSONEq(t, tt.body, string(m.Body))
		})
	}
	// The raw body keeps "<", ">" and "&" as written.
	assert.Contains(t, string(srv.SentMessages()[0].Body), `<a href=\"https://x.example/?a=1&b=2\">&</a>`)

	t.Run("rejected", func(t *testing.T) {
		before := len(srv.SentMessages())
		err := c.SendText(ctx, "oNobody", "hi")
		requireAPIError(t, err, wechat.CodeInvalidParameter, pathCustomSend)
		err = c.SendText(ctx, "oGone", "hi")
		requireAPIError(t, err, wechat.CodeSubscribeRequired, pathCustomSend)
		err = c.SendImage(ctx, "oAlice", "not-uploaded")
		requireAPIError(t, err, 40007, pathCustomSend)
		assert.Len(t, srv.SentMessages(), before, "nothing rejected is recorded")
	})
}

func TestIntegrationTemplates(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "oAlice"}))
	ctx := context.Background()

	require.NoError(t, c.SetTemplateIndustry(ctx, 1, 4))
	ind, err := c.GetTemplateIndustry(ctx)
	require.NoError(t, err)
	assert.Equal(t, &wechat.TemplateIndustry{
		Primary:   wechat.Industry{FirstClass: "IT科技", SecondClass: "互联网|电子商务"},
		Secondary: wechat.Industry{FirstClass: "IT科技", SecondClass: "电子技术"},
	}, ind)

	id, err := c.AddTemplate(ctx, "TM00015", "订单号", "金额")
	require.NoError(t, err)
	require.NotEmpty(t, id)
	list, err := c.ListTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0].ID)
	assert.Equal(t, "TM00015", list[0].Title)
	assert.Equal(t, "IT科技", list[0].PrimaryIndustry)
	assert.Equal(t, "互联网|电子商务", list[0].DeputyIndustry)
	assert.Contains(t, list[0].Content, "{{keyword1.DATA}}")
	assert.Contains(t, list[0].Content, "{{keyword2.DATA}}")

	msg := &wechat.TemplateMessage{
		ToUser: "oAlice", TemplateID: id, URL: "https://example.com/order?id=1&x=2",
		Data: map[string]wechat.TemplateField{
			"keyword1": {Value: "A-1001"},
			"keyword2": {Value: "¥39.00", Color: "#173177"},
		},
	}
	msgID, err := c.SendTemplateMessage(ctx, msg)
	require.NoError(t, err)
	assert.Greater(t, msgID, int64(1<<32), "msgids beyond 32 bits survive")
	sent := srv.SentMessages()
	require.Len(t, sent, 1)
	assert.Equal(t, wechattest.TemplateMessage, sent[0].Kind)
	assert.Equal(t, msgID, sent[0].MsgID, "the returned msgid is the one WeChat recorded")
	assert.Equal(t, "oAlice", sent[0].ToUser)
	assert.Equal(t, id, sent[0].TemplateID)
	assert.JSONEq(t, `{"touser":"oAlice","template_id":"`+id+`","url":"https://example.com/order?id=1&x=2",
		"data":{"keyword1":{"value":"A-1001"},"keyword2":{"value":"¥39.00","color":"#173177"}}}`, string(sent[0].Body))

	// A repeated client_msg_id is delivered once: the first msgid comes
	// back.
	msg.ClientMsgID = "order-1001"
	first, err := c.SendTemplateMessage(ctx, msg)
	require.NoError(t, err)
	again, err := c.SendTemplateMessage(ctx, msg)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.NotEqual(t, msgID, first)
	assert.Len(t, srv.SentMessages(), 2)

	// An empty value is refused.
	_, err = c.SendTemplateMessage(ctx, &wechat.TemplateMessage{ToUser: "oAlice", TemplateID: id,
		Data: map[string]wechat.TemplateField{"keyword1": {}}})
	requireAPIError(t, err, wechat.CodeArgumentInvalid, pathTemplSend)

	require.NoError(t, c.DeleteTemplate(ctx, id))
	list, err = c.ListTemplates(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
	msg.ClientMsgID = ""
	_, err = c.SendTemplateMessage(ctx, msg)
	requireAPIError(t, err, 40037, pathTemplSend)
	err = c.DeleteTemplate(ctx, id)
	requireAPIError(t, err, 40037, "/cgi-bin/template/del_private_template")
	assert.Len(t, srv.SentMessages(), 2)
}

func TestIntegrationSeededTemplates(t *testing.T) {
	srv, c := startFake(t,
		wechattest.WithFollowers(wechattest.Follower{OpenID: "oAlice"}),
		wechattest.WithTemplates(wechattest.Template{ID: "tpl-seeded", Title: "订单通知", Content: "{{first.DATA}}"}))
	ctx := context.Background()
	list, err := c.ListTemplates(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wechat.Template{{ID: "tpl-seeded", Title: "订单通知", Content: "{{first.DATA}}"}}, list)

	id, err := c.SendTemplateMessage(ctx, &wechat.TemplateMessage{ToUser: "oAlice", TemplateID: "tpl-seeded",
		Data: map[string]wechat.TemplateField{"first": {Value: "x"}}})
	require.NoError(t, err)
	require.Len(t, srv.SentMessages(), 1)
	assert.Equal(t, id, srv.SentMessages()[0].MsgID)

	// Changing the industry deletes the account's templates, as
	// documented.
	require.NoError(t, c.SetTemplateIndustry(ctx, 2, 7))
	list, err = c.ListTemplates(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestIntegrationQRCodes(t *testing.T) {
	clock := newFakeClock()
	srv, c := startFake(t, wechattest.WithClock(clock.Now))
	ctx := context.Background()

	tests := []struct {
		name   string
		req    wechat.QRCodeRequest
		expire time.Duration
	}{
		{"temporary", wechat.TemporaryQRCode(123, time.Hour), time.Hour},
		{"temporary default expiry", wechat.TemporaryStringQRCode("promo", 0), 60 * time.Second},
		{"permanent", wechat.PermanentQRCode(100000), 0},
		{"permanent string", wechat.PermanentStringQRCode("shop/1"), 0},
	}
	tickets := make(map[string]string)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qr, err := c.CreateQRCode(ctx, tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.expire, qr.ExpiresIn)
			assert.True(t, strings.HasPrefix(qr.URL, "http://weixin.qq.com/q/"), "url %q", qr.URL)
			tickets[tt.name] = qr.Ticket

			// DownloadQRCode and QRCodeURL reach the fake, which is also
			// the API host here; the ticket holds '+', '/' and '='.
			before := srv.Calls("/cgi-bin/showqrcode")
			resp, err := c.DownloadQRCode(ctx, qr.Ticket)
			require.NoError(t, err)
			img, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(img, []byte{0xff, 0xd8}), "a JPEG image")
			assert.Equal(t, "image/jpg", resp.ContentType)
			assert.Equal(t, before+1, srv.Calls("/cgi-bin/showqrcode"))

			u := c.QRCodeURL(qr.Ticket)
			require.True(t, strings.HasPrefix(u, srv.URL+"/cgi-bin/showqrcode?ticket="), "url %q", u)
			assert.Equal(t, img, download(t, srv, u))
		})
	}
	for _, r := range requestsTo(srv, "/cgi-bin/showqrcode") {
		assert.Empty(t, r.Query.Get("access_token"), "the ticket is the only credential")
	}

	// After 61 seconds the default temporary code is gone: HTTP 404.
	clock.Advance(61 * time.Second)
	_, err := c.DownloadQRCode(ctx, tickets["temporary default expiry"])
	var httpErr *wechat.HTTPError
	require.ErrorAs(t, err, &httpErr)
	assert.Equal(t, http.StatusNotFound, httpErr.StatusCode)
	assert.ErrorIs(t, err, wechat.ErrUnexpectedResponse)
	resp, err := c.DownloadQRCode(ctx, tickets["temporary"])
	require.NoError(t, err, "the one-hour code still works")
	resp.Body.Close()
	resp, err = c.DownloadQRCode(ctx, tickets["permanent"])
	require.NoError(t, err)
	resp.Body.Close()

	_, err = c.DownloadQRCode(ctx, "unknown+ticket/==")
	require.ErrorAs(t, err, &httpErr)
	assert.Equal(t, http.StatusNotFound, httpErr.StatusCode)
}

func TestIntegrationJSSDK(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()

	ticket, err := c.JSAPITicket(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, ticket.Value)
	assert.True(t, ticket.ExpiresAt.After(time.Now().Add(time.Hour)), "a two-hour ticket, cached with a margin")

	const page = "https://example.com/page?x=1#frag"
	cfg, err := c.JSSDKConfig(ctx, page)
	require.NoError(t, err)
	assert.Equal(t, srv.AppID(), cfg.AppID)
	assert.Len(t, cfg.NonceStr, 16)
	assert.InDelta(t, time.Now().Unix(), cfg.Timestamp, 5)
	assert.Equal(t, wechat.JSAPISignature(ticket.Value, cfg.NonceStr, strconv.FormatInt(cfg.Timestamp, 10), page), cfg.Signature)
	assert.Equal(t, 1, srv.Calls(pathGetTicket), "the ticket is cached")
	for _, r := range requestsTo(srv, pathGetTicket) {
		assert.Equal(t, "jsapi", r.Query.Get("type"))
		assert.NotEmpty(t, r.Query.Get("access_token"))
	}

	// Expired tickets are fetched again.
	srv.ExpireTokens()
	fresh, err := c.RefreshJSAPITicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, ticket.Value, fresh.Value)
	assert.Equal(t, 2, srv.Calls(pathToken), "the expired token was replaced on the way")
}

func TestIntegrationCallbackIPs(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	ips, err := c.ListCallbackIPs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1"}, ips)
	ips, err = c.ListAPIDomainIPs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1"}, ips)
	assert.Equal(t, 1, srv.Calls(pathCallbackIP))
	assert.Equal(t, 1, srv.Calls("/cgi-bin/get_api_domain_ip"))
	assert.Equal(t, 1, srv.Calls(pathToken))
}

func TestIntegrationTokenExpiryMidSequence(t *testing.T) {
	tests := []struct {
		name string
		// spoil makes the token the Client holds stop working.
		spoil func(srv *wechattest.Server, clock *wechattest.Clock)
	}{
		{"ExpireTokens", func(srv *wechattest.Server, _ *wechattest.Clock) { srv.ExpireTokens() }},
		{"clock past the lifetime", func(_ *wechattest.Server, clock *wechattest.Clock) { clock.Advance(2*time.Hour + time.Second) }},
		{"revoked elsewhere", func(srv *wechattest.Server, _ *wechattest.Clock) { srv.RevokeTokens() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv, c := startFake(t, wechattest.WithClock(clock.Now), wechattest.WithFollowers(seedFollowers(3)...))
			ctx := context.Background()

			require.NoError(t, c.CreateMenu(ctx, testMenu))
			_, err := c.GetMenu(ctx)
			require.NoError(t, err)
			_, err = c.GetUserInfo(ctx, "o1", "")
			require.NoError(t, err)
			old, err := c.AccessToken(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, srv.Calls(pathToken))

			tt.spoil(srv, clock)
			mark := len(srv.Requests())

			_, err = c.GetMenu(ctx)
			require.NoError(t, err)
			require.NoError(t, c.SendText(ctx, "o2", "after expiry"))
			page, err := c.ListFollowers(ctx, "")
			require.NoError(t, err)
			assert.Equal(t, 3, page.Total)

			assert.Equal(t, 2, srv.Calls(pathToken), "exactly one extra token request")
			cur, err := c.AccessToken(ctx)
			require.NoError(t, err)
			require.NotEqual(t, old.Value, cur.Value)

			after := srv.Requests()[mark:]
			var paths []string
			for _, r := range after {
				paths = append(paths, r.Path)
			}
			// The rejected call, the token request, the retry, then the
			// rest with the new token.
			assert.Equal(t, []string{pathMenuGet, pathToken, pathMenuGet, pathCustomSend, pathUserGet}, paths)
			assert.Equal(t, old.Value, after[0].Query.Get("access_token"))
			for _, r := range after[2:] {
				assert.Equal(t, cur.Value, r.Query.Get("access_token"), "%s carries the new token", r.Path)
			}
			require.Len(t, srv.SentMessages(), 1, "the send went out once")
			assert.Equal(t, "o2", srv.SentMessages()[0].ToUser)
		})
	}
}

// With one clock for the Client and the fake, the Client refreshes its
// token before WeChat would reject it: no call is refused on the way.
func TestIntegrationSharedClockRefreshesAhead(t *testing.T) {
	clock := newFakeClock()
	srv := wechattest.NewServer(wechattest.WithClock(clock.Now))
	t.Cleanup(srv.Close)
	c, err := srv.Client(wechat.WithClock(clock.Now))
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, c.CreateMenu(ctx, testMenu))
	old, err := c.AccessToken(ctx)
	require.NoError(t, err)
	// Used until five minutes (plus up to a quarter of that, at random)
	// before WeChat's two hours run out, by the shared clock.
	assert.WithinRange(t, old.ExpiresAt, clock.Now().Add(2*time.Hour-6*time.Minute-15*time.Second), clock.Now().Add(2*time.Hour-5*time.Minute))

	// An hour on, the cached token is still used.
	clock.Advance(time.Hour)
	_, err = c.GetMenu(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls(pathToken))

	// Within the margin, the next call fetches a new token first.
	clock.Advance(time.Hour - 4*time.Minute)
	mark := len(srv.Requests())
	_, err = c.GetMenu(ctx)
	require.NoError(t, err)
	var paths []string
	for _, r := range srv.Requests()[mark:] {
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{pathToken, pathMenuGet}, paths, "no refused call")
	cur, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, old.Value, cur.Value)
	assert.Equal(t, cur.Value, srv.Requests()[len(srv.Requests())-1].Query.Get("access_token"))
}

func TestIntegrationInjectedInvalidCredential(t *testing.T) {
	t.Run("once: refreshed and retried", func(t *testing.T) {
		srv, c := startFailingMenu(t, 1, wechat.CodeInvalidCredential)
		ctx := context.Background()

		got, err := c.GetMenu(ctx)
		require.NoError(t, err)
		assert.JSONEq(t, buttonsJSON(t, testMenu.Buttons), buttonsJSON(t, got.Menu.Buttons))
		assert.Equal(t, 2, srv.Calls(pathToken), "one extra token request")
		assert.Equal(t, 2, srv.Calls(pathMenuGet))
		tokens := tokensSent(srv, pathMenuGet)
		assert.NotEqual(t, tokens[0], tokens[1], "the retry carries the new token")
	})
	t.Run("on a send: refreshed and sent once", func(t *testing.T) {
		srv, c := startFake(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
		ctx := context.Background()
		srv.FailNext(pathCustomSend, 1, wechat.CodeInvalidCredential)
		// A rejected token means WeChat did not act on the call, so even
		// a send is repeated.
		require.NoError(t, c.SendText(ctx, "o1", "hi"))
		assert.Equal(t, 2, srv.Calls(pathCustomSend))
		assert.Len(t, srv.SentMessages(), 1)
	})
	t.Run("twice: the rejection is returned", func(t *testing.T) {
		srv, c := startFailingMenu(t, 2, wechat.CodeInvalidCredential)
		ctx := context.Background()

		_, err := c.GetMenu(ctx)
		require.ErrorIs(t, err, wechat.ErrTokenInvalid)
		requireAPIError(t, err, wechat.CodeInvalidCredential, pathMenuGet)
		assert.Equal(t, 2, srv.Calls(pathToken), "one refresh, not a loop")
		assert.Equal(t, 2, srv.Calls(pathMenuGet))

		// The server is fine again: the next call works on the token
		// fetched during the failed one.
		_, err = c.GetMenu(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, srv.Calls(pathToken))
	})
	t.Run("seekable upload is sent again", func(t *testing.T) {
		srv, c := startFake(t)
		ctx := context.Background()
		data := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("z"), 4096)...)
		srv.FailNext(pathMediaUpload, 1, wechat.CodeInvalidCredential)
		up, err := c.UploadMedia(ctx, wechat.MediaImage, "a.png", bytes.NewReader(data))
		require.NoError(t, err)
		assert.Equal(t, 2, srv.Calls(pathMediaUpload))
		m, err := c.DownloadMedia(ctx, up.MediaID)
		require.NoError(t, err)
		defer m.Close()
		got, err := io.ReadAll(m.Body)
		require.NoError(t, err)
		assert.Equal(t, data, got, "the second upload carried the whole file")
	})
	t.Run("streamed upload is not", func(t *testing.T) {
		srv, c := startFake(t)
		srv.FailNext(pathMediaUpload, 1, wechat.CodeInvalidCredential)
		r := io.MultiReader(strings.NewReader("\x89PNG\r\n\x1a\nstream")) // not an io.Seeker
		_, err := c.UploadMedia(context.Background(), wechat.MediaImage, "a.png", r)
		require.ErrorIs(t, err, wechat.ErrTokenInvalid)
		requireAPIError(t, err, wechat.CodeInvalidCredential, pathMediaUpload)
		assert.Equal(t, 1, srv.Calls(pathMediaUpload))
		assert.Equal(t, 2, srv.Calls(pathToken), "the token was refreshed for the caller's next try")
	})
}

func TestIntegrationSystemBusy(t *testing.T) {
	t.Run("send is not retried", func(t *testing.T) {
		srv, c := startFake(t,
			wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}),
			wechattest.WithTemplates(wechattest.Template{ID: "tpl"}))
		ctx := context.Background()
		sends := []struct {
			path string
			send func() error
		}{
			{pathCustomSend, func() error { return c.SendText(ctx, "o1", "hi") }},
			{pathTemplSend, func() error {
				_, err := c.SendTemplateMessage(ctx, &wechat.TemplateMessage{ToUser: "o1", TemplateID: "tpl",
					Data: map[string]wechat.TemplateField{"first": {Value: "v"}}})
				return err
			}},
		}
		for _, s := range sends {
			srv.FailNext(s.path, 1, wechat.CodeSystemBusy)
			err := s.send()
			apiErr := requireAPIError(t, err, wechat.CodeSystemBusy, s.path)
			assert.True(t, apiErr.Temporary())
			assert.Equal(t, 1, srv.Calls(s.path), "%s is called once", s.path)
		}
		assert.Empty(t, srv.SentMessages())
	})
	t.Run("GET is retried", func(t *testing.T) {
		srv, c := startFailingMenu(t, 1, wechat.CodeSystemBusy)
		ctx := context.Background()
		got, err := c.GetMenu(ctx)
		require.NoError(t, err)
		assert.Len(t, got.Menu.Buttons, 2)
		assert.Equal(t, 2, srv.Calls(pathMenuGet))
		assert.Equal(t, 1, srv.Calls(pathToken), "errcode -1 does not touch the token")
	})
}

func TestIntegrationDroppedConnection(t *testing.T) {
	// With keep-alive, net/http itself resends a GET whose reused
	// connection died; on fresh connections the retry is the Client's.
	transports := []struct {
		name string
		opts []wechat.Option
	}{
		{"keep-alive", nil},
		{"fresh connections", []wechat.Option{wechat.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}})}},
	}
	for _, tr := range transports {
		t.Run(tr.name+"/GET is retried", func(t *testing.T) {
			srv := wechattest.NewServer()
			t.Cleanup(srv.Close)
			c, err := srv.Client(tr.opts...)
			require.NoError(t, err)
			ctx := context.Background()
			require.NoError(t, c.CreateMenu(ctx, testMenu))
			srv.DropNext(pathMenuGet, 1)
			got, err := c.GetMenu(ctx)
			require.NoError(t, err)
			assert.Len(t, got.Menu.Buttons, 2)
			assert.Equal(t, 2, srv.Calls(pathMenuGet))
		})
		t.Run(tr.name+"/send is not retried", func(t *testing.T) {
			srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
			t.Cleanup(srv.Close)
			c, err := srv.Client(tr.opts...)
			require.NoError(t, err)
			ctx := context.Background()
			tok, err := c.AccessToken(ctx)
			require.NoError(t, err)
			srv.DropNext(pathCustomSend, 1)
			err = c.SendText(ctx, "o1", "hi")
			require.Error(t, err)
			var apiErr *wechat.APIError
			assert.False(t, errors.As(err, &apiErr), "a network error, not an errcode: %v", err)
			assert.NotContains(t, err.Error(), tok.Value, "the token is redacted from the error")
			assert.Equal(t, 1, srv.Calls(pathCustomSend))
			assert.Empty(t, srv.SentMessages())
		})
	}
}

func TestIntegrationConcurrentFirstCalls(t *testing.T) {
	srv, c := startFake(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ips, err := c.ListCallbackIPs(context.Background())
			if err == nil && len(ips) != 1 {
				err = errors.New("unexpected ip list")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Calls(pathToken), "one token request for all goroutines")
	assert.Equal(t, n, srv.Calls(pathCallbackIP))
	tokens := tokensSent(srv, pathCallbackIP)
	for _, tok := range tokens {
		assert.Equal(t, tokens[0], tok)
	}
}

func TestIntegrationContext(t *testing.T) {
	t.Run("deadline during a slow API", func(t *testing.T) {
		srv, c := startFake(t)
		_, err := c.AccessToken(context.Background())
		require.NoError(t, err)
		srv.SetLatency(pathMenuGet, 2*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = c.GetMenu(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, 1, srv.Calls(pathMenuGet), "no retry once the context is done")
	})
	t.Run("deadline during a slow send", func(t *testing.T) {
		srv, c := startFake(t, wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
		_, err := c.AccessToken(context.Background())
		require.NoError(t, err)
		srv.SetLatency(pathCustomSend, 2*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err = c.SendText(ctx, "o1", "hi")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, srv.Calls(pathCustomSend))
		assert.Empty(t, srv.SentMessages())
	})
	t.Run("deadline during the token fetch", func(t *testing.T) {
		srv, c := startFake(t)
		srv.SetLatency(pathToken, 2*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.ListCallbackIPs(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, 0, srv.Calls(pathCallbackIP))
	})
	t.Run("cancelled before the call", func(t *testing.T) {
		srv, c := startFake(t)
		_, err := c.AccessToken(context.Background())
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = c.GetMenu(ctx)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 0, srv.Calls(pathMenuGet))

		// Without a cached token nothing is fetched either.
		srv2, c2 := startFake(t)
		_, err = c2.ListCallbackIPs(ctx)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 0, srv2.Calls(pathToken))
	})
}
