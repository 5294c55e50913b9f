package wechat

import (
	"context"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Mini Programs linked to the account (公众号关联小程序). A link shows the
// Mini Program on the account's profile and lets its articles, menus and
// messages open it. WeChat documents these APIs among those a third-party
// platform calls for the account (小程序管理权限集), with the
// authorizer_access_token; a link takes effect once the administrators
// of both the account and the Mini Program confirm it, an unlink once the
// account's administrator does.

// MiniProgramLinkStatus is the state of a link (关联状态).
type MiniProgramLinkStatus int

// Link states.
const (
	MiniProgramLinked                  MiniProgramLinkStatus = 1  // 已关联
	MiniProgramLinkAwaitingMiniProgram MiniProgramLinkStatus = 2  // 等待小程序管理员确认中
	MiniProgramLinkRefused             MiniProgramLinkStatus = 3  // 小程序管理员拒绝关联
	MiniProgramLinkAwaitingAccount     MiniProgramLinkStatus = 12 // 等待公众号管理员确认中
)

// MiniProgramFunc is one capability of a linked Mini Program, WeChat
// verification (微信认证) or WeChat Pay (微信支付).
type MiniProgramFunc struct {
	ID   int
	Name string
	// Open reports the capability enabled (开通).
	Open bool
}

// LinkedMiniProgram is a Mini Program linked to the account, or being
// linked.
type LinkedMiniProgram struct {
	AppID string
	// Username is the Mini Program's original id (原始ID, gh_…).
	Username   string
	Nickname   string
	HeadImgURL string
	Email      string
	Status     MiniProgramLinkStatus
	// Selected reports the Mini Program shown on the account's
	// management page (是否在公众号管理页展示中).
	Selected bool
	// NearbyDisplay reports it shown among nearby Mini Programs.
	NearbyDisplay bool
	// Released reports a Mini Program with a published version.
	Released bool
	// Source is how the link was made, such as "SOURCE_NORMAL".
	Source string
	Funcs  []MiniProgramFunc
}

// ListLinkedMiniPrograms returns the Mini Programs linked to the account
// and those whose link awaits a confirmation (获取公众号关联的小程序,
// [cgi-bin/wxopen/wxamplinkget]).
//
// The API takes no argument, but it sends an empty object: the endpoint
// once answered a POST without a body with 44002 (empty post data).
//
// [cgi-bin/wxopen/wxamplinkget]: https://developers.weixin.qq.com/doc/oplatform/openApi/officalaccount-management/link-miniprogram/api_getlinkminiprogram.html
func (c *Client) ListLinkedMiniPrograms(ctx context.Context) ([]LinkedMiniProgram, error) {
	r, err := call[struct {
		status
		WxOpens struct {
			Items []struct {
				Status              lenient.Int `json:"status"`
				Username            string      `json:"username"`
				AppID               string      `json:"appid"`
				Source              string      `json:"source"`
				Nickname            string      `json:"nickname"`
				Selected            lenient.Int `json:"selected"`
				NearbyDisplayStatus lenient.Int `json:"nearby_display_status"`
				Released            lenient.Int `json:"released"`
				HeadImgURL          string      `json:"headimg_url"`
				Email               string      `json:"email"`
				FuncInfos           []struct {
					ID     lenient.Int `json:"id"`
					Status lenient.Int `json:"status"`
					Name   string      `json:"name"`
				} `json:"func_infos"`
			} `json:"items"`
		} `json:"wxopens"`
	}](ctx, c, endpoint.WxaLinkGet, nil, struct{}{})
	if err != nil {
		return nil, err
	}
	out := make([]LinkedMiniProgram, len(r.WxOpens.Items))
	for i, w := range r.WxOpens.Items {
		mp := LinkedMiniProgram{
			AppID: w.AppID, Username: w.Username, Nickname: w.Nickname, HeadImgURL: w.HeadImgURL, Email: w.Email,
			Status: MiniProgramLinkStatus(w.Status), Selected: w.Selected != 0, NearbyDisplay: w.NearbyDisplayStatus != 0,
			Released: w.Released != 0, Source: w.Source,
		}
		for _, f := range w.FuncInfos {
			mp.Funcs = append(mp.Funcs, MiniProgramFunc{ID: int(f.ID), Name: f.Name, Open: f.Status != 0})
		}
		out[i] = mp
	}
	return out, nil
}

// MiniProgramLinkOptions are the choices of LinkMiniProgram.
type MiniProgramLinkOptions struct {
	// NotifyFollowers sends the account's followers a template message
	// about the link (notify_users).
	NotifyFollowers bool
	// ShowOnProfile shows the Mini Program on the account's profile
	// (show_profile).
	ShowOnProfile bool
}

// flag is a documented 0/1 switch, sent as a string as WeChat's examples
// send it.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// LinkMiniProgram asks to link the Mini Program appID to the account
// (关联小程序, [cgi-bin/wxopen/wxamplink]). The administrators of the account and
// then of the Mini Program receive a message to confirm;
// ListLinkedMiniPrograms shows the link waiting until they do. The call is
// never retried: a retry would send them the messages again.
//
// [cgi-bin/wxopen/wxamplink]: https://developers.weixin.qq.com/doc/oplatform/openApi/officalaccount-management/link-miniprogram/api_linkminiprogram.html
func (c *Client) LinkMiniProgram(ctx context.Context, appID string, opts MiniProgramLinkOptions) error {
	if appID == "" {
		return invalidArg("Mini Program appid is empty")
	}
	body := struct {
		AppID       string `json:"appid"`
		NotifyUsers string `json:"notify_users"`
		ShowProfile string `json:"show_profile"`
	}{appID, flag(opts.NotifyFollowers), flag(opts.ShowOnProfile)}
	return exec(ctx, c, endpoint.WxaLink, nil, body)
}

// UnlinkMiniProgram asks to unlink the Mini Program appID (解除已关联的小程序,
// [cgi-bin/wxopen/wxampunlink]); the account's administrator receives a message to
// confirm. The call is never retried.
//
// [cgi-bin/wxopen/wxampunlink]: https://developers.weixin.qq.com/doc/oplatform/openApi/officalaccount-management/link-miniprogram/api_unlinkminiprogram.html
func (c *Client) UnlinkMiniProgram(ctx context.Context, appID string) error {
	if appID == "" {
		return invalidArg("Mini Program appid is empty")
	}
	return exec(ctx, c, endpoint.WxaUnlink, nil, appIDRef{appID})
}
