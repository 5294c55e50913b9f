package wechat

import (
	"context"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// ListCallbackIPs returns the addresses WeChat pushes messages from
// (获取微信推送服务器IP地址, [cgi-bin/getcallbackip]), for a firewall
// allow-list. The list changes; refresh it regularly.
//
// Operations and diagnostics (basic.go) are the addresses WeChat uses
// (ListCallbackIPs, ListAPIDomainIPs), a network check of the callback URL
// (CheckCallback), the daily API quotas (GetAPIQuota, ClearQuota,
// ClearQuotaWithSecret), what WeChat recorded of a request (GetRIDInfo), and
// the short-key store (CreateShortKey, GetShortKey).
//
// [cgi-bin/getcallbackip]: https://developers.weixin.qq.com/doc/service/api/base/api_getcallbackip.html
func (c *Client) ListCallbackIPs(ctx context.Context) ([]string, error) {
	return c.listIPs(ctx, endpoint.CallbackIP)
}

// listIPs calls getcallbackip or get_api_domain_ip (id) and returns the
// addresses of the reply.
func (c *Client) listIPs(ctx context.Context, id endpoint.ID) ([]string, error) {
	r, err := call[struct {
		status
		IPs []string `json:"ip_list"`
	}](ctx, c, id, nil, nil)
	if err != nil {
		return nil, err
	}
	return r.IPs, nil
}

// ListAPIDomainIPs returns the addresses of api.weixin.qq.com (获取微信API接口 IP
// 地址, [cgi-bin/get_api_domain_ip]), for an egress allow-list.
//
// [cgi-bin/get_api_domain_ip]: https://developers.weixin.qq.com/doc/service/api/base/api_getapidomainip.html
func (c *Client) ListAPIDomainIPs(ctx context.Context) ([]string, error) {
	return c.listIPs(ctx, endpoint.APIDomainIP)
}

// CheckAction selects what CheckCallback tests.
type CheckAction string

// Callback checks.
const (
	CheckDNS  CheckAction = "dns"  // resolve the callback domain
	CheckPing CheckAction = "ping" // ping the callback address
	CheckAll  CheckAction = "all"  // both
)

// CheckOperator selects the network CheckCallback tests from.
type CheckOperator string

// Networks of CheckCallback.
const (
	OperatorChinanet CheckOperator = "CHINANET" // 电信出口
	OperatorUnicom   CheckOperator = "UNICOM"   // 联通出口
	OperatorCAP      CheckOperator = "CAP"      // 腾讯自建出口
	OperatorDefault  CheckOperator = "DEFAULT"  // chosen by the server's network
)

// DNSResult is how the callback domain resolved from one network.
type DNSResult struct {
	IP string `json:"ip"`
	// RealOperator is the network the address belongs to (CHINANET,
	// UNICOM, CAP).
	RealOperator string `json:"real_operator"`
}

// PingResult is how one callback address answered pings.
type PingResult struct {
	IP           string `json:"ip"`
	FromOperator string `json:"from_operator"`
	// PackageLoss is the loss rate as WeChat formats it ("0%").
	PackageLoss string `json:"package_loss"`
	// Time is the round-trip time as WeChat formats it ("23.079ms").
	Time string `json:"time"`
}

// CallbackCheck is the result of CheckCallback.
type CallbackCheck struct {
	DNS  []DNSResult  `json:"dns"`
	Ping []PingResult `json:"ping"`
}

// CheckCallback has WeChat resolve and ping the account's callback URL
// (网络检测, [cgi-bin/callback/check]), to tell a network problem from a
// server one when pushes fail.
//
// [cgi-bin/callback/check]: https://developers.weixin.qq.com/doc/service/api/base/api_callbackcheck.html
func (c *Client) CheckCallback(ctx context.Context, action CheckAction, operator CheckOperator) (*CallbackCheck, error) {
	switch action {
	case CheckDNS, CheckPing, CheckAll:
	default:
		return nil, invalidArg("callback check action %q is not dns, ping or all", action)
	}
	switch operator {
	case OperatorChinanet, OperatorUnicom, OperatorCAP, OperatorDefault:
	default:
		return nil, invalidArg("callback check operator %q is not CHINANET, UNICOM, CAP or DEFAULT", operator)
	}
	body := struct {
		Action   CheckAction   `json:"action"`
		Operator CheckOperator `json:"check_operator"`
	}{action, operator}
	return call[CallbackCheck](ctx, c, endpoint.CallbackCheck, nil, body)
}

// Quotas (接口调用次数).

// ClearQuota resets the account's daily call counts of every API (清空 api
// 的调用 quota, [cgi-bin/clear_quota]). An account may do this 10 times a
// month. If no access_token can be had because its quota is spent, use
// ClearQuotaWithSecret.
//
// [cgi-bin/clear_quota]: https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearquota.html
func (c *Client) ClearQuota(ctx context.Context) error {
	if err := c.requireAppID(); err != nil {
		return err
	}
	return exec(ctx, c, endpoint.ClearQuota, nil, appIDRef{c.appID})
}

// ClearQuotaWithSecret is ClearQuota authenticated with the AppSecret
// instead of an access_token (使用AppSecret重置API调用次数,
// [cgi-bin/clear_quota/v2]): it works when cgi-bin/token itself is out of
// quota. It shares the monthly limit of 10 resets with ClearQuota. The
// secret travels in the request body.
//
// [cgi-bin/clear_quota/v2]: https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearquotabyappsecret.html
func (c *Client) ClearQuotaWithSecret(ctx context.Context) error {
	if err := c.requireSecret(); err != nil {
		return err
	}
	body := struct {
		AppID     string `json:"appid"`
		AppSecret string `json:"appsecret"`
	}{c.appID, c.appSecret}
	return exec(ctx, c, endpoint.ClearQuotaV2, nil, body)
}

// ClearAPIQuota resets today's call count of one API (重置指定API调用次数,
// [cgi-bin/openapi/quota/clear]), where ClearQuota resets them all. cgiPath
// is the API's path, such as "/cgi-bin/message/custom/send". An account
// has 50 such resets a month, so the call is never retried.
//
// [cgi-bin/openapi/quota/clear]: https://developers.weixin.qq.com/doc/channels/api/basic/api_clearapiquota.html
func (c *Client) ClearAPIQuota(ctx context.Context, cgiPath string) error {
	body, err := cgiPathBody(cgiPath)
	if err != nil {
		return err
	}
	return exec(ctx, c, endpoint.QuotaClearAPI, nil, body)
}

// cgiPathBody checks the path of an API as the quota APIs take it and
// returns their request body.
func cgiPathBody(cgiPath string) (any, error) {
	if !strings.HasPrefix(cgiPath, "/") || strings.Contains(cgiPath, "://") {
		return nil, invalidArg("cgi path %q must be a path starting with /, without the host", cgiPath)
	}
	return struct {
		CGIPath string `json:"cgi_path"`
	}{cgiPath}, nil
}

// APIQuota is the daily quota of one API.
type APIQuota struct {
	// DailyLimit is the number of calls allowed today.
	DailyLimit int64 `json:"daily_limit"`
	// Used is the number made today.
	Used int64 `json:"used"`
	// Remain is the number left today.
	Remain int64 `json:"remain"`
}

// RateLimit is a frequency limit: CallCount calls per RefreshSecond
// seconds.
type RateLimit struct {
	CallCount     int64 `json:"call_count"`
	RefreshSecond int64 `json:"refresh_second"`
}

// APIQuotaInfo is the reply of GetAPIQuota.
type APIQuotaInfo struct {
	Quota APIQuota `json:"quota"`
	// RateLimit is the API's frequency limit, where WeChat reports one.
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
	// ComponentRateLimit is the limit of calls made by a third-party
	// platform on the account's behalf, where WeChat reports one.
	ComponentRateLimit *RateLimit `json:"component_rate_limit,omitempty"`
}

// GetAPIQuota returns today's quota of one API (查询API调用额度,
// [cgi-bin/openapi/quota/get]). cgiPath is the API's path, such as
// "/cgi-bin/message/custom/send"; sns APIs are not supported.
//
// [cgi-bin/openapi/quota/get]: https://developers.weixin.qq.com/doc/service/api/apimanage/api_getapiquota.html
func (c *Client) GetAPIQuota(ctx context.Context, cgiPath string) (*APIQuotaInfo, error) {
	body, err := cgiPathBody(cgiPath)
	if err != nil {
		return nil, err
	}
	return call[APIQuotaInfo](ctx, c, endpoint.QuotaGet, nil, body)
}

// RIDRequest is the request a rid identifies.
type RIDRequest struct {
	// InvokeTime is when the request was made, in Unix seconds.
	InvokeTime int64 `json:"invoke_time"`
	// CostInMs is how long WeChat took, in milliseconds.
	CostInMs int64 `json:"cost_in_ms"`
	// RequestURL is the request's query string.
	//
	// RequestURL, RequestBody and ResponseBody are as WeChat recorded
	// them, except for their secrets: the value of every parameter or
	// JSON member named access_token, secret, appsecret, code,
	// refresh_token, ticket and the like is replaced by "REDACTED", so
	// that a looked-up request can be logged or shown to support staff.
	RequestURL string `json:"request_url"`
	// RequestBody is the body of a POST.
	RequestBody string `json:"request_body"`
	// ResponseBody is what WeChat answered.
	ResponseBody string `json:"response_body"`
	// ClientIP is the address the request came from.
	ClientIP string `json:"client_ip"`
}

// GetRIDInfo returns the request behind a request id (查询rid信息,
// [cgi-bin/openapi/rid/get]). The id is the RID of an *APIError; WeChat keeps
// them for 7 days and only the account that made the request may look
// it up.
//
//	var apiErr *wechat.APIError
//	if errors.As(err, &apiErr) && apiErr.RID != "" {
//		req, _ := c.GetRIDInfo(ctx, apiErr.RID)
//	}
//
// [cgi-bin/openapi/rid/get]: https://developers.weixin.qq.com/doc/service/api/apimanage/api_getridinfo.html
func (c *Client) GetRIDInfo(ctx context.Context, rid string) (*RIDRequest, error) {
	if strings.TrimSpace(rid) == "" {
		return nil, invalidArg("rid is empty")
	}
	body := struct {
		RID string `json:"rid"`
	}{rid}
	resp, err := call[struct {
		status
		Request RIDRequest `json:"request"`
	}](ctx, c, endpoint.RIDGet, nil, body)
	if err != nil {
		return nil, err
	}
	req := &resp.Request
	req.RequestURL = redactRecorded(req.RequestURL)
	req.RequestBody = redactRecorded(req.RequestBody)
	req.ResponseBody = redactRecorded(req.ResponseBody)
	return req, nil
}

// Short keys (短key托管).

// Limits of the short-key store.
const (
	// MaxShortKeyData is the most data a short key stores, in bytes.
	MaxShortKeyData = 4 << 10
	// MaxShortKeyLifetime is the longest (and default) lifetime of a key.
	MaxShortKeyLifetime = 30 * 24 * time.Hour
)

// CreateShortKey stores up to 4 KB of data and returns a 15-character key
// for it (生成短key, [cgi-bin/shorten/gen]), to put in a QR code or a link
// where the data itself does not fit. The key expires after lifetime,
// at most 30 days; 0 means 30 days. Lifetimes are whole seconds.
//
// [cgi-bin/shorten/gen]: https://developers.weixin.qq.com/doc/service/api/qrcode/shorten/api_genshortkey.html
func (c *Client) CreateShortKey(ctx context.Context, longData string, lifetime time.Duration) (string, error) {
	if longData == "" {
		return "", invalidArg("short-key data is empty")
	}
	if len(longData) > MaxShortKeyData {
		return "", invalidArg("short-key data has %d bytes, at most %d are allowed", len(longData), MaxShortKeyData)
	}
	if lifetime == 0 {
		lifetime = MaxShortKeyLifetime
	}
	if lifetime < time.Second || lifetime > MaxShortKeyLifetime {
		return "", invalidArg("short-key lifetime %s is outside 1s..720h", lifetime)
	}
	body := struct {
		LongData      string `json:"long_data"`
		ExpireSeconds int64  `json:"expire_seconds"`
	}{longData, int64(lifetime / time.Second)}
	resp, err := call[struct {
		status
		ShortKey string `json:"short_key"`
	}](ctx, c, endpoint.ShortenGen, nil, body)
	if err != nil {
		return "", err
	}
	return present(endpoint.ShortenGen, "short_key", resp.ShortKey)
}

// ShortKeyData is the data behind a short key.
type ShortKeyData struct {
	LongData string `json:"long_data"`
	// CreateTime is when the key was made, in Unix seconds.
	CreateTime int64 `json:"create_time"`
	// ExpireSeconds is how long the key has left.
	ExpireSeconds int64 `json:"expire_seconds"`
}

// GetShortKey returns the data stored under a short key (获取长信息,
// [cgi-bin/shorten/fetch]).
//
// [cgi-bin/shorten/fetch]: https://developers.weixin.qq.com/doc/service/api/qrcode/shorten/api_fetchshorten.html
func (c *Client) GetShortKey(ctx context.Context, shortKey string) (*ShortKeyData, error) {
	if shortKey == "" {
		return nil, invalidArg("short key is empty")
	}
	body := struct {
		ShortKey string `json:"short_key"`
	}{shortKey}
	return call[ShortKeyData](ctx, c, endpoint.ShortenFetch, nil, body)
}
