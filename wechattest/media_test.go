package wechattest_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 2, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestMediaRoundTrip(t *testing.T) {
	clock := newClock()
	_, a := startAPI(t, wechattest.WithClock(clock.Now), wechattest.WithTokenLifetime(100*time.Hour))
	data := pngBytes(t)

	r := a.upload("image", "media", "photo.png", "image/png", data)
	var up struct {
		Type      string `json:"type"`
		MediaID   string `json:"media_id"`
		CreatedAt int64  `json:"created_at"`
	}
	r.decode(t, &up)
	assert.Equal(t, "image", up.Type)
	assert.Len(t, up.MediaID, 64)
	assert.Equal(t, clock.Now().Unix(), up.CreatedAt)
	assert.Len(t, r.JSON(t), 3, "type, media_id and created_at only: %s", r.Body)

	got := a.get("/cgi-bin/media/get", url.Values{"media_id": {up.MediaID}})
	assert.Equal(t, data, got.Body)
	assert.Equal(t, "image/png", got.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="`+up.MediaID+`.png"`, got.Header.Get("Content-Disposition"))

	// Temporary media last three days.
	clock.Advance(72*time.Hour - time.Second)
	assert.Equal(t, data, a.get("/cgi-bin/media/get", url.Values{"media_id": {up.MediaID}}).Body)
	clock.Advance(time.Second)
	fails(t, a.get("/cgi-bin/media/get", url.Values{"media_id": {up.MediaID}}), 40007, "invalid media_id")
}

func TestMediaContentTypeDetected(t *testing.T) {
	_, a := startAPI(t)
	data := pngBytes(t)
	var up struct {
		MediaID string `json:"media_id"`
	}
	a.upload("image", "media", "photo.png", "application/octet-stream", data).decode(t, &up)
	got := a.get("/cgi-bin/media/get", url.Values{"media_id": {up.MediaID}})
	assert.Equal(t, "image/png", got.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="`+up.MediaID+`.png"`, got.Header.Get("Content-Disposition"))
}

func TestMediaThumbAndVideo(t *testing.T) {
	srv, a := startAPI(t)

	// WeChat names the id of a thumb "thumb_media_id".
	thumb := a.upload("thumb", "media", "t.jpg", "image/jpeg", []byte("\xff\xd8\xff thumb"))
	doc := thumb.JSON(t)
	assert.Equal(t, "thumb", doc["type"])
	assert.NotEmpty(t, doc["thumb_media_id"])
	assert.NotContains(t, doc, "media_id")

	video := []byte("not really an mp4")
	var up struct {
		MediaID string `json:"media_id"`
	}
	a.upload("video", "media", "clip.mp4", "video/mp4", video).decode(t, &up)
	var v struct {
		VideoURL string `json:"video_url"`
	}
	r := a.get("/cgi-bin/media/get", url.Values{"media_id": {up.MediaID}})
	require.NoError(t, json.Unmarshal(r.Body, &v), "a video is answered with its URL: %s", r.Body)
	got := fetch(t, srv, v.VideoURL)
	assert.Equal(t, video, got.Body)
	assert.Equal(t, "video/mp4", got.Header.Get("Content-Type"))
}

func TestMediaErrors(t *testing.T) {
	srv, a := startAPI(t)
	fails(t, a.upload("gif", "media", "a.gif", "image/gif", []byte("GIF89a")), 40004, "invalid media type")
	fails(t, a.upload("image", "file", "a.png", "image/png", pngBytes(t)), 41005, "media data missing")
	fails(t, a.upload("image", "media", "a.png", "image/png", nil), 41005, "media data missing")
	fails(t, a.upload("thumb", "media", "big.jpg", "image/jpeg", make([]byte, 64<<10+1)), 40012, "invalid thumb size")
	fails(t, a.upload("voice", "media", "big.amr", "audio/amr", make([]byte, 2<<20+1)), 40010, "invalid voice size")
	fails(t, raw(t, srv, "POST", "/cgi-bin/media/upload", url.Values{"access_token": {a.tok}, "type": {"image"}},
		"application/json", []byte(`{"media":"x"}`)), 41005, "")
	fails(t, a.get("/cgi-bin/media/get", nil), 41006, "media_id missing")
	fails(t, a.get("/cgi-bin/media/get", url.Values{"media_id": {"unknown"}}), 40007, "invalid media_id")
	assert.Equal(t, 404, fetch(t, srv, srv.URL+"/wechattest/video?media_id=unknown").Status)
}
