package wechat

import (
	"context"
	"time"
)

// The names below are those methods and options had before the naming
// rule (see Naming in the package documentation). Each calls the method
// or option that replaced it, so that code written against the old names
// keeps compiling for one release; they are removed in v1.

// WithToken is the former name of [WithServerToken]: the server token
// (服务器配置 Token), which has nothing to do with the access token.
//
// Deprecated: use [WithServerToken].
func WithToken(token string) Option { return WithServerToken(token) }

// WithPreviousToken is the former name of [WithPreviousServerToken].
//
// Deprecated: use [WithPreviousServerToken].
func WithPreviousToken(token string) Option { return WithPreviousServerToken(token) }

// CallbackIPs is the former name of [Client.ListCallbackIPs].
//
// Deprecated: use [Client.ListCallbackIPs].
func (c *Client) CallbackIPs(ctx context.Context) ([]string, error) { return c.ListCallbackIPs(ctx) }

// APIDomainIPs is the former name of [Client.ListAPIDomainIPs].
//
// Deprecated: use [Client.ListAPIDomainIPs].
func (c *Client) APIDomainIPs(ctx context.Context) ([]string, error) { return c.ListAPIDomainIPs(ctx) }

// QueryAPIQuota is the former name of [Client.GetAPIQuota].
//
// Deprecated: use [Client.GetAPIQuota].
func (c *Client) QueryAPIQuota(ctx context.Context, cgiPath string) (*APIQuotaInfo, error) {
	return c.GetAPIQuota(ctx, cgiPath)
}

// LookupRID is the former name of [Client.GetRIDInfo].
//
// Deprecated: use [Client.GetRIDInfo].
func (c *Client) LookupRID(ctx context.Context, rid string) (*RIDRequest, error) {
	return c.GetRIDInfo(ctx, rid)
}

// GenerateShortKey is the former name of [Client.CreateShortKey].
//
// Deprecated: use [Client.CreateShortKey].
func (c *Client) GenerateShortKey(ctx context.Context, longData string, lifetime time.Duration) (string, error) {
	return c.CreateShortKey(ctx, longData, lifetime)
}

// FetchShortKey is the former name of [Client.GetShortKey].
//
// Deprecated: use [Client.GetShortKey].
func (c *Client) FetchShortKey(ctx context.Context, shortKey string) (*ShortKeyData, error) {
	return c.GetShortKey(ctx, shortKey)
}

// TryMatchMenu is the former name of [Client.GetUserMenu].
//
// Deprecated: use [Client.GetUserMenu].
func (c *Client) TryMatchMenu(ctx context.Context, userID string) (*Menu, error) {
	return c.GetUserMenu(ctx, userID)
}

// CountMaterials is the former name of [Client.GetMaterialCount].
//
// Deprecated: use [Client.GetMaterialCount].
func (c *Client) CountMaterials(ctx context.Context) (*MaterialCount, error) {
	return c.GetMaterialCount(ctx)
}

// CountDrafts is the former name of [Client.GetDraftCount].
//
// Deprecated: use [Client.GetDraftCount].
func (c *Client) CountDrafts(ctx context.Context) (int, error) { return c.GetDraftCount(ctx) }

// OAuthUserInfo is the former name of [Client.GetOAuthUserInfo].
//
// Deprecated: use [Client.GetOAuthUserInfo].
func (c *Client) OAuthUserInfo(ctx context.Context, accessToken, openID string, lang Lang) (*OAuthUser, error) {
	return c.GetOAuthUserInfo(ctx, accessToken, openID, lang)
}

// GetFollowers is the former name of [Client.ListFollowers].
//
// Deprecated: use [Client.ListFollowers].
func (c *Client) GetFollowers(ctx context.Context, nextOpenID string) (*OpenIDPage, error) {
	return c.ListFollowers(ctx, nextOpenID)
}

// GetBlacklist is the former name of [Client.ListBlacklist].
//
// Deprecated: use [Client.ListBlacklist].
func (c *Client) GetBlacklist(ctx context.Context, beginOpenID string) (*OpenIDPage, error) {
	return c.ListBlacklist(ctx, beginOpenID)
}

// GetGroups is the former name of [Client.ListGroups].
//
// Deprecated: use [Client.ListGroups].
func (c *Client) GetGroups(ctx context.Context) ([]Group, error) { return c.ListGroups(ctx) }

// GetTags is the former name of [Client.ListTags].
//
// Deprecated: use [Client.ListTags].
func (c *Client) GetTags(ctx context.Context) ([]Tag, error) { return c.ListTags(ctx) }

// GetTagMembers is the former name of [Client.ListTagMembers].
//
// Deprecated: use [Client.ListTagMembers].
func (c *Client) GetTagMembers(ctx context.Context, tagID int, nextOpenID string) (*OpenIDPage, error) {
	return c.ListTagMembers(ctx, tagID, nextOpenID)
}

// GetUserTags is the former name of [Client.ListUserTags].
//
// Deprecated: use [Client.ListUserTags].
func (c *Client) GetUserTags(ctx context.Context, openID string) ([]int, error) {
	return c.ListUserTags(ctx, openID)
}

// ShowQRCode is the former name of [Client.DownloadQRCode].
//
// Deprecated: use [Client.DownloadQRCode].
func (c *Client) ShowQRCode(ctx context.Context, ticket string) (*Media, error) {
	return c.DownloadQRCode(ctx, ticket)
}

// KFSessionOf is the former name of [Client.GetKFSession].
//
// Deprecated: use [Client.GetKFSession].
func (c *Client) KFSessionOf(ctx context.Context, openID string) (*KFSession, error) {
	return c.GetKFSession(ctx, openID)
}

// UserSummary is the former name of [Client.GetUserSummary].
//
// Deprecated: use [Client.GetUserSummary].
func (c *Client) UserSummary(ctx context.Context, begin, end Date) ([]UserSummaryStat, error) {
	return c.GetUserSummary(ctx, begin, end)
}

// UserCumulate is the former name of [Client.GetUserCumulate].
//
// Deprecated: use [Client.GetUserCumulate].
func (c *Client) UserCumulate(ctx context.Context, begin, end Date) ([]UserCumulateStat, error) {
	return c.GetUserCumulate(ctx, begin, end)
}

// ArticleSummary is the former name of [Client.GetArticleSummary].
//
// Deprecated: use [Client.GetArticleSummary].
func (c *Client) ArticleSummary(ctx context.Context, begin, end Date) ([]ArticleSummaryStat, error) {
	return c.GetArticleSummary(ctx, begin, end)
}

// ArticleTotal is the former name of [Client.GetArticleTotal].
//
// Deprecated: use [Client.GetArticleTotal].
func (c *Client) ArticleTotal(ctx context.Context, begin, end Date) ([]ArticleTotalStat, error) {
	return c.GetArticleTotal(ctx, begin, end)
}

// UserRead is the former name of [Client.GetUserRead].
//
// Deprecated: use [Client.GetUserRead].
func (c *Client) UserRead(ctx context.Context, begin, end Date) ([]ArticleReadStat, error) {
	return c.GetUserRead(ctx, begin, end)
}

// UserReadHour is the former name of [Client.GetUserReadHour].
//
// Deprecated: use [Client.GetUserReadHour].
func (c *Client) UserReadHour(ctx context.Context, begin, end Date) ([]ArticleReadHourStat, error) {
	return c.GetUserReadHour(ctx, begin, end)
}

// UserShare is the former name of [Client.GetUserShare].
//
// Deprecated: use [Client.GetUserShare].
func (c *Client) UserShare(ctx context.Context, begin, end Date) ([]ArticleShareStat, error) {
	return c.GetUserShare(ctx, begin, end)
}

// UserShareHour is the former name of [Client.GetUserShareHour].
//
// Deprecated: use [Client.GetUserShareHour].
func (c *Client) UserShareHour(ctx context.Context, begin, end Date) ([]ArticleShareHourStat, error) {
	return c.GetUserShareHour(ctx, begin, end)
}

// UpstreamMessages is the former name of [Client.GetUpstreamMessages].
//
// Deprecated: use [Client.GetUpstreamMessages].
func (c *Client) UpstreamMessages(ctx context.Context, begin, end Date) ([]UpstreamMessageStat, error) {
	return c.GetUpstreamMessages(ctx, begin, end)
}

// UpstreamMessagesHour is the former name of [Client.GetUpstreamMessagesHour].
//
// Deprecated: use [Client.GetUpstreamMessagesHour].
func (c *Client) UpstreamMessagesHour(ctx context.Context, begin, end Date) ([]UpstreamMessageHourStat, error) {
	return c.GetUpstreamMessagesHour(ctx, begin, end)
}

// UpstreamMessagesWeek is the former name of [Client.GetUpstreamMessagesWeek].
//
// Deprecated: use [Client.GetUpstreamMessagesWeek].
func (c *Client) UpstreamMessagesWeek(ctx context.Context, begin, end Date) ([]UpstreamMessageStat, error) {
	return c.GetUpstreamMessagesWeek(ctx, begin, end)
}

// UpstreamMessagesMonth is the former name of [Client.GetUpstreamMessagesMonth].
//
// Deprecated: use [Client.GetUpstreamMessagesMonth].
func (c *Client) UpstreamMessagesMonth(ctx context.Context, begin, end Date) ([]UpstreamMessageStat, error) {
	return c.GetUpstreamMessagesMonth(ctx, begin, end)
}

// UpstreamMessageDist is the former name of [Client.GetUpstreamMessageDist].
//
// Deprecated: use [Client.GetUpstreamMessageDist].
func (c *Client) UpstreamMessageDist(ctx context.Context, begin, end Date) ([]UpstreamMessageDistStat, error) {
	return c.GetUpstreamMessageDist(ctx, begin, end)
}

// UpstreamMessageDistWeek is the former name of [Client.GetUpstreamMessageDistWeek].
//
// Deprecated: use [Client.GetUpstreamMessageDistWeek].
func (c *Client) UpstreamMessageDistWeek(ctx context.Context, begin, end Date) ([]UpstreamMessageDistStat, error) {
	return c.GetUpstreamMessageDistWeek(ctx, begin, end)
}

// UpstreamMessageDistMonth is the former name of [Client.GetUpstreamMessageDistMonth].
//
// Deprecated: use [Client.GetUpstreamMessageDistMonth].
func (c *Client) UpstreamMessageDistMonth(ctx context.Context, begin, end Date) ([]UpstreamMessageDistStat, error) {
	return c.GetUpstreamMessageDistMonth(ctx, begin, end)
}

// InterfaceSummary is the former name of [Client.GetInterfaceSummary].
//
// Deprecated: use [Client.GetInterfaceSummary].
func (c *Client) InterfaceSummary(ctx context.Context, begin, end Date) ([]InterfaceStat, error) {
	return c.GetInterfaceSummary(ctx, begin, end)
}

// InterfaceSummaryHour is the former name of [Client.GetInterfaceSummaryHour].
//
// Deprecated: use [Client.GetInterfaceSummaryHour].
func (c *Client) InterfaceSummaryHour(ctx context.Context, begin, end Date) ([]InterfaceHourStat, error) {
	return c.GetInterfaceSummaryHour(ctx, begin, end)
}

// AICrop is the former name of [Client.SuggestCrops].
//
// Deprecated: use [Client.SuggestCrops].
func (c *Client) AICrop(ctx context.Context, img ImageSource, ratios ...float64) (*CropSuggestions, error) {
	return c.SuggestCrops(ctx, img, ratios...)
}

// SuperResolution is the former name of [Client.UpscaleImage].
//
// Deprecated: use [Client.UpscaleImage].
func (c *Client) SuperResolution(ctx context.Context, img ImageSource) (string, error) {
	return c.UpscaleImage(ctx, img)
}
