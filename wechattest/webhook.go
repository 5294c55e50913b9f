package wechattest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mpkit/wechat"
)

// Mode is how WeChat delivers messages to a webhook (消息加解密方式), as
// chosen in the account's server settings (服务器配置).
type Mode int

const (
	// ModePlain posts the message XML as is (明文模式).
	ModePlain Mode = iota
	// ModeCompatible posts the message XML with an Encrypt element
	// added (兼容模式). WeChat takes the reply encrypted or plain.
	ModeCompatible
	// ModeSafe posts only the encrypted message (安全模式) and expects
	// the reply encrypted.
	ModeSafe
)

// String returns the mode's name: "plain", "compatible" or "safe".
func (m Mode) String() string {
	switch m {
	case ModePlain:
		return "plain"
	case ModeCompatible:
		return "compatible"
	case ModeSafe:
		return "safe"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Defaults for the sender and the receiver of a message whose
// FromUserName or ToUserName is empty.
const (
	DefaultAccount = "gh_wechattest0"              // the official account's original ID
	DefaultOpenID  = "o_wechattest_user0000000000" // the user's OpenID
)

// DefaultTimeout is how long WeChat waits for a webhook's answer before
// it gives up on the push.
const DefaultTimeout = 5 * time.Second

// maxReplyBytes caps the answer read from a webhook. WeChat's own limit
// is smaller; the cap only keeps a broken server from exhausting memory.
const maxReplyBytes = 1 << 20

// Errors reported by Webhook. Problems with the reply's encryption are
// *wechat.CryptoError, with its XML *wechat.ParseError, and an answer
// other than 200 OK is a *StatusError.
var (
	// ErrEchoMismatch: the answer to a URL check is not the echostr
	// it was sent. WeChat then refuses the server URL.
	ErrEchoMismatch = errors.New("wechattest: URL check answered with the wrong echostr")
	// ErrReplyNotEncrypted: in safe mode the webhook answered with a
	// plain reply, which WeChat drops. Compatible mode takes one.
	ErrReplyNotEncrypted = errors.New("wechattest: reply is not encrypted")
	// ErrReplyMisaddressed: the reply's ToUserName is not the sender of
	// the message or its FromUserName not the account; WeChat drops it.
	ErrReplyMisaddressed = errors.New("wechattest: reply is not addressed to the sender")
)

// StatusError is the answer of a webhook whose status is not 200 OK.
type StatusError struct {
	StatusCode int
	Body       string // the start of the answer's body
}

// Error names the status and quotes the start of the body.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("wechattest: webhook answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if b := strings.TrimSpace(e.Body); b != "" {
		msg += ": " + b
	}
	return msg
}

// Webhook sends a webhook what WeChat would: signed URL checks and signed
// posts of messages, plain or encrypted. It reads the answers as WeChat
// does, checking the echoed string, decrypting and parsing the reply.
//
// Set Handler to test an http.Handler in process, or URL to talk to a
// running server:
//
//	wh := &wechattest.Webhook{Handler: client.Webhook(bot), Token: "token"}
//	reply, err := wh.Send(ctx, wechattest.Text("hello"))
//
// The zero values of the other fields are usable: plain mode, the
// default account and OpenID, the current time, DefaultTimeout. A
// Webhook must not be modified while it is in use; it is otherwise safe
// for concurrent use.
type Webhook struct {
	// URL of the webhook, such as "http://127.0.0.1:8080/wechat". With
	// Handler set only its path and query are used, and it may be empty.
	URL string
	// Handler, when set, serves every request in process: no network.
	Handler http.Handler
	// HTTPClient sends the requests when Handler is nil; nil means
	// http.DefaultClient.
	HTTPClient *http.Client

	// Token is the server token (Token) both sides sign with.
	Token string
	// Mode selects plain, compatible or safe delivery. The last two need
	// EncodingAESKey and AppID.
	Mode           Mode
	EncodingAESKey string
	AppID          string

	// Account fills in the ToUserName of a message that has none;
	// empty means DefaultAccount.
	Account string
	// OpenID fills in the FromUserName of a message that has none;
	// empty means DefaultOpenID.
	OpenID string

	// Now is the clock of the timestamps; nil means time.Now.
	Now func() time.Time
	// Timeout bounds each exchange, as WeChat gives a webhook five
	// seconds to answer. Zero means DefaultTimeout, negative no limit
	// beyond the context's.
	Timeout time.Duration

	// Server, when set, is the fake WeChat the pushes come from: it
	// learns of each one Send delivers (see webhook_link.go).
	Server *Server
}

// NewVerifyRequest returns the GET request WeChat sends to check a server
// URL (验证消息的确来自微信服务器): signature, timestamp, nonce and
// echostr in the query. The webhook must answer echostr.
func (w *Webhook) NewVerifyRequest(ctx context.Context, echostr string) (*http.Request, error) {
	ts, nonce := w.timestamp(), newNonce()
	q := url.Values{
		"signature": {wechat.Sign(w.Token, ts, nonce)},
		"timestamp": {ts},
		"nonce":     {nonce},
		"echostr":   {echostr},
	}
	return w.newRequest(ctx, http.MethodGet, q, nil)
}

// Verify sends a URL check with a fresh echostr and reports whether the
// webhook echoed it: nil, ErrEchoMismatch or a *StatusError.
func (w *Webhook) Verify(ctx context.Context) error {
	echostr := newEchostr()
	ctx, cancel := w.withTimeout(ctx)
	defer cancel()
	req, err := w.NewVerifyRequest(ctx, echostr)
	if err != nil {
		return err
	}
	status, body, err := w.roundTrip(req)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return &StatusError{StatusCode: status, Body: clip(body)}
	}
	if string(body) != echostr {
		return fmt.Errorf("%w: sent %q, got %q", ErrEchoMismatch, echostr, clip(body))
	}
	return nil
}

// NewMessageRequest returns the POST request WeChat sends to push msg
// (接收普通消息, 接收事件推送) in w's mode: the query carries signature,
// timestamp, nonce and openid, plus encrypt_type=aes and msg_signature
// when encrypted. msg is not modified; empty ToUserName, FromUserName and
// CreateTime are filled in, and so is the MsgId of a message that is not
// an event. WeChat pushes a message again when it gets no answer within
// five seconds; Push plays that.
func (w *Webhook) NewMessageRequest(ctx context.Context, msg *wechat.Message) (*http.Request, error) {
	m, mc, err := w.prepare(msg)
	if err != nil {
		return nil, err
	}
	return w.messageRequest(ctx, m, mc)
}

// messageRequest builds the request of NewMessageRequest for a completed
// message; mc is nil in plain mode.
func (w *Webhook) messageRequest(ctx context.Context, m *wechat.Message, mc *wechat.MessageCipher) (*http.Request, error) {
	plain, err := m.XML()
	if err != nil {
		return nil, err
	}
	ts, nonce := w.timestamp(), newNonce()
	q := url.Values{
		"signature": {wechat.Sign(w.Token, ts, nonce)},
		"timestamp": {ts},
		"nonce":     {nonce},
		"openid":    {m.FromUserName},
	}
	body := plain
	if mc != nil {
		env, err := mc.Encrypt(plain, ts, nonce)
		if err != nil {
			return nil, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", env.MsgSignature)
		if w.Mode == ModeSafe {
			env.ToUserName = m.ToUserName
			body = env.RequestXML()
		} else {
			// Compatible mode: the plain XML with the ciphertext added
			// as its last element.
			end := bytes.LastIndex(plain, []byte("</xml>"))
			if end < 0 {
				return nil, errors.New("wechattest: message XML does not end with </xml>")
			}
			body = append(plain[:end:end], "<Encrypt><![CDATA["+env.Encrypt+"]]></Encrypt></xml>"...)
		}
	}
	req, err := w.newRequest(ctx, http.MethodPost, q, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	return req, nil
}

// ReadReply reads a webhook's answer to a pushed message as WeChat does:
// in compatible and safe mode it checks the reply's msg_signature and
// decrypts it (compatible mode also takes a plain reply), then parses
// it. An empty answer or "success" (no reply)
// gives a nil Reply and a nil error. It closes resp.Body.
func (w *Webhook) ReadReply(resp *http.Response) (wechat.Reply, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, err
	}
	mc, err := w.cipher()
	if err != nil {
		return nil, err
	}
	return parseReply(resp.StatusCode, body, mc, w.Mode)
}

// Send pushes msg to the webhook in w's mode (see NewMessageRequest) and
// returns its reply, decrypted and parsed (see ReadReply). A reply that
// is not addressed to the message's sender fails with
// ErrReplyMisaddressed.
func (w *Webhook) Send(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
	m, mc, err := w.prepare(msg)
	if err != nil {
		return nil, err
	}
	reply, answered, err := w.attempt(ctx, m, mc)
	if answered {
		w.delivered(m, reply)
	}
	return reply, err
}

// parseReply reads an answer as WeChat does in mode; mc is nil in plain
// mode. Compatible mode takes a reply without an Encrypt element as a
// plain one, as WeChat documents (消息加解密说明: 公众号回复明文或密文均可);
// safe mode refuses it.
func parseReply(status int, body []byte, mc *wechat.MessageCipher, mode Mode) (wechat.Reply, error) {
	if status != http.StatusOK {
		return nil, &StatusError{StatusCode: status, Body: clip(body)}
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || string(t) == "success" {
		return nil, nil
	}
	if mc != nil && (mode == ModeSafe || bytes.Contains(body, []byte("<Encrypt>"))) {
		if !bytes.Contains(body, []byte("<Encrypt>")) {
			return nil, ErrReplyNotEncrypted
		}
		env, err := wechat.ParseEnvelope(body)
		if err != nil {
			return nil, err
		}
		if body, err = mc.Decrypt(env); err != nil {
			return nil, err
		}
	}
	return wechat.ParseReply(body)
}

// prepare returns msg completed and the cipher of w's mode (nil in plain
// mode).
func (w *Webhook) prepare(msg *wechat.Message) (*wechat.Message, *wechat.MessageCipher, error) {
	m, err := w.complete(msg)
	if err != nil {
		return nil, nil, err
	}
	mc, err := w.cipher()
	if err != nil {
		return nil, nil, err
	}
	return m, mc, nil
}

// complete returns a copy of msg with the fields WeChat always sets filled
// in.
func (w *Webhook) complete(msg *wechat.Message) (*wechat.Message, error) {
	if msg == nil {
		return nil, errors.New("wechattest: nil message")
	}
	m := *msg
	m.ToUserName = cmp.Or(m.ToUserName, w.Account, DefaultAccount)
	m.FromUserName = cmp.Or(m.FromUserName, w.OpenID, DefaultOpenID)
	if m.CreateTime == 0 {
		m.CreateTime = w.now().Unix()
	}
	if m.MsgID == 0 && m.MsgType != wechat.MsgTypeEvent {
		m.MsgID = newMsgID()
	}
	return &m, nil
}

// cipher returns the cipher of w's mode: nil in plain mode.
func (w *Webhook) cipher() (*wechat.MessageCipher, error) {
	if w.Mode == ModePlain {
		return nil, nil
	}
	if w.EncodingAESKey == "" || w.AppID == "" {
		return nil, fmt.Errorf("wechattest: %s mode needs EncodingAESKey and AppID", w.Mode)
	}
	return wechat.NewMessageCipher(w.Token, w.EncodingAESKey, w.AppID)
}

func (w *Webhook) newRequest(ctx context.Context, method string, q url.Values, body []byte) (*http.Request, error) {
	target := w.URL
	if target == "" {
		if w.Handler == nil {
			return nil, errors.New("wechattest: Webhook has neither URL nor Handler")
		}
		target = "/"
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("wechattest: webhook URL: %w", err)
	}
	if w.Handler == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		return nil, fmt.Errorf("wechattest: webhook URL %q is not an absolute http(s) URL", target)
	}
	// WeChat appends its parameters to those the URL already has.
	all := u.Query()
	for k, v := range q {
		all[k] = v
	}
	u.RawQuery = all.Encode()
	if w.Handler != nil && u.Host == "" {
		u.Scheme, u.Host = "http", "wechattest.invalid"
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	return http.NewRequestWithContext(ctx, method, u.String(), r)
}

// roundTrip sends req to the handler or over the network and returns the
// status and body of the answer.
func (w *Webhook) roundTrip(req *http.Request) (int, []byte, error) {
	if w.Handler != nil {
		// Give the handler the request as a server would: a body that
		// is never nil, RequestURI and a (documentation) RemoteAddr.
		in := *req
		if in.Body == nil {
			in.Body = http.NoBody
		}
		in.RequestURI = req.URL.RequestURI()
		in.RemoteAddr = "192.0.2.1:1234"
		// As WeChat hangs up at its timeout, whatever the handler is
		// still doing: the handler sees its request's context end. A
		// response flushed complete (its Content-Length written) is an
		// answer, as it is to a client on the network, even while the
		// handler goes on.
		rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder(), complete: make(chan struct{})}
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.Handler.ServeHTTP(rec, &in)
		}()
		select {
		case <-done:
		case <-rec.complete:
		case <-req.Context().Done():
			return 0, nil, req.Context().Err()
		}
		if err := req.Context().Err(); err != nil {
			return 0, nil, err
		}
		return rec.Code, bytes.Clone(rec.Body.Bytes()), nil
	}
	hc := w.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

// flushRecorder is a recorder that tells when the handler has flushed a
// complete response.
type flushRecorder struct {
	*httptest.ResponseRecorder
	complete chan struct{}
	once     sync.Once
}

// Flush flushes and, when the body written is as long as the response's
// Content-Length, reports the response complete.
func (r *flushRecorder) Flush() {
	r.ResponseRecorder.Flush()
	n, err := strconv.Atoi(r.Header().Get("Content-Length"))
	if err == nil && n == r.Body.Len() {
		r.once.Do(func() { close(r.complete) })
	}
}

func (w *Webhook) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case w.Timeout < 0:
		return context.WithCancel(ctx)
	case w.Timeout == 0:
		return context.WithTimeout(ctx, DefaultTimeout)
	}
	return context.WithTimeout(ctx, w.Timeout)
}

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Webhook) timestamp() string { return strconv.FormatInt(w.now().Unix(), 10) }

// header returns the header of the reply types of package wechat.
func header(r wechat.Reply) *wechat.ReplyHeader {
	switch r := r.(type) {
	case *wechat.TextReply:
		return &r.ReplyHeader
	case *wechat.ImageReply:
		return &r.ReplyHeader
	case *wechat.VoiceReply:
		return &r.ReplyHeader
	case *wechat.VideoReply:
		return &r.ReplyHeader
	case *wechat.MusicReply:
		return &r.ReplyHeader
	case *wechat.NewsReply:
		return &r.ReplyHeader
	case *wechat.TransferCustomerServiceReply:
		return &r.ReplyHeader
	}
	return nil
}

// clip keeps error messages short when a server answers with a page.
func clip(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// randomUint64 reads 8 random bytes; crypto/rand does not fail on the
// platforms Go supports.
func randomUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// newNonce returns a nonce shaped like WeChat's: a decimal number of up
// to ten digits.
func newNonce() string { return strconv.FormatUint(randomUint64()%10_000_000_000, 10) }

// newEchostr returns an echostr shaped like WeChat's: a decimal number of
// up to nineteen digits.
func newEchostr() string { return strconv.FormatUint(randomUint64()>>1, 10) }

// newMsgID returns a positive 64-bit message id, as WeChat's MsgId is.
func newMsgID() uint64 { return randomUint64()>>1 | 1 }

// Text returns a text message (文本消息) with the given content.
func Text(content string) *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeText, Content: content}
}

// Image returns an image message (图片消息) of the picture at picURL.
func Image(picURL, mediaID string) *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeImage, PicURL: picURL, MediaID: mediaID}
}

// Voice returns a voice message (语音消息); recognition is the text of
// speech recognition, empty when it is off.
func Voice(mediaID, format, recognition string) *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeVoice, MediaID: mediaID, Format: format, Recognition: recognition}
}

// Location returns a location message (地理位置消息).
func Location(latitude, longitude float64, scale int, label string) *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeLocation, LocationX: latitude, LocationY: longitude, Scale: scale, Label: label}
}

// Link returns a link message (链接消息).
func Link(title, description, url string) *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeLink, Title: title, Description: description, URL: url}
}

// Event returns an event push (事件推送) with the given EventKey: the key
// of a CLICK, the URL of a VIEW, "qrscene_…" of a subscribe through a QR
// code, or empty.
func Event(event wechat.EventType, key string) *wechat.Message {
	return &wechat.Message{MsgType: wechat.MsgTypeEvent, Event: event, EventKey: key}
}
