package wechat

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTags(t *testing.T) {
	ctx := context.Background()
	tests := []apiCase{
		{
			name: "CreateTag", method: "POST", path: "/cgi-bin/tags/create", reply: "api/tags_create.json",
			body: `{"tag":{"name":"广东"}}`,
			call: func(c *Client) (any, error) { return c.CreateTag(ctx, "广东") },
			want: &Tag{ID: 134, Name: "广东"},
		},
		{
			name: "GetTags", method: "GET", path: "/cgi-bin/tags/get", reply: "api/tags_get.json",
			call: func(c *Client) (any, error) { return c.GetTags(ctx) },
			want: []Tag{
				{ID: 1, Name: "每天一罐可乐星人", Count: 0},
				{ID: 2, Name: "星标组", Count: 0},
				{ID: 127, Name: "广东", Count: 5},
			},
		},
		{
			name: "UpdateTag", method: "POST", path: "/cgi-bin/tags/update", reply: "api/ok.json",
			body: `{"tag":{"id":134,"name":"广东人"}}`,
			call: func(c *Client) (any, error) { return nil, c.UpdateTag(ctx, 134, "广东人") },
		},
		{
			name: "DeleteTag", method: "POST", path: "/cgi-bin/tags/delete", reply: "api/ok.json",
			body: `{"tag":{"id":134}}`,
			call: func(c *Client) (any, error) { return nil, c.DeleteTag(ctx, 134) },
		},
		{
			name: "GetTagMembers", method: "POST", path: "/cgi-bin/user/tag/get", reply: "api/user_tag_get.json",
			body: `{"tagid":134,"next_openid":""}`,
			call: func(c *Client) (any, error) { return c.GetTagMembers(ctx, 134, "") },
			want: &OpenIDPage{Count: 2, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "OPENID2"},
		},
		{
			name: "GetTagMembers from a cursor", method: "POST", path: "/cgi-bin/user/tag/get", reply: "api/user_tag_get.json",
			body: `{"tagid":134,"next_openid":"OPENID2"}`,
			call: func(c *Client) (any, error) { return c.GetTagMembers(ctx, 134, "OPENID2") },
			want: &OpenIDPage{Count: 2, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "OPENID2"},
		},
		{
			name: "TagUsers", method: "POST", path: "/cgi-bin/tags/members/batchtagging", reply: "api/ok.json",
			body: `{"openid_list":["ocYxcuAEy30bX0NXmGn4ypqx3tI0","ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"],"tagid":134}`,
			call: func(c *Client) (any, error) {
				return nil, c.TagUsers(ctx, 134, []string{"ocYxcuAEy30bX0NXmGn4ypqx3tI0", "ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"})
			},
		},
		{
			name: "UntagUsers", method: "POST", path: "/cgi-bin/tags/members/batchuntagging", reply: "api/ok.json",
			body: `{"openid_list":["ocYxcuAEy30bX0NXmGn4ypqx3tI0","ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"],"tagid":134}`,
			call: func(c *Client) (any, error) {
				return nil, c.UntagUsers(ctx, 134, []string{"ocYxcuAEy30bX0NXmGn4ypqx3tI0", "ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"})
			},
		},
		{
			name: "GetUserTags", method: "POST", path: "/cgi-bin/tags/getidlist", reply: "api/tags_getidlist.json",
			body: `{"openid":"ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"}`,
			call: func(c *Client) (any, error) { return c.GetUserTags(ctx, "ocYxcuBt0mRugKZ7tGAHPnUaOW7Y") },
			want: []int{134, 2},
		},
	}
	runAPICases(t, tests, "api/errors/45009_api_freq_out_of_limit.json", CodeAPIFreqOutOfLimit)
}

func TestTagsReject(t *testing.T) {
	ctx := context.Background()
	c, mt := newTestClient(t)
	forbidRequests(t, mt)
	long := strings.Repeat("标", 31)
	for name, err := range map[string]error{
		"create empty name":    func() error { _, err := c.CreateTag(ctx, ""); return err }(),
		"create long name":     func() error { _, err := c.CreateTag(ctx, long); return err }(),
		"update empty name":    c.UpdateTag(ctx, 134, ""),
		"update long name":     c.UpdateTag(ctx, 134, long),
		"tag over 50 users":    c.TagUsers(ctx, 134, manyOpenIDs("o", 51)),
		"tag no users":         c.TagUsers(ctx, 134, nil),
		"tag an empty openid":  c.TagUsers(ctx, 134, []string{"o1", ""}),
		"untag over 50 users":  c.UntagUsers(ctx, 134, manyOpenIDs("o", 51)),
		"untag no users":       c.UntagUsers(ctx, 134, []string{}),
		"tags of empty openid": func() error { _, err := c.GetUserTags(ctx, ""); return err }(),
	} {
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
}

func TestTagLimitsAreInclusive(t *testing.T) {
	ctx := context.Background()
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/tags/create", fixture(t, "api/tags_create.json"))
	stub(mt, "POST", "/cgi-bin/tags/members/batchtagging", fixture(t, "api/ok.json"))
	_, err := c.CreateTag(ctx, strings.Repeat("标", 30))
	require.NoError(t, err)
	require.NoError(t, c.TagUsers(ctx, 134, manyOpenIDs("o", 50)))
}

func TestCreateTagUnexpectedReply(t *testing.T) {
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/tags/create", fixture(t, "api/ok.json"))
	_, err := c.CreateTag(context.Background(), "广东")
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
}
