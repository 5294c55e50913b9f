package platform

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Authorization: the pre-authorization code, the pages where an account's
// administrator authorizes the platform, and what the authorization code
// they return is exchanged for.

// componentRequest is the body of the APIs that name the platform only.
type componentRequest struct {
	ComponentAppID string `json:"component_appid"`
}

type preAuthCodeReply struct {
	Code      string      `json:"pre_auth_code"`
	ExpiresIn lenient.Int `json:"expires_in"`
}

// PreAuthCode returns a new pre-authorization code (预授权码,
// api_create_preauthcode): the credential of one authorization page, valid
// for ten minutes and once. AuthorizeURL and MobileAuthorizeURL get one
// themselves.
func (c *Client) PreAuthCode(ctx context.Context) (Secret, error) {
	var r preAuthCodeReply
	if err := c.callID(ctx, endpoint.APICreatePreAuthCode, componentRequest{c.appID}, &r); err != nil {
		return "", err
	}
	if r.Code == "" {
		return "", fmt.Errorf("%w: %s: no pre_auth_code in reply", wechat.ErrUnexpectedResponse, endpoint.Get(endpoint.APICreatePreAuthCode).Path)
	}
	return Secret(r.Code), nil
}

// AuthType is the kind of account an authorization page offers to
// authorize (auth_type).
type AuthType int

// The kinds of AuthType. The zero value leaves the choice to WeChat,
// which offers both.
const (
	AuthOfficialAccount AuthType = 1 // official accounts only
	AuthMiniProgram     AuthType = 2 // Mini Programs only
	AuthBoth            AuthType = 3 // both
)

// AuthorizeOptions narrow an authorization page.
type AuthorizeOptions struct {
	// Type is the kind of account the page offers.
	Type AuthType
	// BizAppID makes the page accept this account only (biz_appid).
	// WeChat takes either Type or BizAppID, not both.
	BizAppID string
}

// Pages of the authorization (授权页), on the host of pagesBase.
const (
	loginPagePath = "/cgi-bin/componentloginpage" // on a computer: the administrator scans a code
	bindPagePath  = "/safe/bindcomponent"         // in WeChat on a phone
)

// AuthorizeURL returns the page where an account's administrator
// authorizes the platform on a computer, by scanning a code with WeChat
// (授权注册页面扫码授权, componentloginpage), with a new pre-authorization
// code: the page works once and for ten minutes. Link to it from a page
// on the platform's authorization domain (授权发起页域名), which WeChat
// checks. Once the administrator agrees, WeChat sends the browser to
// redirectURI with auth_code and expires_in in the query, and pushes the
// same code to the authorization event URL, where Events exchanges it
// (QueryAuth): the redirect only needs to say thank you. redirectURI is
// escaped here; pass it unescaped.
func (c *Client) AuthorizeURL(ctx context.Context, redirectURI string, opts AuthorizeOptions) (string, error) {
	return c.authorizeURL(ctx, loginPagePath, redirectURI, opts, false)
}

// MobileAuthorizeURL is AuthorizeURL for an administrator who is in WeChat
// on a phone (点击移动端链接快速授权, bindcomponent): the link opens the
// authorization in WeChat itself.
func (c *Client) MobileAuthorizeURL(ctx context.Context, redirectURI string, opts AuthorizeOptions) (string, error) {
	return c.authorizeURL(ctx, bindPagePath, redirectURI, opts, true)
}

func (c *Client) authorizeURL(ctx context.Context, path, redirectURI string, opts AuthorizeOptions, mobile bool) (string, error) {
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: redirect URI %q is not an absolute http(s) URL", wechat.ErrInvalidArgument, redirectURI)
	}
	if opts.Type != 0 && opts.BizAppID != "" {
		return "", fmt.Errorf("%w: an authorization page takes an AuthType or a BizAppID, not both", wechat.ErrInvalidArgument)
	}
	if opts.Type < 0 || opts.Type > AuthBoth {
		return "", fmt.Errorf("%w: unknown AuthType %d", wechat.ErrInvalidArgument, opts.Type)
	}
	code, err := c.PreAuthCode(ctx)
	if err != nil {
		return "", err
	}
	// In the documented order of the parameters.
	var b strings.Builder
	b.WriteString(c.pageBase + path + "?")
	if mobile {
		b.WriteString("action=bindcomponent&no_scan=1&")
	}
	b.WriteString("component_appid=" + url.QueryEscape(c.appID))
	b.WriteString("&pre_auth_code=" + url.QueryEscape(string(code)))
	b.WriteString("&redirect_uri=" + url.QueryEscape(redirectURI))
	if opts.Type != 0 {
		b.WriteString(fmt.Sprintf("&auth_type=%d", opts.Type))
	}
	if opts.BizAppID != "" {
		b.WriteString("&biz_appid=" + url.QueryEscape(opts.BizAppID))
	}
	if mobile {
		b.WriteString("#wechat_redirect")
	}
	return b.String(), nil
}

// Authorization is what an account granted the platform.
type Authorization struct {
	// AuthorizerAppID is the account.
	AuthorizerAppID string
	// AccessToken is its authorizer_access_token, with the expiry WeChat
	// gave it; the account's Client uses it already. Empty when the
	// account has no API permission.
	AccessToken wechat.Token
	// RefreshToken is its authorizer_refresh_token, which the platform
	// stores (RefreshTokenStore). Empty when the account has no API
	// permission.
	RefreshToken Secret
	// FuncInfo lists the permission sets (权限集) granted, by id: the
	// administrator may grant fewer than the platform asked for.
	FuncInfo []int
}

type funcInfo struct {
	Category struct {
		ID lenient.Int `json:"id"`
	} `json:"funcscope_category"`
}

type authorizationReply struct {
	AppID        string      `json:"authorizer_appid"`
	AccessToken  string      `json:"authorizer_access_token"`
	ExpiresIn    lenient.Int `json:"expires_in"`
	RefreshToken string      `json:"authorizer_refresh_token"`
	FuncInfo     []funcInfo  `json:"func_info"`
}

func (r *authorizationReply) authorization(now time.Time) *Authorization {
	a := &Authorization{AuthorizerAppID: r.AppID, RefreshToken: Secret(r.RefreshToken)}
	if r.AccessToken != "" {
		a.AccessToken = wechat.Token{Value: r.AccessToken, ExpiresAt: now.Add(min(lifetime(r.ExpiresIn), wechat.MaxTokenLifetime))}
	}
	for _, f := range r.FuncInfo {
		a.FuncInfo = append(a.FuncInfo, int(f.Category.ID))
	}
	return a
}

// QueryAuth exchanges an authorization code (授权码: the auth_code of the
// redirect, or the AuthorizationCode of the authorized push) for the
// account's authorization (使用授权码获取授权信息, api_query_auth), and
// makes it the platform's: the refresh token is stored, replacing the
// account's old one (which an authorization invalidates), a revocation is
// lifted, and the access token goes to the account's Client, which uses
// it for its next calls. Events calls it for every authorized and
// updateauthorized push.
//
// When the refresh token cannot be stored the Authorization is returned
// anyway, with the error: its RefreshToken must then be stored by other
// means, or restored later (RestoreRefreshTokens).
func (c *Client) QueryAuth(ctx context.Context, code string) (*Authorization, error) {
	if code == "" {
		return nil, fmt.Errorf("%w: empty authorization code", wechat.ErrInvalidArgument)
	}
	var r struct {
		Info authorizationReply `json:"authorization_info"`
	}
	body := struct {
		componentRequest
		Code string `json:"authorization_code"`
	}{componentRequest{c.appID}, code}
	if err := c.callID(ctx, endpoint.APIQueryAuth, body, &r); err != nil {
		return nil, err
	}
	if r.Info.AppID == "" {
		return nil, fmt.Errorf("%w: %s: no authorizer_appid in reply", wechat.ErrUnexpectedResponse, endpoint.Get(endpoint.APIQueryAuth).Path)
	}
	auth := r.Info.authorization(c.now())
	if auth.RefreshToken == "" {
		return auth, nil
	}
	appID := auth.AuthorizerAppID
	if err := c.storeRefreshToken(ctx, appID, string(auth.RefreshToken)); err != nil {
		return auth, fmt.Errorf("platform: storing the refresh token of %s: %w", appID, err)
	}
	if auth.AccessToken.Value != "" {
		c.mu.Lock()
		c.seeds[appID] = auth.AccessToken
		c.mu.Unlock()
	}
	c.install(ctx, appID)
	return auth, nil
}

// install makes the account's Client take the access token an
// authorization code gave: a forced refresh drops what the store holds
// and fetches, which takes the seed. The seed is left for the next fetch
// when this fails, which is logged.
func (c *Client) install(ctx context.Context, appID string) {
	ac, err := c.Authorizer(appID)
	if err == nil {
		_, err = ac.RefreshAccessToken(ctx)
	}
	if err != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "platform: caching a new authorizer_access_token failed",
			slog.String("appid", appID), slog.String("error", err.Error()))
	}
}

// AuthorizerInfo is an account's profile and authorization, as
// api_get_authorizer_info reports them.
type AuthorizerInfo struct {
	NickName string
	HeadImg  string
	// ServiceType is the kind of official account: 0 a subscription
	// account, 1 one upgraded from an old account, 2 a service account.
	ServiceType int
	// VerifyType is its verification: -1 none, 0 WeChat's, others
	// as documented (1 Sina Weibo, 3 qualification only, …).
	VerifyType int
	// UserName is the original ID (原始ID), the ToUserName of its
	// messages.
	UserName      string
	PrincipalName string
	Alias         string
	QRCodeURL     string
	Signature     string
	// AccountStatus is 1 for a normal account (14 closed, 16 banned, 18
	// warned, 19 frozen).
	AccountStatus int
	// BusinessInfo says which features are open (1) or not (0):
	// open_pay, open_shake, open_scan, open_card, open_store.
	BusinessInfo map[string]int
	// MiniProgram reports a Mini Program (MiniProgramInfo present).
	MiniProgram bool
	// Authorization is what the account granted: its RefreshToken and
	// FuncInfo (no AccessToken).
	Authorization Authorization
}

type idInfo struct {
	ID lenient.Int `json:"id"`
}

type authorizerInfoReply struct {
	Info struct {
		NickName        string          `json:"nick_name"`
		HeadImg         string          `json:"head_img"`
		ServiceType     idInfo          `json:"service_type_info"`
		VerifyType      idInfo          `json:"verify_type_info"`
		UserName        string          `json:"user_name"`
		PrincipalName   string          `json:"principal_name"`
		Alias           string          `json:"alias"`
		QRCodeURL       string          `json:"qrcode_url"`
		Signature       string          `json:"signature"`
		AccountStatus   lenient.Int     `json:"account_status"`
		BusinessInfo    map[string]int  `json:"business_info"`
		MiniProgramInfo *map[string]any `json:"MiniProgramInfo"`
	} `json:"authorizer_info"`
	Authorization authorizationReply `json:"authorization_info"`
}

// AuthorizerInfo returns the profile of an authorized account and what it
// granted (获取授权账号详情, api_get_authorizer_info). An account that revoked
// the platform is answered errcode 61003.
func (c *Client) AuthorizerInfo(ctx context.Context, appID string) (*AuthorizerInfo, error) {
	if appID == "" {
		return nil, fmt.Errorf("%w: empty AppID", wechat.ErrInvalidArgument)
	}
	var r authorizerInfoReply
	body := struct {
		componentRequest
		AppID string `json:"authorizer_appid"`
	}{componentRequest{c.appID}, appID}
	if err := c.callID(ctx, endpoint.APIGetAuthorizerInfo, body, &r); err != nil {
		return nil, err
	}
	in := &r.Info
	auth := r.Authorization.authorization(c.now())
	return &AuthorizerInfo{
		NickName: in.NickName, HeadImg: in.HeadImg,
		ServiceType: int(in.ServiceType.ID), VerifyType: int(in.VerifyType.ID),
		UserName: in.UserName, PrincipalName: in.PrincipalName, Alias: in.Alias,
		QRCodeURL: in.QRCodeURL, Signature: in.Signature, AccountStatus: int(in.AccountStatus),
		BusinessInfo: in.BusinessInfo, MiniProgram: in.MiniProgramInfo != nil,
		Authorization: *auth,
	}, nil
}

// AuthorizerSummary is an account of api_get_authorizer_list.
type AuthorizerSummary struct {
	AppID        string
	RefreshToken Secret
	// AuthTime is when the account authorized the platform.
	AuthTime time.Time
}

// authorizersPage is the most api_get_authorizer_list returns at once.
const authorizersPage = 500

type authorizerListReply struct {
	Total lenient.Int `json:"total_count"`
	List  []struct {
		AppID        string      `json:"authorizer_appid"`
		RefreshToken string      `json:"refresh_token"`
		AuthTime     lenient.Int `json:"auth_time"`
	} `json:"list"`
}

// Authorizers iterates over every account authorized to the platform now
// (拉取已授权的账号信息, api_get_authorizer_list), fetching a page of 500
// when the loop reaches it and none after a break or an error.
func (c *Client) Authorizers(ctx context.Context) iter.Seq2[AuthorizerSummary, error] {
	return func(yield func(AuthorizerSummary, error) bool) {
		offset := 0
		for {
			var r authorizerListReply
			body := struct {
				componentRequest
				Offset int `json:"offset"`
				Count  int `json:"count"`
			}{componentRequest{c.appID}, offset, authorizersPage}
			if err := c.callID(ctx, endpoint.APIGetAuthorizerList, body, &r); err != nil {
				yield(AuthorizerSummary{}, err)
				return
			}
			for _, a := range r.List {
				if !yield(AuthorizerSummary{AppID: a.AppID, RefreshToken: Secret(a.RefreshToken), AuthTime: time.Unix(int64(a.AuthTime), 0)}, nil) {
					return
				}
			}
			offset += len(r.List)
			if len(r.List) == 0 || offset >= int(r.Total) {
				return
			}
		}
	}
}

// RestoreRefreshTokens stores the refresh token of every account
// authorized now, as api_get_authorizer_list reports it: the recovery for
// refresh tokens a store lost (ErrNoRefreshToken), short of asking the
// merchants to authorize again. It returns how many it stored.
func (c *Client) RestoreRefreshTokens(ctx context.Context) (int, error) {
	n := 0
	for a, err := range c.Authorizers(ctx) {
		if err != nil {
			return n, err
		}
		if a.RefreshToken == "" {
			continue
		}
		if err := c.storeRefreshToken(ctx, a.AppID, string(a.RefreshToken)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// The options of an authorized account (授权方选项信息) and their values.
const (
	// OptionLocationReport: location reports, "0" none, "1" when a
	// conversation starts, "2" every five seconds.
	OptionLocationReport = "location_report"
	// OptionVoiceRecognize: speech recognition of voice messages, "0"
	// off, "1" on.
	OptionVoiceRecognize = "voice_recognize"
	// OptionCustomerService: multi-agent customer service, "0" off, "1"
	// on.
	OptionCustomerService = "customer_service"
)

type optionRequest struct {
	componentRequest
	AppID string `json:"authorizer_appid"`
	Name  string `json:"option_name"`
	Value string `json:"option_value,omitempty"`
}

// AuthorizerOption returns the value of an option of an authorized
// account (获取授权方选项信息, api_get_authorizer_option): one of the Option
// names. It needs the permission set of the option (61007 otherwise).
func (c *Client) AuthorizerOption(ctx context.Context, appID, name string) (string, error) {
	if appID == "" || name == "" {
		return "", fmt.Errorf("%w: empty AppID or option name", wechat.ErrInvalidArgument)
	}
	var r struct {
		Value string `json:"option_value"`
	}
	if err := c.callID(ctx, endpoint.APIGetAuthorizerOption, optionRequest{componentRequest{c.appID}, appID, name, ""}, &r); err != nil {
		return "", err
	}
	return r.Value, nil
}

// SetAuthorizerOption sets an option of an authorized account (设置授权方
// 选项信息, api_set_authorizer_option).
func (c *Client) SetAuthorizerOption(ctx context.Context, appID, name, value string) error {
	if appID == "" || name == "" || value == "" {
		return fmt.Errorf("%w: empty AppID, option name or value", wechat.ErrInvalidArgument)
	}
	return c.callID(ctx, endpoint.APISetAuthorizerOption, optionRequest{componentRequest{c.appID}, appID, name, value}, nil)
}

// ClearQuota resets the daily call counts of the platform's own APIs
// (第三方平台对其所有API调用次数清零, component/clear_quota). It spends one of
// ten resets a month (48006 once they are spent). An account's counts are
// reset with its Client's ClearQuota.
func (c *Client) ClearQuota(ctx context.Context) error {
	return c.callID(ctx, endpoint.ComponentClearQuota, componentRequest{c.appID}, nil)
}
