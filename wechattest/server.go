package wechattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// Defaults of a Server built without options.
const (
	DefaultAppID     = "wx0000000000fa4e00"
	DefaultAppSecret = "wechattest-app-secret"

	// DefaultTokenLifetime is the lifetime of access tokens and jsapi
	// tickets, WeChat's expires_in of 7200 seconds.
	DefaultTokenLifetime = 2 * time.Hour

	// DefaultRetiredTokenGrace is how long a token retired by a newer
	// cgi-bin/token call keeps working, as documented.
	DefaultRetiredTokenGrace = 5 * time.Minute

	// DefaultPageSize is the number of openids per page of user/get,
	// user/tag/get and tags/members/getblacklist.
	DefaultPageSize = 10000
)

// maxRequestBytes bounds the body the fake reads; WeChat's largest upload
// (a 10 MB video) fits.
const maxRequestBytes = 32 << 20

// Server is a fake WeChat API server listening on a loopback address.
// Build it with NewServer and stop it with Close.
//
// Each API group keeps its state in a type of its own, with its own lock,
// in the file of the group: tokens (token.go), menus (menu.go), temporary
// media (media.go), permanent materials (material.go), drafts and
// publishing (draft.go), followers, tags, groups and the blacklist
// (user.go), web authorization (oauth.go), template, customer-service and
// mass messages (message.go), QR codes (qrcode.go), customer-service
// accounts and sessions (kf.go), subscribe messages (subscribe.go),
// statistics (datacube.go), image services (ocr.go), operations:
// quotas, rids, short keys (basic.go), comments (comment.go), auto-reply
// rules (autoreply.go), publisher statistics (publisher.go) and linked
// Mini Programs (wxamplink.go). A group that reads another's state calls
// it through methods that take the other's lock; the groups form a
// hierarchy (messages and subscribe messages above customer service,
// followers, media, materials and drafts; drafts above materials;
// messages and drafts above comments, comments above followers), and a
// lower group never calls a higher one, so no two locks are ever taken in
// opposite orders.
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:54321",
	// without a trailing slash: pass it to wechat.WithBaseURL.
	URL string

	ts        *httptest.Server
	owner     *Server // the platform's server, for an authorized account (platform.go)
	done      chan struct{}
	closeOnce sync.Once

	cfg config       // fixed once NewServer returns
	seq atomic.Int64 // source of ids and msgids
	rec recorder     // requests, faults and rids (inspect.go)
	out outbox       // messages sent (inspect.go)

	tokens    *tokenAPI
	menus     *menuAPI
	media     *mediaAPI
	materials *materialAPI
	drafts    *draftAPI
	users     *userAPI
	oauth     *oauthAPI
	messages  *messageAPI
	qrcodes   *qrcodeAPI
	kf        *kfAPI
	subscribe *subscribeAPI
	stats     *statsAPI
	images    *imageAPI
	ops       *opsAPI
	comments  *commentAPI
	autoReply *autoReplyAPI
	publisher *publisherAPI
	wxaLinks  *wxaLinkAPI
	open      *openAPI
	platform  *platformAPI // the third-party platform (platform.go)

	routes map[string]route // every modelled API, fixed once NewServer returns

	customMu sync.RWMutex
	custom   map[string]http.Handler // routes added with Handle
}

// Request is one request as the server received it.
type Request struct {
	Method string
	Path   string
	// Query is the parsed query string, access_token included.
	Query  url.Values
	Header http.Header
	Body   []byte
	Time   time.Time // by the server's clock
}

// NewServer starts a fake WeChat API server on a loopback address. The
// caller must Close it. Like httptest.NewServer, it panics if it cannot
// listen, and it panics when an option has an invalid value, with a
// message that names the option: a test that sets a value has a reason
// to, and a fake that quietly kept its default would let the test pass
// without testing anything.
func NewServer(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			panic("wechattest: NewServer: " + err.Error())
		}
	}
	s, err := newServer(cfg)
	if err != nil {
		panic("wechattest: NewServer: " + err.Error())
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// newServer builds the state and routes of a server, without listening:
// NewServer listens; the accounts authorized to a third-party platform
// are served through the platform's server (platform.go). It fails for
// an option that names an API the fake does not model.
func newServer(cfg config) (*Server, error) {
	s := &Server{done: make(chan struct{}), cfg: cfg, custom: make(map[string]http.Handler)}
	s.seq.Store(1 << 32) // msgids beyond 32 bits, as WeChat's are
	s.rec.init()
	now := cfg.now()
	s.tokens = newTokenAPI(s)
	s.menus = &menuAPI{group: group{s: s}}
	s.media = &mediaAPI{group: group{s: s}, files: make(map[string]*mediaFile)}
	s.materials = newMaterialAPI(s)
	s.drafts = newDraftAPI(s)
	s.users = newUserAPI(s, now)
	s.oauth = newOAuthAPI(s)
	s.messages = newMessageAPI(s)
	s.qrcodes = &qrcodeAPI{group: group{s: s}, codes: make(map[string]*qrcode)}
	s.kf = newKFAPI(s, now)
	s.subscribe = newSubscribeAPI(s)
	s.stats = &statsAPI{group: group{s: s}}
	s.images = &imageAPI{group: group{s: s}}
	s.ops = newOpsAPI(s)
	s.comments = newCommentAPI(s)
	s.autoReply = newAutoReplyAPI(s, now)
	s.publisher = &publisherAPI{group: group{s: s}}
	s.wxaLinks = newWxaLinkAPI(s)
	s.open = &openAPI{group: group{s: s}}
	s.platform = newPlatformAPI(s)
	s.routes = make(map[string]route)
	for _, rt := range s.routeList() {
		if _, dup := s.routes[rt.path]; dup {
			panic("wechattest: two routes for " + rt.path)
		}
		s.routes[rt.path] = rt
	}
	for path := range cfg.quotas {
		if _, ok := s.routes[path]; !ok {
			return nil, fmt.Errorf("WithQuota: %s is not an API the fake models", path)
		}
	}
	return s, nil
}

// Close shuts the server down, ending injected latencies early, and waits
// for the requests in flight.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.ts != nil && s.owner == nil {
			s.ts.Close()
		}
	})
}

// AppID returns the AppID the server accepts.
func (s *Server) AppID() string { return s.cfg.appID }

// AppSecret returns the AppSecret the server accepts.
func (s *Server) AppSecret() string { return s.cfg.appSecret }

// HTTPClient returns an HTTP client for the server, for tests that send
// raw requests.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Client returns a wechat.Client pointed at the server with its AppID and
// AppSecret. opts are applied after those and may override them.
func (s *Server) Client(opts ...wechat.Option) (*wechat.Client, error) {
	base := []wechat.Option{
		wechat.WithAppID(s.cfg.appID),
		wechat.WithAppSecret(s.cfg.appSecret),
		wechat.WithBaseURL(s.URL),
		wechat.WithHTTPClient(s.ts.Client()),
	}
	return wechat.New(append(base, opts...)...)
}

// Handle serves path with h instead of the fake's own API, or in addition
// to it for a path the fake does not model: an endpoint WeChat added, or
// an answer a test wants to dictate. h sees the request as sent, body
// included, and writes the whole answer; the fake checks no token and
// keeps no state for it. Requests to path are still counted by Calls and
// listed by Requests, and FailNext, DropNext and SetLatency still apply.
// A nil h removes the override. Handle may be called while the server
// runs.
func (s *Server) Handle(path string, h http.Handler) {
	s.customMu.Lock()
	defer s.customMu.Unlock()
	if h == nil {
		delete(s.custom, path)
		return
	}
	s.custom[path] = h
}

// Modelled reports whether the fake has its own model of path (such as
// "/cgi-bin/menu/get"); paths added with Handle do not count.
func (s *Server) Modelled(path string) bool {
	_, ok := s.routes[path]
	return ok
}

// routeList returns the routes of every API group, as the groups list
// them: a path listed twice appears twice.
func (s *Server) routeList() []route {
	var rs []route
	for _, list := range [][]route{
		s.tokens.routes(), s.menus.routes(), s.media.routes(), s.materials.routes(),
		s.drafts.routes(), s.users.routes(), s.oauth.routes(), s.messages.routes(),
		s.qrcodes.routes(), s.kf.routes(), s.subscribe.routes(), s.stats.routes(),
		s.images.routes(), s.ops.routes(), s.comments.routes(), s.autoReply.routes(),
		s.publisher.routes(), s.wxaLinks.routes(), s.open.routes(), s.platform.routes(),
	} {
		rs = append(rs, list...)
	}
	return rs
}

// now reads the server's clock.
func (s *Server) now() time.Time { return s.cfg.now() }

// next returns a fresh number for ids and msgids.
func (s *Server) next() int64 { return s.seq.Add(1) }

// handler answers one API call: a JSON document, an *apiError, a
// *fileReply or a statusReply. It runs with its group's lock held.
type handler func(x *exchange) any

// route is one API of the fake.
type route struct {
	// id is the client's endpoint the route serves, or unlisted.
	id      endpoint.ID
	method  string // http.MethodGet or http.MethodPost
	path    string
	noToken bool        // the call carries other credentials, or none
	lock    *sync.Mutex // the lock of the group the API belongs to
	handle  handler
}

// unlisted is the id of a route that serves no endpoint of the client's
// table.
const unlisted endpoint.ID = -1

// group is what every API group shares: its lock and the server.
type group struct {
	mu sync.Mutex
	s  *Server
}

// route builds the route of an endpoint the client calls. Its method,
// path and credential are the client's table entry, so that the fake
// serves what the client sends and answers the other method with 43001
// or 43002, as WeChat does. An endpoint.AccessToken route has its
// access_token checked before the handler runs; the handlers of the
// others check what they carry (a secret, a user's token, or the
// component_access_token of a third-party platform, platform.go). The
// host is not the fake's concern: it serves api and mp paths alike on
// its one address.
func (g *group) route(id endpoint.ID, h handler) route {
	e := endpoint.Get(id)
	return route{id: id, method: e.Method, path: e.Path, noToken: e.Auth != endpoint.AccessToken, lock: &g.mu, handle: h}
}

// literal builds a route that is in no endpoint of the client's table: a
// WeChat API the client does not call, or an address of the fake's own,
// such as the download of an uploaded file (see download). Each use says
// why it is not in the table. auth is endpoint.AccessToken or
// endpoint.None, as for an endpoint.
func (g *group) literal(method, path string, auth endpoint.Auth, h handler) route {
	return route{id: unlisted, method: method, path: path, noToken: auth == endpoint.None, lock: &g.mu, handle: h}
}

// download builds the route of an address the fake hands out in a reply
// for a file to be fetched (a url field), standing in for WeChat's CDN or
// download hosts. It is in no endpoint of the client's table: no client
// method calls it, whoever holds the URL fetches it with a GET and no
// access token.
func (g *group) download(path string, h handler) route {
	return g.literal(http.MethodGet, path, endpoint.None, h)
}

// decoding adapts h, a handler of the JSON body T, to a handler: the
// body is decoded into a T before h sees it, and one that is empty or
// not JSON is answered as decode answers it, without calling h.
func decoding[T any](h func(x *exchange, req T) any) handler {
	return func(x *exchange) any {
		var req T
		if e := x.decode(&req); e != nil {
			return e
		}
		return h(x, req)
	}
}

// edit applies change to the entry of m at key and reports whether m
// has one, for the Server methods that change a thing a test names.
func edit[K comparable, V any](m map[K]*V, key K, change func(*V)) bool {
	v := m[key]
	if v == nil {
		return false
	}
	change(v)
	return true
}

// exchange is one request being answered.
type exchange struct {
	r    *http.Request
	body []byte
	now  time.Time
}

// Reply values a handler may return besides a JSON document.
type (
	// apiError is answered as {"errcode":code,"errmsg":msg}, plus
	// extra fields if any.
	apiError struct {
		code  int
		msg   string
		extra map[string]any
	}
	// fileReply is a binary body.
	fileReply struct {
		contentType string
		filename    string // for Content-Disposition, if set
		data        []byte
	}
	// statusReply is a bare HTTP status.
	statusReply int
)

// statusNotFound answers a download that does not exist.
const statusNotFound = statusReply(http.StatusNotFound)

func fail(code int) *apiError { return &apiError{code: code, msg: errmsg(code)} }

func failf(code int, msg string) *apiError { return &apiError{code: code, msg: msg} }

// okReply is the plain success document.
func okReply() any { return map[string]any{"errcode": 0, "errmsg": "ok"} }

// serve is the server's HTTP handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if acct := s.platform.account(r); acct != nil {
		acct.serve(w, r) // a call for an account authorized to the platform
		return
	}
	start := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	path := r.URL.Path
	now := s.now()
	// The recorder keeps query as it is and Requests hands out copies,
	// so dispatch may read it too.
	query := r.URL.Query()
	delay, drop, injected := s.rec.arrive(Request{
		Method: r.Method, Path: path, Query: query, Header: r.Header.Clone(),
		Body: body, Time: now,
	})
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.done:
			t.Stop()
		}
	}
	if drop {
		hangUp(w)
		return
	}
	if h := s.customRoute(path); h != nil && injected == nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
		return
	}
	rid := newRID(now)
	var reply any = injected
	if injected == nil {
		reply = s.dispatch(r, query, body)
	}
	// The call is on record under its rid before the answer leaves, so
	// that a client that looks the rid up at once finds it.
	doc := document(reply, rid)
	s.rec.answered(ridRecord{
		rid: rid, path: path, at: now, cost: time.Since(start),
		query: r.URL.RawQuery, body: jsonBody(body), reply: doc, clientIP: hostOf(r.RemoteAddr),
	})
	if doc != nil {
		w.Header().Set("Content-Type", "application/json; encoding=utf-8")
		_, _ = w.Write(doc)
		return
	}
	writeRaw(w, reply)
}

func (s *Server) customRoute(path string) http.Handler {
	s.customMu.RLock()
	defer s.customMu.RUnlock()
	return s.custom[path]
}

// jsonBody is the request body as WeChat's rid log keeps it: the JSON of
// a POST, nothing for an upload.
func jsonBody(body []byte) string {
	if json.Valid(body) {
		return string(body)
	}
	return ""
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// dispatch routes a request, whose parsed query is query, and runs its
// handler under its group's lock. Calls with a valid token (and token
// requests) count against the API's daily quota before the handler runs.
func (s *Server) dispatch(r *http.Request, query url.Values, body []byte) any {
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		return notModelled(r.URL.Path)
	}
	if r.Method != rt.method {
		if rt.method == http.MethodPost {
			return fail(43002)
		}
		return fail(43001)
	}
	now := s.now()
	if !rt.noToken {
		if code := s.tokens.check(query.Get("access_token"), now); code != 0 {
			return fail(code)
		}
	}
	if e := s.ops.spend(rt, now); e != nil {
		return e
	}
	rt.lock.Lock()
	defer rt.lock.Unlock()
	return rt.handle(&exchange{r: r, body: body, now: now})
}

// notModelled answers a path the fake has no model of with WeChat's
// error for an unknown URL, saying which path and why, so that a test
// author does not take it for a bug of their own.
func notModelled(path string) *apiError {
	return failf(40066, fmt.Sprintf("invalid url: %s is not modelled by wechattest (Server.Handle can serve it)", path))
}

// document returns the JSON of a reply, with the rid appended to the
// errmsg of an error, or nil for a file or a bare status.
func document(v any, rid string) []byte {
	switch v := v.(type) {
	case *apiError:
		doc := map[string]any{"errcode": v.code, "errmsg": v.msg + ", rid: " + rid}
		for k, e := range v.extra {
			doc[k] = e
		}
		return marshal(doc)
	case *fileReply, statusReply:
		return nil
	}
	return marshal(v)
}

// writeRaw sends a file or a bare status.
func writeRaw(w http.ResponseWriter, v any) {
	switch v := v.(type) {
	case *fileReply:
		w.Header().Set("Content-Type", v.contentType)
		if v.filename != "" {
			w.Header().Set("Content-disposition", `attachment; filename="`+v.filename+`"`)
		}
		w.Header().Set("Cache-Control", "no-cache, must-revalidate")
		w.Header().Set("Content-Length", strconv.Itoa(len(v.data)))
		_, _ = w.Write(v.data)
	case statusReply:
		http.Error(w, http.StatusText(int(v)), int(v))
	}
}

// marshal encodes v as JSON without escaping <, > and &.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"errcode":-1,"errmsg":"system error"}`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// hangUp closes the client's connection without writing a reply.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// decode parses a JSON request body into v. It returns the error reply
// WeChat gives for an empty body (44002) or invalid JSON (47001).
func (x *exchange) decode(v any) *apiError {
	if len(bytes.TrimSpace(x.body)) == 0 {
		return fail(44002)
	}
	if err := json.Unmarshal(x.body, v); err != nil {
		return fail(47001)
	}
	return nil
}

// newRID returns a request id in WeChat's "xxxxxxxx-xxxxxxxx-xxxxxxxx"
// form, its first part the time of the request.
func newRID(now time.Time) string {
	return hex8(uint32(now.Unix())) + "-" + randomHex(8) + "-" + randomHex(8)
}

func hex8(v uint32) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
