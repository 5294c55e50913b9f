package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/mpkit/wechat"
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
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:54321",
	// without a trailing slash: pass it to wechat.WithBaseURL.
	URL string

	ts        *httptest.Server
	done      chan struct{}
	closeOnce sync.Once

	// Configuration, fixed once NewServer returns.
	appID      string
	appSecret  string
	tokenLife  time.Duration
	ticketLife time.Duration
	grace      time.Duration
	pageSize   int
	now        func() time.Time
	routes     map[string]route

	seedFollowers []Follower
	seedTemplates []Template

	mu       sync.Mutex
	calls    map[string]int
	requests []Request
	fails    map[string]*failure
	drops    map[string]int
	latency  map[string]time.Duration
	seq      int64 // source of ids and msgids

	tokens     map[string]*credential // every access token issued, by value
	current    string                 // the newest cgi-bin/token token
	stable     string                 // the current cgi-bin/stable_token token
	lastForced time.Time              // last stable_token force_refresh that refreshed
	tickets    map[string]*credential // the current ticket of each type

	menu        json.RawMessage // button array of the default menu, as created
	menuRaw     json.RawMessage // the menu/create body, as created
	menuID      int64
	conditional []*conditionalMenu

	media map[string]*mediaFile

	followers map[string]*Follower
	order     []string // openids in subscription order
	tags      map[int]string
	nextTag   int
	groups    map[int]string
	nextGroup int

	templates  []*Template
	industry   [2]int
	sent       []SentMessage
	templDedup map[string]int64 // openid+client_msg_id → msgid
	massDedup  map[string]massRecord
	mass       map[int64]string // msg_id → status
	massSpeed  int              // level of message/mass/speed/set

	qrcodes map[string]*qrcode

	materials     map[string]*material
	materialOrder []string              // media_ids in the order added
	articleImages map[string]*mediaFile // media/uploadimg, by id

	drafts       map[string]*draft
	draftOrder   []string // media_ids in the order added
	publications map[string]*publication
	pubOrder     []string // publish_ids in the order submitted

	publishOutcome wechat.PublishStatus // of the next submissions
	publishFailIdx []int

	oauthCodes   map[string]*oauthCode
	oauthTokens  map[string]*oauthGrant // by user access token
	oauthRefresh map[string]*oauthGrant // by refresh token

	migrations map[string]map[string]string // from_appid → old openid → new openid
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

// An Option configures a Server. Invalid values are ignored: the default
// stays in force.
type Option func(*Server)

// WithAppID sets the AppID the server accepts, DefaultAppID by default.
func WithAppID(appID string) Option {
	return func(s *Server) {
		if appID != "" {
			s.appID = appID
		}
	}
}

// WithAppSecret sets the AppSecret the server accepts, DefaultAppSecret by
// default.
func WithAppSecret(secret string) Option {
	return func(s *Server) {
		if secret != "" {
			s.appSecret = secret
		}
	}
}

// WithTokenLifetime sets the lifetime of the access tokens the server
// issues (expires_in, rounded up to a whole second). Non-positive values
// are ignored.
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.tokenLife = d
		}
	}
}

// WithTicketLifetime sets the lifetime of jsapi and wx_card tickets.
// Non-positive values are ignored.
func WithTicketLifetime(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.ticketLife = d
		}
	}
}

// WithRetiredTokenGrace sets how long an access token keeps working after
// a newer cgi-bin/token call retired it, DefaultRetiredTokenGrace by
// default. Zero retires tokens at once. Negative values are ignored.
func WithRetiredTokenGrace(d time.Duration) Option {
	return func(s *Server) {
		if d >= 0 {
			s.grace = d
		}
	}
}

// WithClock sets the clock that decides when tokens, tickets, media, QR
// codes and web authorization codes and tokens expire, and that stamps
// created_at and update_time values. A test that advances it
// sees WeChat's expiry errors without waiting. Latency injected with
// SetLatency is real time regardless.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithPageSize sets the number of openids per page of user/get,
// user/tag/get and tags/members/getblacklist, DefaultPageSize (WeChat's
// 10000) by default, so that tests can page over a handful of followers. Non-positive values are ignored.
func WithPageSize(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.pageSize = n
		}
	}
}

// WithFollowers seeds the followers of the account, in subscription order.
// Followers with an empty OpenID are skipped; a repeated OpenID replaces
// the earlier one.
func WithFollowers(f ...Follower) Option {
	return func(s *Server) {
		s.seedFollowers = append(s.seedFollowers, f...)
	}
}

// WithTemplates seeds the account's private templates (模板消息), which
// message/template/send requires. Templates without an ID get one.
func WithTemplates(t ...Template) Option {
	return func(s *Server) {
		s.seedTemplates = append(s.seedTemplates, t...)
	}
}

// NewServer starts a fake WeChat API server on a loopback address. The
// caller must Close it. Like httptest.NewServer, it panics if it cannot
// listen.
func NewServer(opts ...Option) *Server {
	s := &Server{
		done:       make(chan struct{}),
		appID:      DefaultAppID,
		appSecret:  DefaultAppSecret,
		tokenLife:  DefaultTokenLifetime,
		ticketLife: DefaultTokenLifetime,
		grace:      DefaultRetiredTokenGrace,
		pageSize:   DefaultPageSize,
		now:        time.Now,
		calls:      make(map[string]int),
		fails:      make(map[string]*failure),
		drops:      make(map[string]int),
		latency:    make(map[string]time.Duration),
		seq:        1 << 32, // msgids beyond 32 bits, as WeChat's are
		tokens:     make(map[string]*credential),
		tickets:    make(map[string]*credential),
		media:      make(map[string]*mediaFile),
		followers:  make(map[string]*Follower),
		tags:       map[int]string{2: "星标组"},
		nextTag:    100,
		groups:     map[int]string{0: "未分组", 1: "黑名单", 2: "星标组"},
		nextGroup:  100,
		templDedup: make(map[string]int64),
		massDedup:  make(map[string]massRecord),
		mass:       make(map[int64]string),
		qrcodes:    make(map[string]*qrcode),

		materials:     make(map[string]*material),
		articleImages: make(map[string]*mediaFile),
		drafts:        make(map[string]*draft),
		publications:  make(map[string]*publication),
		oauthCodes:    make(map[string]*oauthCode),
		oauthTokens:   make(map[string]*oauthGrant),
		oauthRefresh:  make(map[string]*oauthGrant),
		migrations:    make(map[string]map[string]string),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	now := s.now()
	for _, f := range s.seedFollowers {
		s.addFollower(f, now)
	}
	for _, t := range s.seedTemplates {
		if t.ID == "" {
			t.ID = randomID(43)
		}
		s.templates = append(s.templates, &t)
	}
	s.seedFollowers, s.seedTemplates = nil, nil
	s.routes = s.routeTable()
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down, ending injected latencies early, and waits
// for the requests in flight.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// AppID returns the AppID the server accepts.
func (s *Server) AppID() string { return s.appID }

// AppSecret returns the AppSecret the server accepts.
func (s *Server) AppSecret() string { return s.appSecret }

// HTTPClient returns an HTTP client for the server, for tests that send
// raw requests.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Client returns a wechat.Client pointed at the server with its AppID and
// AppSecret. opts are applied after those and may override them.
func (s *Server) Client(opts ...wechat.Option) (*wechat.Client, error) {
	base := []wechat.Option{
		wechat.WithAppID(s.appID),
		wechat.WithAppSecret(s.appSecret),
		wechat.WithBaseURL(s.URL),
		wechat.WithHTTPClient(s.ts.Client()),
	}
	return wechat.New(append(base, opts...)...)
}

// route is one API of the fake.
type route struct {
	method  string // http.MethodGet or http.MethodPost
	noToken bool   // the call carries other credentials, or none
	handle  func(x *exchange) any
}

// exchange is one request being answered. Handlers run with s.mu held.
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	path := r.URL.Path

	s.mu.Lock()
	now := s.now()
	s.calls[path]++
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(),
		Body: body, Time: now,
	})
	delay, ok := s.latency[path]
	if !ok {
		delay = s.latency[""]
	}
	drop := s.drops[path] > 0
	if drop {
		s.drops[path]--
	}
	var injected *apiError
	if f := s.fails[path]; f != nil && !drop {
		injected = fail(f.code)
		if f.n--; f.n <= 0 {
			delete(s.fails, path)
		}
	}
	s.mu.Unlock()

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
	if injected != nil {
		s.write(w, injected)
		return
	}
	s.write(w, s.dispatch(r, body))
}

// dispatch routes a request and runs its handler under the lock.
func (s *Server) dispatch(r *http.Request, body []byte) any {
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		return fail(40066)
	}
	if r.Method != rt.method {
		if rt.method == http.MethodPost {
			return fail(43002)
		}
		return fail(43001)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x := &exchange{r: r, body: body, now: s.now()}
	if !rt.noToken {
		if code := s.checkToken(r.URL.Query().Get("access_token"), x.now); code != 0 {
			return fail(code)
		}
	}
	return rt.handle(x)
}

// write sends a handler's reply.
func (s *Server) write(w http.ResponseWriter, v any) {
	switch v := v.(type) {
	case *apiError:
		doc := map[string]any{"errcode": v.code, "errmsg": v.msg + ", rid: " + s.rid()}
		for k, e := range v.extra {
			doc[k] = e
		}
		writeJSON(w, doc)
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
	default:
		writeJSON(w, v)
	}
}

// writeJSON writes v the way WeChat does: UTF-8 without HTML escapes.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_, _ = w.Write(marshal(v))
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

// next returns a fresh number for ids and msgids.
func (s *Server) next() int64 {
	s.seq++
	return s.seq
}

// rid returns a request id in WeChat's "xxxxxxxx-xxxxxxxx-xxxxxxxx" form.
func (s *Server) rid() string {
	return hex8(uint32(time.Now().Unix())) + "-" + randomHex(8) + "-" + randomHex(8)
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

// routeTable lists every API the fake answers.
func (s *Server) routeTable() map[string]route {
	get := func(h func(*exchange) any) route { return route{method: http.MethodGet, handle: h} }
	post := func(h func(*exchange) any) route { return route{method: http.MethodPost, handle: h} }
	open := func(method string, h func(*exchange) any) route {
		return route{method: method, noToken: true, handle: h}
	}
	return map[string]route{
		// Access tokens and tickets (token.go).
		"/cgi-bin/token":             open(http.MethodGet, s.handleToken),
		"/cgi-bin/stable_token":      open(http.MethodPost, s.handleStableToken),
		"/cgi-bin/ticket/getticket":  get(s.handleTicket),
		"/cgi-bin/getcallbackip":     get(s.handleCallbackIP),
		"/cgi-bin/get_api_domain_ip": get(s.handleCallbackIP),

		// Custom menus (menu.go).
		"/cgi-bin/menu/create":               post(s.handleMenuCreate),
		"/cgi-bin/menu/get":                  get(s.handleMenuGet),
		"/cgi-bin/menu/delete":               get(s.handleMenuDelete),
		"/cgi-bin/menu/addconditional":       post(s.handleMenuAddConditional),
		"/cgi-bin/menu/delconditional":       post(s.handleMenuDelConditional),
		"/cgi-bin/menu/trymatch":             post(s.handleMenuTryMatch),
		"/cgi-bin/get_current_selfmenu_info": get(s.handleSelfMenuInfo),

		// Temporary media (media.go).
		"/cgi-bin/media/upload":      post(s.handleMediaUpload),
		"/cgi-bin/media/get":         get(s.handleMediaGet),
		"/cgi-bin/media/uploadvideo": post(s.handleMassVideo),
		videoPath:                    open(http.MethodGet, s.handleVideoDownload),

		// Permanent materials (material.go).
		"/cgi-bin/material/add_material":      post(s.handleAddMaterial),
		"/cgi-bin/material/get_material":      post(s.handleGetMaterial),
		"/cgi-bin/material/del_material":      post(s.handleDelMaterial),
		"/cgi-bin/material/get_materialcount": get(s.handleMaterialCount),
		"/cgi-bin/material/batchget_material": post(s.handleBatchGetMaterial),
		"/cgi-bin/media/uploadimg":            post(s.handleUploadImg),
		materialPath:                          open(http.MethodGet, s.handleMaterialFile),
		articleImagePath:                      open(http.MethodGet, s.handleArticleImage),

		// Drafts and publishing (draft.go).
		"/cgi-bin/draft/add":              post(s.handleDraftAdd),
		"/cgi-bin/draft/get":              post(s.handleDraftGet),
		"/cgi-bin/draft/update":           post(s.handleDraftUpdate),
		"/cgi-bin/draft/delete":           post(s.handleDraftDelete),
		"/cgi-bin/draft/count":            get(s.handleDraftCount),
		"/cgi-bin/draft/batchget":         post(s.handleDraftBatchGet),
		"/cgi-bin/freepublish/submit":     post(s.handleFreePublishSubmit),
		"/cgi-bin/freepublish/get":        post(s.handleFreePublishGet),
		"/cgi-bin/freepublish/delete":     post(s.handleFreePublishDelete),
		"/cgi-bin/freepublish/getarticle": post(s.handleFreePublishGetArticle),
		"/cgi-bin/freepublish/batchget":   post(s.handleFreePublishBatchGet),

		// Web authorization (oauth.go): credentials of the app or of the
		// user, never the account's access token.
		"/sns/oauth2/access_token":  open(http.MethodGet, s.handleOAuthAccessToken),
		"/sns/oauth2/refresh_token": open(http.MethodGet, s.handleOAuthRefreshToken),
		"/sns/userinfo":             open(http.MethodGet, s.handleSNSUserInfo),
		"/sns/auth":                 open(http.MethodGet, s.handleSNSAuth),

		// Followers, tags and groups (user.go).
		"/cgi-bin/user/info":                     get(s.handleUserInfo),
		"/cgi-bin/user/info/batchget":            post(s.handleUserInfoBatch),
		"/cgi-bin/user/info/updateremark":        post(s.handleUpdateRemark),
		"/cgi-bin/user/get":                      get(s.handleUserGet),
		"/cgi-bin/tags/create":                   post(s.handleTagCreate),
		"/cgi-bin/tags/get":                      get(s.handleTagGet),
		"/cgi-bin/tags/update":                   post(s.handleTagUpdate),
		"/cgi-bin/tags/delete":                   post(s.handleTagDelete),
		"/cgi-bin/tags/members/batchtagging":     post(s.handleBatchTagging),
		"/cgi-bin/tags/members/batchuntagging":   post(s.handleBatchUntagging),
		"/cgi-bin/user/tag/get":                  post(s.handleTagUsers),
		"/cgi-bin/tags/getidlist":                post(s.handleTagIDList),
		"/cgi-bin/groups/create":                 post(s.handleGroupCreate),
		"/cgi-bin/groups/get":                    get(s.handleGroupGet),
		"/cgi-bin/groups/getid":                  post(s.handleGroupGetID),
		"/cgi-bin/groups/update":                 post(s.handleGroupUpdate),
		"/cgi-bin/groups/members/update":         post(s.handleGroupMemberUpdate),
		"/cgi-bin/groups/members/batchupdate":    post(s.handleGroupMemberBatchUpdate),
		"/cgi-bin/groups/delete":                 post(s.handleGroupDelete),
		"/cgi-bin/tags/members/getblacklist":     post(s.handleGetBlacklist),
		"/cgi-bin/tags/members/batchblacklist":   post(s.handleBatchBlacklist),
		"/cgi-bin/tags/members/batchunblacklist": post(s.handleBatchUnblacklist),
		"/cgi-bin/changeopenid":                  post(s.handleChangeOpenID),

		// Messages (message.go).
		"/cgi-bin/message/custom/send":               post(s.handleCustomSend),
		"/cgi-bin/message/template/send":             post(s.handleTemplateSend),
		"/cgi-bin/template/api_add_template":         post(s.handleAddTemplate),
		"/cgi-bin/template/get_all_private_template": get(s.handleListTemplates),
		"/cgi-bin/template/del_private_template":     post(s.handleDeleteTemplate),
		"/cgi-bin/template/api_set_industry":         post(s.handleSetIndustry),
		"/cgi-bin/template/get_industry":             get(s.handleGetIndustry),
		"/cgi-bin/message/mass/sendall":              post(s.handleMassSendAll),
		"/cgi-bin/message/mass/send":                 post(s.handleMassSend),
		"/cgi-bin/message/mass/preview":              post(s.handleMassPreview),
		"/cgi-bin/message/mass/get":                  post(s.handleMassGet),
		"/cgi-bin/message/mass/delete":               post(s.handleMassDelete),
		"/cgi-bin/message/mass/speed/get":            post(s.handleMassSpeedGet),
		"/cgi-bin/message/mass/speed/set":            post(s.handleMassSpeedSet),

		// QR codes (qrcode.go).
		"/cgi-bin/qrcode/create": post(s.handleQRCodeCreate),
		"/cgi-bin/showqrcode":    open(http.MethodGet, s.handleShowQRCode),
	}
}
