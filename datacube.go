package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Date is a calendar day, as the statistics APIs send and receive it
// ("2006-01-02"). It carries no time zone: WeChat counts days in Beijing
// time.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in t's location. Pass
// t.In(beijing) to get the day WeChat counts it in.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses a day written "2006-01-02". Anything else, or a day
// that does not exist (February 30th), is an ErrInvalidArgument.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, invalidArg("date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// String returns the day as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the day n days after d (before, if n is negative).
func (d Date) AddDays(n int) Date { return DateOf(d.midnight().AddDate(0, 0, n)) }

// midnight is the start of d in UTC, used to count days between dates.
func (d Date) midnight() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// valid reports whether d names a real day (not February 30th).
func (d Date) valid() bool { return !d.IsZero() && DateOf(d.midnight()) == d }

// MarshalJSON encodes d as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON decodes "2006-01-02"; an empty string gives the zero Date.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// daysBetween counts the days from begin to end, inclusive: one for the
// same day.
func daysBetween(begin, end Date) int {
	return int(end.midnight().Sub(begin.midnight()).Hours()/24) + 1
}

// checkRange rejects a range the endpoint id does not serve: more than
// maxDays days, from the official tables of 最大时间跨度.
func checkRange(id endpoint.ID, maxDays int, begin, end Date) error {
	path := endpoint.Get(id).Path
	switch {
	case !begin.valid():
		return invalidArg("%s: begin date %v is not a valid day", path, begin)
	case !end.valid():
		return invalidArg("%s: end date %v is not a valid day", path, end)
	case end.midnight().Before(begin.midnight()):
		return invalidArg("%s: end date %s is before begin date %s", path, end, begin)
	}
	if n := daysBetween(begin, end); n > maxDays {
		return invalidArg("%s: %s..%s covers %d days, WeChat serves at most %d per call", path, begin, end, n, maxDays)
	}
	return nil
}

type dateRangeRequest struct {
	Begin Date `json:"begin_date"`
	End   Date `json:"end_date"`
}

// datacube checks the range, calls the endpoint id and returns its list.
func datacube[T any](ctx context.Context, c *Client, id endpoint.ID, maxDays int, begin, end Date) ([]T, error) {
	if err := checkRange(id, maxDays, begin, end); err != nil {
		return nil, err
	}
	resp, err := call[struct {
		status
		List []T `json:"list"`
	}](ctx, c, id, nil, dateRangeRequest{begin, end})
	if err != nil {
		return nil, err
	}
	return resp.List, nil
}

// User analysis (用户分析).

// UserSummaryStat is one row of the user increase and decrease figures.
type UserSummaryStat struct {
	RefDate Date `json:"ref_date"`
	// UserSource is the channel users came from: 0 other (total), 1
	// account search, 17 business card sharing, 30 QR code scan, 57
	// account name in an article, 100 WeChat ads, 161 reposts by others,
	// 149 Mini Program, 200 Channels, 201 live stream.
	UserSource int `json:"user_source"`
	// NewUser is the number of new followers.
	NewUser int `json:"new_user"`
	// CancelUser is the number of users who unfollowed.
	CancelUser int `json:"cancel_user"`
}

// GetUserSummary returns new and lost followers per day and source
// (获取用户增减数据, [datacube/getusersummary]), at most 7 days per call.
//
// The statistics (数据统计, datacube) are daily figures about users
// (GetUserSummary, GetUserCumulate), articles (GetArticleSummary,
// GetArticleTotal, GetUserRead, GetUserShare and their hourly forms), the
// messages users send (GetUpstreamMessages and its hourly, weekly and
// monthly forms, GetUpstreamMessageDist…) and the pushes to the server
// (GetInterfaceSummary, GetInterfaceSummaryHour). Each is one report for an
// inclusive range of days, as a row per day (or hour, week, month). WeChat
// serves at most a fixed number of days per call (最大时间跨度); the methods check
// that limit before sending anything. Data is stored from 2014-12-01, and
// yesterday's is ready after 08:00 Beijing time.
//
// [datacube/getusersummary]: https://developers.weixin.qq.com/doc/service/api/wedata/user/api_getusersummary.html
func (c *Client) GetUserSummary(ctx context.Context, begin, end Date) ([]UserSummaryStat, error) {
	return datacube[UserSummaryStat](ctx, c, endpoint.UserSummary, 7, begin, end)
}

// UserCumulateStat is the total number of followers on a day.
type UserCumulateStat struct {
	RefDate      Date `json:"ref_date"`
	CumulateUser int  `json:"cumulate_user"`
}

// GetUserCumulate returns the total number of followers per day (获取累计用户数据,
// [datacube/getusercumulate]), at most 7 days per call.
//
// [datacube/getusercumulate]: https://developers.weixin.qq.com/doc/service/api/wedata/user/api_getusercumulate.html
func (c *Client) GetUserCumulate(ctx context.Context, begin, end Date) ([]UserCumulateStat, error) {
	return datacube[UserCumulateStat](ctx, c, endpoint.UserCumulate, 7, begin, end)
}

// Article analysis (图文分析).

// ArticleStat holds the reading figures shared by the article reports.
type ArticleStat struct {
	// IntPageReadUser and IntPageReadCount count readers and reads of the
	// article page.
	IntPageReadUser  int `json:"int_page_read_user"`
	IntPageReadCount int `json:"int_page_read_count"`
	// OriPageReadUser and OriPageReadCount count readers and reads of the
	// original page ("阅读原文"), 0 without one.
	OriPageReadUser  int `json:"ori_page_read_user"`
	OriPageReadCount int `json:"ori_page_read_count"`
	ShareUser        int `json:"share_user"`
	ShareCount       int `json:"share_count"`
	AddToFavUser     int `json:"add_to_fav_user"`
	AddToFavCount    int `json:"add_to_fav_count"`
}

// ArticleSummaryStat is the reading of one mass-sent article on a day.
type ArticleSummaryStat struct {
	RefDate Date `json:"ref_date"`
	// MsgID is "<msg_data_id>_<index>": the mass message and the
	// article's position in it.
	MsgID string `json:"msgid"`
	Title string `json:"title"`
	ArticleStat
}

// GetArticleSummary returns the reading of each mass-sent article per day
// (获取图文群发每日数据, [datacube/getarticlesummary]), one day per call.
//
// [datacube/getarticlesummary]: https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticlesummary.html
func (c *Client) GetArticleSummary(ctx context.Context, begin, end Date) ([]ArticleSummaryStat, error) {
	return datacube[ArticleSummaryStat](ctx, c, endpoint.ArticleSummary, 1, begin, end)
}

// ArticleTotalDetail is the cumulative reading of an article up to
// StatDate.
type ArticleTotalDetail struct {
	StatDate Date `json:"stat_date"`
	// TargetUser is the number of users the article was sent to.
	TargetUser int `json:"target_user"`
	ArticleStat
	// Reads by where they came from: conversation, history, moments,
	// friends' shares, other.
	IntPageFromSessionReadUser  int `json:"int_page_from_session_read_user"`
	IntPageFromSessionReadCount int `json:"int_page_from_session_read_count"`
	IntPageFromHistMsgReadUser  int `json:"int_page_from_hist_msg_read_user"`
	IntPageFromHistMsgReadCount int `json:"int_page_from_hist_msg_read_count"`
	IntPageFromFeedReadUser     int `json:"int_page_from_feed_read_user"`
	IntPageFromFeedReadCount    int `json:"int_page_from_feed_read_count"`
	IntPageFromFriendsReadUser  int `json:"int_page_from_friends_read_user"`
	IntPageFromFriendsReadCount int `json:"int_page_from_friends_read_count"`
	IntPageFromOtherReadUser    int `json:"int_page_from_other_read_user"`
	IntPageFromOtherReadCount   int `json:"int_page_from_other_read_count"`
	FeedShareFromSessionUser    int `json:"feed_share_from_session_user"`
	FeedShareFromSessionCount   int `json:"feed_share_from_session_cnt"`
	FeedShareFromFeedUser       int `json:"feed_share_from_feed_user"`
	FeedShareFromFeedCount      int `json:"feed_share_from_feed_cnt"`
	FeedShareFromOtherUser      int `json:"feed_share_from_other_user"`
	FeedShareFromOtherCount     int `json:"feed_share_from_other_cnt"`
}

// ArticleTotalStat is an article mass-sent on RefDate with its reading on
// each day since.
type ArticleTotalStat struct {
	RefDate Date   `json:"ref_date"`
	MsgID   string `json:"msgid"`
	Title   string `json:"title"`
	// UserSource is present in some replies; 0 means all sources.
	UserSource int                  `json:"user_source"`
	Details    []ArticleTotalDetail `json:"details"`
}

// GetArticleTotal returns the cumulative reading of the articles mass-sent on
// a day, for each of the seven days after (获取图文群发总数据,
// [datacube/getarticletotal]), one day per call.
//
// [datacube/getarticletotal]: https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticletotal.html
func (c *Client) GetArticleTotal(ctx context.Context, begin, end Date) ([]ArticleTotalStat, error) {
	return datacube[ArticleTotalStat](ctx, c, endpoint.ArticleTotal, 1, begin, end)
}

// ArticleReadStat is the reading of all articles on a day, by source.
type ArticleReadStat struct {
	RefDate Date `json:"ref_date"`
	// UserSource is where readers came from, where WeChat reports it:
	// 99999999 all, 0 conversation, 1 friends, 2 moments, 4 history
	// page, 5 other.
	UserSource int `json:"user_source"`
	ArticleStat
}

// GetUserRead returns the reading of all articles per day (获取图文统计数据,
// [datacube/getuserread]), at most 3 days per call.
//
// [datacube/getuserread]: https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getuserread.html
func (c *Client) GetUserRead(ctx context.Context, begin, end Date) ([]ArticleReadStat, error) {
	return datacube[ArticleReadStat](ctx, c, endpoint.UserRead, 3, begin, end)
}

// ArticleReadHourStat is the reading of all articles in one hour.
type ArticleReadHourStat struct {
	RefDate Date `json:"ref_date"`
	// RefHour is the hour as HHMM: 0, 100, …, 2300.
	RefHour    int `json:"ref_hour"`
	UserSource int `json:"user_source"`
	ArticleStat
}

// GetUserReadHour returns the reading of all articles per hour of a day
// (获取图文统计分时数据, [datacube/getuserreadhour]), one day per call.
//
// [datacube/getuserreadhour]: https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getuserreadhour.html
func (c *Client) GetUserReadHour(ctx context.Context, begin, end Date) ([]ArticleReadHourStat, error) {
	return datacube[ArticleReadHourStat](ctx, c, endpoint.UserReadHour, 1, begin, end)
}

// ArticleShareStat counts the sharing of articles on a day, by scene.
type ArticleShareStat struct {
	RefDate Date `json:"ref_date"`
	// ShareScene is 1 forwarded to a friend, 2 shared to moments, 255
	// other.
	ShareScene int `json:"share_scene"`
	ShareCount int `json:"share_count"`
	ShareUser  int `json:"share_user"`
}

// GetUserShare returns the sharing of articles per day (获取图文分享转发数据,
// [datacube/getusershare]), at most 7 days per call.
//
// [datacube/getusershare]: https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getusershare.html
func (c *Client) GetUserShare(ctx context.Context, begin, end Date) ([]ArticleShareStat, error) {
	return datacube[ArticleShareStat](ctx, c, endpoint.UserShare, 7, begin, end)
}

// ArticleShareHourStat counts the sharing of articles in one hour.
type ArticleShareHourStat struct {
	RefDate Date `json:"ref_date"`
	// RefHour is the hour as HHMM: 0, 100, …, 2300.
	RefHour    int `json:"ref_hour"`
	ShareScene int `json:"share_scene"`
	ShareCount int `json:"share_count"`
	ShareUser  int `json:"share_user"`
}

// GetUserShareHour returns the sharing of articles per hour of a day
// (获取图文分享转发分时数据, [datacube/getusersharehour]), one day per call.
//
// [datacube/getusersharehour]: https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getusersharehour.html
func (c *Client) GetUserShareHour(ctx context.Context, begin, end Date) ([]ArticleShareHourStat, error) {
	return datacube[ArticleShareHourStat](ctx, c, endpoint.UserShareHour, 1, begin, end)
}

// Message analysis (消息分析).

// UpstreamMessageStat counts the messages users sent to the account on a
// day (or in the week or month starting on RefDate), by type.
type UpstreamMessageStat struct {
	RefDate Date `json:"ref_date"`
	// MsgType is 1 text, 2 image, 3 voice, 4 video, 6 third-party app
	// message (link).
	MsgType int `json:"msg_type"`
	// MsgUser is the number of users who sent messages.
	MsgUser int `json:"msg_user"`
	// MsgCount is the number of messages.
	MsgCount int `json:"msg_count"`
}

// UpstreamMessageHourStat counts the messages users sent in one hour.
type UpstreamMessageHourStat struct {
	RefDate Date `json:"ref_date"`
	// RefHour is the hour as HHMM: 0, 100, …, 2300.
	RefHour  int `json:"ref_hour"`
	MsgType  int `json:"msg_type"`
	MsgUser  int `json:"msg_user"`
	MsgCount int `json:"msg_count"`
}

// UpstreamMessageDistStat counts users by how many messages they sent.
type UpstreamMessageDistStat struct {
	RefDate Date `json:"ref_date"`
	// CountInterval is the bracket of messages sent: 0 for none, 1 for
	// 1-5, 2 for 6-10, 3 for more than 10.
	CountInterval int `json:"count_interval"`
	MsgUser       int `json:"msg_user"`
}

// GetUpstreamMessages returns the messages users sent per day
// (获取消息发送概况数据, [datacube/getupstreammsg]), at most 7 days per call.
//
// [datacube/getupstreammsg]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsg.html
func (c *Client) GetUpstreamMessages(ctx context.Context, begin, end Date) ([]UpstreamMessageStat, error) {
	return datacube[UpstreamMessageStat](ctx, c, endpoint.UpstreamMsg, 7, begin, end)
}

// GetUpstreamMessagesHour returns the messages users sent per hour of a day
// (获取消息发送分时数据, [datacube/getupstreammsghour]), one day per call.
//
// [datacube/getupstreammsghour]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsghour.html
func (c *Client) GetUpstreamMessagesHour(ctx context.Context, begin, end Date) ([]UpstreamMessageHourStat, error) {
	return datacube[UpstreamMessageHourStat](ctx, c, endpoint.UpstreamMsgHour, 1, begin, end)
}

// GetUpstreamMessagesWeek returns the messages users sent per week, dated by
// the week's Monday (获取消息发送周数据, [datacube/getupstreammsgweek]), at
// most 30 days per call. A week is reported once it is over.
//
// [datacube/getupstreammsgweek]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsgweek.html
func (c *Client) GetUpstreamMessagesWeek(ctx context.Context, begin, end Date) ([]UpstreamMessageStat, error) {
	return datacube[UpstreamMessageStat](ctx, c, endpoint.UpstreamMsgWeek, 30, begin, end)
}

// GetUpstreamMessagesMonth returns the messages users sent per month, dated by
// the month's first day (获取消息发送月数据, [datacube/getupstreammsgmonth]), at
// most 30 days per call. A month is reported once it is over.
//
// [datacube/getupstreammsgmonth]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsgmonth.html
func (c *Client) GetUpstreamMessagesMonth(ctx context.Context, begin, end Date) ([]UpstreamMessageStat, error) {
	return datacube[UpstreamMessageStat](ctx, c, endpoint.UpstreamMsgMonth, 30, begin, end)
}

// GetUpstreamMessageDist returns how many users sent how many messages per day
// (获取消息发送分布数据, [datacube/getupstreammsgdist]), at most 15 days per
// call.
//
// [datacube/getupstreammsgdist]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsgdist.html
func (c *Client) GetUpstreamMessageDist(ctx context.Context, begin, end Date) ([]UpstreamMessageDistStat, error) {
	return datacube[UpstreamMessageDistStat](ctx, c, endpoint.UpstreamMsgDist, 15, begin, end)
}

// GetUpstreamMessageDistWeek is GetUpstreamMessageDist per week
// (获取消息发送分布周数据, [datacube/getupstreammsgdistweek]), at most 30 days
// per call.
//
// [datacube/getupstreammsgdistweek]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsgdistweek.html
func (c *Client) GetUpstreamMessageDistWeek(ctx context.Context, begin, end Date) ([]UpstreamMessageDistStat, error) {
	return datacube[UpstreamMessageDistStat](ctx, c, endpoint.UpstreamMsgDistWeek, 30, begin, end)
}

// GetUpstreamMessageDistMonth is GetUpstreamMessageDist per month
// (获取消息发送分布月数据, [datacube/getupstreammsgdistmonth]), at most 30 days
// per call.
//
// [datacube/getupstreammsgdistmonth]: https://developers.weixin.qq.com/doc/service/api/wedata/mess/api_getupstreammsgdistmonth.html
func (c *Client) GetUpstreamMessageDistMonth(ctx context.Context, begin, end Date) ([]UpstreamMessageDistStat, error) {
	return datacube[UpstreamMessageDistStat](ctx, c, endpoint.UpstreamMsgDistMonth, 30, begin, end)
}

// Interface analysis (接口分析).

// InterfaceStat counts the account's server receiving WeChat's pushes on a
// day: how often WeChat called it, how often that failed and how long it
// took.
type InterfaceStat struct {
	RefDate Date `json:"ref_date"`
	// CallbackCount is the number of pushes WeChat made to the server.
	CallbackCount int `json:"callback_count"`
	// FailCount is the number of pushes that failed.
	FailCount int `json:"fail_count"`
	// TotalTimeCost is the total response time, in milliseconds; divide
	// by CallbackCount for the average.
	TotalTimeCost int64 `json:"total_time_cost"`
	// MaxTimeCost is the slowest response, in milliseconds.
	MaxTimeCost int64 `json:"max_time_cost"`
}

// InterfaceHourStat is InterfaceStat for one hour.
type InterfaceHourStat struct {
	RefDate Date `json:"ref_date"`
	// RefHour is the hour as HHMM: 0, 100, …, 2300.
	RefHour       int   `json:"ref_hour"`
	CallbackCount int   `json:"callback_count"`
	FailCount     int   `json:"fail_count"`
	TotalTimeCost int64 `json:"total_time_cost"`
	MaxTimeCost   int64 `json:"max_time_cost"`
}

// GetInterfaceSummary returns how WeChat's pushes to the server fared per day
// (获取接口分析数据, [datacube/getinterfacesummary]), at most 30 days per call.
//
// [datacube/getinterfacesummary]: https://developers.weixin.qq.com/doc/service/api/wedata/api/api_getinterfacesummary.html
func (c *Client) GetInterfaceSummary(ctx context.Context, begin, end Date) ([]InterfaceStat, error) {
	return datacube[InterfaceStat](ctx, c, endpoint.InterfaceSummary, 30, begin, end)
}

// GetInterfaceSummaryHour returns how WeChat's pushes to the server fared per
// hour of a day (获取接口分析分时数据, [datacube/getinterfacesummaryhour]), one
// day per call.
//
// [datacube/getinterfacesummaryhour]: https://developers.weixin.qq.com/doc/service/api/wedata/api/api_getinterfacesummaryhour.html
func (c *Client) GetInterfaceSummaryHour(ctx context.Context, begin, end Date) ([]InterfaceHourStat, error) {
	return datacube[InterfaceHourStat](ctx, c, endpoint.InterfaceSummaryHour, 1, begin, end)
}
