package wechattest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// materialAPI keeps the permanent materials (永久素材) and the images
// uploaded for articles (media/uploadimg).
type materialAPI struct {
	group
	materials     map[string]*material
	order         []string              // media_ids in the order added
	articleImages map[string]*mediaFile // media/uploadimg, by id
}

func newMaterialAPI(s *Server) *materialAPI {
	return &materialAPI{group: group{s: s}, materials: make(map[string]*material), articleImages: make(map[string]*mediaFile)}
}

func (g *materialAPI) routes() []route {
	return []route{
		g.route(endpoint.MaterialAdd, g.handleAddMaterial),
		g.route(endpoint.MaterialGet, decoding(g.handleGetMaterial)),
		g.route(endpoint.MaterialDel, decoding(g.handleDelMaterial)),
		g.route(endpoint.MaterialCount, g.handleMaterialCount),
		g.route(endpoint.MaterialBatchGet, decoding(g.handleBatchGetMaterial)),
		g.route(endpoint.MediaUploadImg, g.handleUploadImg),
		g.download(materialPath, g.handleMaterialFile),     // url and down_url
		g.download(articleImagePath, g.handleArticleImage), // url of media/uploadimg
	}
}

// listTypeOf returns the type under which the material id is listed
// (image, voice or video; thumbs are images), "" if there is none. For
// other groups.
func (g *materialAPI) listTypeOf(id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if m := g.materials[id]; m != nil {
		return listType(m.typ)
	}
	return ""
}

// urlOf returns the url of an image or thumb material, "" if there is
// none. For other groups.
func (g *materialAPI) urlOf(id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if m := g.materials[id]; m != nil {
		return m.url
	}
	return ""
}

// material is a permanent material (永久素材) of the library.
type material struct {
	id          string
	typ         string // image, voice, video or thumb
	name        string // the uploaded file name
	contentType string
	data        []byte
	url         string // images and thumbs only
	title       string // videos only
	intro       string // videos only
	updated     time.Time
}

// Paths the fake serves files at, without an access token, standing in
// for WeChat's CDN (mmbiz.qpic.cn and the video download host).
const (
	// materialPath serves the url of an image material and the down_url
	// of a video material.
	materialPath = "/wechattest/material"
	// articleImagePath serves the url of media/uploadimg.
	articleImagePath = "/wechattest/articleimage"
)

// Documented limits of permanent materials.
const (
	maxBatchCount      = 20      // count of the batchget APIs
	maxArticleImage    = 1 << 20 // media/uploadimg: under 1 MB
	maxVideoTitleRunes = 64
)

// materialFormats are the file extensions WeChat accepts for each type of
// permanent material (新增永久素材); it tells the format from the
// extension alone.
var materialFormats = map[string][]string{
	"image": {".bmp", ".png", ".jpeg", ".jpg", ".gif"},
	"voice": {".mp3", ".wma", ".wav", ".amr"},
	"video": {".mp4"},
	"thumb": {".jpg", ".jpeg"},
}

// handleAddMaterial answers 新增永久素材 (POST
// material/add_material?type=TYPE, the file in the multipart field
// "media"; a video also carries the field "description",
// {"title","introduction"}). It replies {"media_id","url"}, url for an
// image only. Files over the size
// limit of their type fail as media/upload does, an extension the type
// does not allow with 40005, a video without a title with 40097.
func (g *materialAPI) handleAddMaterial(x *exchange) any {
	u, e := readUpload(x)
	if e != nil {
		return e
	}
	if e := u.checkSize(); e != nil {
		return e
	}
	typ, name := u.typ, path.Base(u.name)
	if !slices.Contains(materialFormats[typ], strings.ToLower(path.Ext(name))) {
		return fail(40005)
	}
	m := &material{
		id: randomID(43), typ: typ, name: name, data: u.data, updated: x.now,
		contentType: u.contentType,
	}
	if typ == "video" {
		_, desc, err := readPart(x, "description")
		var d struct {
			Title        string `json:"title"`
			Introduction string `json:"introduction"`
		}
		if err != nil || json.Unmarshal(desc, &d) != nil || d.Title == "" || len([]rune(d.Title)) > maxVideoTitleRunes {
			return fail(40097)
		}
		m.title, m.intro = d.Title, d.Introduction
	}
	if typ == "image" || typ == "thumb" {
		m.url = g.s.URL + materialPath + "?media_id=" + m.id
	}
	g.materials[m.id] = m
	g.order = append(g.order, m.id)
	out := map[string]any{"media_id": m.id}
	if typ == "image" {
		out["url"] = m.url // only images, as documented
	}
	return out
}

// contentTypeOf returns the declared Content-Type of an uploaded part, or
// one sniffed from the data when the declaration says nothing.
func contentTypeOf(declared string, data []byte) string {
	if mt, _, _ := mime.ParseMediaType(declared); mt == "" || mt == "application/octet-stream" {
		return http.DetectContentType(data)
	}
	return declared
}

// mediaIDRequest is the {"media_id"} body of the material and draft
// APIs. No material or draft has an empty id: the lookup of one fails
// with the 40007 of an unknown id.
type mediaIDRequest struct {
	MediaID string `json:"media_id"`
}

// handleGetMaterial answers 获取永久素材 (POST material/get_material,
// {"media_id"}): a video as {"title","description","down_url"}, any other
// material as the bytes uploaded, 40007 for an unknown id.
func (g *materialAPI) handleGetMaterial(_ *exchange, req mediaIDRequest) any {
	m := g.materials[req.MediaID]
	if m == nil {
		return fail(40007)
	}
	if m.typ == "video" {
		return map[string]any{
			"title": m.title, "description": m.intro,
			"down_url": g.s.URL + materialPath + "?media_id=" + m.id,
		}
	}
	return &fileReply{contentType: m.contentType, filename: m.name, data: bytes.Clone(m.data)}
}

// handleMaterialFile serves the url of an image material and the
// down_url of a video material, which need no access token.
func (g *materialAPI) handleMaterialFile(x *exchange) any {
	m := g.materials[x.r.URL.Query().Get("media_id")]
	if m == nil {
		return statusNotFound
	}
	return &fileReply{contentType: m.contentType, data: bytes.Clone(m.data)}
}

// handleDelMaterial answers 删除永久素材 (POST material/del_material,
// {"media_id"}); 40007 for an unknown id.
func (g *materialAPI) handleDelMaterial(_ *exchange, req mediaIDRequest) any {
	id := req.MediaID
	if g.materials[id] == nil {
		return fail(40007)
	}
	delete(g.materials, id)
	g.order = slices.DeleteFunc(g.order, func(v string) bool { return v == id })
	return okReply()
}

// listType is the type under which batchget_material lists and
// get_materialcount counts a material: thumbs are images there, as the
// count has no thumb_count.
func listType(typ string) string {
	if typ == "thumb" {
		return "image"
	}
	return typ
}

// handleMaterialCount answers 获取素材总数 (GET
// material/get_materialcount). Thumbs count as images; news_count is
// always 0, as the fake cannot create news materials.
func (g *materialAPI) handleMaterialCount(*exchange) any {
	n := map[string]int{}
	for _, m := range g.materials {
		n[listType(m.typ)]++
	}
	return map[string]any{
		"voice_count": n["voice"], "video_count": n["video"],
		"image_count": n["image"], "news_count": 0,
	}
}

// batchRequest is the body of the draft, freepublish and material
// batchget APIs.
type batchRequest struct {
	Type      string `json:"type"`
	Offset    int    `json:"offset"`
	Count     int    `json:"count"`
	NoContent int    `json:"no_content"`
}

// check checks a batchget body: 40097 unless 0 <= offset and
// 1 <= count <= 20.
func (req batchRequest) check() *apiError {
	if req.Offset < 0 || req.Count < 1 || req.Count > maxBatchCount {
		return fail(40097)
	}
	return nil
}

// window returns the part of a list of n items that a batchget page at
// offset of count items covers, as indexes [lo, hi).
func window(n int, req batchRequest) (lo, hi int) {
	lo = min(req.Offset, n)
	return lo, min(lo+req.Count, n)
}

// handleBatchGetMaterial answers 获取素材列表 (POST
// material/batchget_material, {"type","offset","count"}), newest first:
// {"total_count","item_count","item":[{"media_id","name","update_time",
// "url"}]}, url for images only. The news list is always empty.
func (g *materialAPI) handleBatchGetMaterial(_ *exchange, req batchRequest) any {
	if e := req.check(); e != nil {
		return e
	}
	switch req.Type {
	case "image", "voice", "video", "news":
	default:
		return fail(40004)
	}
	var list []*material
	for _, id := range slices.Backward(g.order) {
		if m := g.materials[id]; listType(m.typ) == req.Type {
			list = append(list, m)
		}
	}
	lo, hi := window(len(list), req)
	items := make([]map[string]any, 0, hi-lo)
	for _, m := range list[lo:hi] {
		it := map[string]any{"media_id": m.id, "name": m.name, "update_time": m.updated.Unix()}
		if m.url != "" {
			it["url"] = m.url
		}
		items = append(items, it)
	}
	return map[string]any{"total_count": len(list), "item_count": len(items), "item": items}
}

// handleUploadImg answers 上传图文消息内的图片获取URL (POST media/uploadimg,
// the file in the multipart field "media"): jpg or png under 1 MB, which
// the fake serves at the url it returns. Such images are not materials.
func (g *materialAPI) handleUploadImg(x *exchange) any {
	data, contentType, e := readImage(x, maxArticleImage-1) // under 1 MB
	if e != nil {
		return e
	}
	id := randomID(43)
	g.articleImages[id] = &mediaFile{id: id, typ: "image", contentType: contentType, data: data, created: x.now}
	return map[string]any{"url": g.s.URL + articleImagePath + "?id=" + id}
}

// handleArticleImage serves the url of media/uploadimg.
func (g *materialAPI) handleArticleImage(x *exchange) any {
	m := g.articleImages[x.r.URL.Query().Get("id")]
	if m == nil {
		return statusNotFound
	}
	return &fileReply{contentType: m.contentType, data: bytes.Clone(m.data)}
}
