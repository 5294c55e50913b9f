package wechat

import (
	"context"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Open Platform accounts (开放平台账号管理): the accounts bound to one
// WeChat Open Platform account share their users' unionid. A third-party
// platform calls these for an authorized account, with the Client that
// package platform returns for it (the permission sets 24 and 25); the
// Open Platform accounts it creates can only bind accounts of the same
// principal, and cannot sign in on open.weixin.qq.com.

// openRequest is the body of the open/* APIs. WeChat takes the AppID of
// the account the token belongs to when it is left out, and refuses any
// other (40013).
type openRequest struct {
	AppID     string `json:"appid,omitempty"`
	OpenAppID string `json:"open_appid,omitempty"`
}

type openAccountReply struct {
	status
	OpenAppID string `json:"open_appid"`
}

// CreateOpenAccount creates an Open Platform account whose principal is
// the account's, binds the account to it (创建开放平台账号并绑定公众号,
// [cgi-bin/open/create]) and returns its AppID. An account bound already is
// refused with errcode 89000.
//
// [cgi-bin/open/create]: https://developers.weixin.qq.com/doc/oplatform/openApi/openplatform-management/api_createopenaccount.html
func (c *Client) CreateOpenAccount(ctx context.Context) (openAppID string, err error) {
	return c.openAppID(ctx, endpoint.OpenCreate)
}

// openAppID calls the endpoint id on the account and returns the
// open_appid of its reply.
func (c *Client) openAppID(ctx context.Context, id endpoint.ID) (string, error) {
	r, err := call[openAccountReply](ctx, c, id, nil, openRequest{AppID: c.appID})
	if err != nil {
		return "", err
	}
	return present(id, "open_appid", r.OpenAppID)
}

// BindOpenAccount binds the account to the Open Platform account
// openAppID (将公众号绑定到开放平台账号下, [cgi-bin/open/bind]). Both must have
// the same principal (89001 otherwise); an account bound already is
// refused with 89000.
//
// [cgi-bin/open/bind]: https://developers.weixin.qq.com/doc/oplatform/openApi/openplatform-management/api_bindopenaccount.html
func (c *Client) BindOpenAccount(ctx context.Context, openAppID string) error {
	return c.execOnOpen(ctx, endpoint.OpenBind, openAppID)
}

// execOnOpen calls the endpoint id on the account and the Open Platform
// account openAppID.
func (c *Client) execOnOpen(ctx context.Context, id endpoint.ID, openAppID string) error {
	if openAppID == "" {
		return invalidArg("open AppID is empty")
	}
	return exec(ctx, c, id, nil, openRequest{AppID: c.appID, OpenAppID: openAppID})
}

// UnbindOpenAccount unbinds the account from the Open Platform account
// openAppID (将公众号从开放平台账号下解绑, [cgi-bin/open/unbind]), which must be
// the one it is bound to.
//
// [cgi-bin/open/unbind]: https://developers.weixin.qq.com/doc/oplatform/openApi/openplatform-management/api_unbindopenaccount.html
func (c *Client) UnbindOpenAccount(ctx context.Context, openAppID string) error {
	return c.execOnOpen(ctx, endpoint.OpenUnbind, openAppID)
}

// GetOpenAccount returns the AppID of the Open Platform account the
// account is bound to (获取公众号所绑定的开放平台账号, [cgi-bin/open/get]). An
// account bound to none is answered errcode 89002; HasOpenAccount asks
// without an error.
//
// [cgi-bin/open/get]: https://developers.weixin.qq.com/doc/oplatform/openApi/openplatform-management/api_getopenaccount.html
func (c *Client) GetOpenAccount(ctx context.Context) (openAppID string, err error) {
	return c.openAppID(ctx, endpoint.OpenGet)
}

type haveOpenReply struct {
	status
	HaveOpen bool `json:"have_open"`
}

// HasOpenAccount reports whether the account is bound to an Open
// Platform account (查询绑定的开放平台账号, GET [cgi-bin/open/have]).
//
// [cgi-bin/open/have]: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/basic-info-management/api_getbindopenaccount.html
func (c *Client) HasOpenAccount(ctx context.Context) (bool, error) {
	r, err := call[haveOpenReply](ctx, c, endpoint.OpenHave, nil, nil)
	if err != nil {
		return false, err
	}
	return r.HaveOpen, nil
}
