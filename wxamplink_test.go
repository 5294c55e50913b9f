package wechat

import (
	"context"
	"fmt"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func wxaLinkEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.WxaLinkGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListLinkedMiniPrograms(ctx) },
			body:  `{}`,
			reply: "api/wxopen_wxamplinkget.json",
			want: []LinkedMiniProgram{
				{
					AppID: "xxxxx", Username: "gh_xxxxxxxxx", Nickname: "aaaaaaa", HeadImgURL: "http://xxx.png", Email: "xxxx@qq.com",
					Status: MiniProgramLinked, Selected: true, Released: true, Source: "SOURCE_NORMAL",
					Funcs: []MiniProgramFunc{{ID: 1, Name: "微信认证"}, {ID: 2, Name: "微信支付"}},
				},
				{Username: "gh_xxxxxxxxxx", Nickname: "bbbbbbb", HeadImgURL: "http://yyy.png", Status: MiniProgramLinkRefused, Source: "SOURCE_NORMAL"},
			},
			noArgs: true,
		},
		endpoint.WxaLink: execCase(`{"appid":"wx0123456789abcdef","notify_users":"1","show_profile":"1"}`,
			func(ctx context.Context, c *Client) error {
				return c.LinkMiniProgram(ctx, "wx0123456789abcdef", MiniProgramLinkOptions{NotifyFollowers: true, ShowOnProfile: true})
			},
			func(ctx context.Context, c *Client) error {
				return c.LinkMiniProgram(ctx, "", MiniProgramLinkOptions{})
			}),
		endpoint.WxaUnlink: execCase(`{"appid":"wx0123456789abcdef"}`,
			func(ctx context.Context, c *Client) error { return c.UnlinkMiniProgram(ctx, "wx0123456789abcdef") },
			func(ctx context.Context, c *Client) error { return c.UnlinkMiniProgram(ctx, "") }),
	}
}

func TestLinkMiniProgramFlags(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/wxopen/wxamplink", fixture(t, "api/ok.json"))
	require.NoError(t, c.LinkMiniProgram(context.Background(), "wx0123456789abcdef", MiniProgramLinkOptions{ShowOnProfile: true}))
	assertWire(t, rec.only(t), "POST", "/cgi-bin/wxopen/wxamplink", `{"appid":"wx0123456789abcdef","notify_users":"0","show_profile":"1"}`)
}

// TestMiniProgramLinkErrors checks the documented errcodes of the link
// APIs, and that a link is not retried (it sends messages).
func TestMiniProgramLinkErrors(t *testing.T) {
	ctx := context.Background()
	link := func(c *Client) error { return c.LinkMiniProgram(ctx, "wx0123456789abcdef", MiniProgramLinkOptions{}) }
	unlink := func(c *Client) error { return c.UnlinkMiniProgram(ctx, "wx0123456789abcdef") }
	for _, tt := range []struct {
		path string
		code int
		msg  string
		call func(*Client) error
	}{
		{"/cgi-bin/wxopen/wxamplink", -1, "system error", link},
		{"/cgi-bin/wxopen/wxamplink", 1003, "该appid的管理员绑定的账号数量达到上限,无法转正", link},
		{"/cgi-bin/wxopen/wxamplink", 1005, "该appid的管理员手机号绑定的账号数量达到上限,无法转正", link},
		{"/cgi-bin/wxopen/wxampunlink", 89013, "小程序被封禁", unlink},
	} {
		t.Run(fmt.Sprint(tt.path, " ", tt.code), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", tt.path, []byte(fmt.Sprintf(`{"errcode":%d,"errmsg":%q}`, tt.code, tt.msg)))
			assertAPIError(t, tt.call(c), tt.code, tt.path)
			assert.Len(t, rec.Calls(), 1, "not retried")
		})
	}
	t.Run("captured 1005", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/wxopen/wxamplink", fixture(t, "api/errors/1005_wxamplink_rid.json"))
		err := link(c)
		apiErr := assertAPIError(t, err, 1005, "/cgi-bin/wxopen/wxamplink")
		assert.Equal(t, "61932a5b-0e248764-42d1c1b2", apiErr.RID)
	})
}
