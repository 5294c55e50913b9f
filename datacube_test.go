package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDate(t *testing.T) {
	d, err := ParseDate("2014-12-07")
	require.NoError(t, err)
	assert.Equal(t, Date{2014, time.December, 7}, d)
	assert.Equal(t, "2014-12-07", d.String())
	assert.Equal(t, Date{2015, time.January, 6}, d.AddDays(30))
	assert.Equal(t, Date{2014, time.November, 30}, d.AddDays(-7))
	assert.Equal(t, Date{2024, time.February, 29}, DateOf(time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC)))
	assert.True(t, Date{}.IsZero())

	for _, bad := range []string{"2014-12-7", "20141207", "2014-02-30", ""} {
		_, err := ParseDate(bad)
		assert.Error(t, err, bad)
	}

	b, err := json.Marshal(struct{ D Date }{Date{2014, 12, 7}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"D":"2014-12-07"}`, string(b))
	var v struct{ D, E Date }
	require.NoError(t, json.Unmarshal([]byte(`{"D":"2014-12-07","E":""}`), &v))
	assert.Equal(t, Date{2014, 12, 7}, v.D)
	assert.True(t, v.E.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`{"D":"yesterday"}`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"D":20141207}`), &v))

	assert.Equal(t, 1, daysBetween(d, d))
	assert.Equal(t, 7, daysBetween(Date{2014, 12, 1}, Date{2014, 12, 7}))
	assert.Equal(t, 30, daysBetween(Date{2024, 2, 1}, Date{2024, 3, 1}), "leap year")
}

func TestParseDateRejectsAnInvalidArgument(t *testing.T) {
	for _, bad := range []string{"2014-12-7", "2014-02-30", "yesterday", ""} {
		d, err := ParseDate(bad)
		assert.ErrorIs(t, err, ErrInvalidArgument, bad)
		assert.True(t, d.IsZero(), bad)
	}
}

// datacubeCase is one statistics API: its method, endpoint, documented
// maximum span, fixture and the first row the fixture decodes to.
type datacubeCase struct {
	name    string
	id      endpoint.ID
	maxDays int
	fixture string
	call    func(c *Client, ctx context.Context, b, e Date) (any, error)
	first   any
}

func datacubeCases() []datacubeCase {
	d := Date{2014, 12, 7}
	article := ArticleStat{IntPageReadUser: 23676, IntPageReadCount: 25615, OriPageReadUser: 29, OriPageReadCount: 34, ShareUser: 122, ShareCount: 994, AddToFavUser: 1, AddToFavCount: 3}
	return []datacubeCase{
		{"GetUserSummary", endpoint.UserSummary, 7, "datacube_getusersummary.json", firstRow((*Client).GetUserSummary),
			UserSummaryStat{RefDate: d}},
		{"GetUserCumulate", endpoint.UserCumulate, 7, "datacube_getusercumulate.json", firstRow((*Client).GetUserCumulate),
			UserCumulateStat{RefDate: d, CumulateUser: 1217056}},
		{"GetArticleSummary", endpoint.ArticleSummary, 1, "datacube_getarticlesummary.json", firstRow((*Client).GetArticleSummary),
			ArticleSummaryStat{RefDate: Date{2014, 12, 8}, MsgID: "10000050_1", Title: "12月27日 DiLi日报", ArticleStat: article}},
		{"GetArticleTotal", endpoint.ArticleTotal, 1, "datacube_getarticletotal.json", firstRow((*Client).GetArticleTotal),
			ArticleTotalStat{RefDate: Date{2014, 12, 14}, MsgID: "202457380_1", Title: "马航丢画记", Details: []ArticleTotalDetail{{
				StatDate: Date{2014, 12, 14}, TargetUser: 261917, ArticleStat: article,
				IntPageFromSessionReadUser: 657283, IntPageFromSessionReadCount: 753486,
				IntPageFromHistMsgReadUser: 1669, IntPageFromHistMsgReadCount: 1920,
				IntPageFromFeedReadUser: 367308, IntPageFromFeedReadCount: 433422,
				IntPageFromFriendsReadUser: 15428, IntPageFromFriendsReadCount: 19645,
				IntPageFromOtherReadUser: 477, IntPageFromOtherReadCount: 703,
				FeedShareFromSessionUser: 63925, FeedShareFromSessionCount: 66489,
				FeedShareFromFeedUser: 18249, FeedShareFromFeedCount: 19319,
			}}}},
		{"GetUserRead", endpoint.UserRead, 3, "datacube_getuserread.json", firstRow((*Client).GetUserRead),
			ArticleReadStat{RefDate: d, ArticleStat: ArticleStat{IntPageReadUser: 45524, IntPageReadCount: 48796, OriPageReadUser: 11, OriPageReadCount: 35, ShareUser: 11, ShareCount: 276, AddToFavUser: 5, AddToFavCount: 15}}},
		{"GetUserReadHour", endpoint.UserReadHour, 1, "datacube_getuserreadhour.json", firstRow((*Client).GetUserReadHour),
			ArticleReadHourStat{RefDate: d, RefHour: 1200, ArticleStat: ArticleStat{OriPageReadUser: 4, OriPageReadCount: 25517, ShareUser: 4, ShareCount: 96, AddToFavUser: 1, AddToFavCount: 3}}},
		{"GetUserShare", endpoint.UserShare, 7, "datacube_getusershare.json", firstRow((*Client).GetUserShare),
			ArticleShareStat{RefDate: d, ShareScene: 1, ShareCount: 207, ShareUser: 11}},
		{"GetUserShareHour", endpoint.UserShareHour, 1, "datacube_getusersharehour.json", firstRow((*Client).GetUserShareHour),
			ArticleShareHourStat{RefDate: d, RefHour: 1200, ShareScene: 1, ShareCount: 72, ShareUser: 4}},
		{"GetUpstreamMessages", endpoint.UpstreamMsg, 7, "datacube_getupstreammsg.json", firstRow((*Client).GetUpstreamMessages),
			UpstreamMessageStat{RefDate: d, MsgType: 1, MsgUser: 282, MsgCount: 817}},
		{"GetUpstreamMessagesHour", endpoint.UpstreamMsgHour, 1, "datacube_getupstreammsghour.json", firstRow((*Client).GetUpstreamMessagesHour),
			UpstreamMessageHourStat{RefDate: d, MsgType: 1, MsgUser: 9, MsgCount: 10}},
		{"GetUpstreamMessagesWeek", endpoint.UpstreamMsgWeek, 30, "datacube_getupstreammsg.json", firstRow((*Client).GetUpstreamMessagesWeek),
			UpstreamMessageStat{RefDate: d, MsgType: 1, MsgUser: 282, MsgCount: 817}},
		{"GetUpstreamMessagesMonth", endpoint.UpstreamMsgMonth, 30, "datacube_getupstreammsg.json", firstRow((*Client).GetUpstreamMessagesMonth),
			UpstreamMessageStat{RefDate: d, MsgType: 1, MsgUser: 282, MsgCount: 817}},
		{"GetUpstreamMessageDist", endpoint.UpstreamMsgDist, 15, "datacube_getupstreammsgdist.json", firstRow((*Client).GetUpstreamMessageDist),
			UpstreamMessageDistStat{RefDate: d, CountInterval: 1, MsgUser: 246}},
		{"GetUpstreamMessageDistWeek", endpoint.UpstreamMsgDistWeek, 30, "datacube_getupstreammsgdist.json", firstRow((*Client).GetUpstreamMessageDistWeek),
			UpstreamMessageDistStat{RefDate: d, CountInterval: 1, MsgUser: 246}},
		{"GetUpstreamMessageDistMonth", endpoint.UpstreamMsgDistMonth, 30, "datacube_getupstreammsgdist.json", firstRow((*Client).GetUpstreamMessageDistMonth),
			UpstreamMessageDistStat{RefDate: d, CountInterval: 1, MsgUser: 246}},
		{"GetInterfaceSummary", endpoint.InterfaceSummary, 30, "datacube_getinterfacesummary.json", firstRow((*Client).GetInterfaceSummary),
			InterfaceStat{RefDate: d, CallbackCount: 36974, FailCount: 67, TotalTimeCost: 14994291, MaxTimeCost: 5044}},
		{"GetInterfaceSummaryHour", endpoint.InterfaceSummaryHour, 1, "datacube_getinterfacesummaryhour.json", firstRow((*Client).GetInterfaceSummaryHour),
			InterfaceHourStat{RefDate: Date{2014, 12, 1}, CallbackCount: 331, FailCount: 18, TotalTimeCost: 167870, MaxTimeCost: 5042}},
	}
}

// firstRow adapts a statistics method to datacubeCase.call: the call
// returns the only row of a one-row reply.
func firstRow[T any](get func(*Client, context.Context, Date, Date) ([]T, error)) func(*Client, context.Context, Date, Date) (any, error) {
	return func(c *Client, ctx context.Context, b, e Date) (any, error) {
		list, err := get(c, ctx, b, e)
		if err != nil {
			return nil, err
		}
		if len(list) != 1 {
			return nil, fmt.Errorf("%d rows, want 1", len(list))
		}
		return list[0], nil
	}
}

func TestDatacubeRangeValidation(t *testing.T) {
	ctx := context.Background()
	begin := Date{2024, 2, 20}
	for _, tc := range datacubeCases() {
		cases := []struct {
			name       string
			begin, end Date
		}{
			{"one day too many", begin, begin.AddDays(tc.maxDays)},
			{"end before begin", begin, begin.AddDays(-1)},
			{"zero begin", Date{}, begin},
			{"zero end", begin, Date{}},
			{"impossible day", Date{2024, 2, 30}, Date{2024, 2, 30}},
		}
		for _, rc := range cases {
			t.Run(tc.name+"/"+rc.name, func(t *testing.T) {
				c := newOfflineClient(t)
				_, err := tc.call(c, ctx, rc.begin, rc.end)
				require.ErrorIs(t, err, ErrInvalidArgument)
				assert.Contains(t, err.Error(), endpoint.Get(tc.id).Path, "the error names the API")
			})
		}
	}
}

func TestDatacubeSpanMessage(t *testing.T) {
	c := newOfflineClient(t)
	_, err := c.GetUserSummary(context.Background(), Date{2024, 1, 1}, Date{2024, 1, 9})
	assert.EqualError(t, err, "wechat: invalid argument: /datacube/getusersummary: 2024-01-01..2024-01-09 covers 9 days, WeChat serves at most 7 per call")
}

func TestDatacubeRetriedAsRead(t *testing.T) {
	// A statistics POST is a read: a busy WeChat is asked again.
	c, rec := newStubSeqClient(t, "POST", "/datacube/getusercumulate", systemBusy, fixture(t, "api/datacube_getusercumulate.json"))
	list, err := c.GetUserCumulate(context.Background(), Date{2014, 12, 7}, Date{2014, 12, 7})
	require.NoError(t, err)
	assert.Len(t, list, 1)
	assert.Len(t, rec.Calls(), 2)
}

// The documented getusersummary sample has only zero counts; non-zero
// values show that each one lands in its field.
func TestUserSummaryFields(t *testing.T) {
	c, mt := newTestClient(t)
	stub(mt, "POST", "/datacube/getusersummary",
		[]byte(`{"list":[{"ref_date":"2014-12-07","user_source":30,"new_user":5,"cancel_user":2}]}`))
	got, err := c.GetUserSummary(context.Background(), Date{2014, 12, 7}, Date{2014, 12, 7})
	require.NoError(t, err)
	assert.Equal(t, []UserSummaryStat{{RefDate: Date{2014, 12, 7}, UserSource: 30, NewUser: 5, CancelUser: 2}}, got)
}

func datacubeEndpoints() map[endpoint.ID]endpointCase {
	cases := map[endpoint.ID]endpointCase{}
	begin := Date{2014, 12, 7}
	for _, tc := range datacubeCases() {
		end := begin.AddDays(tc.maxDays - 1) // the widest range the API serves
		cases[tc.id] = endpointCase{
			call:  func(ctx context.Context, c *Client) (any, error) { return tc.call(c, ctx, begin, end) },
			body:  fmt.Sprintf(`{"begin_date":"2014-12-07","end_date":%q}`, end.String()),
			reply: "api/" + tc.fixture,
			want:  tc.first,
			invalid: func(ctx context.Context, c *Client) error {
				_, err := tc.call(c, ctx, begin, end.AddDays(1))
				return err
			},
		}
	}
	return cases
}
