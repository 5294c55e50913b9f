package wechat

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"path"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Material is a permanent material (永久素材) just added.
type Material struct {
	MediaID string `json:"media_id"`
	// URL is set for images only: an address usable inside WeChat's own
	// pages (mmbiz.qpic.cn), blocked elsewhere.
	URL string `json:"url"`
}

// AddMaterial uploads a permanent image, voice or thumb material
// (新增其他类型永久素材, [material/add_material]). The file is streamed from
// r, never held in memory; WeChat tells the format from filename's
// extension (images: bmp/png/jpeg/jpg/gif up to 10 MB, voice:
// mp3/wma/wav/amr up to 2 MB and 60 s, thumb: jpg up to 64 KB). Videos
// need a title and go through AddVideoMaterial.
//
// If WeChat rejects the access token mid-call, the upload is repeated only
// when r is an io.Seeker.
//
// [material/add_material]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_addmaterial.html
func (c *Client) AddMaterial(ctx context.Context, typ MediaType, filename string, r io.Reader) (*Material, error) {
	switch typ {
	case MediaImage, MediaVoice, MediaThumb:
	case MediaVideo:
		return nil, invalidArg("a video material needs a title: use AddVideoMaterial")
	default:
		return nil, invalidArg("material type %q cannot be uploaded; use image, voice or thumb", typ)
	}
	return c.addMaterial(ctx, typ, filename, r, nil)
}

// AddVideoMaterial uploads a permanent video material (mp4, up to 10 MB)
// with the title and introduction WeChat shows with it (新增永久视频素材,
// [material/add_material], type=video).
//
// [material/add_material]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_addmaterial.html
func (c *Client) AddVideoMaterial(ctx context.Context, filename string, r io.Reader, title, introduction string) (*Material, error) {
	if title == "" {
		return nil, invalidArg("video title is empty")
	}
	desc, err := encodeJSON(struct {
		Title        string `json:"title"`
		Introduction string `json:"introduction"`
	}{title, introduction})
	if err != nil {
		return nil, err
	}
	return c.addMaterial(ctx, MediaVideo, filename, r, map[string]string{"description": string(desc)})
}

func (c *Client) addMaterial(ctx context.Context, typ MediaType, filename string, r io.Reader, fields map[string]string) (*Material, error) {
	if err := checkUpload(filename, r); err != nil {
		return nil, err
	}
	out, err := call[Material](ctx, c, endpoint.MaterialAdd, query{{"type", string(typ)}}, newUpload("media", filename, r, fields))
	if err != nil {
		return nil, err
	}
	if out.MediaID == "" {
		return nil, badReply(endpoint.MaterialAdd, "no media_id in reply")
	}
	return out, nil
}

func checkUpload(filename string, r io.Reader) error {
	if r == nil {
		return invalidArg("nil reader")
	}
	if filename == "" || path.Ext(filename) == "" {
		// WeChat derives the file type from the extension alone.
		return invalidArg("file name %q has no extension", filename)
	}
	return nil
}

// UploadArticleImage uploads an image for use inside an article's HTML
// (上传图文消息内的图片获取URL, [media/uploadimg]) and returns its URL: WeChat
// strips images from other hosts out of article content. Only jpg and png
// under 1 MB are accepted; these images do not count against the material
// quota and do not appear in the material library.
//
// [media/uploadimg]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_uploadimage.html
func (c *Client) UploadArticleImage(ctx context.Context, filename string, r io.Reader) (string, error) {
	if err := checkUpload(filename, r); err != nil {
		return "", err
	}
	switch strings.ToLower(path.Ext(filename)) {
	case ".jpg", ".jpeg", ".png":
	default:
		return "", invalidArg("article images must be jpg or png, not %q", path.Ext(filename))
	}
	reply, err := call[struct {
		status
		URL string `json:"url"`
	}](ctx, c, endpoint.MediaUploadImg, nil, newUpload("media", filename, r, nil))
	if err != nil {
		return "", err
	}
	// The URL is returned as WeChat wrote it; old replies have been seen
	// with a literal space inside.
	return present(endpoint.MediaUploadImg, "url", reply.URL)
}

// VideoMaterial describes a permanent video material.
type VideoMaterial struct {
	Title       string
	Description string
	// DownURL is where the video file can be downloaded.
	DownURL string
}

// MaterialContent is a permanent material read back with GetMaterial.
// Exactly one of its fields is set, by the kind of the material.
type MaterialContent struct {
	// News holds the articles of a legacy news material.
	News []NewsArticle
	// Video describes a video material; its file is at Video.DownURL.
	Video *VideoMaterial
	// File streams an image, voice or thumb material. The caller must
	// close File.Body.
	File *Media
}

// GetMaterial reads a permanent material (获取永久素材,
// [material/get_material]). A news material comes back as articles and a
// video as its description and download link; any other material is
// streamed in File, which the caller must close.
//
// [material/get_material]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_getmaterial.html
func (c *Client) GetMaterial(ctx context.Context, mediaID string) (*MaterialContent, error) {
	if mediaID == "" {
		return nil, invalidArg("media_id is empty")
	}
	file, doc, err := download(ctx, c, endpoint.MaterialGet, nil, mediaRef{mediaID})
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return &MaterialContent{File: file}, nil
	}
	var r struct {
		NewsItem    []newsArticleJSON `json:"news_item"`
		Title       string            `json:"title"`
		Description string            `json:"description"`
		DownURL     string            `json:"down_url"`
	}
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, badReply(endpoint.MaterialGet, "decoding reply: "+err.Error())
	}
	switch {
	case r.NewsItem != nil:
		return &MaterialContent{News: articles(r.NewsItem)}, nil
	case r.DownURL != "" || r.Title != "":
		return &MaterialContent{Video: &VideoMaterial{Title: r.Title, Description: r.Description, DownURL: r.DownURL}}, nil
	}
	return nil, badReply(endpoint.MaterialGet, "reply is neither a news nor a video material")
}

// DeleteMaterial deletes a permanent material (删除永久素材,
// [material/del_material]). It cannot be undone.
//
// [material/del_material]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_delmaterial.html
func (c *Client) DeleteMaterial(ctx context.Context, mediaID string) error {
	return c.deleteMedia(ctx, endpoint.MaterialDel, mediaID)
}

// MaterialCount is how many permanent materials of each kind the account
// holds, including those created on the web console.
type MaterialCount struct {
	Voice int `json:"voice_count"`
	Video int `json:"video_count"`
	Image int `json:"image_count"`
	News  int `json:"news_count"`
}

// GetMaterialCount returns the number of permanent materials of each kind
// (获取素材总数, [material/get_materialcount]).
//
// [material/get_materialcount]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_getmaterialcount.html
func (c *Client) GetMaterialCount(ctx context.Context) (*MaterialCount, error) {
	return call[MaterialCount](ctx, c, endpoint.MaterialCount, nil, nil)
}

// MaterialItem is one image, voice or video of the material library.
type MaterialItem struct {
	MediaID string
	Name    string
	// URL is the image's address; for voice and video it may be empty.
	URL        string
	UpdateTime time.Time
}

// NewsMaterial is one legacy news material of the library.
type NewsMaterial struct {
	MediaID    string
	Articles   []NewsArticle
	UpdateTime time.Time
}

// Materials iterates over the permanent images, voices or videos (typ)
// of the material library (获取素材列表, [material/batchget_material]),
// fetching 20 a request as the loop advances. News materials have their
// own iterator, NewsMaterials. The iterator stops at the first error,
// which it yields.
//
// [material/batchget_material]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_batchgetmaterial.html
func (c *Client) Materials(ctx context.Context, typ MediaType) iter.Seq2[MaterialItem, error] {
	switch typ {
	case MediaImage, MediaVoice, MediaVideo:
	default:
		err := invalidArg("cannot list materials of type %q; use image, voice or video (NewsMaterials lists news)", typ)
		return failedSeq[MaterialItem](err)
	}
	return batchPages(ctx, c, endpoint.MaterialBatchGet, batchRequest{Type: string(typ)}, func(it batchItemJSON) MaterialItem {
		return MaterialItem{MediaID: it.MediaID, Name: it.Name, URL: it.URL, UpdateTime: unixTime(it.UpdateTime)}
	})
}

// NewsMaterials iterates over the legacy news materials of the library
// (获取素材列表, [material/batchget_material], type=news). New accounts keep
// their articles in the draft box instead: see Drafts.
//
// [material/batchget_material]: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_batchgetmaterial.html
func (c *Client) NewsMaterials(ctx context.Context) iter.Seq2[NewsMaterial, error] {
	return batchPages(ctx, c, endpoint.MaterialBatchGet, batchRequest{Type: string(MediaNews)}, func(it batchItemJSON) NewsMaterial {
		return NewsMaterial{MediaID: it.MediaID, Articles: articles(it.Content.NewsItem), UpdateTime: unixTime(it.UpdateTime)}
	})
}
