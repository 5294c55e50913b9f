package wechat

import (
	"context"
	"strings"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagsReject(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
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
		"tags of empty openid": func() error { _, err := c.ListUserTags(ctx, ""); return err }(),
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
	c, _ := newStubClient(t, "POST", "/cgi-bin/tags/create", fixture(t, "api/ok.json"))
	_, err := c.CreateTag(context.Background(), "广东")
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
}

func tagEndpoints() map[endpoint.ID]endpointCase {
	two := []string{"ocYxcuAEy30bX0NXmGn4ypqx3tI0", "ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"}
	return map[endpoint.ID]endpointCase{
		endpoint.TagCreate: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.CreateTag(ctx, "广东") },
			body:    `{"tag":{"name":"广东"}}`,
			reply:   "api/tags_create.json",
			want:    &Tag{ID: 134, Name: "广东"},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.CreateTag(ctx, ""); return err },
		},
		endpoint.TagGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListTags(ctx) },
			reply: "api/tags_get.json",
			want: []Tag{
				{ID: 1, Name: "每天一罐可乐星人", Count: 0},
				{ID: 2, Name: "星标组", Count: 0},
				{ID: 127, Name: "广东", Count: 5},
			},
			noArgs: true,
		},
		endpoint.TagUpdate: execCase(`{"tag":{"id":134,"name":"广东人"}}`,
			func(ctx context.Context, c *Client) error { return c.UpdateTag(ctx, 134, "广东人") },
			func(ctx context.Context, c *Client) error { return c.UpdateTag(ctx, 134, "") }),
		endpoint.TagDelete: {
			call:  func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteTag(ctx, 134) },
			body:  `{"tag":{"id":134}}`,
			reply: "api/ok.json",
			// Any tag id is WeChat's to judge.
			noArgs: true,
		},
		endpoint.TagMembers: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListTagMembers(ctx, 134, "OPENID2") },
			body:   `{"tagid":134,"next_openid":"OPENID2"}`,
			reply:  "api/user_tag_get.json",
			want:   &OpenIDPage{Count: 2, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "OPENID2"},
			noArgs: true,
		},
		endpoint.TagBatchTag: execCase(`{"openid_list":["ocYxcuAEy30bX0NXmGn4ypqx3tI0","ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"],"tagid":134}`,
			func(ctx context.Context, c *Client) error { return c.TagUsers(ctx, 134, two) },
			func(ctx context.Context, c *Client) error { return c.TagUsers(ctx, 134, manyOpenIDs("o", 51)) }),
		endpoint.TagBatchUntag: execCase(`{"openid_list":["ocYxcuAEy30bX0NXmGn4ypqx3tI0","ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"],"tagid":134}`,
			func(ctx context.Context, c *Client) error { return c.UntagUsers(ctx, 134, two) },
			func(ctx context.Context, c *Client) error { return c.UntagUsers(ctx, 134, nil) }),
		endpoint.TagIDList: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListUserTags(ctx, "ocYxcuBt0mRugKZ7tGAHPnUaOW7Y")
			},
			body:    `{"openid":"ocYxcuBt0mRugKZ7tGAHPnUaOW7Y"}`,
			reply:   "api/tags_getidlist.json",
			want:    []int{134, 2},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.ListUserTags(ctx, ""); return err },
		},
	}
}
