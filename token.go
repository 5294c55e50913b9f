package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Token is a cached credential: an access_token or a jsapi_ticket.
type Token struct {
	// Value is the credential itself. Treat it as a secret.
	Value string
	// ExpiresAt is when the Client stops using the token: WeChat's
	// expires_in (at most MaxTokenLifetime) less a safety margin, so that
	// a token is never sent in its last minutes of validity.
	ExpiresAt time.Time
}

// Valid reports whether t holds a value that has not expired at now.
func (t Token) Valid(now time.Time) bool { return t.Value != "" && now.Before(t.ExpiresAt) }

// String hides the value, so that a Token printed by mistake leaks nothing.
func (t Token) String() string {
	return "wechat.Token{ExpiresAt:" + t.ExpiresAt.Format(time.RFC3339) + "}"
}

// GoString is String, for %#v.
func (t Token) GoString() string { return t.String() }

// Format prints the token through String for every verb: without it, %d
// or %x would print the fields, Value included.
func (t Token) Format(f fmt.State, verb rune) { fmt.Fprint(f, t.String()) }

// LogValue hides the value from log/slog: a Token logged as an attribute
// (slog.Any("token", tok)) shows only its expiry, whichever handler
// formats it.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("ExpiresAt", t.ExpiresAt))
}

// MarshalJSON hides the value from encoding/json (and from slog's JSON
// handler when a Token is nested in another value): the result is
// {"ExpiresAt":"…"}. To persist a token, store its Value yourself.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ ExpiresAt time.Time }{t.ExpiresAt})
}

// MarshalText is String, for the encoders that use encoding.TextMarshaler
// (encoding/xml and many YAML and TOML packages), so that they do not
// write the value either.
func (t Token) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// A FetchFunc obtains a new token from WeChat.
type FetchFunc func(ctx context.Context) (Token, error)

// TokenStore caches tokens under string keys. The Client keys access
// tokens and jsapi tickets by AppID, so one store can serve many accounts.
//
// The store, not the Client, decides when to call fetch. This is what lets
// a distributed store guarantee one refresh across many processes: it can
// take a lock, call fetch once, publish the result and let every other
// caller wait for it. wechattest.TestTokenStore checks one of your own
// against this contract.
type TokenStore interface {
	// Token returns the token stored under key if it is still valid.
	// Otherwise it calls fetch, stores and returns its result. Concurrent
	// calls for a key that has no valid token must share one call of
	// fetch. A caller whose ctx ends stops waiting, but must not cancel a
	// fetch that other callers wait on. If fetch succeeds but storing its
	// result fails, Token should still return the fetched token.
	Token(ctx context.Context, key string, fetch FetchFunc) (Token, error)

	// Invalidate removes the token stored under key, but only if its value
	// is still value: a token that another caller has just refreshed is
	// kept. The Client calls it when WeChat rejects a token.
	Invalidate(ctx context.Context, key, value string) error
}

// fetchTimeout bounds a token fetch that runs detached from its first
// caller's context.
const fetchTimeout = 30 * time.Second

// MemoryStore is a TokenStore private to one process. It is the default.
// The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	mu     sync.Mutex
	tokens map[string]Token
	group  singleflight.Group
	now    func() time.Time
}

// String describes the store without the tokens it holds.
func (s *MemoryStore) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "wechat.MemoryStore{tokens:" + strconv.Itoa(len(s.tokens)) + "}"
}

// Format prints String for every verb, so that %+v and %#v (and log/slog,
// which formats with %+v) do not show the tokens.
func (s *MemoryStore) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// NewMemoryStore returns an empty in-memory TokenStore.
func NewMemoryStore() *MemoryStore { return NewMemoryStoreWithClock(time.Now) }

// NewMemoryStoreWithClock returns an empty in-memory TokenStore that
// reads now to decide whether a token has expired, for a store shared by
// Clients built WithClock (tests that move time; a Client's own default
// store follows its clock already). nil means time.Now.
func NewMemoryStoreWithClock(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{tokens: make(map[string]Token), now: now}
}

func (s *MemoryStore) lookup(key string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[key]
	return t, ok && t.Valid(s.now())
}

// Token implements TokenStore.
func (s *MemoryStore) Token(ctx context.Context, key string, fetch FetchFunc) (Token, error) {
	if t, ok := s.lookup(key); ok {
		return t, nil
	}
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	ch := s.group.DoChan(key, func() (any, error) {
		// Another flight may have stored a token between our lookup and
		// this one starting.
		if t, ok := s.lookup(key); ok {
			return t, nil
		}
		// The fetch outlives the caller that started it: others may be
		// waiting on it. Values (trace ids) are kept.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		t, err := fetch(fctx)
		if err != nil {
			return Token{}, err
		}
		s.mu.Lock()
		s.tokens[key] = t
		s.mu.Unlock()
		return t, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return Token{}, r.Err
		}
		return r.Val.(Token), nil
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

// Invalidate implements TokenStore.
func (s *MemoryStore) Invalidate(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[key]; ok && t.Value == value {
		delete(s.tokens, key)
	}
	return nil
}

// seed is a token handed to New by WithAccessToken or WithJSAPITicket. It
// answers the first fetch only: once WeChat rejects it, or a refresh is
// forced, it must not come back.
type seed struct {
	tok  Token
	used atomic.Bool
}

func (s *seed) take(now time.Time) (Token, bool) {
	if s == nil || s.used.Swap(true) || !s.tok.Valid(now) {
		return Token{}, false
	}
	return s.tok, true
}

func (s *seed) discard() {
	if s != nil {
		s.used.Store(true)
	}
}

// AccessToken returns a valid access_token, from the cache when it holds
// one, otherwise from WeChat (获取接口调用凭据, [cgi-bin/token], or
// [cgi-bin/stable_token] with WithStableToken). However many goroutines
// call it at once, at most one request reaches WeChat.
//
// [cgi-bin/token]: https://developers.weixin.qq.com/doc/service/api/base/api_getaccesstoken.html
// [cgi-bin/stable_token]: https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html
func (c *Client) AccessToken(ctx context.Context) (Token, error) {
	return c.store.Token(ctx, c.accessKey, c.fetch().access)
}

// RefreshAccessToken fetches a new access_token from WeChat even if the
// cached one is still valid, and caches it. Each call retires the previous
// token after a few minutes and counts against a small daily quota, so use
// it only when WeChat has rejected a token for a reason the Client cannot
// see. It calls [cgi-bin/token], or [cgi-bin/stable_token] with
// force_refresh under WithStableToken.
//
// [cgi-bin/token]: https://developers.weixin.qq.com/doc/service/api/base/api_getaccesstoken.html
// [cgi-bin/stable_token]: https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html
func (c *Client) RefreshAccessToken(ctx context.Context) (Token, error) {
	c.seedAccess.discard()
	return c.refresh(ctx, c.accessKey, func(ctx context.Context) (Token, error) {
		return c.fetchAccessTokenForce(ctx, true)
	})
}

// WithStableToken makes the Client fetch access tokens from
// cgi-bin/stable_token (获取稳定版接口调用凭据, POST) instead of
// cgi-bin/token. It is recommended for every deployment that can use it.
//
// What WeChat documents: cgi-bin/token issues a new token on every call
// and retires the previous one, so two systems that share an AppID (a
// second instance without a shared TokenStore, a staging copy, a
// third-party tool) log each other out. stable_token, in its normal mode,
// returns the token that is still valid, renewing it only in its last
// five minutes (when old and new both work for five minutes), so such
// systems coexist. Its tokens are isolated from cgi-bin/token's: neither
// endpoint retires the other's. It allows 10,000 calls a minute and
// 500,000 a day, against cgi-bin/token's usual 2,000 a day. Its secret
// travels in the JSON body, not in the URL, so what records URLs (access
// logs of proxies, tracing of the transport) does not see it. With it,
// RefreshAccessToken sends force_refresh=true, which does retire the
// current token, and is limited to 20 calls a day at least 30 seconds
// apart (a faster one returns the current token).
//
// Why it is not the default: switching the endpoint under existing users
// changes what reaches the network. Tests that stub GET cgi-bin/token or
// count wechattest's Calls("/cgi-bin/token") would silently see no token
// request, fakes and egress allow-lists that know only cgi-bin/token
// would fail, and RefreshAccessToken would move from cgi-bin/token's quota
// to force_refresh's 20 a day. Because the two endpoints are isolated, a
// user can opt in without disturbing any other system on the AppID, so
// the choice is left to the user until a release that announces the
// change. Without this option, the AppSecret rides in the query string of
// cgi-bin/token: the Client redacts it from errors, logs and WithObserver,
// but a wrapper around the HTTP transport sees it.
func WithStableToken() Option {
	return func(c *Client) error {
		c.stableToken = true
		return nil
	}
}

// WithAccessTokenFunc sets where the Client gets a new access_token when
// its TokenStore has none: instead of asking cgi-bin/token (or
// stable_token) with the AppSecret, the Client calls fetch, which returns
// the token and the lifetime WeChat issued it with. It is for
// credentials obtained by other means: the authorizer_access_token a
// third-party platform refreshes for an account (package platform), or a
// token handed out by a service that alone holds the AppSecret.
//
// Everything else is as usual: the token is cached in the TokenStore
// until a margin before its lifetime ends (the lifetime is clamped to
// MaxTokenLifetime, and one of zero or less is an error wrapping
// ErrUnexpectedResponse), concurrent callers share one call of fetch, a
// token WeChat rejects (40001, 40014, 42001) is dropped and fetch called
// again, and RefreshAccessToken calls fetch. fetch's errors are returned
// to the caller as they are, so that they can be inspected with
// errors.Is and errors.As. A nil fetch is an ErrInvalidConfig.
func WithAccessTokenFunc(fetch func(ctx context.Context) (token string, lifetime time.Duration, err error)) Option {
	return func(c *Client) error {
		if fetch == nil {
			return fmt.Errorf("%w: nil access token func", ErrInvalidConfig)
		}
		c.accessFunc = fetch
		return nil
	}
}

// fetchAccessTokenFunc fetches an access token with WithAccessTokenFunc's
// function.
func (c *Client) fetchAccessTokenFunc(ctx context.Context) (Token, error) {
	const what = "access token func"
	value, lifetime, err := c.accessFunc(ctx)
	if err != nil {
		return Token{}, err
	}
	return c.issued(ctx, what, "access_token", value, int64(lifetime/time.Second))
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// JSAPITicket returns a valid jsapi_ticket ([cgi-bin/ticket/getticket],
// type=jsapi), the credential of the JS-SDK signature, from the cache when
// it holds one.
//
// [cgi-bin/ticket/getticket]: https://developers.weixin.qq.com/doc/service/api/webdev/jssdk/api_getticket.html
func (c *Client) JSAPITicket(ctx context.Context) (Token, error) {
	return c.store.Token(ctx, c.ticketKey, c.fetch().ticket)
}

// RefreshJSAPITicket fetches a new jsapi_ticket even if the cached one is
// still valid, and caches it ([cgi-bin/ticket/getticket]).
//
// [cgi-bin/ticket/getticket]: https://developers.weixin.qq.com/doc/service/api/webdev/jssdk/api_getticket.html
func (c *Client) RefreshJSAPITicket(ctx context.Context) (Token, error) {
	c.seedTicket.discard()
	return c.refresh(ctx, c.ticketKey, c.fetchJSAPITicket)
}

// refresh forces a new token under key: it drops whatever the store holds
// and fetches again, unless the store's answer was itself just fetched.
func (c *Client) refresh(ctx context.Context, key string, fetch FetchFunc) (Token, error) {
	var fetched atomic.Bool
	mark := func(ctx context.Context) (Token, error) {
		fetched.Store(true)
		return fetch(ctx)
	}
	t, err := c.store.Token(ctx, key, mark)
	if err != nil || fetched.Load() {
		return t, err
	}
	if err := c.store.Invalidate(ctx, key, t.Value); err != nil {
		return Token{}, err
	}
	return c.store.Token(ctx, key, fetch)
}

// invalidateAccessToken drops a token WeChat has rejected.
func (c *Client) invalidateAccessToken(ctx context.Context, value string) {
	c.seedAccess.discard()
	if err := c.store.Invalidate(ctx, c.accessKey, value); err != nil {
		c.logger.LogAttrs(ctx, slogWarn, "wechat: invalidating rejected access token failed", errAttr(err))
	}
}

type tokenResponse struct {
	status
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// tokenFetchers are the FetchFuncs of the Client's two tokens, made once,
// on the first lookup. Made in New, they would link the HTTP client into
// programs that only serve the webhook; made on every lookup, they would
// cost an allocation each.
type tokenFetchers struct {
	once           sync.Once
	access, ticket FetchFunc
}

func (c *Client) fetch() *tokenFetchers {
	f := c.fetchers
	f.once.Do(func() { f.access, f.ticket = c.fetchAccessToken, c.fetchJSAPITicket })
	return f
}

func (c *Client) fetchAccessToken(ctx context.Context) (Token, error) {
	return c.fetchAccessTokenForce(ctx, false)
}

// fetchAccessTokenForce asks WeChat for a token. force only matters with
// WithStableToken: it sets force_refresh, which retires the current token.
func (c *Client) fetchAccessTokenForce(ctx context.Context, force bool) (Token, error) {
	if t, ok := c.seedAccess.take(c.now()); ok {
		return t, nil
	}
	if c.accessFunc != nil {
		return c.fetchAccessTokenFunc(ctx)
	}
	if err := c.requireSecret(); err != nil {
		return Token{}, err
	}
	id := endpoint.Token
	var resp *tokenResponse
	var err error
	if c.stableToken {
		id = endpoint.StableToken
		body := stableTokenRequest{GrantType: "client_credential", AppID: c.appID, Secret: c.appSecret, ForceRefresh: force}
		resp, err = call[tokenResponse](ctx, c, id, nil, body)
	} else {
		q := query{{"grant_type", "client_credential"}, {"appid", c.appID}, {"secret", c.appSecret}}
		resp, err = call[tokenResponse](ctx, c, id, q, nil)
	}
	if err != nil {
		return Token{}, err
	}
	t, err := c.issued(ctx, endpoint.Get(id).Path, "access_token", resp.AccessToken, resp.ExpiresIn)
	if err == nil {
		c.logger.LogAttrs(ctx, slogInfo, "wechat: fetched access token", appIDAttr(c.appID), expiresAttr(resp.ExpiresIn))
	}
	return t, err
}

// issued is the Token of a credential value fetched from path with
// the lifetime expiresIn: refused when WeChat's reply had no value (what
// names it) or an unusable lifetime, and cached until its expiry.
func (c *Client) issued(ctx context.Context, path, what, value string, expiresIn int64) (Token, error) {
	if value == "" {
		return Token{}, unexpected(path, "no "+what+" in reply")
	}
	life, err := c.lifetime(ctx, path, expiresIn)
	if err != nil {
		return Token{}, err
	}
	return Token{Value: value, ExpiresAt: c.expiry(life)}, nil
}

type ticketResponse struct {
	status
	Ticket    string `json:"ticket"`
	ExpiresIn int64  `json:"expires_in"`
}

func (c *Client) fetchJSAPITicket(ctx context.Context) (Token, error) {
	if t, ok := c.seedTicket.take(c.now()); ok {
		return t, nil
	}
	resp, err := call[ticketResponse](ctx, c, endpoint.Ticket, query{{"type", "jsapi"}}, nil)
	if err != nil {
		return Token{}, err
	}
	return c.issued(ctx, endpoint.Get(endpoint.Ticket).Path, "ticket", resp.Ticket, resp.ExpiresIn)
}

// MaxTokenLifetime is the longest lifetime the Client accepts for a
// credential WeChat issues: access tokens (cgi-bin/token, stable_token),
// jsapi tickets and web authorization tokens. WeChat documents 7200 s for
// all of them. A longer expires_in comes from a broken or hostile endpoint
// or proxy; it is clamped to this, so that a credential is never cached
// for longer than WeChat keeps it valid (and a huge number cannot overflow
// the expiry). An expires_in of zero or less, or none, is refused with an
// error wrapping ErrUnexpectedResponse: such a credential could not be
// used, and caching it would make every call fetch again.
const MaxTokenLifetime = 7200 * time.Second

// lifetime checks the expires_in of a credential that path issued and
// returns the lifetime to use: see MaxTokenLifetime.
func (c *Client) lifetime(ctx context.Context, path string, expiresIn int64) (time.Duration, error) {
	if expiresIn <= 0 {
		return 0, unexpected(path, fmt.Sprintf("expires_in is %d, not a positive number of seconds", expiresIn))
	}
	if expiresIn > int64(MaxTokenLifetime/time.Second) {
		c.logger.LogAttrs(ctx, slogWarn, "wechat: clamping a credential lifetime longer than WeChat documents",
			slog.String("path", path), expiresAttr(expiresIn), slog.Duration("max", MaxTokenLifetime))
		return MaxTokenLifetime, nil
	}
	return time.Duration(expiresIn) * time.Second, nil
}

// expiry turns a lifetime checked by lifetime into the time the Client
// stops using the token: a tenth of the lifetime early (at most five
// minutes), plus up to a quarter of that again at random, so that a fleet
// of processes with private caches does not refresh in step.
func (c *Client) expiry(life time.Duration) time.Time {
	margin := min(life/10, 5*time.Minute)
	jitter := time.Duration(rand.Int64N(int64(margin)/4 + 1))
	return c.now().Add(life - margin - jitter)
}
