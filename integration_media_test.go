package wechat_test

// Regression tests for places where the fake answered differently from
// WeChat, each driven through this package's own Client.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

const pathMassPreview = "/cgi-bin/message/mass/preview"

// replyRecorder is an http.RoundTripper that keeps the body of every reply
// for one path, so a test can check the bytes WeChat's side sent.
type replyRecorder struct {
	next http.RoundTripper
	path string

	mu      sync.Mutex
	replies [][]byte
}

func (r *replyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || req.URL.Path != r.path {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.replies = append(r.replies, body)
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (r *replyRecorder) last(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.replies)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.replies[len(r.replies)-1], &doc))
	return doc
}

func TestIntegrationMassPreviewToWxName(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(1)...))
	ctx := context.Background()
	text := wechat.MassMessage{Type: wechat.MassText, Content: "preview"}

	// WeChat documents touser and towxname as alternatives: a preview by
	// WeChat ID reaches someone who does not follow the account yet.
	require.NoError(t, c.PreviewMassToWxName(ctx, "wechat_id_01", text))
	sent := srv.SentMessages()
	require.Len(t, sent, 1)
	assert.Equal(t, wechattest.MassPreview, sent[0].Kind)
	assert.JSONEq(t, `{"towxname":"wechat_id_01","msgtype":"text","text":{"content":"preview"}}`, string(sent[0].Body))

	// A WeChat ID WeChat cannot know is refused.
	err := c.PreviewMassToWxName(ctx, "1-not-an-id", text)
	requireAPIError(t, err, 40132, pathMassPreview)
	assert.Len(t, srv.SentMessages(), 1)
}

func TestIntegrationMediaUploadFormats(t *testing.T) {
	_, c := startFake(t)
	ctx := context.Background()
	data := []byte("\xff\xd8\xff\xe0 some bytes")
	tests := []struct {
		typ      wechat.MediaType
		filename string
		ok       bool
	}{
		{wechat.MediaImage, "a.png", true},
		{wechat.MediaImage, "a.JPEG", true},
		{wechat.MediaImage, "a.jpg", true},
		{wechat.MediaImage, "a.gif", true},
		{wechat.MediaImage, "a.bmp", false},
		{wechat.MediaImage, "noextension", false},
		{wechat.MediaVoice, "a.amr", true},
		{wechat.MediaVoice, "a.mp3", true},
		{wechat.MediaVoice, "a.wav", false},
		{wechat.MediaVideo, "a.mp4", true},
		{wechat.MediaVideo, "a.avi", false},
		{wechat.MediaThumb, "a.jpg", true},
		{wechat.MediaThumb, "a.png", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+" "+tt.filename, func(t *testing.T) {
			up, err := c.UploadMedia(ctx, tt.typ, tt.filename, bytes.NewReader(data))
			if tt.ok {
				require.NoError(t, err)
				assert.NotEmpty(t, up.MediaID)
				return
			}
			requireAPIError(t, err, 40005, pathMediaUpload)
		})
	}
}

func TestIntegrationMassMediaIDs(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(2)...))
	ctx := context.Background()
	bogus := []wechat.MassMessage{
		{Type: wechat.MassImage, ImageMediaIDs: []string{"bogus-image"}},
		{Type: wechat.MassVoice, MediaID: "bogus-voice"},
		{Type: wechat.MassVideo, MediaID: "bogus-video"},
		{Type: wechat.MassNews, MediaID: "bogus-news"},
	}
	for _, m := range bogus {
		t.Run(string(m.Type), func(t *testing.T) {
			_, err := c.SendMassToAll(ctx, m)
			requireAPIError(t, err, 40007, pathMassAll)
			_, err = c.SendMassToUsers(ctx, []string{"o1", "o2"}, m)
			requireAPIError(t, err, 40007, pathMassSend)
			err = c.PreviewMass(ctx, "o1", m)
			requireAPIError(t, err, 40007, pathMassPreview)
		})
	}
	t.Run("customer-service mpnews", func(t *testing.T) {
		err := c.SendMPNews(ctx, "o1", "bogus-news")
		requireAPIError(t, err, 40007, pathCustomSend)
	})
	assert.Empty(t, srv.SentMessages())

	// The same kinds go out with media the fake issued.
	img, err := c.AddMaterial(ctx, wechat.MediaImage, "a.png", strings.NewReader("\x89PNG\r\n\x1a\nimage"))
	require.NoError(t, err)
	voice, err := c.AddMaterial(ctx, wechat.MediaVoice, "a.mp3", strings.NewReader("ID3 voice"))
	require.NoError(t, err)
	_, err = c.SendMassToAll(ctx, wechat.MassMessage{Type: wechat.MassImage, ImageMediaIDs: []string{img.MediaID}})
	require.NoError(t, err)
	require.NoError(t, c.PreviewMass(ctx, "o1", wechat.MassMessage{Type: wechat.MassVoice, MediaID: voice.MediaID}))
	assert.Len(t, srv.SentMessages(), 2)
}

func TestIntegrationMaterialURL(t *testing.T) {
	srv := wechattest.NewServer()
	t.Cleanup(srv.Close)
	rec := &replyRecorder{next: srv.HTTPClient().Transport, path: "/cgi-bin/material/add_material"}
	c, err := srv.Client(wechat.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	ctx := context.Background()

	img, err := c.AddMaterial(ctx, wechat.MediaImage, "a.png", strings.NewReader("\x89PNG\r\n\x1a\nimage"))
	require.NoError(t, err)
	assert.NotEmpty(t, img.URL)
	assert.Contains(t, rec.last(t), "url", "an image material has a url")

	_, err = c.AddMaterial(ctx, wechat.MediaVoice, "a.mp3", strings.NewReader("ID3 voice"))
	require.NoError(t, err)
	assert.NotContains(t, rec.last(t), "url", "WeChat returns url for images only")

	_, err = c.AddVideoMaterial(ctx, "a.mp4", strings.NewReader("\x00\x00\x00\x18ftypmp42"), "title", "intro")
	require.NoError(t, err)
	assert.NotContains(t, rec.last(t), "url", "WeChat returns url for images only")
}
