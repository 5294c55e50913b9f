package platform

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Web authorization on an account's behalf (代公众号发起网页授权): the
// platform signs users of an authorized account in on its pages. The
// code is exchanged with the platform's component_access_token instead of
// the account's AppSecret; the user's token is then used as any web
// authorization token (wechat.Client.OAuthUserInfo).

// OAuthURL returns the page to send a user to for web authorization on
// behalf of the account appID (connect/oauth2/authorize with
// component_appid), as wechat.Client.AuthorizeURL does for an account:
// redirectURI must be on the platform's web authorization domain
// (公众号开发域名), state holds at most 128 letters and digits. WeChat sends
// the user back with code, state and appid; ExchangeOAuthCode takes the
// code.
func (c *Client) OAuthURL(appID, redirectURI string, scope wechat.OAuthScope, state string) (string, error) {
	if appID == "" || appID == c.appID {
		return "", fmt.Errorf("%w: AppID %q is not an account's", wechat.ErrInvalidArgument, appID)
	}
	// The AppID comes from whoever asks for the page: the link is built
	// by a Client of its own, not by Authorizer, which keeps one for
	// every AppID it is given.
	ac, err := wechat.New(wechat.WithAppID(appID), wechat.WithoutDedup())
	if err != nil {
		return "", err
	}
	u, err := ac.AuthorizeURL(redirectURI, scope, state)
	if err != nil {
		return "", err
	}
	// component_appid comes last, before the fragment, as documented.
	page, fragment, _ := strings.Cut(u, "#")
	return page + "&component_appid=" + url.QueryEscape(c.appID) + "#" + fragment, nil
}

type oauthTokenReply struct {
	AccessToken    string      `json:"access_token"`
	ExpiresIn      lenient.Int `json:"expires_in"`
	RefreshToken   string      `json:"refresh_token"`
	OpenID         string      `json:"openid"`
	Scope          string      `json:"scope"`
	UnionID        string      `json:"unionid"`
	IsSnapshotUser lenient.Int `json:"is_snapshotuser"`
}

// ExchangeOAuthCode trades the code web authorization on behalf of the
// account appID returned for the user's token (通过 code 换取 access_token,
// sns/oauth2/component/access_token). A code works once and for five
// minutes.
func (c *Client) ExchangeOAuthCode(ctx context.Context, appID, code string) (*wechat.OAuthToken, error) {
	if appID == "" || code == "" {
		return nil, fmt.Errorf("%w: empty AppID or code", wechat.ErrInvalidArgument)
	}
	return c.oauthToken(ctx, endpoint.ComponentOAuthAccessToken, url.Values{
		"appid": {appID}, "code": {code}, "grant_type": {"authorization_code"}, "component_appid": {c.appID},
	})
}

// RefreshOAuthToken renews a user's token from ExchangeOAuthCode with its
// refresh token (刷新 access_token, sns/oauth2/component/refresh_token),
// as wechat.Client.RefreshOAuthToken does for an account.
func (c *Client) RefreshOAuthToken(ctx context.Context, appID, refreshToken string) (*wechat.OAuthToken, error) {
	if appID == "" || refreshToken == "" {
		return nil, fmt.Errorf("%w: empty AppID or refresh token", wechat.ErrInvalidArgument)
	}
	return c.oauthToken(ctx, endpoint.ComponentOAuthRefreshToken, url.Values{
		"appid": {appID}, "grant_type": {"refresh_token"}, "component_appid": {c.appID}, "refresh_token": {refreshToken},
	})
}

func (c *Client) oauthToken(ctx context.Context, id endpoint.ID, q url.Values) (*wechat.OAuthToken, error) {
	var r oauthTokenReply
	ep := endpoint.Get(id)
	if err := c.component.Call(ctx, ep.Method, ep.Path, q, nil, &r); err != nil {
		return nil, err
	}
	if r.AccessToken == "" || r.OpenID == "" {
		return nil, fmt.Errorf("%w: %s: no access_token or openid in reply", wechat.ErrUnexpectedResponse, ep.Path)
	}
	if r.ExpiresIn <= 0 {
		return nil, fmt.Errorf("%w: %s: expires_in is %d, not a positive number of seconds", wechat.ErrUnexpectedResponse, ep.Path, r.ExpiresIn)
	}
	life := min(lifetime(r.ExpiresIn), wechat.MaxTokenLifetime)
	return &wechat.OAuthToken{
		AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, ExpiresAt: c.now().Add(life),
		OpenID: r.OpenID, Scope: r.Scope, UnionID: r.UnionID, IsSnapshotUser: r.IsSnapshotUser == 1,
	}, nil
}
