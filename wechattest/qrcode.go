package wechattest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// qrcodeAPI keeps the QR code tickets the server issued (带参数二维码).
type qrcodeAPI struct {
	group
	codes map[string]*qrcode
}

func (g *qrcodeAPI) routes() []route {
	return []route{
		g.route(endpoint.QRCodeCreate, decoding(g.handleQRCodeCreate)),
		// On mp.weixin.qq.com without an access token, as the table
		// says; the fake serves both hosts at its one address.
		g.route(endpoint.QRCodeShow, g.handleShowQRCode),
	}
}

// qrcode is a QR code ticket the server issued.
type qrcode struct {
	ticket    string
	url       string
	expiresAt time.Time // zero for a permanent code
	image     []byte
}

// Documented limits of qrcode/create.
const (
	defaultQRExpire  = 60      // seconds, when expire_seconds is absent
	maxQRExpire      = 2592000 // 30 days
	maxLimitSceneID  = 100000
	maxSceneStrBytes = 64
)

type qrcodeRequest struct {
	ExpireSeconds int64  `json:"expire_seconds"`
	ActionName    string `json:"action_name"`
	ActionInfo    struct {
		Scene struct {
			SceneID  int64  `json:"scene_id"`
			SceneStr string `json:"scene_str"`
		} `json:"scene"`
	} `json:"action_info"`
}

// handleQRCodeCreate answers 生成带参数的二维码 (POST qrcode/create) with
// {"ticket","expire_seconds","url"}; a permanent code has no
// expire_seconds. Temporary codes last 60 seconds unless told otherwise,
// at most 30 days. The scene must fit the action: a non-zero 32-bit
// scene_id for QR_SCENE, 1 to 100000 for QR_LIMIT_SCENE, a scene_str of
// 1 to 64 bytes for the string kinds (40053 otherwise).
func (g *qrcodeAPI) handleQRCodeCreate(x *exchange, req qrcodeRequest) any {
	scene := req.ActionInfo.Scene
	temporary := false
	switch req.ActionName {
	case "QR_SCENE":
		temporary = true
		if scene.SceneID == 0 || scene.SceneID > 1<<32-1 || scene.SceneID < 0 {
			return fail(40053)
		}
	case "QR_LIMIT_SCENE":
		if scene.SceneID < 1 || scene.SceneID > maxLimitSceneID {
			return fail(40053)
		}
	case "QR_STR_SCENE", "QR_LIMIT_STR_SCENE":
		temporary = req.ActionName == "QR_STR_SCENE"
		if scene.SceneStr == "" || len(scene.SceneStr) > maxSceneStrBytes {
			return fail(40053)
		}
	default:
		return fail(40053)
	}
	raw := make([]byte, 48)
	_, _ = rand.Read(raw)
	q := &qrcode{
		// Standard base64, so the ticket holds '+', '/' and '=' and a
		// client that does not escape it in showqrcode fails, as it would
		// against WeChat.
		ticket: base64.StdEncoding.EncodeToString(raw),
		url:    "http://weixin.qq.com/q/" + randomID(22),
	}
	out := map[string]any{"ticket": q.ticket, "url": q.url}
	if temporary {
		exp := req.ExpireSeconds
		if exp <= 0 {
			exp = defaultQRExpire
		}
		exp = min(exp, maxQRExpire)
		q.expiresAt = x.now.Add(time.Duration(exp) * time.Second)
		out["expire_seconds"] = exp
	}
	g.codes[q.ticket] = q
	return out
}

// handleShowQRCode answers 通过ticket换取二维码 (GET showqrcode?ticket=),
// which WeChat serves on mp.weixin.qq.com without an access token: an
// image for a known ticket that has not expired, HTTP 404 otherwise. The
// image is a placeholder derived from the ticket, not a scannable code.
func (g *qrcodeAPI) handleShowQRCode(x *exchange) any {
	q := g.codes[x.r.URL.Query().Get("ticket")]
	if q == nil || (!q.expiresAt.IsZero() && !x.now.Before(q.expiresAt)) {
		return statusNotFound
	}
	if q.image == nil {
		q.image = placeholderImage(q.ticket)
	}
	return &fileReply{contentType: "image/jpg", data: bytes.Clone(q.image)}
}

// placeholderImage draws a small JPEG pattern that differs per ticket.
func placeholderImage(ticket string) []byte {
	const cells, cell = 8, 8
	sum := sha256.Sum256([]byte(ticket))
	img := image.NewGray(image.Rect(0, 0, cells*cell, cells*cell))
	for y := range cells * cell {
		for x := range cells * cell {
			bit := (y/cell)*cells + x/cell
			c := color.Gray{Y: 255}
			if sum[bit/8]>>(bit%8)&1 == 1 {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes()
}
