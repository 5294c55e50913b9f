package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// OAuthScope is the scope of a web authorization (网页授权作用域).
type OAuthScope string

// The scopes of web authorization.
const (
	// ScopeBase authorizes silently: the user is redirected straight back
	// and the Client learns only the openid.
	ScopeBase OAuthScope = "snsapi_base"
	// ScopeUserInfo asks the user to agree, after which GetOAuthUserInfo
	// returns their nickname, avatar and region, even if they do not
	// follow the account.
	ScopeUserInfo OAuthScope = "snsapi_userinfo"
)

// authorizeEndpoint is where web authorization starts. It is a page the
// user's WeChat opens, not an API the Client calls, so WithBaseURL does not
// change it.
const authorizeEndpoint = "https://open.weixin.qq.com/connect/oauth2/authorize"

// maxStateLen is the longest state (or one-time subscription reserved)
// WeChat carries back (128 bytes).
const maxStateLen = 128

// AuthorizeURL returns the page to send a user to for web authorization
// (网页授权, [connect/oauth2/authorize]). After the user agrees (or at
// once, for ScopeBase) WeChat redirects to redirectURI with code and state
// in the query; pass the code to ExchangeCode.
//
// redirectURI must be an absolute http(s) URL without a fragment, on the
// domain configured as the account's web authorization domain; it is
// escaped here, so pass it unescaped. state is returned untouched and is
// the place for a CSRF token: WeChat accepts at most 128 bytes of a-z,
// A-Z and 0-9, and an empty state is left out. The URL ends in
// #wechat_redirect, which WeChat requires.
//
// [connect/oauth2/authorize]: https://developers.weixin.qq.com/doc/service/guide/h5/auth.html
func (c *Client) AuthorizeURL(redirectURI string, scope OAuthScope, state string) (string, error) {
	if err := c.requireAppID(); err != nil {
		return "", err
	}
	if err := checkRedirectURL("redirect URI", redirectURI); err != nil {
		return "", err
	}
	if scope != ScopeBase && scope != ScopeUserInfo {
		return "", invalidArg("unknown web authorization scope %q", scope)
	}
	if err := checkOAuthState("state", state); err != nil {
		return "", err
	}
	// The parameters are written in the documented order: WeChat has been
	// known to reject reordered authorization URLs.
	var b strings.Builder
	b.WriteString(authorizeEndpoint)
	b.WriteString("?appid=")
	b.WriteString(url.QueryEscape(c.appID))
	b.WriteString("&redirect_uri=")
	b.WriteString(url.QueryEscape(redirectURI))
	b.WriteString("&response_type=code&scope=")
	b.WriteString(string(scope))
	if state != "" {
		b.WriteString("&state=")
		b.WriteString(state)
	}
	b.WriteString("#wechat_redirect")
	return b.String(), nil
}

// checkOAuthState checks a value WeChat carries through a redirect and
// hands back unchanged: the state of web authorization, the reserved of a
// one-time subscription. Either may be empty, or hold at most 128 bytes
// of a-z, A-Z and 0-9. name is the parameter, for the error.
func checkOAuthState(name, state string) error {
	if len(state) > maxStateLen {
		return invalidArg("%s is %d bytes; WeChat allows at most %d", name, len(state), maxStateLen)
	}
	for i := 0; i < len(state); i++ {
		ch := state[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return invalidArg("%s may hold only a-z, A-Z and 0-9; found %q at byte %d", name, ch, i)
		}
	}
	return nil
}

// isHTTPURL reports whether u is an absolute http or https URL: one of
// those schemes (url.Parse lowers its case) and a host.
func isHTTPURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// checkHTTPURL returns an ErrInvalidArgument unless s is an absolute http
// or https URL. what names s in the error ("image URL"), which shows s
// clipped.
func checkHTTPURL(what, s string) error {
	if u, err := url.Parse(s); err != nil || !isHTTPURL(u) {
		return invalidArg("%s %q is not an absolute http(s) URL", what, clip(s))
	}
	return nil
}

// checkRedirectURL is checkHTTPURL for an address WeChat sends the user
// back to with parameters appended to it (code and state, openid and
// scene): it rejects a fragment too, even an empty one, since what WeChat
// appends after it would stay in the browser and never reach the server.
func checkRedirectURL(what, s string) error {
	if err := checkHTTPURL(what, s); err != nil {
		return err
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return invalidArg("%s %q has a fragment (%q): what WeChat appends would not reach the server", what, clip(s), clip(s[i:]))
	}
	return nil
}

// requireAppID returns an ErrMissingConfig when the Client was built
// without WithAppID.
func (c *Client) requireAppID() error {
	if c.appID == "" {
		return missing("AppID (WithAppID)")
	}
	return nil
}

// OAuthToken is a user's web authorization credential (网页授权
// access_token). It belongs to one user and can only read that user's
// profile; it is unrelated to the account's access_token and is never put
// in the Client's TokenStore. Keep it, if at all, with the user's session.
type OAuthToken struct {
	// AccessToken is the credential for GetOAuthUserInfo and
	// CheckOAuthToken. Treat it as a secret.
	AccessToken string
	// RefreshToken renews AccessToken with RefreshOAuthToken; it lasts
	// about 30 days. Treat it as a secret.
	RefreshToken string
	// ExpiresAt is when AccessToken expires (WeChat's expires_in from the
	// time of the reply, at most MaxTokenLifetime).
	ExpiresAt time.Time
	// OpenID identifies the user within this account. A user who does not
	// follow the account also has one.
	OpenID string
	// Scope is what the user authorized: scopes separated by commas.
	Scope string
	// UnionID identifies the user across the accounts bound to one WeChat
	// Open Platform account. It is set only for ScopeUserInfo and only
	// when such a binding exists.
	UnionID string
	// IsSnapshotUser reports a virtual account of the "snapshot page"
	// mode (快照页模式): the user opened the page from a shared snapshot
	// in Moments without really authorizing. Its openid is not the
	// user's.
	IsSnapshotUser bool
}

// String hides the credentials, so that a token printed by mistake leaks
// nothing. The fields that are not secret are shown.
func (t OAuthToken) String() string {
	return fmt.Sprintf("wechat.OAuthToken{OpenID:%q, UnionID:%q, Scope:%q, ExpiresAt:%s, IsSnapshotUser:%t}",
		t.OpenID, t.UnionID, t.Scope, t.ExpiresAt.Format(time.RFC3339), t.IsSnapshotUser)
}

// GoString is String, for %#v.
func (t OAuthToken) GoString() string { return t.String() }

// Format prints the token through String for every verb, so that %+v
// does not expose the credentials either.
func (t OAuthToken) Format(f fmt.State, verb rune) { fmt.Fprint(f, t.String()) }

// oauthTokenView is what an OAuthToken shows of itself outside fmt:
// everything but AccessToken and RefreshToken.
type oauthTokenView struct {
	ExpiresAt      time.Time
	OpenID         string
	Scope          string
	UnionID        string `json:",omitempty"`
	IsSnapshotUser bool
}

func (t OAuthToken) view() oauthTokenView {
	return oauthTokenView{ExpiresAt: t.ExpiresAt, OpenID: t.OpenID, Scope: t.Scope, UnionID: t.UnionID, IsSnapshotUser: t.IsSnapshotUser}
}

// LogValue hides the credentials from log/slog: a token logged as an
// attribute shows its expiry, OpenID, Scope, UnionID and IsSnapshotUser
// only, whichever handler formats it.
func (t OAuthToken) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.Time("ExpiresAt", t.ExpiresAt),
		slog.String("OpenID", t.OpenID),
		slog.String("Scope", t.Scope),
	}
	if t.UnionID != "" {
		attrs = append(attrs, slog.String("UnionID", t.UnionID))
	}
	return slog.GroupValue(append(attrs, slog.Bool("IsSnapshotUser", t.IsSnapshotUser))...)
}

// MarshalJSON hides the credentials from encoding/json (and from slog's
// JSON handler when a token is nested in another value): AccessToken and
// RefreshToken are left out, the other fields keep their names. To keep a
// user's token with their session, store the two credentials yourself.
func (t OAuthToken) MarshalJSON() ([]byte, error) { return json.Marshal(t.view()) }

// MarshalText is String, for the encoders that use encoding.TextMarshaler
// (encoding/xml and many YAML and TOML packages).
func (t OAuthToken) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

type oauthTokenReply struct {
	status
	AccessToken    string      `json:"access_token"`
	ExpiresIn      int64       `json:"expires_in"`
	RefreshToken   string      `json:"refresh_token"`
	OpenID         string      `json:"openid"`
	Scope          string      `json:"scope"`
	UnionID        string      `json:"unionid"`
	IsSnapshotUser lenient.Int `json:"is_snapshotuser"`
}

// ExchangeCode trades the code that web authorization appended to the
// redirect URI for the user's OAuthToken (通过 code 换取网页授权
// access_token, [sns/oauth2/access_token]). A code works once and for five
// minutes. The request carries the AppSecret; neither it nor the code ever
// appears in an error.
//
// [sns/oauth2/access_token]: https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken.html
func (c *Client) ExchangeCode(ctx context.Context, code string) (*OAuthToken, error) {
	if err := c.requireSecret(); err != nil {
		return nil, err
	}
	if code == "" {
		return nil, invalidArg("code is empty")
	}
	return c.oauthToken(ctx, endpoint.OAuthAccessToken, query{
		{"appid", c.appID},
		{"secret", c.appSecret},
		{"code", code},
		{"grant_type", "authorization_code"},
	})
}

// RefreshOAuthToken renews a user's access token with the refresh token
// from ExchangeCode (刷新网页授权 access_token, [sns/oauth2/refresh_token]). If
// the access token is still valid WeChat extends it, otherwise it issues a
// new one. Once the refresh token has expired the user must authorize
// again.
//
// [sns/oauth2/refresh_token]: https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsrefreshtoken.html
func (c *Client) RefreshOAuthToken(ctx context.Context, refreshToken string) (*OAuthToken, error) {
	if err := c.requireAppID(); err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, invalidArg("refresh token is empty")
	}
	return c.oauthToken(ctx, endpoint.OAuthRefreshToken, query{
		{"appid", c.appID},
		{"grant_type", "refresh_token"},
		{"refresh_token", refreshToken},
	})
}

// oauthToken calls a token endpoint of web authorization. These carry
// their own credentials (endpoint.None): the account's access_token is
// not sent along with them.
func (c *Client) oauthToken(ctx context.Context, id endpoint.ID, q query) (*OAuthToken, error) {
	r, err := call[oauthTokenReply](ctx, c, id, q, nil)
	if err != nil {
		return nil, err
	}
	if r.AccessToken == "" || r.OpenID == "" {
		return nil, badReply(id, "no access_token or openid in reply")
	}
	life, err := c.lifetime(ctx, endpoint.Get(id).Path, r.ExpiresIn)
	if err != nil {
		return nil, err
	}
	return &OAuthToken{
		AccessToken:    r.AccessToken,
		RefreshToken:   r.RefreshToken,
		ExpiresAt:      c.now().Add(life),
		OpenID:         r.OpenID,
		Scope:          r.Scope,
		UnionID:        r.UnionID,
		IsSnapshotUser: r.IsSnapshotUser == 1,
	}, nil
}

// OAuthUser is the profile a user shared through ScopeUserInfo.
type OAuthUser struct {
	OpenID   string
	Nickname string
	// Sex is 1 for male, 2 for female and 0 when unknown. WeChat has
	// stopped filling it in for most users.
	Sex      int
	Province string
	City     string
	// Country is a code such as "CN".
	Country string
	// HeadImgURL is the avatar; its last path element picks the size (0
	// for 640x640, or 46, 64, 96 or 132). Empty when the user has none.
	HeadImgURL string
	// Privilege lists special statuses of the user, such as
	// "chinaunicom" for a WeChat Wo card.
	Privilege []string
	// UnionID is set only when the account is bound to a WeChat Open
	// Platform account.
	UnionID string
}

type oauthUserReply struct {
	status
	OpenID     string      `json:"openid"`
	Nickname   string      `json:"nickname"`
	Sex        lenient.Int `json:"sex"` // a number in the docs, a string in some replies
	Province   string      `json:"province"`
	City       string      `json:"city"`
	Country    string      `json:"country"`
	HeadImgURL string      `json:"headimgurl"`
	Privilege  []string    `json:"privilege"`
	UnionID    string      `json:"unionid"`
}

// GetOAuthUserInfo returns the profile of the user an OAuthToken belongs to
// (拉取用户信息, [sns/userinfo]). It needs a token from ScopeUserInfo: a
// ScopeBase token fails with errcode 48001. lang picks the language of the
// region names: LangZhCN (WeChat's default when lang is empty), LangZhTW
// or LangEn.
//
// [sns/userinfo]: https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsuserinfo.html
func (c *Client) GetOAuthUserInfo(ctx context.Context, accessToken, openID string, lang Lang) (*OAuthUser, error) {
	q, err := userTokenQuery(accessToken, openID)
	if err != nil {
		return nil, err
	}
	q = append(q, param{"lang", string(lang)})
	r, err := call[oauthUserReply](ctx, c, endpoint.OAuthUserInfo, q, nil)
	if err != nil {
		return nil, err
	}
	return &OAuthUser{
		OpenID:     r.OpenID,
		Nickname:   r.Nickname,
		Sex:        int(r.Sex),
		Province:   r.Province,
		City:       r.City,
		Country:    r.Country,
		HeadImgURL: r.HeadImgURL,
		Privilege:  r.Privilege,
		UnionID:    r.UnionID,
	}, nil
}

// CheckOAuthToken asks WeChat whether a user's access token is still valid
// for openID (检验授权凭证是否有效, [sns/auth]). It returns nil if it is, and
// otherwise the *APIError WeChat answered with (for example 40001 for an
// expired token or 40003 for an openid that does not match).
//
// [sns/auth]: https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsauth.html
func (c *Client) CheckOAuthToken(ctx context.Context, accessToken, openID string) error {
	q, err := userTokenQuery(accessToken, openID)
	if err != nil {
		return err
	}
	return exec(ctx, c, endpoint.OAuthCheck, q, nil)
}

// userTokenQuery checks a user's access token and the openid it was
// issued for, and returns the query that carries them.
func userTokenQuery(accessToken, openID string) (query, error) {
	if accessToken == "" {
		return nil, invalidArg("access token is empty")
	}
	if openID == "" {
		return nil, invalidArg("openid is empty")
	}
	return query{{"access_token", accessToken}, {"openid", openID}}, nil
}
