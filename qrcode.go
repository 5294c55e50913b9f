package wechat

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// QRAction is the kind of a parametric QR code (二维码类型, action_name).
type QRAction string

// QR code kinds: temporary or permanent, with an integer or a string
// scene value.
const (
	QRScene         QRAction = "QR_SCENE"           // temporary, integer scene
	QRStrScene      QRAction = "QR_STR_SCENE"       // temporary, string scene
	QRLimitScene    QRAction = "QR_LIMIT_SCENE"     // permanent, integer scene
	QRLimitStrScene QRAction = "QR_LIMIT_STR_SCENE" // permanent, string scene
)

// Limits of parametric QR codes.
const (
	// MaxQRCodeExpiry is the longest a temporary code can live.
	MaxQRCodeExpiry = 30 * 24 * time.Hour
	// MaxPermanentSceneID is the largest integer scene of a permanent
	// code; WeChat allows 100,000 permanent codes in all.
	MaxPermanentSceneID = 100000
	// MaxSceneStrLen is the longest string scene, in bytes.
	MaxSceneStrLen = 64
)

// QRCodeShowBaseURL is where showqrcode is served in production: not
// the API host.
const QRCodeShowBaseURL = "https://mp.weixin.qq.com"

// QRCodeRequest describes a parametric QR code (带参数的二维码) to create.
// The constructors TemporaryQRCode, TemporaryStringQRCode, PermanentQRCode
// and PermanentStringQRCode fill it in.
type QRCodeRequest struct {
	Action QRAction
	// SceneID is the integer scene of QR_SCENE (any non-zero 32-bit
	// value) and QR_LIMIT_SCENE (1 to MaxPermanentSceneID).
	SceneID uint32
	// SceneStr is the string scene of QR_STR_SCENE and
	// QR_LIMIT_STR_SCENE, 1 to MaxSceneStrLen bytes.
	SceneStr string
	// ExpireIn is the lifetime of a temporary code, whole seconds up to
	// MaxQRCodeExpiry; zero leaves WeChat's default (60 seconds).
	// Permanent codes must leave it zero.
	ExpireIn time.Duration
}

// TemporaryQRCode describes a temporary code with an integer scene.
func TemporaryQRCode(sceneID uint32, expireIn time.Duration) QRCodeRequest {
	return QRCodeRequest{Action: QRScene, SceneID: sceneID, ExpireIn: expireIn}
}

// TemporaryStringQRCode describes a temporary code with a string scene.
func TemporaryStringQRCode(scene string, expireIn time.Duration) QRCodeRequest {
	return QRCodeRequest{Action: QRStrScene, SceneStr: scene, ExpireIn: expireIn}
}

// PermanentQRCode describes a permanent code with an integer scene.
func PermanentQRCode(sceneID uint32) QRCodeRequest {
	return QRCodeRequest{Action: QRLimitScene, SceneID: sceneID}
}

// PermanentStringQRCode describes a permanent code with a string scene.
func PermanentStringQRCode(scene string) QRCodeRequest {
	return QRCodeRequest{Action: QRLimitStrScene, SceneStr: scene}
}

func (r QRCodeRequest) validate() error {
	temporary := r.Action == QRScene || r.Action == QRStrScene
	switch r.Action {
	case QRScene, QRLimitScene:
		if r.SceneStr != "" {
			return invalidArg("%s takes an integer scene, not a string", r.Action)
		}
		if r.SceneID == 0 {
			return invalidArg("scene ID must not be 0")
		}
		if r.Action == QRLimitScene && r.SceneID > MaxPermanentSceneID {
			return invalidArg("permanent scene ID %d is above %d", r.SceneID, MaxPermanentSceneID)
		}
	case QRStrScene, QRLimitStrScene:
		if r.SceneID != 0 {
			return invalidArg("%s takes a string scene, not an integer", r.Action)
		}
		if n := len(r.SceneStr); n == 0 || n > MaxSceneStrLen {
			return invalidArg("scene string is %d bytes, want 1 to %d", n, MaxSceneStrLen)
		}
	default:
		return invalidArg("unknown QR code action %q", r.Action)
	}
	switch {
	case !temporary && r.ExpireIn != 0:
		return invalidArg("permanent QR codes do not expire")
	case r.ExpireIn < 0, r.ExpireIn > MaxQRCodeExpiry:
		return invalidArg("expiry %v is outside 0 to %v", r.ExpireIn, MaxQRCodeExpiry)
	case r.ExpireIn%time.Second != 0:
		return invalidArg("expiry %v is not whole seconds", r.ExpireIn)
	}
	return nil
}

// QRCode is a created parametric QR code.
type QRCode struct {
	// Ticket fetches the image through DownloadQRCode or QRCodeURL.
	Ticket string
	// ExpiresIn is the lifetime of a temporary code; zero for a
	// permanent one.
	ExpiresIn time.Duration
	// URL is the content of the code, for drawing it yourself.
	URL string
}

// CreateQRCode creates a parametric QR code (生成带参数的二维码,
// [qrcode/create]). Scanning it pushes a subscribe event (for new followers)
// or a SCAN event carrying the scene value. The request is checked before
// sending: scene ranges, string length and expiry as documented.
//
// Parametric QR codes (CreateQRCode, QRCodeURL, DownloadQRCode) are
// available to verified service accounts (认证服务号).
//
// [qrcode/create]: https://developers.weixin.qq.com/doc/service/api/qrcode/qrcodes/api_createqrcode.html
func (c *Client) CreateQRCode(ctx context.Context, req QRCodeRequest) (*QRCode, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	type scene struct {
		SceneID  uint32 `json:"scene_id,omitempty"`
		SceneStr string `json:"scene_str,omitempty"`
	}
	type actionInfo struct {
		Scene scene `json:"scene"`
	}
	body := struct {
		ExpireSeconds int64      `json:"expire_seconds,omitempty"`
		ActionName    QRAction   `json:"action_name"`
		ActionInfo    actionInfo `json:"action_info"`
	}{
		ExpireSeconds: int64(req.ExpireIn / time.Second),
		ActionName:    req.Action,
		ActionInfo:    actionInfo{Scene: scene{SceneID: req.SceneID, SceneStr: req.SceneStr}},
	}
	out, err := call[struct {
		status
		Ticket        string      `json:"ticket"`
		ExpireSeconds lenient.Int `json:"expire_seconds"`
		URL           string      `json:"url"`
	}](ctx, c, endpoint.QRCodeCreate, nil, body)
	if err != nil {
		return nil, err
	}
	if out.Ticket == "" {
		return nil, badReply(endpoint.QRCodeCreate, "reply has no ticket")
	}
	return &QRCode{Ticket: out.Ticket, ExpiresIn: time.Duration(out.ExpireSeconds) * time.Second, URL: out.URL}, nil
}

// QRCodeURL returns the address of the QR code image of ticket
// (通过ticket换取二维码, [showqrcode]), with the ticket URL-escaped. It
// needs no access token and can go straight into an <img> tag.
//
// The host is QRCodeShowBaseURL while the Client talks to WeChat's own
// API hosts; a Client pointed by WithBaseURL at another host (a proxy, a
// fake server in tests) expects that host to serve showqrcode too.
//
// [showqrcode]: https://developers.weixin.qq.com/doc/service/api/qrcode/qrcodes/api_createqrcode.html
func (c *Client) QRCodeURL(ticket string) string {
	return c.requestURL(endpoint.Get(endpoint.QRCodeShow), query{{"ticket", ticket}}, "")
}

// DownloadQRCode fetches the QR code image of ticket (通过ticket换取二维码,
// [showqrcode]) from the address QRCodeURL gives. The caller must close
// the returned Body. WeChat answers an invalid ticket with HTTP 404, an
// *HTTPError.
//
// [showqrcode]: https://developers.weixin.qq.com/doc/service/api/qrcode/qrcodes/api_createqrcode.html
func (c *Client) DownloadQRCode(ctx context.Context, ticket string) (*Media, error) {
	if strings.TrimSpace(ticket) == "" {
		return nil, invalidArg("ticket is empty")
	}
	img, doc, err := download(ctx, c, endpoint.QRCodeShow, query{{"ticket", ticket}}, nil)
	if err != nil {
		return nil, err
	}
	if doc != nil {
		return nil, badReply(endpoint.QRCodeShow, "JSON reply carries no image")
	}
	return img, nil
}

// qrcodeBase is the host of showqrcode: mp.weixin.qq.com in front of
// WeChat's API hosts (api.weixin.qq.com and its regional variants), the
// configured base URL otherwise.
func (c *Client) qrcodeBase() *url.URL {
	host := c.baseURL.Hostname()
	if host == "weixin.qq.com" || strings.HasSuffix(host, ".weixin.qq.com") {
		u, _ := url.Parse(QRCodeShowBaseURL)
		return u
	}
	return c.baseURL
}
