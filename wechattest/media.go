package wechattest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// mediaAPI keeps temporary media (临时素材): files uploaded with
// media/upload and videos prepared with media/uploadvideo.
type mediaAPI struct {
	group
	files map[string]*mediaFile
}

func (g *mediaAPI) routes() []route {
	return []route{
		g.route(endpoint.MediaUpload, g.handleMediaUpload),
		g.route(endpoint.MediaGet, g.handleMediaGet),
		g.route(endpoint.MediaGetJSSDK, g.handleHDVoice),
		g.route(endpoint.MediaUploadVideo, decoding(g.handleMassVideo)),
		g.download(videoPath, g.handleVideoDownload), // video_url
	}
}

// mediaFile is an uploaded temporary media file (临时素材). Its fields do
// not change once it is stored.
type mediaFile struct {
	id          string
	typ         string
	contentType string
	ext         string
	data        []byte
	created     time.Time
	massVideo   bool // made by media/uploadvideo for a mass mpvideo message
}

// mediaLifetime is how long WeChat keeps temporary media: three days.
const mediaLifetime = 72 * time.Hour

// videoPath serves the download URL that media/get gives for a video.
const videoPath = "/wechattest/video"

// mediaLimit is the documented size limit of a type of media and the
// errcode for a larger file.
type mediaLimit struct {
	max  int
	code int
}

func limitOf(typ string) (mediaLimit, bool) {
	switch typ {
	case "image":
		return mediaLimit{10 << 20, 40009}, true
	case "voice":
		return mediaLimit{2 << 20, 40010}, true
	case "video":
		return mediaLimit{10 << 20, 40011}, true
	case "thumb":
		return mediaLimit{64 << 10, 40012}, true
	}
	return mediaLimit{}, false
}

// upload is the file of a media/upload or material/add_material call.
type upload struct {
	typ         string     // the type in the query
	limit       mediaLimit // of typ
	name        string     // the file name as sent
	contentType string     // as declared or sniffed (contentTypeOf)
	data        []byte
}

// readUpload reads a media/upload or material/add_material call: the
// type in the query, 40004 for one WeChat does not have, and the file in
// the multipart field "media", 41005 when there is none or it is empty.
// The two check the file's extension and size in their own order.
func readUpload(x *exchange) (*upload, *apiError) {
	typ := x.r.URL.Query().Get("type")
	limit, ok := limitOf(typ)
	if !ok {
		return nil, fail(40004)
	}
	part, data, e := readFile(x, "media")
	if e != nil {
		return nil, e
	}
	return &upload{typ: typ, limit: limit, name: part.FileName(),
		contentType: contentTypeOf(part.Header.Get("Content-Type"), data), data: data}, nil
}

// checkSize fails with the errcode of the type when the file is over its
// limit.
func (u *upload) checkSize() *apiError {
	if len(u.data) > u.limit.max {
		return fail(u.limit.code)
	}
	return nil
}

// mediaFormats are the file extensions media/upload accepts for each type
// of temporary media (新增临时素材: image PNG, JPEG, JPG, GIF; voice AMR,
// MP3; video MP4; thumb JPG). WeChat tells the format from the extension
// of the uploaded file name, so a name without one is refused too.
var mediaFormats = map[string][]string{
	"image": {".png", ".jpeg", ".jpg", ".gif"},
	"voice": {".amr", ".mp3"},
	"video": {".mp4"},
	"thumb": {".jpg"},
}

// handleMediaUpload answers 新增临时素材 (POST media/upload?type=TYPE with
// the file in the multipart field "media"). It replies {"type","media_id",
// "created_at"}; for a thumb the id is in "thumb_media_id", as WeChat
// really sends it although the page shows media_id. A file whose
// extension the type does not allow fails with 40005, one over the size
// limit of its type with that type's errcode (40009 to 40012).
func (g *mediaAPI) handleMediaUpload(x *exchange) any {
	u, e := readUpload(x)
	if e != nil {
		return e
	}
	ext := strings.ToLower(path.Ext(u.name))
	if !slices.Contains(mediaFormats[u.typ], ext) {
		return fail(40005)
	}
	if e := u.checkSize(); e != nil {
		return e
	}
	m := &mediaFile{id: randomID(64), typ: u.typ, contentType: u.contentType, ext: ext, data: u.data, created: x.now}
	g.files[m.id] = m
	idField := "media_id"
	if u.typ == "thumb" {
		idField = "thumb_media_id"
	}
	return map[string]any{"type": u.typ, idField: m.id, "created_at": x.now.Unix()}
}

// massVideoRequest is the body of media/uploadvideo.
type massVideoRequest struct {
	MediaID     string `json:"media_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// handleMassVideo answers 群发 视频素材转换 (POST media/uploadvideo,
// {"media_id","title","description"}): the media_id of a temporary video
// becomes a new media_id that a mass mpvideo message carries. An unknown
// or non-video media_id fails with 40007.
func (g *mediaAPI) handleMassVideo(x *exchange, req massVideoRequest) any {
	src := g.find(req.MediaID, x.now)
	if src == nil || src.typ != "video" {
		return fail(40007)
	}
	m := *src
	m.id, m.created, m.massVideo = randomID(64), x.now, true
	g.files[m.id] = &m
	return map[string]any{"type": "video", "media_id": m.id, "created_at": x.now.Unix()}
}

// readPart returns the first part of the multipart body named field.
func readPart(x *exchange, field string) (*multipart.Part, []byte, error) {
	mt, params, err := mime.ParseMediaType(x.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, errors.New("not multipart/form-data")
	}
	mr := multipart.NewReader(bytes.NewReader(x.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, nil, err
		}
		if p.FormName() != field {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		return p, data, nil
	}
}

// readFile returns the file in the multipart field of an upload: 41005
// when there is none or it is empty.
func readFile(x *exchange, field string) (*multipart.Part, []byte, *apiError) {
	part, data, err := readPart(x, field)
	if err != nil || len(data) == 0 {
		return nil, nil, fail(41005)
	}
	return part, data, nil
}

// readImage reads the image of an upload that takes a JPG or PNG (a
// customer-service avatar, an image for articles) from the multipart
// field "media", with its content type: 41005 when there is no file,
// 40005 for another type and 40009 when it is larger than largest bytes.
func readImage(x *exchange, largest int) (data []byte, contentType string, e *apiError) {
	part, data, e := readFile(x, "media")
	if e != nil {
		return nil, "", e
	}
	switch strings.ToLower(path.Ext(part.FileName())) {
	case ".jpg", ".jpeg", ".png":
	default:
		return nil, "", fail(40005)
	}
	if len(data) > largest {
		return nil, "", fail(40009)
	}
	return data, contentTypeOf(part.Header.Get("Content-Type"), data), nil
}

// find returns a temporary media file that has not expired. Called with
// g.mu held.
func (g *mediaAPI) find(id string, now time.Time) *mediaFile {
	m := g.files[id]
	if m == nil || !now.Before(m.created.Add(mediaLifetime)) {
		return nil
	}
	return m
}

// lookup is find for other groups.
func (g *mediaAPI) lookup(id string, now time.Time) *mediaFile {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.find(id, now)
}

// add stores a new temporary media file made by another API (an image
// service's result) and returns its id.
func (g *mediaAPI) add(typ, contentType, ext string, data []byte, now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := &mediaFile{id: randomID(64), typ: typ, contentType: contentType, ext: ext, data: data, created: now}
	g.files[m.id] = m
	return m.id
}

// handleHDVoice answers 获取高清语音素材 (GET media/get/jssdk?media_id=),
// which serves the 16 kHz Speex version of a voice a user uploaded with
// the JS-SDK. The fake has no JS-SDK: it serves the voices uploaded with
// media/upload, as audio/speex. Anything else fails with 40007.
func (g *mediaAPI) handleHDVoice(x *exchange) any {
	id := x.r.URL.Query().Get("media_id")
	if id == "" {
		return fail(41006)
	}
	m := g.find(id, x.now)
	if m == nil || m.typ != "voice" {
		return fail(40007)
	}
	return &fileReply{contentType: "audio/speex", filename: m.id + ".speex", data: bytes.Clone(m.data)}
}

// handleMediaGet answers 获取临时素材 (GET media/get?media_id=): the file
// as uploaded, with its Content-Type and Content-disposition, or for a
// video {"video_url": ...} pointing back at the fake.
func (g *mediaAPI) handleMediaGet(x *exchange) any {
	id := x.r.URL.Query().Get("media_id")
	if id == "" {
		return fail(41006)
	}
	m := g.find(id, x.now)
	if m == nil {
		return fail(40007)
	}
	if m.typ == "video" {
		return map[string]any{"video_url": g.s.URL + videoPath + "?media_id=" + m.id}
	}
	return &fileReply{contentType: m.contentType, filename: m.id + m.ext, data: bytes.Clone(m.data)}
}

// handleVideoDownload serves the video_url of media/get, which needs no
// access token.
func (g *mediaAPI) handleVideoDownload(x *exchange) any {
	m := g.find(x.r.URL.Query().Get("media_id"), x.now)
	if m == nil || m.typ != "video" {
		return statusNotFound
	}
	return &fileReply{contentType: m.contentType, filename: m.id + m.ext, data: bytes.Clone(m.data)}
}
