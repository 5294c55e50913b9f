package platform_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

// A message URL configured without $APPID$ ("https://example.com/wechat/"
// for a handler mounted on "/wechat/") brings WeChat's pushes with no
// AppID in the path: they are answered 404, as documented, rather than
// served as the pushes of an account named after the mount ("wechat").
func TestMessagesPathEndingInSlashHasNoAppID(t *testing.T) {
	ctx := context.Background()
	var served atomic.Value
	bot := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		served.Store(platform.AuthorizerAppID(ctx))
		return nil, nil
	})
	e := newEnv(t, bot)
	e.ticket()
	const appID = "wx4000000000000031"
	e.authorize(appID)
	wh := e.fake.Webhook(appID)
	wh.URL = "/wechat/"
	_, err := wh.Send(ctx, wechattest.Text("hello"))
	assert.Nil(t, served.Load(), "the handler was not called")
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.StatusCode)
}
