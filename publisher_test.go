package wechat

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func publisherEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.PublisherStat: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListAdSlotStats(ctx, PublisherQuery{Start: Date{2020, 4, 13}, End: Date{2020, 4, 13}, PageSize: 10})
			},
			query: url.Values{
				"action": {"publisher_adpos_general"}, "page": {"1"}, "page_size": {"10"},
				"start_date": {"2020-04-13"}, "end_date": {"2020-04-13"},
			},
			reply: "api/publisher_adpos_general.json",
			want: &AdSlotStatsPage{
				Stats: []AdSlotStat{{
					SlotID: 3030046789020061, AdSlot: "SLOT_ID_WEAPP_INTERSTITIAL", Date: Date{2020, 4, 13},
					AdSlotCounts: AdSlotCounts{
						ReqSuccCount: 443610, ExposureCount: 181814, ExposureRate: 0.409850995, ClickCount: 10095,
						ClickRate: 0.055523777, Income: 52175, ECPM: 286.969100289,
					},
				}},
				Summary: &AdSlotCounts{
					ReqSuccCount: 4406394, ExposureCount: 1797225, ExposureRate: 0.407867522, ClickCount: 100167,
					ClickRate: 0.055734257, Income: 578003, ECPM: 321.608591022,
				},
				Total: 1,
			},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.ListAdSlotStats(ctx, PublisherQuery{Start: Date{2020, 1, 1}, End: Date{2020, 3, 31}}) // 91 days
				return err
			},
		},
	}
}

func TestListCPSStats(t *testing.T) {
	c, rec := newStubClient(t, "GET", "/publisher/stat", fixture(t, "api/publisher_cps_general.json"))
	got, err := c.ListCPSStats(context.Background(), PublisherQuery{Start: Date{2020, 4, 1}, End: Date{2020, 5, 30}, Page: 1, PageSize: 1})
	require.NoError(t, err)
	assert.Equal(t, &CPSStatsPage{
		Stats: []CPSStat{{Date: Date{2020, 4, 13}, CPSCounts: CPSCounts{
			ExposureCount: 15153, ClickCount: 396, ClickRate: 38.265151515, OrderCount: 3, OrderRate: 0.007575758,
			TotalFee: 162900, TotalCommission: 25021,
		}}},
		Summary: &CPSCounts{
			ExposureCount: 117143, ClickCount: 3442, ClickRate: 34.033410808, OrderCount: 18, OrderRate: 0.005229518,
			TotalFee: 924082, TotalCommission: 133030,
		},
		Total:    7,
		NextPage: 2, // 1 row of 7 on page 1 of size 1
	}, got)
	w := rec.only(t)
	assertWire(t, w, "GET", "/publisher/stat", "")
	assert.Equal(t, url.Values{
		"access_token": {testToken}, "action": {"publisher_cps_general"}, "page": {"1"}, "page_size": {"1"},
		"start_date": {"2020-04-01"}, "end_date": {"2020-05-30"},
	}, w.Query)
	assert.Empty(t, w.Body)
}

func TestListSettlements(t *testing.T) {
	c, rec := newStubClient(t, "GET", "/publisher/stat", fixture(t, "api/publisher_settlement.json"))
	// Any span: settlements have no longest one.
	got, err := c.ListSettlements(context.Background(), PublisherQuery{Start: Date{2016, 1, 1}, End: Date{2020, 3, 26}})
	require.NoError(t, err)
	assert.Equal(t, &SettlementPage{
		Body: "深圳市腾讯计算机系统有限公司", RevenueAll: 5178368698, PenaltyAll: 0, SettledRevenueAll: 2613696765,
		Settlements: []Settlement{{
			Date: Date{2020, 3, 25}, Zone: "2020年3月1日至15日", Month: "202003", Status: SettlementInProgress,
			SettledRevenue: 718926045, SettlementNo: "XXX",
			SlotRevenue: []SlotRevenue{{"SLOT_ID_WEAPP_BANNER", 34139443}, {"SLOT_ID_WEAPP_REWARD_VIDEO", 684786602}},
		}},
		Total: 1,
	}, got)
	assert.Equal(t, url.Values{
		"access_token": {testToken}, "action": {"publisher_settlement"}, "page": {"1"}, "page_size": {"90"},
		"start_date": {"2016-01-01"}, "end_date": {"2020-03-26"},
	}, rec.only(t).Query)
	assert.False(t, SettlementInProgress.Settled())
	for _, s := range []SettlementStatus{SettlementSettled, 3, SettlementPaying, SettlementPaid} {
		assert.True(t, s.Settled(), "status %d", s)
	}
}

// A range without figures is an empty page, not a nil list, whichever
// report it is and whether WeChat sends the list empty or leaves it out.
func TestPublisherEmptyPage(t *testing.T) {
	ctx := context.Background()
	q := PublisherQuery{Start: Date{2020, 4, 1}, End: Date{2020, 4, 30}}
	for _, reply := range []string{
		`{"base_resp":{"err_msg":"ok","ret":0},"list":[],"settlement_list":[],"total_num":0}`,
		`{"base_resp":{"err_msg":"ok","ret":0},"total_num":0}`,
	} {
		c, _ := newStubClient(t, "GET", "/publisher/stat", []byte(reply))
		ads, err := c.ListAdSlotStats(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, &AdSlotStatsPage{Stats: []AdSlotStat{}}, ads, reply)
		cps, err := c.ListCPSStats(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, &CPSStatsPage{Stats: []CPSStat{}}, cps, reply)
		sett, err := c.ListSettlements(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, &SettlementPage{Settlements: []Settlement{}}, sett, reply)
	}
}

func TestPublisherQueryChecks(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
	day := func(y, m, d int) Date { return Date{y, time.Month(m), d} }
	tests := []struct {
		name string
		call func() error
	}{
		{"adpos over 90 days", func() error {
			_, err := c.ListAdSlotStats(ctx, PublisherQuery{Start: day(2020, 1, 1), End: day(2020, 3, 31)})
			return err
		}},
		{"cps over 60 days", func() error {
			_, err := c.ListCPSStats(ctx, PublisherQuery{Start: day(2020, 1, 1), End: day(2020, 3, 1)})
			return err
		}},
		{"end before start", func() error {
			_, err := c.ListSettlements(ctx, PublisherQuery{Start: day(2020, 3, 2), End: day(2020, 3, 1)})
			return err
		}},
		{"not a day", func() error {
			_, err := c.ListSettlements(ctx, PublisherQuery{Start: day(2020, 2, 30), End: day(2020, 3, 1)})
			return err
		}},
		{"no dates", func() error { _, err := c.ListSettlements(ctx, PublisherQuery{}); return err }},
		{"before 2016", func() error {
			_, err := c.ListAdSlotStats(ctx, PublisherQuery{Start: day(2015, 12, 31), End: day(2016, 1, 1)})
			return err
		}},
		{"ad slot on cps", func() error {
			_, err := c.ListCPSStats(ctx, PublisherQuery{Start: day(2020, 1, 1), End: day(2020, 1, 1), AdSlot: AdSlotBizCPS})
			return err
		}},
		{"page size over 90", func() error {
			_, err := c.ListAdSlotStats(ctx, PublisherQuery{Start: day(2020, 1, 1), End: day(2020, 1, 1), PageSize: 91})
			return err
		}},
		{"negative page", func() error {
			_, err := c.ListAdSlotStats(ctx, PublisherQuery{Start: day(2020, 1, 1), End: day(2020, 1, 1), Page: -1})
			return err
		}},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, tt.call(), ErrInvalidArgument, tt.name)
	}
}

func TestPublisherRangeLimitsAreInclusive(t *testing.T) {
	// 90 days for the ad slots and 60 for cps, counting both ends, are
	// still accepted; the ad slot filter goes to the wire.
	ctx := context.Background()
	c, rec := newStubClient(t, "GET", "/publisher/stat", []byte(`{"base_resp":{"err_msg":"ok","ret":0},"list":[],"total_num":0}`))
	p, err := c.ListAdSlotStats(ctx, PublisherQuery{Start: Date{2020, 1, 1}, End: Date{2020, 3, 30}, AdSlot: AdSlotBizBottom})
	require.NoError(t, err)
	assert.Equal(t, &AdSlotStatsPage{Stats: []AdSlotStat{}}, p, "an empty page, no summary")
	_, err = c.ListCPSStats(ctx, PublisherQuery{Start: Date{2020, 1, 1}, End: Date{2020, 2, 29}})
	require.NoError(t, err)
	calls := rec.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "SLOT_ID_BIZ_BOTTOM", calls[0].Query.Get("ad_slot"))
	assert.False(t, calls[1].Query.Has("ad_slot"))
}

// TestPublisherErrors checks the documented errors of publisher/stat,
// which come in base_resp.ret, as *APIError with that code.
func TestPublisherErrors(t *testing.T) {
	ctx := context.Background()
	q := PublisherQuery{Start: Date{2020, 4, 13}, End: Date{2020, 4, 13}}
	documented := map[int]string{
		45009: "请求过于频繁, 请稍后尝试",
		45010: "无效的接口名",
		1701:  "参数错误",
		2009:  "无效的流量主",
	}
	for code, msg := range documented {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			c, rec := newStubClient(t, "GET", "/publisher/stat", []byte(fmt.Sprintf(`{"base_resp":{"err_msg":%q,"ret":%d}}`, msg, code)))
			_, err := c.ListAdSlotStats(ctx, q)
			assertAPIError(t, err, code, "/publisher/stat")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, msg, apiErr.Message)
			assert.Len(t, rec.Calls(), 1)
		})
	}
	t.Run("2009 as posted, at the top of the reply", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/publisher/stat", []byte(`{"err_msg":"ERROR","ret":2009}`))
		_, err := c.ListSettlements(ctx, q)
		assertAPIError(t, err, CodeNotPublisher, "/publisher/stat")
	})
	t.Run("2009 in base_resp", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/publisher/stat", fixture(t, "api/errors/publisher_2009_base_resp.json"))
		_, err := c.ListCPSStats(ctx, q)
		assert.ErrorIs(t, err, &APIError{Code: CodeNotPublisher})
	})
	t.Run("a system-busy ret is retried", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "GET", "/publisher/stat", []byte(`{"base_resp":{"err_msg":"system error","ret":-1}}`), fixture(t, "api/publisher_adpos_general.json"))
		p, err := c.ListAdSlotStats(ctx, q)
		require.NoError(t, err)
		assert.Len(t, p.Stats, 1)
		assert.Len(t, rec.Calls(), 2)
	})
	t.Run("a token rejected by the gateway is refreshed", func(t *testing.T) {
		c, mt := newTestClient(t)
		stub(mt, "GET", "/cgi-bin/token", fixture(t, "api/token.json"))
		rec := stubSeq(mt, "GET", "/publisher/stat", fixture(t, "api/errors/40001_invalid_credential_rid.json"), fixture(t, "api/publisher_settlement.json"))
		_, err := c.ListSettlements(ctx, q)
		require.NoError(t, err)
		calls := rec.Calls()
		require.Len(t, calls, 2)
		assert.NotEqual(t, calls[0].Query.Get("access_token"), calls[1].Query.Get("access_token"))
	})
}

// adSlotPage is a publisher_adpos_general page of n rows out of total.
func adSlotPage(first, n, total int) []byte {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"slot_id":1,"ad_slot":"SLOT_ID_BIZ_BOTTOM","date":"2020-04-%02d","income":%d}`, first+i, first+i)
	}
	return []byte(fmt.Sprintf(`{"base_resp":{"err_msg":"ok","ret":0},"list":[%s],"total_num":%d}`, strings.Join(rows, ","), total))
}

func TestPublisherIterators(t *testing.T) {
	ctx := context.Background()
	q := PublisherQuery{Start: Date{2020, 4, 1}, End: Date{2020, 4, 30}, PageSize: 2}
	t.Run("every page by total_num", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "GET", "/publisher/stat", adSlotPage(1, 2, 5), adSlotPage(3, 2, 5), adSlotPage(5, 1, 5))
		var incomes []int64
		for s, err := range c.AdSlotStats(ctx, q) {
			require.NoError(t, err)
			incomes = append(incomes, s.Income)
		}
		assert.Equal(t, []int64{1, 2, 3, 4, 5}, incomes)
		calls := rec.Calls()
		require.Len(t, calls, 3)
		for i, page := range []string{"1", "2", "3"} {
			assert.Equal(t, page, calls[i].Query.Get("page"))
			assert.Equal(t, "2", calls[i].Query.Get("page_size"))
		}
	})
	t.Run("starts at q.Page and stops at an empty page", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "GET", "/publisher/stat", adSlotPage(3, 2, 100), adSlotPage(0, 0, 100))
		n := 0
		q := q
		q.Page = 2
		for _, err := range c.AdSlotStats(ctx, q) {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, 2, n)
		calls := rec.Calls()
		require.Len(t, calls, 2)
		assert.Equal(t, "2", calls[0].Query.Get("page"))
	})
	t.Run("cps and settlements", func(t *testing.T) {
		c, mt := newTestClient(t)
		stub(mt, "GET", "/publisher/stat", fixture(t, "api/publisher_settlement.json"))
		var zones []string
		for s, err := range c.Settlements(ctx, q) {
			require.NoError(t, err)
			zones = append(zones, s.Zone)
		}
		assert.Equal(t, []string{"2020年3月1日至15日"}, zones)

		c, mt = newTestClient(t)
		rec := stub(mt, "GET", "/publisher/stat", []byte(`{"base_resp":{"err_msg":"ok","ret":0},"list":[{"date":"2020-04-01","order_count":3}],"total_num":1}`))
		for s, err := range c.CPSStats(ctx, q) {
			require.NoError(t, err)
			assert.Equal(t, int64(3), s.OrderCount)
		}
		assert.Len(t, rec.Calls(), 1)
	})
	t.Run("an error is yielded once", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/publisher/stat", fixture(t, "api/errors/publisher_2009_base_resp.json"))
		var errs []error
		for _, err := range c.CPSStats(ctx, q) {
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], &APIError{Code: CodeNotPublisher})
	})
}

// The page after the last is 0, including when the last page is exactly
// full, and an empty page ends the walk whatever total_num says.
func TestNextPage(t *testing.T) {
	for _, c := range []struct{ page, size, rows, total, want int }{
		{1, 10, 10, 25, 2},
		{3, 10, 5, 25, 0},
		{2, 10, 10, 20, 0}, // the last page is full
		{1, 10, 0, 25, 0},  // no rows: WeChat has no more
		{1, 1, 1, 7, 2},
	} {
		assert.Equal(t, c.want, nextPage(c.page, c.size, c.rows, c.total), "%+v", c)
	}
}
