package wechat

import (
	"context"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.OpenCreate: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.CreateOpenAccount(ctx) },
			body:   `{"appid":"` + testAppID + `"}`,
			reply:  "api/open_create.json",
			want:   "appid_value",
			noArgs: true,
		},
		endpoint.OpenBind: execCase(`{"appid":"`+testAppID+`","open_appid":"wxopen0123456789"}`,
			func(ctx context.Context, c *Client) error { return c.BindOpenAccount(ctx, "wxopen0123456789") },
			func(ctx context.Context, c *Client) error { return c.BindOpenAccount(ctx, "") }),
		endpoint.OpenUnbind: execCase(`{"appid":"`+testAppID+`","open_appid":"wxopen0123456789"}`,
			func(ctx context.Context, c *Client) error { return c.UnbindOpenAccount(ctx, "wxopen0123456789") },
			func(ctx context.Context, c *Client) error { return c.UnbindOpenAccount(ctx, "") }),
		endpoint.OpenGet: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetOpenAccount(ctx) },
			body:   `{"appid":"` + testAppID + `"}`,
			reply:  "api/open_get.json",
			want:   "appid_value",
			noArgs: true,
		},
		endpoint.OpenHave: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.HasOpenAccount(ctx) },
			reply:  "api/open_have.json",
			want:   true,
			noArgs: true,
		},
	}
}

// An account bound to no Open Platform account: open/get answers 89002,
// which reaches the caller as an *APIError; open/have answers false.
func TestOpenAccountNotBound(t *testing.T) {
	ctx := context.Background()
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/open/get", []byte(`{"errcode":89002,"errmsg":"open not exists rid: 6555-1"}`))
	stub(mt, "GET", "/cgi-bin/open/have", []byte(`{"have_open":false,"errcode":0,"errmsg":"ok"}`))

	_, err := c.GetOpenAccount(ctx)
	assertAPIError(t, err, 89002, "/cgi-bin/open/get")
	has, err := c.HasOpenAccount(ctx)
	require.NoError(t, err)
	assert.False(t, has)
}

// A reply without the AppID it exists to return is not a success.
func TestOpenAccountReplyWithoutAppID(t *testing.T) {
	ctx := context.Background()
	c, _ := newStubClient(t, "POST", "/cgi-bin/open/create", []byte(`{"errcode":0,"errmsg":"ok"}`))
	_, err := c.CreateOpenAccount(ctx)
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
}

// Without an AppID the body leaves appid out, and WeChat takes the
// account of the token.
func TestOpenAccountWithoutAppID(t *testing.T) {
	ctx := context.Background()
	c, mt := newTestClient(t, WithAppID(""))
	rec := stub(mt, "POST", "/cgi-bin/open/bind", fixture(t, "api/ok.json"))
	require.NoError(t, c.BindOpenAccount(ctx, "wxopen0123456789"))
	assert.JSONEq(t, `{"open_appid":"wxopen0123456789"}`, string(rec.only(t).Body))
}
