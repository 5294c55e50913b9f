package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// A Handler answers the messages and events WeChat pushes to the webhook.
// ServeMessage returns the passive reply, or nil for none. It runs on the
// request's goroutine; ctx is the request's context with a deadline
// inside WeChat's 5-second window. Work that takes longer belongs in a
// goroutine that answers through the customer-service API: at the
// deadline the webhook answers for the handler and drops its reply.
//
// An error or a panic is logged through the Client's logger and WeChat
// gets "success", the answer that stops it retrying: WeChat resends a
// push it gets no valid answer to, up to three times.
type Handler interface {
	ServeMessage(ctx context.Context, msg *Message) (Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg *Message) (Reply, error)

// ServeMessage calls f(ctx, msg).
func (f HandlerFunc) ServeMessage(ctx context.Context, msg *Message) (Reply, error) {
	return f(ctx, msg)
}

// ServeMux routes messages to handlers by event (for MsgType event) and
// by message type, in the manner of http.ServeMux. A message goes to the
// handler of its event if there is one, else to that of its MsgType
// (Handle(MsgTypeEvent, h) catches every event without its own handler),
// else to the default handler; with none of them it gets no reply.
//
// It is safe to register handlers while the mux is serving.
type ServeMux struct {
	mu     sync.RWMutex
	types  map[MsgType]Handler
	events map[EventType]Handler
	deflt  Handler
}

// NewServeMux returns an empty ServeMux.
func NewServeMux() *ServeMux {
	return &ServeMux{types: map[MsgType]Handler{}, events: map[EventType]Handler{}}
}

// Handle registers h for messages of type t, replacing any handler
// registered for t. A nil h removes the registration.
func (m *ServeMux) Handle(t MsgType, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h == nil {
		delete(m.types, t)
		return
	}
	m.types[t] = h
}

// HandleFunc registers f for messages of type t.
func (m *ServeMux) HandleFunc(t MsgType, f func(ctx context.Context, msg *Message) (Reply, error)) {
	m.Handle(t, handlerOrNil(f))
}

// HandleEvent registers h for events e, replacing any handler registered
// for e. A nil h removes the registration.
func (m *ServeMux) HandleEvent(e EventType, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h == nil {
		delete(m.events, e)
		return
	}
	m.events[e] = h
}

// HandleEventFunc registers f for events e.
func (m *ServeMux) HandleEventFunc(e EventType, f func(ctx context.Context, msg *Message) (Reply, error)) {
	m.HandleEvent(e, handlerOrNil(f))
}

// HandleDefault registers h for messages no other handler takes. A nil h
// removes it.
func (m *ServeMux) HandleDefault(h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deflt = h
}

// HandleDefaultFunc registers f for messages no other handler takes.
func (m *ServeMux) HandleDefaultFunc(f func(ctx context.Context, msg *Message) (Reply, error)) {
	m.HandleDefault(handlerOrNil(f))
}

func handlerOrNil(f func(ctx context.Context, msg *Message) (Reply, error)) Handler {
	if f == nil {
		return nil
	}
	return HandlerFunc(f)
}

// Handler returns the handler msg would be sent to, or nil.
func (m *ServeMux) Handler(msg *Message) Handler {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if msg.MsgType == MsgTypeEvent {
		if h, ok := m.events[msg.Event]; ok {
			return h
		}
	}
	if h, ok := m.types[msg.MsgType]; ok {
		return h
	}
	return m.deflt
}

// ServeMessage sends msg to its handler (see ServeMux) and returns its
// reply; with no handler there is no reply.
func (m *ServeMux) ServeMessage(ctx context.Context, msg *Message) (Reply, error) {
	h := m.Handler(msg)
	if h == nil {
		return nil, nil
	}
	return h.ServeMessage(ctx, msg)
}

// replyTimeout is how long the webhook waits for a Handler. WeChat drops
// the connection after 5 s; the rest is left for the network.
const replyTimeout = 4500 * time.Millisecond

// Content types of the webhook's answers. They are assigned to the
// header map directly: full slices, so that an append by a middleware
// copies instead of writing into them.
var (
	contentTypeXML       = []string{"application/xml; charset=utf-8"}
	contentTypePlain     = []string{"text/plain; charset=utf-8"}
	contentLengthSuccess = []string{"7"}
	headerNoSniff        = []string{"nosniff"}
)

// Webhook returns the http.Handler of the server URL (服务器地址(URL)) that
// WeChat pushes messages to:
//
//   - GET is the URL check (验证服务器地址的有效性): it answers echostr when
//     signature matches the server token, timestamp and nonce. When the
//     request carries msg_signature (an encrypted echostr) and safe mode
//     is configured, it checks that signature over the echostr and
//     answers the decrypted echostr.
//   - POST is a message. In plain mode signature is checked; with
//     encrypt_type=aes (safe and compatible mode) msg_signature is
//     checked, the Encrypt element decrypted and the AppID inside it
//     compared with WithAppID. The message is then parsed and given to h
//     with the request's context and a deadline inside WeChat's 5-second
//     window. Its reply is written back, encrypted with the same key and
//     token when the request was encrypted; no reply or an error is
//     answered "success", and so is a handler still running at the
//     deadline, at once (the response is complete and flushed; the
//     connection is released when the handler returns).
//
// A bad signature or an AppID mismatch is answered 403, a body that does
// not parse or decrypt 400, a body larger than WithMaxBodyBytes 413, in
// all cases without calling h. Signatures by the previous token and
// messages encrypted with the previous key (WithPreviousToken,
// WithPreviousEncodingAESKey) are accepted, since WeChat switches without
// notice. Handler errors and panics are logged through WithLogger.
func (c *Client) Webhook(h Handler) http.Handler {
	return &webhook{c: c, h: h, keys: c.keyRing(), timeout: replyTimeout}
}

type webhook struct {
	c       *Client
	h       Handler
	keys    *keyRing
	timeout time.Duration // replyTimeout; shortened by tests
}

func (wh *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(wh.keys.tokens) == 0 {
		wh.c.logger.LogAttrs(r.Context(), slog.LevelError, "wechat: webhook cannot verify requests: no server token (WithToken)")
		http.Error(w, "server token not configured", http.StatusInternalServerError)
		return
	}
	switch r.Method {
	case http.MethodPost:
		wh.serveMessage(w, r)
	case http.MethodGet, http.MethodHead:
		wh.serveURLCheck(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// reject answers a request the handler never sees, and logs why.
func (wh *webhook) reject(w http.ResponseWriter, r *http.Request, status int, why string, err error) {
	attrs := []slog.Attr{slog.Int("status", status), slog.String("reason", why)}
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	wh.c.logger.LogAttrs(r.Context(), level, "wechat: webhook rejected a request", attrs...)
	http.Error(w, http.StatusText(status), status)
}

func (wh *webhook) serveURLCheck(w http.ResponseWriter, r *http.Request) {
	q := r.URL.RawQuery
	ts, nonce, echo := queryGet(q, "timestamp"), queryGet(q, "nonce"), queryGet(q, "echostr")
	if echo == "" {
		wh.reject(w, r, http.StatusBadRequest, "URL check without echostr", nil)
		return
	}
	sig, msgSig := queryGet(q, "signature"), queryGet(q, "msg_signature")
	if msgSig != "" && (wh.keys.err == nil || sig == "") {
		if wh.keys.err != nil {
			wh.reject(w, r, http.StatusInternalServerError, "encrypted URL check but safe mode is not configured", wh.keys.err)
			return
		}
		if wh.keys.verify(msgSig, ts, nonce, echo) < 0 {
			wh.reject(w, r, http.StatusForbidden, "bad msg_signature", nil)
			return
		}
		plain, _, err := wh.keys.open(echo)
		if err != nil {
			wh.reject(w, r, statusOf(err), "echostr does not decrypt", err)
			return
		}
		echo = string(plain)
	} else if wh.keys.verify(sig, ts, nonce, "") < 0 {
		wh.reject(w, r, http.StatusForbidden, "bad signature", nil)
		return
	}
	h := w.Header()
	h["Content-Type"] = contentTypePlain
	h["X-Content-Type-Options"] = headerNoSniff
	_, _ = io.WriteString(w, echo)
}

// statusOf maps a decryption error to the status of the answer.
func statusOf(err error) int {
	if errors.Is(err, ErrAppIDMismatch) || errors.Is(err, ErrInvalidSignature) {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func (wh *webhook) serveMessage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.RawQuery
	ts, nonce := queryGet(q, "timestamp"), queryGet(q, "nonce")
	encrypted := queryGet(q, "encrypt_type") == "aes"
	token, key := -1, -1
	if encrypted {
		if wh.keys.err != nil {
			wh.reject(w, r, http.StatusInternalServerError, "encrypted message but safe mode is not configured", wh.keys.err)
			return
		}
	} else if token = wh.keys.verify(queryGet(q, "signature"), ts, nonce, ""); token < 0 {
		// Checked before the body is read: nothing unsigned is parsed.
		wh.reject(w, r, http.StatusForbidden, "bad signature", nil)
		return
	}

	body, err := readBody(w, r, wh.c.maxBodyBytes)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			wh.reject(w, r, http.StatusRequestEntityTooLarge, "body too large", nil)
		} else {
			wh.reject(w, r, http.StatusBadRequest, "body unreadable", err)
		}
		return
	}

	if encrypted {
		env, err := ParseEnvelope(body)
		if err != nil {
			wh.reject(w, r, http.StatusBadRequest, "bad encrypted body", err)
			return
		}
		if token = wh.keys.verify(queryGet(q, "msg_signature"), ts, nonce, env.Encrypt); token < 0 {
			wh.reject(w, r, http.StatusForbidden, "bad msg_signature", nil)
			return
		}
		if body, key, err = wh.keys.open(env.Encrypt); err != nil {
			wh.reject(w, r, statusOf(err), "message does not decrypt", err)
			return
		}
	}

	msg, err := ParseMessage(body)
	if err != nil {
		wh.reject(w, r, http.StatusBadRequest, "bad message", err)
		return
	}

	reply, answered := wh.call(r.Context(), w, msg)
	if answered {
		return
	}
	var out []byte
	if reply != nil {
		out, err = reply.AppendXML(make([]byte, 0, 512))
		if err == nil && encrypted {
			out, err = wh.keys.seal(out, token, key, unixString(wh.c.now().Unix()), nonce)
		}
		if err != nil {
			wh.logFailure(r.Context(), msg, "wechat: webhook reply not sent", err)
			out = nil
		}
	}
	if out == nil {
		writeSuccess(w)
		return
	}
	w.Header()["Content-Type"] = contentTypeXML
	_, _ = w.Write(out)
}

// writeSuccess answers "success": WeChat takes it as "no reply" and does
// not retry.
func writeSuccess(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = contentTypePlain
	h["Content-Length"] = contentLengthSuccess
	_, _ = io.WriteString(w, "success")
}

// call runs the handler on the request's goroutine with a deadline
// inside WeChat's window. A handler that overruns it is not abandoned
// (it keeps its goroutine and sees its context done), but a watchdog
// answers "success" at the deadline, with its length set and flushed, so
// that WeChat has a complete answer in time; answered then reports that
// the response is written and the handler's late reply is dropped.
func (wh *webhook) call(ctx context.Context, w http.ResponseWriter, msg *Message) (reply Reply, answered bool) {
	if wh.h == nil {
		return nil, false
	}
	reqCtx := ctx
	ctx, cancel := context.WithTimeout(ctx, wh.timeout)
	defer cancel()
	g := &watchdog{wh: wh, ctx: reqCtx, w: w, msg: msg}
	t := time.AfterFunc(wh.timeout, g.expire)
	reply, err := serveMessage(ctx, wh.h, msg)
	g.mu.Lock()
	g.returned = true
	answered = g.answered
	g.mu.Unlock()
	t.Stop()
	if answered {
		return nil, true
	}
	if err != nil {
		wh.logFailure(ctx, msg, "wechat: webhook handler failed", err)
		return nil, false
	}
	return reply, false
}

// watchdog answers for a handler that overruns its deadline. Its lock
// decides whether the handler or the deadline came first, and keeps the
// request's goroutine from returning while the watchdog writes.
type watchdog struct {
	wh  *webhook
	ctx context.Context // the request's, for the log
	w   http.ResponseWriter
	msg *Message

	mu       sync.Mutex
	returned bool // the handler returned
	answered bool // the deadline came first and the response is written
}

func (g *watchdog) expire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.returned {
		return
	}
	g.answered = true
	g.wh.logFailure(g.ctx, g.msg, "wechat: webhook handler did not return in time", context.DeadlineExceeded)
	writeSuccess(g.w)
	_ = http.NewResponseController(g.w).Flush()
}

// serveMessage calls h, turning a panic into an error.
func serveMessage(ctx context.Context, h Handler, msg *Message) (reply Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			reply, err = nil, fmt.Errorf("wechat: handler panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h.ServeMessage(ctx, msg)
}

func (wh *webhook) logFailure(ctx context.Context, msg *Message, what string, err error) {
	wh.c.logger.LogAttrs(ctx, slog.LevelError, what,
		slog.String("msg_type", string(msg.MsgType)),
		slog.String("event", string(msg.Event)),
		slog.Int64("msg_id", msg.MsgID),
		slog.Any("error", err))
}

// readBody reads the request body, at most limit bytes; a larger body is
// an *http.MaxBytesError. A body of known length is read in one buffer
// (net/http stops it at Content-Length); one of unknown length through
// http.MaxBytesReader.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	if r.ContentLength > 0 {
		b := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// queryGet returns the first value of key in a raw query string, like
// url.Values.Get, without building the map.
func queryGet(raw, key string) string {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != key {
			if strings.ContainsAny(k, "%+") {
				if uk, err := url.QueryUnescape(k); err == nil && uk == key {
					return unescapeValue(v)
				}
			}
			continue
		}
		return unescapeValue(v)
	}
	return ""
}

func unescapeValue(v string) string {
	if !strings.ContainsAny(v, "%+") {
		return v
	}
	u, err := url.QueryUnescape(v)
	if err != nil {
		return ""
	}
	return u
}
