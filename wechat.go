package wechat

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the API host used when WithBaseURL is not given.
const DefaultBaseURL = "https://api.weixin.qq.com"

// DefaultTimeout bounds each HTTP request of the default HTTP client.
const DefaultTimeout = 15 * time.Second

// DefaultMaxBodyBytes caps the body the webhook reads from WeChat.
const DefaultMaxBodyBytes = 1 << 20

// Client talks to the WeChat API for one official account and verifies and
// answers what WeChat pushes to it. Build it with New.
type Client struct {
	appID     string
	appSecret string

	// Server token (服务器配置 Token) used for signatures, and the one it
	// replaced, accepted while WeChat rotates it.
	token     string
	prevToken string

	// Decoded EncodingAESKey (32 bytes) and the previous one.
	aesKey     []byte
	prevAESKey []byte

	// keys are the tokens and keys above, ready for use: built once, in
	// New.
	keys *keyRing

	httpClient *http.Client
	baseURL    *url.URL
	// apiPrefix and mpPrefix are what endpoint paths are appended to: the
	// base URL, and the host of showqrcode (see qrcodeBase).
	apiPrefix, mpPrefix string
	// direct is set when API calls may skip http.Client.Do (see
	// Client.roundTrip).
	direct bool
	store  TokenStore
	logger *slog.Logger

	seedAccess *seed
	seedTicket *seed

	// The store keys of the access token and the jsapi ticket, and the
	// functions that fetch them.
	accessKey, ticketKey string
	fetchers             *tokenFetchers

	stableToken bool
	// accessFunc fetches access tokens instead of cgi-bin/token
	// (WithAccessTokenFunc); nil if not set.
	accessFunc func(context.Context) (string, time.Duration, error)

	// observer sees every HTTP attempt (WithObserver); nil if none.
	observer func(context.Context, Attempt)

	maxBodyBytes int64

	// The webhook's replay defences: WithTimestampWindow and
	// WithInsecurePlaintext.
	timestampWindow   time.Duration
	insecurePlaintext bool

	// The webhook's handling of retries and slow handlers (slow.go).
	replyTimeout   time.Duration
	handlerTimeout time.Duration
	slowMode       SlowReplyMode
	typing         bool
	lateReply      func(context.Context, LateReply)
	dedup          DedupStore
	dedupOff       bool

	now func() time.Time // WithClock
	// retryBase is shortened by tests.
	retryBase time.Duration
}

// An Option configures a Client. Options validate their argument; New
// returns the first error.
type Option func(*Client) error

// New returns a Client configured by opts. Any subset of options is valid:
// a call that needs one that was not given fails with an error wrapping
// ErrMissingConfig that names the option.
func New(opts ...Option) (*Client, error) {
	u, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		baseURL:      u,
		logger:       slog.New(slog.DiscardHandler),
		maxBodyBytes: DefaultMaxBodyBytes,

		timestampWindow: DefaultTimestampWindow,
		replyTimeout:    DefaultReplyTimeout,
		handlerTimeout:  DefaultHandlerTimeout,
		now:             time.Now,
		retryBase:       200 * time.Millisecond,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: DefaultTimeout, CheckRedirect: noRedirect}
	}
	c.keys = c.newKeyRing()
	if c.dedup == nil && !c.dedupOff {
		c.dedup = NewMemoryDedupStore(0, 0)
	}
	if c.store == nil {
		m := NewMemoryStore()
		m.now = c.now
		c.store = m
	}
	qr := c.qrcodeBase()
	c.apiPrefix, c.mpPrefix = urlPrefix(c.baseURL), urlPrefix(qr)
	c.direct = c.httpClient.Jar == nil && c.baseURL.User == nil && qr.User == nil
	// Built once, so that a cached token costs no allocation. platform's
	// Messages store answers only the access-token key, by this form.
	c.accessKey, c.ticketKey = "wechat:access_token:"+c.appID, "wechat:jsapi_ticket:"+c.appID
	c.fetchers = &tokenFetchers{}
	return c, nil
}

// noRedirect stops the HTTP client at the first redirect: the access_token
// rides in the query string and must not be sent to another host.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// WithAppID sets the official account's AppID (开发者ID).
func WithAppID(appID string) Option {
	return trimmed(appID, func(c *Client) *string { return &c.appID })
}

// WithAppSecret sets the AppSecret (开发者密码) used to fetch access tokens.
func WithAppSecret(secret string) Option {
	return trimmed(secret, func(c *Client) *string { return &c.appSecret })
}

// WithServerToken sets the server token (服务器配置 Token) used to sign what WeChat
// pushes to the webhook; spaces around it are ignored, and empty means
// none (a webhook then says, when it is built, that it needs one).
func WithServerToken(token string) Option {
	return trimmed(token, func(c *Client) *string { return &c.token })
}

// WithPreviousServerToken sets the server token that WithServerToken replaced. The
// webhook accepts signatures made with either, so a rotation in the WeChat
// console does not drop messages while the new token propagates.
func WithPreviousServerToken(token string) Option {
	return trimmed(token, func(c *Client) *string { return &c.prevToken })
}

// notNil is an Option that sets the field that field returns to v, and
// fails with ErrInvalidConfig, naming what v is, when v is nil.
func notNil[T comparable](v T, what string, field func(*Client) *T) Option {
	return func(c *Client) error {
		var none T
		if v == none {
			return fmt.Errorf("%w: nil %s", ErrInvalidConfig, what)
		}
		*field(c) = v
		return nil
	}
}

// positive is an Option that sets the field that field returns to v, and
// fails with ErrInvalidConfig, naming what v is, unless v is positive.
func positive[T int64 | time.Duration](v T, what string, field func(*Client) *T) Option {
	return func(c *Client) error {
		if v <= 0 {
			return fmt.Errorf("%w: %s %v is not positive", ErrInvalidConfig, what, v)
		}
		*field(c) = v
		return nil
	}
}

// trimmed is an Option that sets the field that field returns to v
// without the spaces around it: a value pasted from the console or an
// environment file often has some.
func trimmed(v string, field func(*Client) *string) Option {
	return func(c *Client) error {
		*field(c) = strings.TrimSpace(v)
		return nil
	}
}

// WithEncodingAESKey sets the EncodingAESKey (消息加解密密钥) of safe mode: 43
// characters of base64 without padding; spaces around it are ignored. An
// empty key means none (plain mode), so that an unset environment
// variable can be passed as it is. New fails with ErrInvalidConfig for
// any other value.
func WithEncodingAESKey(key string) Option {
	return aesKeyOption(key, func(c *Client) *[]byte { return &c.aesKey })
}

// WithPreviousEncodingAESKey sets the EncodingAESKey that WithEncodingAESKey
// replaced; the webhook decrypts with either during a rotation. Empty
// means none.
func WithPreviousEncodingAESKey(key string) Option {
	return aesKeyOption(key, func(c *Client) *[]byte { return &c.prevAESKey })
}

// aesKeyOption is an Option that sets the field that field returns to
// the decoded key (see optionalAESKey).
func aesKeyOption(key string, field func(*Client) *[]byte) Option {
	return func(c *Client) error {
		k, err := optionalAESKey(key)
		if err != nil {
			return err
		}
		*field(c) = k
		return nil
	}
}

// optionalAESKey decodes key, or returns nil for an empty one.
func optionalAESKey(key string) ([]byte, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, nil
	}
	return decodeAESKey(key)
}

func decodeAESKey(key string) ([]byte, error) {
	if len(key) != 43 {
		return nil, fmt.Errorf("%w: EncodingAESKey must be 43 characters, got %d", ErrInvalidConfig, len(key))
	}
	k, err := base64.StdEncoding.DecodeString(key + "=")
	if err != nil || len(k) != 32 {
		// The key itself is secret: do not echo it or the decoder's
		// message, which quotes the offending byte position only.
		return nil, fmt.Errorf("%w: EncodingAESKey is not valid base64", ErrInvalidConfig)
	}
	return k, nil
}

// WithHTTPClient sets the HTTP client used for API calls: its Transport,
// Timeout and Jar. The client is copied, and the copy never follows a
// redirect, whatever the caller's CheckRedirect says: the access_token
// (and, for cgi-bin/token, the AppSecret) travels in the query string, and
// a redirect would hand it to another host. A redirect is returned as an
// *HTTPError with its 3xx status. A Transport that follows redirects
// itself is beyond the Client's reach.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return fmt.Errorf("%w: nil *http.Client", ErrInvalidConfig)
		}
		cp := *hc
		cp.CheckRedirect = noRedirect
		c.httpClient = &cp
		return nil
	}
}

// WithBaseURL sets the API host, DefaultBaseURL by default. Point it at a
// fake server in tests, or at a regional host or a proxy. A password in
// the URL (https://user:password@proxy) is sent as basic authentication
// and is shown redacted wherever the Client prints the URL: String, error
// messages, log lines and observed attempts.
func WithBaseURL(base string) Option {
	return func(c *Client) error {
		u, err := url.Parse(strings.TrimRight(base, "/"))
		if err != nil {
			// The URL may hold a proxy's password: report only what
			// is wrong with it, never the URL itself.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return fmt.Errorf("%w: base URL does not parse: %v", ErrInvalidConfig, err)
		}
		if !isHTTPURL(u) {
			return fmt.Errorf("%w: base URL %q is not an absolute http(s) URL", ErrInvalidConfig, u.Redacted())
		}
		c.baseURL = u
		return nil
	}
}

// WithTokenStore sets where access tokens and jsapi tickets are cached. The
// default is an in-memory store private to the Client; share a store such
// as redisstore between processes that use one AppID.
func WithTokenStore(s TokenStore) Option {
	return notNil(s, "TokenStore", func(c *Client) *TokenStore { return &c.store })
}

// WithAccessToken seeds the cache with an access_token obtained earlier,
// for example by a previous run of the process. It is used until
// expiresAt, unless the store already holds a valid token.
func WithAccessToken(token string, expiresAt time.Time) Option {
	return func(c *Client) error {
		c.seedAccess = &seed{tok: Token{Value: token, ExpiresAt: expiresAt}}
		return nil
	}
}

// WithJSAPITicket seeds the cache with a jsapi_ticket obtained earlier.
func WithJSAPITicket(ticket string, expiresAt time.Time) Option {
	return func(c *Client) error {
		c.seedTicket = &seed{tok: Token{Value: ticket, ExpiresAt: expiresAt}}
		return nil
	}
}

// WithLogger sets the logger for events worth knowing about (token
// refreshes, retries, webhook handler errors). Nothing is logged by
// default. Secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return notNil(l, "logger", func(c *Client) **slog.Logger { return &c.logger })
}

// WithMaxBodyBytes caps the size of a webhook request body; larger bodies
// are answered 413 without calling the handler. The default is
// DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) Option {
	return positive(n, "max body bytes", func(c *Client) *int64 { return &c.maxBodyBytes })
}

// WithClock sets the clock the Client reads: when cached tokens and
// tickets expire (with the default in-memory store), the timestamps of
// JSSDKConfig and of encrypted webhook replies. It is for tests that move
// time forward, such as with wechattest.Clock; nil means time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			now = time.Now
		}
		c.now = now
		return nil
	}
}

// AppID returns the AppID the Client was built with.
func (c *Client) AppID() string { return c.appID }

// String describes the Client without its secrets.
func (c Client) String() string {
	base := ""
	if c.baseURL != nil {
		base = c.baseURL.Redacted()
	}
	return fmt.Sprintf("wechat.Client{AppID:%q, BaseURL:%q, AppSecret:%s, Token:%s, EncodingAESKey:%s}",
		c.appID, base, mask(c.appSecret != ""), mask(c.token != ""), mask(len(c.aesKey) > 0))
}

// GoString is String, so that %#v does not print secrets either.
func (c Client) GoString() string { return c.String() }

// Format prints the Client through String for every verb, so that neither
// %v, %+v nor %#v exposes its fields.
func (c Client) Format(f fmt.State, verb rune) { fmt.Fprint(f, c.String()) }

func mask(set bool) string {
	if set {
		return "[set]"
	}
	return "[unset]"
}

func (c *Client) requireSecret() error {
	if err := c.requireAppID(); err != nil {
		return err
	}
	if c.appSecret == "" {
		return missing("AppSecret (WithAppSecret)")
	}
	return nil
}
