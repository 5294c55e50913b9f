package wechattest_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// multipartBody builds a multipart/form-data body with the file in the
// field "media" and the extra fields, in that order.
func multipartBody(t *testing.T, filename string, data []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("media", filename)
	require.NoError(t, err)
	_, _ = w.Write(data)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

// addMaterial posts a file to material/add_material.
func (a *api) addMaterial(typ, filename string, data []byte, fields map[string]string) reply {
	a.t.Helper()
	ct, body := multipartBody(a.t, filename, data, fields)
	return raw(a.t, a.srv, "POST", "/cgi-bin/material/add_material",
		url.Values{"access_token": {a.tok}, "type": {typ}}, ct, body)
}

// mediaID decodes the media_id of a reply.
func mediaID(t *testing.T, r reply) string {
	t.Helper()
	var v struct {
		MediaID string `json:"media_id"`
	}
	r.decode(t, &v)
	require.NotEmpty(t, v.MediaID, "body: %s", r.Body)
	return v.MediaID
}

func TestMaterialImage(t *testing.T) {
	clock := newClock()
	srv, a := startAPI(t, wechattest.WithClock(clock.Now))
	data := pngBytes(t)

	r := a.addMaterial("image", "photo.png", data, nil)
	doc := r.JSON(t)
	require.Len(t, doc, 2, "media_id and url only: %s", r.Body)
	id := doc["media_id"].(string)
	imgURL := doc["url"].(string)
	assert.True(t, strings.HasPrefix(imgURL, srv.URL+"/"), "the fake serves the image: %s", imgURL)
	img := fetch(t, srv, imgURL)
	assert.Equal(t, 200, img.Status)
	assert.Equal(t, data, img.Body)

	file := a.post("/cgi-bin/material/get_material", `{"media_id":"`+id+`"}`)
	assert.Equal(t, data, file.Body)
	assert.Equal(t, "image/png", file.Header.Get("Content-Type"), "sniffed: the part said application/octet-stream")
	assert.Equal(t, `attachment; filename="photo.png"`, file.Header.Get("Content-Disposition"))

	r = a.post("/cgi-bin/material/batchget_material", `{"type":"image","offset":0,"count":20}`)
	assert.JSONEq(t, `{"total_count":1,"item_count":1,"item":[
		{"media_id":"`+id+`","name":"photo.png","update_time":1700000000,"url":"`+imgURL+`"}]}`, string(r.Body))

	a.ok(a.post("/cgi-bin/material/del_material", `{"media_id":"`+id+`"}`))
	fails(t, a.post("/cgi-bin/material/get_material", `{"media_id":"`+id+`"}`), 40007, "invalid media_id")
	fails(t, a.post("/cgi-bin/material/del_material", `{"media_id":"`+id+`"}`), 40007, "invalid media_id")
	assert.Equal(t, 404, fetch(t, srv, imgURL).Status)
}

func TestMaterialVideo(t *testing.T) {
	srv, a := startAPI(t)
	video := []byte("not really an mp4")

	r := a.addMaterial("video", "clip.mp4", video, map[string]string{"description": `{"title":"标题","introduction":"简介"}`})
	assert.NotContains(t, r.JSON(t), "url", "only images have a url")
	id := mediaID(t, r)

	r = a.post("/cgi-bin/material/get_material", `{"media_id":"`+id+`"}`)
	var v struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		DownURL     string `json:"down_url"`
	}
	r.decode(t, &v)
	assert.Equal(t, "标题", v.Title)
	assert.Equal(t, "简介", v.Description)
	assert.Equal(t, video, fetch(t, srv, v.DownURL).Body)

	fails(t, a.addMaterial("video", "clip.mp4", video, nil), 40097, "invalid args")
	fails(t, a.addMaterial("video", "clip.mp4", video, map[string]string{"description": `{"title":""}`}), 40097, "")
	fails(t, a.addMaterial("video", "clip.mp4", video, map[string]string{"description": `not json`}), 40097, "")
}

func TestMaterialCountAndPages(t *testing.T) {
	_, a := startAPI(t)
	var images []string
	for _, name := range []string{"a.jpg", "b.png", "c.gif"} {
		images = append(images, mediaID(t, a.addMaterial("image", name, []byte("img "+name), nil)))
	}
	images = append(images, mediaID(t, a.addMaterial("thumb", "t.jpg", []byte("thumb"), nil)))
	mediaID(t, a.addMaterial("voice", "v.mp3", []byte("voice"), nil))

	assert.JSONEq(t, `{"voice_count":1,"video_count":0,"image_count":4,"news_count":0}`,
		string(a.get("/cgi-bin/material/get_materialcount", nil).Body), "thumbs count as images")

	// Newest first, two a page.
	var listed []string
	for offset := 0; ; offset += 2 {
		r := a.post("/cgi-bin/material/batchget_material", `{"type":"image","offset":`+strconv.Itoa(offset)+`,"count":2}`)
		var page struct {
			TotalCount int `json:"total_count"`
			ItemCount  int `json:"item_count"`
			Item       []struct {
				MediaID string `json:"media_id"`
			} `json:"item"`
		}
		r.decode(t, &page)
		assert.Equal(t, 4, page.TotalCount)
		assert.Equal(t, len(page.Item), page.ItemCount)
		if page.ItemCount == 0 {
			break
		}
		for _, it := range page.Item {
			listed = append(listed, it.MediaID)
		}
	}
	assert.Equal(t, []string{images[3], images[2], images[1], images[0]}, listed)

	r := a.post("/cgi-bin/material/batchget_material", `{"type":"voice","offset":0,"count":20}`)
	var voice struct {
		Item []map[string]any `json:"item"`
	}
	r.decode(t, &voice)
	require.Len(t, voice.Item, 1)
	assert.NotContains(t, voice.Item[0], "url", "voice has no url")
	assert.JSONEq(t, `{"total_count":0,"item_count":0,"item":[]}`,
		string(a.post("/cgi-bin/material/batchget_material", `{"type":"news","offset":0,"count":20}`).Body))
}

func TestMaterialErrors(t *testing.T) {
	_, a := startAPI(t)
	fails(t, a.addMaterial("gif", "a.gif", []byte("GIF89a"), nil), 40004, "invalid media type")
	fails(t, a.addMaterial("image", "a.txt", []byte("text"), nil), 40005, "invalid file type")
	fails(t, a.addMaterial("voice", "a.png", []byte("png"), nil), 40005, "invalid file type")
	fails(t, a.addMaterial("image", "a.png", nil, nil), 41005, "media data missing")
	fails(t, a.addMaterial("thumb", "t.jpg", make([]byte, 64<<10+1), nil), 40012, "invalid thumb size")
	fails(t, a.post("/cgi-bin/material/get_material", `{"media_id":""}`), 40007, "")
	fails(t, a.post("/cgi-bin/material/get_material", `{"media_id":"unknown"}`), 40007, "")
	for _, body := range []string{
		`{"type":"image","offset":0,"count":21}`,
		`{"type":"image","offset":0,"count":0}`,
		`{"type":"image","offset":-1,"count":1}`,
	} {
		fails(t, a.post("/cgi-bin/material/batchget_material", body), 40097, "invalid args")
	}
	fails(t, a.post("/cgi-bin/material/batchget_material", `{"type":"thumb","offset":0,"count":1}`), 40004, "")
	fails(t, a.get("/cgi-bin/material/get_material", nil), 43002, "require POST method")
}

func TestUploadArticleImage(t *testing.T) {
	srv, c := startClient(t)
	ctx := context.Background()
	data := pngBytes(t)

	u, err := c.UploadArticleImage(ctx, "inline.png", bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, data, fetch(t, srv, u).Body)
	n, err := c.GetMaterialCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, wechat.MaterialCount{}, *n, "article images are not materials")

	a := newAPI(t, srv)
	ct, body := multipartBody(t, "a.gif", []byte("GIF89a"), nil)
	fails(t, raw(t, srv, "POST", "/cgi-bin/media/uploadimg", url.Values{"access_token": {a.tok}}, ct, body), 40005, "invalid file type")
	ct, body = multipartBody(t, "big.jpg", make([]byte, 1<<20), nil)
	fails(t, raw(t, srv, "POST", "/cgi-bin/media/uploadimg", url.Values{"access_token": {a.tok}}, ct, body), 40009, "invalid image size")
}

// A permanent material may be sent in a customer-service message, as a
// temporary one can.
func TestMaterialInCustomMessage(t *testing.T) {
	_, a := startAPI(t, withFollower("o1"))
	id := mediaID(t, a.addMaterial("image", "a.jpg", []byte("jpeg"), nil))
	a.ok(a.post("/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"image","image":{"media_id":"`+id+`"}}`))
	fails(t, a.post("/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"voice","voice":{"media_id":"`+id+`"}}`), 40007, "")
}
