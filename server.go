package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// A Handler answers the messages and events WeChat pushes to the webhook.
// ServeMessage returns the passive reply, or nil for none. It runs once
// per push, however many times WeChat sends it, on the goroutine of the
// push's first attempt. Its context keeps the request's values but is not
// cancelled when WeChat drops the connection; its deadline is the
// handler timeout (WithHandlerTimeout, a minute by default). A handler
// may take longer than WeChat's 5-second window: what the webhook does
// then is its SlowReplyMode (by default, WeChat's retries wait for the
// reply, which gives a handler about 15 seconds).
//
// An error or a panic is logged through the Client's logger and WeChat
// gets "success", the answer that stops it retrying.
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
	register(&m.mu, m.types, t, h)
}

// HandleFunc registers f for messages of type t.
func (m *ServeMux) HandleFunc(t MsgType, f func(ctx context.Context, msg *Message) (Reply, error)) {
	m.Handle(t, handlerOrNil(f))
}

// HandleEvent registers h for events e, replacing any handler registered
// for e. A nil h removes the registration.
func (m *ServeMux) HandleEvent(e EventType, h Handler) {
	register(&m.mu, m.events, e, h)
}

// register sets the handler of key in routes, under mu, or removes it
// when h is nil: Handle and HandleEvent for their tables.
func register[K comparable](mu *sync.RWMutex, routes map[K]Handler, key K, h Handler) {
	mu.Lock()
	defer mu.Unlock()
	if h == nil {
		delete(routes, key)
		return
	}
	routes[key] = h
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

// DefaultTimestampWindow is how far the timestamp of a push or URL check
// may be from the Client's clock (WithTimestampWindow). WeChat signs each
// attempt afresh and retries within seconds, so only a replay is older.
const DefaultTimestampWindow = 5 * time.Minute

// Header values of the webhook's answers.
const (
	contentTypeXML   = "application/xml; charset=utf-8"
	contentTypePlain = "text/plain; charset=utf-8"
)

// WithTimestampWindow sets how far the timestamp of a push or URL check
// may be from the Client's clock (WithClock) before the webhook refuses it
// with 403: DefaultTimestampWindow by default. The plain signature covers
// only the token, timestamp and nonce, so without this check one signed
// URL from an access log stays valid for ever. WeChat's own retries of a
// push arrive within about 15 seconds and are signed afresh. Within the
// window the deduplication (WithDedupStore) keeps each push, so that a
// captured push posted again is answered as a retry and its handler does
// not run twice; WithoutDedup gives that up too.
//
// Zero turns the check off, for replaying recorded pushes in tests; a
// negative window is an ErrInvalidConfig.
func WithTimestampWindow(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("%w: negative timestamp window %v", ErrInvalidConfig, d)
		}
		c.timestampWindow = d
		return nil
	}
}

// WithInsecurePlaintext makes a webhook configured with an EncodingAESKey
// accept plaintext pushes too, for an account moving from plain to safe
// mode (or in compatible mode while it is debugged). Without it such a
// webhook refuses any push without encrypt_type=aes with 403.
//
// What it costs: a plaintext push is checked by the plain signature only,
// which covers the token, timestamp and nonce and not the body. Anyone who
// holds one signed URL of this account (from an access log, a proxy, a
// browser history) can, within the timestamp window, post any message as
// any user, and read the reply in the clear. Remove the option once the
// account is switched to safe mode.
func WithInsecurePlaintext() Option {
	return func(c *Client) error {
		c.insecurePlaintext = true
		return nil
	}
}

// Webhook returns the http.Handler of the server URL (服务器地址(URL)) that
// WeChat pushes messages to:
//
//   - GET is the URL check (验证服务器地址的有效性): it answers echostr when
//     signature matches the server token, timestamp and nonce. When the
//     request carries msg_signature (an encrypted echostr) and safe mode
//     is configured, it checks that signature over the echostr and
//     answers the decrypted echostr.
//   - POST is a message. With encrypt_type=aes (safe and compatible mode)
//     msg_signature, which covers the ciphertext, is checked, the Encrypt
//     element decrypted and the AppID inside it compared with WithAppID.
//     Without it (plain mode) signature is checked, before the body is
//     read; a Client with an EncodingAESKey refuses such a push unless
//     WithInsecurePlaintext is set, because the plain signature does not
//     cover the body. The message is then parsed and, unless it is a
//     retry of a push already seen (see DedupStore), given to h. Its reply
//     is written back, encrypted with the same key and token when the
//     request was encrypted; no reply or an error is answered "success".
//     A retry is answered with the first attempt's reply as soon as it is
//     ready. A handler still running at the deadline of an attempt
//     (WithReplyTimeout) is dealt with as WithSlowReplyMode says; when the
//     webhook answers "success" for it, the response is complete and
//     flushed, and the connection is closed when the handler returns, so
//     that nothing waits behind it.
//
// Every request must carry a timestamp within WithTimestampWindow of the
// Client's clock. A bad or stale signature, a plaintext push to a safe-mode
// webhook or an AppID mismatch is answered 403, a body that does not parse
// or decrypt 400, a body larger than WithMaxBodyBytes 413, in all cases
// without calling h. Characters XML cannot carry (control characters,
// broken UTF-8), which WeChat passes on raw from what users type, reach h
// as U+FFFD, in the message's Raw too. Before a request is authenticated the webhook only
// reads its body, growing its buffer with the bytes that arrive, and scans
// it for the Encrypt element, which it hashes in place: an unsigned
// request costs the buffer of its own body (which doubles as it grows)
// and nothing more in proportion to its size. Signatures by the previous token and messages encrypted with
// the previous key (WithPreviousServerToken, WithPreviousEncodingAESKey) are
// accepted, since WeChat switches without notice. Handler errors and
// panics are logged through WithLogger.
//
// A Client without a server token (WithServerToken) cannot verify anything:
// its webhook logs that at ERROR when it is built and answers every
// request 500 with what is missing.
func (c *Client) Webhook(h Handler) http.Handler {
	wh := &webhook{c: c, h: h}
	if len(c.keys.tokens) == 0 {
		c.logger.LogAttrs(context.Background(), slog.LevelError, "wechat: "+errNoServerToken)
	}
	return wh
}

// errNoServerToken is what a webhook without a server token says.
const errNoServerToken = "webhook cannot verify requests: no server token (WithServerToken)"

type webhook struct {
	c       *Client
	h       Handler
	flights flights
	// replyBuffers holds the *[]byte buffers render reuses.
	replyBuffers sync.Pool
}

func (wh *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(wh.c.keys.tokens) == 0 {
		// Logged when the webhook was built.
		http.Error(w, "wechat "+errNoServerToken, http.StatusInternalServerError)
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

// PushError is a push or URL check the webhook refuses (OpenPush returns
// it), with the HTTP status it answers: 403 for what is not authentic
// (a bad or stale signature, a plaintext push to a safe-mode webhook, an
// AppID mismatch), 400 for a body that does not decrypt or parse, 413
// for one larger than WithMaxBodyBytes, 500 for a webhook that lacks the
// configuration it needs.
type PushError struct {
	Status int    // the HTTP status to answer
	Reason string // what is wrong, for a log line
	Err    error  // the cause: a *CryptoError, *ParseError, …; may be nil
}

// Error implements error.
func (e *PushError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("wechat: push refused (%d): %s: %v", e.Status, e.Reason, e.Err)
	}
	return fmt.Sprintf("wechat: push refused (%d): %s", e.Status, e.Reason)
}

// Unwrap returns Err.
func (e *PushError) Unwrap() error { return e.Err }

func refuse(status int, reason string, err error) *PushError {
	return &PushError{Status: status, Reason: reason, Err: err}
}

// reject answers a request the handler never sees, and logs why.
func (wh *webhook) reject(w http.ResponseWriter, r *http.Request, e *PushError) {
	attrs := []slog.Attr{slog.Int("status", e.Status), slog.String("reason", e.Reason)}
	if e.Err != nil {
		attrs = append(attrs, slog.Any("error", e.Err))
	}
	level := slog.LevelWarn
	if e.Status >= 500 {
		level = slog.LevelError
	}
	wh.c.logger.LogAttrs(r.Context(), level, "wechat: webhook rejected a request", attrs...)
	http.Error(w, http.StatusText(e.Status), e.Status)
}

// checkTimestamp returns ts, a timestamp of WeChat's in Unix seconds, or
// an error wrapping ErrStaleTimestamp when it is not within the window of
// the Client's clock. Without a window it is not read, and is 0.
func (c *Client) checkTimestamp(ts string) (int64, error) {
	if c.timestampWindow == 0 {
		return 0, nil
	}
	// The ten digits WeChat sends, without strconv; anything else with it.
	d, ok := parseDigits(ts)
	sec := int64(d)
	if !ok {
		var err error
		if sec, err = strconv.ParseInt(ts, 10, 64); err != nil {
			return 0, &CryptoError{Err: ErrStaleTimestamp, Timestamp: clip(ts)}
		}
	}
	// Compared in seconds, and with the bounds rather than the skew: a
	// Duration, or now minus a timestamp from far away, would overflow.
	now, window := c.now().Unix(), int64(c.timestampWindow/time.Second)
	if sec < now-window || sec > now+window {
		return 0, &CryptoError{Err: ErrStaleTimestamp, Timestamp: ts}
	}
	return sec, nil
}

// signedQuery reads the query of a push or URL check and refuses what no
// signature can vouch for: a signed parameter given twice (which one
// was signed?) and a timestamp outside the window.
func (c *Client) signedQuery(r *http.Request) (pushQuery, *PushError) {
	q := parsePushQuery(r.URL.RawQuery)
	if q.repeated {
		return q, refuse(http.StatusForbidden, "a signed query parameter appears twice", nil)
	}
	var err error
	if q.unix, err = c.checkTimestamp(q.timestamp); err != nil {
		return q, refuse(http.StatusForbidden, "stale timestamp", err)
	}
	return q, nil
}

func (wh *webhook) serveURLCheck(w http.ResponseWriter, r *http.Request) {
	echo, perr := wh.c.checkURL(r)
	if perr != nil {
		wh.reject(w, r, perr)
		return
	}
	h := w.Header()
	setHeaders(h, contentTypePlain, "")
	// The echo is the request's own text: never let a browser take it
	// for a page.
	h["X-Content-Type-Options"] = []string{"nosniff"}
	_, _ = io.WriteString(w, echo)
}

// checkURL verifies a URL check and returns the echostr to answer with,
// decrypted when it came encrypted.
func (c *Client) checkURL(r *http.Request) (string, *PushError) {
	keys := c.keys
	q, perr := c.signedQuery(r)
	if perr != nil {
		return "", perr
	}
	echo := q.echostr
	if echo == "" {
		return "", refuse(http.StatusBadRequest, "URL check without echostr", nil)
	}
	if q.msgSignature != "" && (keys.err == nil || q.signature == "") {
		if keys.err != nil {
			// Without safe mode only the plain signature could
			// authenticate it, and there is none: refused as unsigned,
			// with what is missing for the log.
			return "", refuse(http.StatusForbidden, "encrypted URL check without signature, and safe mode is not configured", keys.err)
		}
		if keys.verify(q.msgSignature, q.timestamp, q.nonce, echo) < 0 {
			return "", refuse(http.StatusForbidden, "bad msg_signature", nil)
		}
		plain, _, err := keys.open(echo)
		if err != nil {
			return "", refuse(statusOf(err), "echostr does not decrypt", err)
		}
		return string(plain), nil
	}
	if keys.verify(q.signature, q.timestamp, q.nonce, "") < 0 {
		return "", refuse(http.StatusForbidden, "bad signature", nil)
	}
	return echo, nil
}

// statusOf maps a decryption error to the status of the answer.
func statusOf(err error) int {
	if errors.Is(err, ErrAppIDMismatch) || errors.Is(err, ErrInvalidSignature) {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// opened is a push that passed verification: its plaintext, and how to
// answer it.
type opened struct {
	body      []byte
	encrypted bool
	token     int // the token and key that signed and encrypted it
	key       int
	nonce     string
	timestamp int64 // the query's, in Unix seconds; 0 without a timestamp window
}

// OpenPush verifies a push WeChat posted, with every check of Webhook and
// in the same order (the timestamp window, the signature before the body
// is read in plain mode, a bounded read, msg_signature over the Encrypt
// element before anything is parsed, then decryption and the AppID), and
// returns its plaintext XML: the decrypted body in safe and compatible
// mode. It is for servers that route pushes themselves, such as a
// third-party platform's authorization events, whose XML carries
// InfoType instead of MsgType. A refused push is a *PushError whose
// Status is what to answer; its Err is the *CryptoError or other cause.
func (c *Client) OpenPush(r *http.Request) ([]byte, error) {
	o, perr := c.open(r)
	if perr != nil {
		return nil, perr
	}
	return o.body, nil
}

func (c *Client) open(r *http.Request) (opened, *PushError) {
	keys := c.keys
	if len(keys.tokens) == 0 {
		return opened{}, refuse(http.StatusInternalServerError, errNoServerToken, nil)
	}
	q, perr := c.signedQuery(r)
	if perr != nil {
		return opened{}, perr
	}
	o := opened{token: -1, key: -1, nonce: q.nonce, timestamp: q.unix}
	// encrypt_type is read exactly as WeChat sends it: "aes" in safe and
	// compatible mode, nothing (or "raw") in plain mode.
	switch q.encryptType {
	case "aes":
		o.encrypted = true
	case "", "raw":
	default:
		return opened{}, refuse(http.StatusForbidden, "unknown encrypt_type", nil)
	}
	if o.encrypted {
		if keys.err != nil {
			// WeChat signs every push in plain too: one that is not
			// signed is refused before the misconfiguration is
			// reported, so that only WeChat's pushes raise it.
			if keys.verify(q.signature, q.timestamp, q.nonce, "") < 0 {
				return opened{}, refuse(http.StatusForbidden, "bad signature", nil)
			}
			return opened{}, refuse(http.StatusInternalServerError, "encrypted message but safe mode is not configured", keys.err)
		}
	} else {
		if len(keys.keys) > 0 && !c.insecurePlaintext {
			// The plain signature does not cover the body: believing
			// it would let one leaked URL forge any message.
			return opened{}, refuse(http.StatusForbidden, "plaintext push to a safe-mode webhook (see WithInsecurePlaintext)", nil)
		}
		if o.token = keys.verify(q.signature, q.timestamp, q.nonce, ""); o.token < 0 {
			// Checked before the body is read: nothing unsigned is parsed.
			return opened{}, refuse(http.StatusForbidden, "bad signature", nil)
		}
	}

	body, err := readBody(r, c.maxBodyBytes)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return opened{}, refuse(http.StatusRequestEntityTooLarge, "body too large", err)
		}
		return opened{}, refuse(http.StatusBadRequest, "body unreadable", err)
	}
	o.body = body
	if o.encrypted {
		// Only what the signature check needs is done before it: a
		// scan for the Encrypt element, with no parsing.
		text, ok := findEncrypt(body)
		// The webhook owns body and never writes it: the ciphertext is
		// read in place, not copied before it is authenticated.
		enc := unsafe.String(unsafe.SliceData(text), len(text))
		if !ok {
			return opened{}, refuse(http.StatusForbidden, "bad msg_signature (no Encrypt element)", nil)
		}
		if o.token = keys.verify(q.msgSignature, q.timestamp, q.nonce, enc); o.token < 0 {
			return opened{}, refuse(http.StatusForbidden, "bad msg_signature", nil)
		}
		if o.body, o.key, err = keys.open(enc); err != nil {
			return opened{}, refuse(statusOf(err), "message does not decrypt", err)
		}
	}
	return o, nil
}

func (wh *webhook) serveMessage(w http.ResponseWriter, r *http.Request) {
	if d := bodyDeadline(w); d != nil {
		// WeChat sends a push at once: a body still coming in when
		// WeChat would have given up is not WeChat's, and before it is
		// read nothing can tell (in safe mode) whether it is signed.
		// Without a deadline of its own, a server with no ReadTimeout
		// (http.ListenAndServe's) lets it hold the connection for ever.
		// net/http lifts the deadline once the body has ended, before
		// the handler runs; for a request refused before its body is
		// read, it bounds what net/http reads of the rest, and the
		// connection's next request gets deadlines of its own.
		_ = d.SetReadDeadline(time.Now().Add(wh.c.replyTimeout))
	}
	o, perr := wh.c.open(r)
	if perr != nil {
		wh.reject(w, r, perr)
		return
	}
	msg, err := parseOwnedMessage(o.body)
	if err != nil {
		// A user's control character or broken UTF-8, which WeChat
		// passes on raw, must not cost the message: a 400 makes WeChat
		// retry and then tell the user the account is broken.
		if clean := replaceIllegalChars(o.body); clean != nil {
			msg, err = parseOwnedMessage(clean)
		}
	}
	if err != nil {
		wh.reject(w, r, refuse(http.StatusBadRequest, "bad message", err))
		return
	}
	wh.dispatch(&push{w: w, r: r, msg: msg, encrypted: o.encrypted, token: o.token, key: o.key, nonce: o.nonce, timestamp: o.timestamp})
}

// setHeaders sets the headers of an answer, with values of its own: a
// middleware may edit them in place. contentLength is left out when "".
func setHeaders(h http.Header, contentType, contentLength string) {
	if contentLength == "" {
		h["Content-Type"] = []string{contentType}
		return
	}
	v := make([]string, 2)
	v[0], v[1] = contentType, contentLength
	// Full slices, so that an append by a middleware copies.
	h["Content-Type"] = v[0:1:1]
	h["Content-Length"] = v[1:2:2]
}

// writeSuccess answers "success": WeChat takes it as "no reply" and does
// not retry. With closeConn the connection is not kept alive: the
// request's goroutine is still busy, and a next request on the connection
// would wait for it.
func writeSuccess(w http.ResponseWriter, closeConn bool) {
	h := w.Header()
	setHeaders(h, contentTypePlain, "7")
	if closeConn {
		h["Connection"] = []string{"close"}
	}
	_, _ = io.WriteString(w, "success")
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
		slog.Uint64("msg_id", msg.MsgID),
		slog.Any("error", err))
}

// readDeadliner is the part of http.ResponseController's view of a
// ResponseWriter that sets the connection's read deadline.
type readDeadliner interface{ SetReadDeadline(time.Time) error }

// bodyDeadline returns what sets the read deadline of w's connection, nil
// when w (or what it wraps, through Unwrap as http.ResponseController
// looks) has none, as a ResponseRecorder. It is looked up by hand because
// ResponseController allocates an error for a writer without one.
func bodyDeadline(w http.ResponseWriter) readDeadliner {
	for range 8 { // a bound on middlewares' wrapping
		switch t := w.(type) {
		case readDeadliner:
			return t
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// Reading a body: the first buffer is at most bodyChunk bytes, and the
// buffer grows only as bytes arrive, so that a request announcing a large
// Content-Length and sending nothing holds nothing.
const bodyChunk = 8 << 10

// readBody reads the request body, at most limit bytes; a larger body is
// an *http.MaxBytesError.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	size := int64(bodyChunk)
	if r.ContentLength >= 0 && r.ContentLength < size {
		size = r.ContentLength + 1 // room to see the end without growing
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, &http.MaxBytesError{Limit: limit}
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			// Grow by what has arrived: doubling, never by what the
			// client announced.
			b = slices.Grow(b, min(len(b), int(limit)+1-len(b)))
		}
	}
}

// findEncrypt returns the text of the Encrypt element directly under the
// root of a safe- or compatible-mode body. It is the only look at a body
// before its signature is checked, so it parses nothing: one pass that
// skips markup, comments and CDATA sections (a compatible-mode body also
// carries the plaintext message, whose Content may contain anything)
// and allocates nothing: the text is a slice of b.
func findEncrypt(b []byte) ([]byte, bool) {
	depth := 0
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return nil, false
		}
		i += j
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, cdataOpen):
			k := bytes.Index(rest, cdataClose)
			if k < 0 {
				return nil, false
			}
			i += k + len(cdataClose)
		case bytes.HasPrefix(rest, commentOpen):
			k := bytes.Index(rest[len(commentOpen):], commentClose)
			if k < 0 {
				return nil, false
			}
			i += len(commentOpen) + k + len(commentClose)
		case len(rest) > 1 && (rest[1] == '?' || rest[1] == '!'):
			k := bytes.IndexByte(rest, '>')
			if k < 0 {
				return nil, false
			}
			i += k + 1
		case len(rest) > 1 && rest[1] == '/':
			depth--
			k := bytes.IndexByte(rest, '>')
			if k < 0 || depth < 0 {
				return nil, false
			}
			i += k + 1
		default:
			k := bytes.IndexByte(rest, '>')
			if k < 0 {
				return nil, false
			}
			if rest[k-1] == '/' {
				i += k + 1
				continue
			}
			if depth == 1 && string(rest[1:k]) == "Encrypt" {
				return encryptText(rest[k+1:])
			}
			depth++
			i += k + 1
		}
	}
	return nil, false
}

var (
	cdataOpen    = []byte("<![CDATA[")
	cdataClose   = []byte("]]>")
	commentOpen  = []byte("<!--")
	commentClose = []byte("-->")
	encryptClose = []byte("</Encrypt>")
)

// encryptText reads the content of an Encrypt element, a CDATA section or
// plain text (base64 needs no escaping), up to its end tag.
func encryptText(b []byte) ([]byte, bool) {
	var text []byte
	if bytes.HasPrefix(b, cdataOpen) {
		b = b[len(cdataOpen):]
		k := bytes.Index(b, cdataClose)
		if k < 0 {
			return nil, false
		}
		text, b = b[:k], b[k+len(cdataClose):]
	} else {
		k := bytes.IndexByte(b, '<')
		if k < 0 {
			return nil, false
		}
		text, b = b[:k], b[k:]
	}
	if len(text) == 0 || !bytes.HasPrefix(b, encryptClose) {
		// An empty ciphertext adds nothing to msg_signature, which
		// would then be the plain signature.
		return nil, false
	}
	return text, true
}

// pushQuery is what the webhook reads of the query WeChat adds to a push
// or URL check, taken in one pass without building a url.Values.
type pushQuery struct {
	signature, msgSignature, timestamp, nonce, echostr, encryptType string
	// repeated is set when one of these parameters appears twice: a
	// request WeChat never sends, and one whose meaning would depend on
	// which value is read.
	repeated bool
	// unix is the timestamp in Unix seconds, once signedQuery has
	// checked it (0 without a timestamp window).
	unix int64
}

func parsePushQuery(raw string) pushQuery {
	var q pushQuery
	var seen uint8
	// WeChat's queries escape nothing: two scans of the whole query
	// spare every pair its own.
	escaped := strings.IndexByte(raw, '%') >= 0 || strings.IndexByte(raw, '+') >= 0
	for raw != "" {
		// Where the pair ends and where its '=' is are found with
		// IndexByte, which scans many bytes a step; whether anything in
		// the pair is escaped, likewise.
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if escaped && (strings.IndexByte(kv, '%') >= 0 || strings.IndexByte(kv, '+') >= 0) {
			uk, err := url.QueryUnescape(k)
			if err != nil {
				continue
			}
			k = uk
			v = unescapeValue(v)
		}
		var dst *string
		var bit uint8
		switch k {
		case "signature":
			dst, bit = &q.signature, 1
		case "msg_signature":
			dst, bit = &q.msgSignature, 2
		case "timestamp":
			dst, bit = &q.timestamp, 4
		case "nonce":
			dst, bit = &q.nonce, 8
		case "echostr":
			dst, bit = &q.echostr, 16
		case "encrypt_type":
			dst, bit = &q.encryptType, 32
		default:
			continue
		}
		if seen&bit != 0 {
			q.repeated = true
		}
		seen |= bit
		*dst = v
	}
	return q
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
