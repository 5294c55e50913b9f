// Package platform is a third-party platform (第三方平台) of the WeChat Open
// Platform: the SaaS side of official accounts. Each account authorizes
// the platform once; the platform then calls the account's APIs with an
// authorizer_access_token and receives the account's messages.
//
// A Client does what WeChat requires of a platform, with the state that
// must be shared by every instance of it kept in a wechat.TokenStore
// (redisstore for a fleet) and the state that must never be lost in a
// RefreshTokenStore:
//
//   - Events is the http.Handler of the authorization event URL
//     (授权事件接收URL): it verifies and decrypts each push with the core's
//     webhook checks, stores the component_verify_ticket WeChat pushes
//     every ten minutes, exchanges the code of each authorization for the
//     account's tokens and stores its authorizer_refresh_token, forgets
//     the tokens of an account that revokes the platform, and hands each
//     event to your EventHandler.
//   - The component_access_token is fetched with the stored ticket and
//     cached in the TokenStore, refreshed ahead of its expiry, once for a
//     fleet that shares the store; before any ticket has arrived calls
//     fail with an error matching ErrNoTicket.
//   - Authorizer returns a *wechat.Client for an authorized account:
//     every API method of package wechat then runs with the account's
//     authorizer_access_token, refreshed through api_authorizer_token with
//     the stored refresh token (and a new refresh token WeChat hands back
//     is stored).
//   - Messages is the http.Handler of the message URL of the authorized
//     accounts (消息与事件接收URL, the AppID in its path): the core's webhook,
//     with its deduplication and slow-handler behaviour, for every
//     account at once; AuthorizerAppID tells the handler whose push it
//     has.
//
// Errors can be inspected: ErrNoTicket, ErrNotAuthorized (the account
// revoked the platform), ErrNoRefreshToken (no usable refresh token: see
// its documentation for the recovery), *AuthorizerError (which account),
// and the *wechat.APIError of any errcode.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mpkit/wechat"
)

// Errors of the platform. Each is matched with errors.Is; the errors of
// an account's calls are *AuthorizerError, which names the account.
var (
	// ErrNoTicket: the platform has no component_verify_ticket, which
	// its component_access_token is fetched with. WeChat pushes one to
	// the authorization event URL every ten minutes once the platform
	// is approved, so a new deployment waits up to ten minutes; a ticket
	// WeChat refused (61005 expired, 61006 invalid) matches it too,
	// wrapping the *wechat.APIError.
	ErrNoTicket = errors.New("platform: no usable component_verify_ticket (WeChat pushes one to the authorization event URL every ten minutes)")

	// ErrNotAuthorized: the account is not authorized to the platform.
	// It revoked the authorization (the unauthorized push, or WeChat's
	// errcode 61003, which the error wraps), and the platform no longer
	// uses its tokens. The merchant has to authorize the platform again;
	// the authorized push that follows makes the account usable at once.
	ErrNotAuthorized = errors.New("platform: the account has not authorized the platform, or revoked its authorization")

	// ErrNoRefreshToken: the platform has no usable
	// authorizer_refresh_token for the account, so it cannot get the
	// account an access token: none was stored (the account authorized
	// before the platform kept its refresh tokens, or the store lost
	// them), or WeChat refused the one stored (errcode 61023, which the
	// error wraps). WeChat lists the refresh tokens of every account still
	// authorized: RestoreRefreshTokens stores them again, which is the
	// recovery short of asking the merchant to authorize again.
	ErrNoRefreshToken = errors.New("platform: no usable authorizer_refresh_token for the account")
)

// AuthorizerError is an error of the account AppID: getting its
// authorizer_access_token failed. Err matches ErrNotAuthorized,
// ErrNoRefreshToken, ErrNoTicket or wraps what else went wrong.
type AuthorizerError struct {
	AppID string
	Err   error
}

// Error implements error.
func (e *AuthorizerError) Error() string {
	return "platform: account " + e.AppID + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *AuthorizerError) Unwrap() error { return e.Err }

// Secret is a credential the platform handles (a refresh token, a code,
// a ticket), kept as a string that does not show itself: fmt, log/slog,
// encoding/json and the text encoders see "REDACTED" (or "" when it is
// empty). string(s) is the value.
type Secret string

const redacted = "REDACTED"

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// LogValue hides the value from log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON hides the value from encoding/json: to persist a secret,
// store string(s) yourself.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText hides the value from the encoders that use
// encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Client is a third-party platform. Build it with New; it is safe for
// concurrent use, and one Client serves every account authorized to the
// platform.
type Client struct {
	appID, secret string
	logger        *slog.Logger
	now           func() time.Time
	pageBase      string // where the authorization pages are

	tokens  wechat.TokenStore // the platform's keys in the configured store
	refresh RefreshTokenStore

	// clientOpts configure every wechat.Client the platform builds.
	clientOpts []wechat.Option
	component  *wechat.Client // the platform's own APIs: its access token is the component_access_token
	messages   *wechat.Client // verifies and answers the pushes (component token, key and AppID)
	// pushErr says what Events and Messages lack: WeChat's pushes to a
	// platform are always signed and encrypted.
	pushErr error

	mu          sync.Mutex
	authorizers map[string]*wechat.Client
	seeds       map[string]wechat.Token // access tokens api_query_auth gave, not yet in the store
	pending     map[string]string       // refresh tokens WeChat gave that could not be stored yet
	// pushedTicket is the ticket SetTicket had last, for a look-up of
	// the store that finds none (ticket).
	pushedTicket wechat.Token

	// accountLocks order a Revoke and a refresh's storing of a new
	// refresh token for an account (accountLock).
	accountLocks [32]sync.Mutex
}

// config is what the options set.
type config struct {
	appID, secret, token, aesKey string
	httpClient                   *http.Client
	baseURL                      string
	logger                       *slog.Logger
	now                          func() time.Time
	store                        wechat.TokenStore
	refresh                      RefreshTokenStore
	clientOpts                   []wechat.Option
}

// An Option configures a Client. Options validate their argument; New
// returns the first error.
type Option func(*config) error

// WithAppID sets the platform's AppID (第三方平台 appid). New requires it.
func WithAppID(appID string) Option {
	return trimmed(appID, func(c *config) *string { return &c.appID })
}

// WithAppSecret sets the platform's AppSecret, which
// api_component_token needs.
func WithAppSecret(secret string) Option {
	return trimmed(secret, func(c *config) *string { return &c.secret })
}

// WithServerToken sets the message token (消息校验Token, the server token
// of the platform, not an access token) WeChat signs the
// platform's pushes with: authorization events and the accounts'
// messages alike.
func WithServerToken(token string) Option {
	return trimmed(token, func(c *config) *string { return &c.token })
}

// WithEncodingAESKey sets the message key (消息加解密Key) WeChat encrypts
// the platform's pushes with: 43 characters, checked by New.
func WithEncodingAESKey(key string) Option {
	return trimmed(key, func(c *config) *string { return &c.aesKey })
}

// WithHTTPClient sets the HTTP client of every call, as
// wechat.WithHTTPClient does.
func WithHTTPClient(hc *http.Client) Option {
	return required(hc, "*http.Client", func(c *config) **http.Client { return &c.httpClient })
}

// WithBaseURL sets the API host, as wechat.WithBaseURL does; a host
// other than WeChat's (a proxy, a fake such as wechattest.Platform) also
// serves the authorization pages.
func WithBaseURL(base string) Option {
	return func(c *config) error {
		c.baseURL = base
		return nil
	}
}

// WithLogger sets the logger of the platform and of its Clients, as
// wechat.WithLogger does. Secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return required(l, "logger", func(c *config) **slog.Logger { return &c.logger })
}

// WithClock sets the clock of the platform, of its default stores and of
// its Clients, for tests that move time; nil means time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now // New makes nil time.Now
		return nil
	}
}

// WithTokenStore sets where the platform keeps what its instances share:
// the component_verify_ticket, the component_access_token and the
// authorizer_access_tokens, under keys of its own ("wechat:platform:" and
// its AppID). The default is in memory; share one, such as
// redisstore.Store, between the instances of a platform, so that they
// all have the ticket and each token is fetched once for all of them.
func WithTokenStore(s wechat.TokenStore) Option {
	return required(s, "TokenStore", func(c *config) *wechat.TokenStore { return &c.store })
}

// WithRefreshTokenStore sets where the accounts' authorizer_refresh_tokens
// are kept. The default is in memory, which a restart loses: give a
// fleet, and any production platform, a durable one (redisstore's
// RefreshTokenStore on a persistent Redis, or one on your database,
// which should be a RefreshTokenSwapper too).
func WithRefreshTokenStore(s RefreshTokenStore) Option {
	return required(s, "RefreshTokenStore", func(c *config) *RefreshTokenStore { return &c.refresh })
}

// WithClientOptions adds options to every wechat.Client the platform
// builds: the webhook of Messages (WithReplyTimeout, WithSlowReplyMode,
// WithDedupStore, …) and the Clients of Authorizer (WithObserver, …).
// The platform sets the AppID, credentials and token store of each
// itself, after these.
func WithClientOptions(opts ...wechat.Option) Option {
	return func(c *config) error {
		c.clientOpts = append(c.clientOpts, opts...)
		return nil
	}
}

// trimmed is an Option that sets the field that field returns to v
// without the spaces around it.
func trimmed(v string, field func(*config) *string) Option {
	return func(c *config) error {
		*field(c) = strings.TrimSpace(v)
		return nil
	}
}

// required is an Option that sets the field that field returns to v, and
// fails with wechat.ErrInvalidConfig, naming what v is, when v is nil.
func required[T comparable](v T, what string, field func(*config) *T) Option {
	return func(c *config) error {
		var none T
		if v == none {
			return fmt.Errorf("%w: nil %s", wechat.ErrInvalidConfig, what)
		}
		*field(c) = v
		return nil
	}
}

// New returns the platform configured by opts. It needs WithAppID; the
// message token and key are those of Events and Messages, the AppSecret
// that of the component_access_token.
func New(opts ...Option) (*Client, error) {
	cfg := config{now: time.Now, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.appID == "" {
		return nil, fmt.Errorf("%w: the platform's AppID (WithAppID)", wechat.ErrMissingConfig)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	c := &Client{
		appID: cfg.appID, secret: cfg.secret, logger: cfg.logger, now: cfg.now,
		refresh:     cfg.refresh,
		authorizers: make(map[string]*wechat.Client),
		seeds:       make(map[string]wechat.Token),
		pending:     make(map[string]string),
	}
	store := cfg.store
	if store == nil {
		store = wechat.NewMemoryStoreWithClock(cfg.now)
	}
	if cfg.token == "" || cfg.aesKey == "" {
		c.pushErr = fmt.Errorf("%w: pushes to a platform are signed and encrypted: they need the message token and key (WithServerToken, WithEncodingAESKey)", wechat.ErrMissingConfig)
	}
	if c.refresh == nil {
		c.refresh = NewMemoryRefreshTokenStore()
	}
	c.tokens = keyedStore{store: store, prefix: "wechat:platform:" + cfg.appID + ":"}
	base := []wechat.Option{wechat.WithLogger(cfg.logger), wechat.WithClock(cfg.now)}
	if cfg.httpClient != nil {
		base = append(base, wechat.WithHTTPClient(cfg.httpClient))
	}
	if cfg.baseURL != "" {
		base = append(base, wechat.WithBaseURL(cfg.baseURL))
	}
	c.clientOpts = append(base, cfg.clientOpts...)
	pageBase, err := pagesBase(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	c.pageBase = pageBase

	c.component, err = c.newClient(c.appID, wechat.WithAccessTokenFunc(c.fetchComponentToken), wechat.WithoutDedup())
	if err != nil {
		return nil, err
	}
	c.messages, err = wechat.New(append(c.clientOpts, wechat.WithAppID(c.appID),
		wechat.WithServerToken(cfg.token), wechat.WithEncodingAESKey(cfg.aesKey), wechat.WithTokenStore(routeStore{c}))...)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// newClient builds a Client of the platform for the AppID appID, with the
// platform's store.
func (c *Client) newClient(appID string, opts ...wechat.Option) (*wechat.Client, error) {
	all := make([]wechat.Option, 0, len(c.clientOpts)+len(opts)+2)
	all = append(all, c.clientOpts...)
	all = append(all, wechat.WithAppID(appID), wechat.WithTokenStore(c.tokens))
	return wechat.New(append(all, opts...)...)
}

// pagesBase returns where the authorization pages are: mp.weixin.qq.com
// for WeChat's API hosts, the base URL itself otherwise (a proxy or a
// fake serves them too), without its user and password.
func pagesBase(base string) (string, error) {
	if base == "" {
		return "https://mp.weixin.qq.com", nil
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return "", fmt.Errorf("%w: base URL does not parse", wechat.ErrInvalidConfig)
	}
	if strings.HasSuffix(u.Hostname(), "weixin.qq.com") {
		return "https://mp.weixin.qq.com", nil
	}
	// A proxy's user and password are for the API calls; the links go
	// to merchants' browsers.
	u.User = nil
	return u.String(), nil
}

// AppID returns the platform's AppID.
func (c *Client) AppID() string { return c.appID }

// String describes the platform without its secrets.
func (c *Client) String() string {
	set := "[unset]"
	if c.secret != "" {
		set = "[set]"
	}
	return fmt.Sprintf("platform.Client{AppID:%q, AppSecret:%s}", c.appID, set)
}

// Format prints the Client through String for every verb, so that %+v
// does not show its fields.
func (c *Client) Format(f fmt.State, verb rune) { fmt.Fprint(f, c.String()) }

// ComponentAccessToken returns the platform's component_access_token,
// from the store when it holds a valid one (获取令牌,
// api_component_token). Without a ticket it fails with ErrNoTicket.
func (c *Client) ComponentAccessToken(ctx context.Context) (wechat.Token, error) {
	return c.component.AccessToken(ctx)
}

// Call calls one of the platform's APIs that has no method here, with the
// component_access_token (see wechat.Client.Call): the APIs this package
// calls carry it as component_access_token, any other path as
// access_token, which WeChat's current reference accepts for the
// platform's APIs.
func (c *Client) Call(ctx context.Context, method, path string, query url.Values, body, result any) error {
	return c.component.Call(ctx, method, path, query, body, result)
}

// keyedStore puts the platform's keys under a prefix of their own in the
// store it shares with other Clients.
type keyedStore struct {
	store  wechat.TokenStore
	prefix string
}

func (s keyedStore) Token(ctx context.Context, key string, fetch wechat.FetchFunc) (wechat.Token, error) {
	return s.store.Token(ctx, s.prefix+key, fetch)
}

func (s keyedStore) Invalidate(ctx context.Context, key, value string) error {
	return s.store.Invalidate(ctx, s.prefix+key, value)
}
