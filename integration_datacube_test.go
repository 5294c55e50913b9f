package wechat_test

// End-to-end tests of the statistics APIs (数据统计) against wechattest,
// which answers the documented sample rows and checks spans as WeChat
// does.

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
