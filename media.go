package wechat

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// UploadedMedia is a temporary media file stored by UploadMedia (or a
// video prepared for a mass send by UploadMassVideo). WeChat keeps it for
// three days.
type UploadedMedia struct {
	Type MediaType
	// MediaID identifies the file in messages and downloads. For a thumb
	// WeChat answers thumb_media_id instead of media_id; it lands here
	// too.
	MediaID   string
	CreatedAt time.Time
}

// UploadMedia uploads a temporary media file (新增临时素材, [media/upload]):
// an image, voice, video or thumb. The file is streamed from r as it is
// sent and never held in memory whole. WeChat derives the format from the
// extension of filename, so give the real one ("photo.jpg", "voice.amr").
//
// WeChat's limits: image 10 MB (PNG, JPEG, JPG, GIF), voice 2 MB and 60 s
// (AMR, MP3), video 10 MB (MP4), thumb 64 KB (JPG).
//
// If WeChat rejects the access token, the upload is sent again with a
// fresh one when r is an io.Seeker (such as *os.File or *bytes.Reader).
// Otherwise the call returns WeChat's *APIError, which matches
// ErrTokenInvalid, and the caller may upload again from a new reader.
//
// Temporary media (临时素材: UploadMedia, DownloadMedia, DownloadHDVoice) are
// kept by WeChat for three days, and are available to verified subscription
// and verified service accounts (认证订阅号, 认证服务号).
//
// [media/upload]: https://developers.weixin.qq.com/doc/service/api/material/temporary/api_uploadtempmedia.html
func (c *Client) UploadMedia(ctx context.Context, typ MediaType, filename string, r io.Reader) (*UploadedMedia, error) {
	switch typ {
	case MediaImage, MediaVoice, MediaVideo, MediaThumb:
	default:
		return nil, invalidArg("media type %q cannot be uploaded as temporary media", typ)
	}
	if strings.TrimSpace(filename) == "" {
		return nil, invalidArg("filename is empty")
	}
	if r == nil {
		return nil, invalidArg("reader is nil")
	}
	out, err := call[uploadedMediaJSON](ctx, c, endpoint.MediaUpload, query{{"type", string(typ)}}, newUpload("media", filename, r, nil))
	if err != nil {
		return nil, err
	}
	return out.result(endpoint.MediaUpload)
}

// uploadedMediaJSON is the reply of media/upload and media/uploadvideo.
type uploadedMediaJSON struct {
	status
	Type         MediaType   `json:"type"`
	MediaID      string      `json:"media_id"`
	ThumbMediaID string      `json:"thumb_media_id"`
	CreatedAt    lenient.Int `json:"created_at"`
}

func (out *uploadedMediaJSON) result(from endpoint.ID) (*UploadedMedia, error) {
	id := cmp.Or(out.MediaID, out.ThumbMediaID)
	if id == "" {
		return nil, badReply(from, "reply has no media_id")
	}
	return &UploadedMedia{Type: out.Type, MediaID: id, CreatedAt: time.Unix(int64(out.CreatedAt), 0)}, nil
}

// Media is a file WeChat sends back, streamed: a temporary media file
// (DownloadMedia, DownloadHDVoice), a permanent material
// (MaterialContent.File) or a QR code image (DownloadQRCode). Nothing is read
// before the caller reads Body. The caller must Close it.
type Media struct {
	Body          io.ReadCloser
	ContentType   string
	ContentLength int64 // -1 when unknown
	// Filename is the name WeChat gives in Content-Disposition, if any.
	Filename string
	// VideoURL is set by DownloadMedia for a video, which WeChat answers
	// with a download link instead of the file; Body is then empty.
	VideoURL string

	// Deprecated: JSON is always nil: the methods that download decode a
	// JSON reply themselves (into an *APIError, VideoURL or a
	// MaterialContent).
	JSON []byte
}

// Response is the streamed reply of DownloadQRCode and GetMaterial.
//
// Deprecated: Response is Media, the one type of a streamed reply.
type Response = Media

// Close closes Body.
func (m *Media) Close() error { return m.Body.Close() }

// DownloadMedia fetches a temporary media file (获取临时素材, [media/get]):
// one uploaded with UploadMedia or sent by a follower. The file is
// streamed; nothing is read before the caller reads Body. For a video
// WeChat answers a link instead, returned in Media.VideoURL. A JSON error
// reply (an expired media_id is 40007) is an *APIError, never a file.
//
// [media/get]: https://developers.weixin.qq.com/doc/service/api/material/temporary/api_getmedia.html
func (c *Client) DownloadMedia(ctx context.Context, mediaID string) (*Media, error) {
	return c.downloadMedia(ctx, endpoint.MediaGet, mediaID, true)
}

// DownloadHDVoice fetches the high-definition version of a voice a user
// uploaded with the JS-SDK's uploadVoice (获取高清语音素材,
// [media/get/jssdk]): Speex at 16 kHz, clearer than the 8 kHz AMR of
// DownloadMedia and better suited to speech recognition.
//
// [media/get/jssdk]: https://developers.weixin.qq.com/doc/service/api/material/temporary/api_gethdvoice.html
func (c *Client) DownloadHDVoice(ctx context.Context, mediaID string) (*Media, error) {
	return c.downloadMedia(ctx, endpoint.MediaGetJSSDK, mediaID, false)
}

func (c *Client) downloadMedia(ctx context.Context, id endpoint.ID, mediaID string, videoURL bool) (*Media, error) {
	if strings.TrimSpace(mediaID) == "" {
		return nil, invalidArg("media ID is empty")
	}
	m, doc, err := download(ctx, c, id, query{{"media_id", mediaID}}, nil)
	if err != nil || doc == nil {
		return m, err
	}
	// A JSON reply that is not an error: the video case.
	var out struct {
		VideoURL string `json:"video_url"`
	}
	if videoURL && json.Unmarshal(doc, &out) == nil && out.VideoURL != "" {
		m.VideoURL = out.VideoURL
		return m, nil
	}
	return nil, badReply(id, "JSON reply carries no file")
}
