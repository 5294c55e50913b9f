package wechat_test

// End-to-end tests of the statistics APIs against wechattest, which
// answers the documented sample rows and checks spans as WeChat does:
// the account's figures (数据统计), then those of the publisher (流量主)
// of publisher.go.

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestIntegrationDatacube(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	yesterday := wechat.DateOf(time.Now().In(time.FixedZone("CST", 8*3600))).AddDays(-1)

	users, err := c.GetUserSummary(ctx, yesterday.AddDays(-6), yesterday)
	require.NoError(t, err)
	require.Len(t, users, 7, "one row a day")
	assert.Equal(t, wechat.UserSummaryStat{RefDate: yesterday.AddDays(-6)}, users[0])
	assert.Equal(t, yesterday, users[6].RefDate)

	cum, err := c.GetUserCumulate(ctx, yesterday, yesterday)
	require.NoError(t, err)
	assert.Equal(t, []wechat.UserCumulateStat{{RefDate: yesterday, CumulateUser: 1217056}}, cum)

	total, err := c.GetArticleTotal(ctx, yesterday, yesterday)
	require.NoError(t, err)
	require.Len(t, total, 1)
	assert.Equal(t, "马航丢画记", total[0].Title)
	require.Len(t, total[0].Details, 1)
	assert.Equal(t, yesterday, total[0].Details[0].StatDate)
	assert.Equal(t, 261917, total[0].Details[0].TargetUser)

	hours, err := c.GetInterfaceSummaryHour(ctx, yesterday, yesterday)
	require.NoError(t, err)
	assert.Equal(t, []wechat.InterfaceHourStat{{RefDate: yesterday, CallbackCount: 331, FailCount: 18, TotalTimeCost: 167870, MaxTimeCost: 5042}}, hours)

	// Weeks are dated by their Monday: 30 days hold four or five.
	weeks, err := c.GetUpstreamMessagesWeek(ctx, yesterday.AddDays(-29), yesterday)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(weeks), 4)
	for _, w := range weeks {
		assert.Equal(t, time.Monday, time.Date(w.RefDate.Year, w.RefDate.Month, w.RefDate.Day, 0, 0, 0, 0, time.UTC).Weekday())
	}

	// Today is not reported yet.
	today := yesterday.AddDays(1)
	_, err = c.GetUserRead(ctx, today, today)
	requireAPIError(t, err, 61501, "/datacube/getuserread")

	// The fake checks each API's span itself, for clients that do not.
	a := rawAPI{t: t, srv: srv, c: c}
	for path, span := range map[string]int{"/datacube/getusersummary": 7, "/datacube/getuserread": 3,
		"/datacube/getarticlesummary": 1, "/datacube/getupstreammsgdist": 15, "/datacube/getinterfacesummary": 30} {
		ok := a.post(path, `{"begin_date":"`+yesterday.AddDays(1-span).String()+`","end_date":"`+yesterday.String()+`"}`)
		assert.NotContains(t, ok, "errcode", "%s: %d days", path, span)
		long := a.post(path, `{"begin_date":"`+yesterday.AddDays(-span).String()+`","end_date":"`+yesterday.String()+`"}`)
		assert.Contains(t, long, `"errcode":61501`, "%s: %d days", path, span+1)
	}
	assert.Contains(t, a.post("/datacube/getusersummary", `{"begin_date":"2024/01/01","end_date":"2024-01-01"}`), `"errcode":61500`)
}

// rawAPI posts raw bodies to the fake with the Client's token, for the
// checks the Client makes before sending.
type rawAPI struct {
	t   *testing.T
	srv *wechattest.Server
	c   *wechat.Client
}

func (a rawAPI) post(path, body string) string {
	a.t.Helper()
	tok, err := a.c.AccessToken(context.Background())
	require.NoError(a.t, err)
	resp, err := a.srv.HTTPClient().Post(a.srv.URL+path+"?access_token="+url.QueryEscape(tok.Value), "application/json", strings.NewReader(body))
	require.NoError(a.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return string(b)
}

// publisherFake runs the fake on 2020-04-20 at noon, Beijing time: it
// has figures up to the 19th.
func publisherFake(t *testing.T) *wechat.Client {
	t.Helper()
	clock := wechattest.NewClock(time.Date(2020, 4, 20, 12, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	_, c := startFake(t, wechattest.WithClock(clock.Now))
	return c
}

func TestIntegrationAdSlotStats(t *testing.T) {
	c := publisherFake(t)
	ctx := context.Background()
	q := wechat.PublisherQuery{Start: wechat.Date{2020, 4, 1}, End: wechat.Date{2020, 4, 30}, PageSize: 10}

	page, err := c.ListAdSlotStats(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, 19, page.Total, "1 to 19 April: no figures for today and later")
	assert.Len(t, page.Stats, 10)
	assert.Equal(t, 2, page.NextPage)
	first := page.Stats[0]
	assert.Equal(t, wechat.Date{2020, 4, 1}, first.Date)
	assert.Equal(t, wechat.AdSlotBizBottom, first.AdSlot)
	assert.Equal(t, int64(443610), first.ReqSuccCount, "the documented example's figures")
	assert.Equal(t, int64(52175), first.Income)
	assert.InDelta(t, 0.409850995, first.ExposureRate, 1e-6)
	require.NotNil(t, page.Summary)
	assert.Equal(t, int64(19*52175), page.Summary.Income)
	assert.InDelta(t, first.ECPM, page.Summary.ECPM, 1e-9)

	var dates []wechat.Date
	for s, err := range c.AdSlotStats(ctx, q) {
		require.NoError(t, err)
		dates = append(dates, s.Date)
	}
	require.Len(t, dates, 19)
	assert.Equal(t, wechat.Date{2020, 4, 19}, dates[18])

	q.Page, q.AdSlot = 3, wechat.AdSlotBizMidContext
	page, err = c.ListAdSlotStats(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, page.Stats, "past the last page")
	assert.Zero(t, page.NextPage)

	q.Page = 1
	page, err = c.ListAdSlotStats(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, wechat.AdSlotBizMidContext, page.Stats[0].AdSlot)

	// No figures before 2016 or after yesterday.
	page, err = c.ListAdSlotStats(ctx, wechat.PublisherQuery{Start: wechat.Date{2020, 4, 20}, End: wechat.Date{2020, 5, 1}})
	require.NoError(t, err)
	assert.Zero(t, page.Total)
}

func TestIntegrationCPSStats(t *testing.T) {
	c := publisherFake(t)
	ctx := context.Background()
	n := 0
	for s, err := range c.CPSStats(ctx, wechat.PublisherQuery{Start: wechat.Date{2020, 2, 20}, End: wechat.Date{2020, 4, 19}, PageSize: 7}) {
		require.NoError(t, err)
		assert.Equal(t, int64(25021), s.TotalCommission)
		n++
	}
	assert.Equal(t, 60, n, "the longest span")
}

func TestIntegrationSettlements(t *testing.T) {
	c := publisherFake(t)
	ctx := context.Background()
	// The documented example: 11 February to 26 March covers both
	// halves of February and of March.
	page, err := c.ListSettlements(ctx, wechat.PublisherQuery{Start: wechat.Date{2020, 2, 11}, End: wechat.Date{2020, 3, 26}})
	require.NoError(t, err)
	assert.Equal(t, 4, page.Total)
	var zones []string
	var statuses []wechat.SettlementStatus
	for _, s := range page.Settlements {
		zones = append(zones, s.Zone)
		statuses = append(statuses, s.Status)
		assert.Equal(t, int64(718926045), s.SettledRevenue)
		require.Len(t, s.SlotRevenue, 2)
		assert.Equal(t, s.SettledRevenue, s.SlotRevenue[0].SettledRevenue+s.SlotRevenue[1].SettledRevenue)
	}
	assert.Equal(t, []string{"2020年2月1日至15日", "2020年2月16日至29日", "2020年3月1日至15日", "2020年3月16日至31日"}, zones)
	assert.Equal(t, []wechat.SettlementStatus{wechat.SettlementPaid, wechat.SettlementPaid, wechat.SettlementPaid, wechat.SettlementSettled}, statuses)
	assert.Equal(t, []bool{false, true, false, true}, []bool{
		page.Settlements[0].SecondHalf, page.Settlements[1].SecondHalf, page.Settlements[2].SecondHalf, page.Settlements[3].SecondHalf,
	})
	assert.Equal(t, "202002", page.Settlements[0].Month)
	assert.Equal(t, int64(5178368698), page.RevenueAll)

	// The current half-month is being settled; none later is listed.
	current := collect(t, c.Settlements(ctx, wechat.PublisherQuery{Start: wechat.Date{2020, 4, 1}, End: wechat.Date{2020, 12, 31}, PageSize: 1}), 0)
	require.Len(t, current, 2)
	assert.Equal(t, wechat.SettlementSettled, current[0].Status)
	assert.Equal(t, wechat.SettlementInProgress, current[1].Status)
	assert.Equal(t, wechat.Date{2020, 4, 20}, current[1].Date)
}
