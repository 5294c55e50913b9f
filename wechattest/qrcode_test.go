package wechattest_test

import (
	"bytes"
	"image/jpeg"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

type qrReply struct {
	Ticket        string `json:"ticket"`
	ExpireSeconds *int64 `json:"expire_seconds"`
	URL           string `json:"url"`
}

func createQR(t *testing.T, a *api, body string) qrReply {
	t.Helper()
	r := a.post("/cgi-bin/qrcode/create", body)
	var q qrReply
	r.decode(t, &q)
	require.NotEmpty(t, q.Ticket, "body: %s", r.Body)
	return q
}

func showQR(t *testing.T, srv *wechattest.Server, ticket string) reply {
	t.Helper()
	return raw(t, srv, "GET", "/cgi-bin/showqrcode", url.Values{"ticket": {ticket}}, "", nil)
}

func TestQRCodes(t *testing.T) {
	clock := newClock()
	srv, a := startAPI(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(100*time.Hour))

	temp := createQR(t, a, `{"expire_seconds": 604800, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 123}}}`)
	require.NotNil(t, temp.ExpireSeconds)
	assert.Equal(t, int64(604800), *temp.ExpireSeconds)
	assert.True(t, strings.HasPrefix(temp.URL, "http://weixin.qq.com/q/"), temp.URL)

	img := showQR(t, srv, temp.Ticket)
	assert.Equal(t, 200, img.Status)
	assert.Equal(t, "image/jpg", img.Header.Get("Content-Type"))
	_, err := jpeg.Decode(bytes.NewReader(img.Body))
	assert.NoError(t, err, "showqrcode serves an image")

	perm := createQR(t, a, `{"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "test"}}}`)
	assert.Nil(t, perm.ExpireSeconds, "a permanent code has no expire_seconds")
	assert.NotEqual(t, temp.Ticket, perm.Ticket)
	assert.False(t, bytes.Equal(img.Body, showQR(t, srv, perm.Ticket).Body), "each ticket has its own image")

	short := createQR(t, a, `{"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "s"}}}`)
	assert.Equal(t, int64(60), *short.ExpireSeconds, "temporary codes default to 60 seconds")
	long := createQR(t, a, `{"expire_seconds": 99999999, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 1}}}`)
	assert.Equal(t, int64(2592000), *long.ExpireSeconds, "at most 30 days")

	clock.Advance(time.Minute)
	assert.Equal(t, 404, showQR(t, srv, short.Ticket).Status, "an expired ticket")
	assert.Equal(t, 200, showQR(t, srv, temp.Ticket).Status)
	assert.Equal(t, 404, showQR(t, srv, "unknown").Status)

	// The ticket is standard base64: sent without URL-escaping, its '+'
	// arrives as a space and the ticket is unknown, as with WeChat.
	var plus qrReply
	for range 50 {
		if plus = createQR(t, a, `{"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 7}}}`); strings.Contains(plus.Ticket, "+") {
			break
		}
	}
	require.Contains(t, plus.Ticket, "+")
	assert.Equal(t, 404, fetch(t, srv, srv.URL+"/cgi-bin/showqrcode?ticket="+plus.Ticket).Status)
	assert.Equal(t, 200, showQR(t, srv, plus.Ticket).Status)

	for _, body := range []string{
		`{"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 0}}}`,
		`{"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100001}}}`,
		`{"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "` + strings.Repeat("x", 65) + `"}}}`,
		`{"action_name": "QR_BOGUS", "action_info": {"scene": {"scene_id": 1}}}`,
	} {
		fails(t, a.post("/cgi-bin/qrcode/create", body), 40053, "invalid action info")
	}
}
