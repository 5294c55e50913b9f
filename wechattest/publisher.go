package wechattest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// publisherAPI answers the publisher statistics (流量主, publisher/stat)
// of an account that is a publisher. WeChat counts ads the fake never
// shows, so each day of a range gets the figures of the documented
// example, and each half-month the documented settlement; the checks are
// WeChat's: the actions, the pages, the dates and each report's longest
// span. The service reports errors in base_resp.ret, not errcode.
type publisherAPI struct {
	group
}

func (g *publisherAPI) routes() []route {
	return []route{g.route(endpoint.PublisherStat, g.handleStat)}
}

// Documented limits of publisher/stat.
const (
	maxPublisherPageSize = 90
	adPosMaxDays         = 90
	cpsMaxDays           = 60
)

// publisherFirstDay is the first day WeChat keeps publisher data for.
var publisherFirstDay = time.Date(2016, 1, 1, 0, 0, 0, 0, beijing)

// Errors of publisher/stat, in base_resp.
const (
	retInvalidAction = 45010 // 无效的接口名
	retBadParam      = 1701  // 参数错误
)

func publisherFail(ret int, msg string) any {
	return map[string]any{"base_resp": map[string]any{"ret": ret, "err_msg": msg}}
}

func publisherOK(out map[string]any) any {
	out["base_resp"] = map[string]any{"ret": 0, "err_msg": "ok"}
	return out
}

// adSlots are the ad slot kinds (广告位类型名称) the documentation lists.
var adSlots = map[string]bool{
	"SLOT_ID_BIZ_BOTTOM": true, "SLOT_ID_BIZ_MID_CONTEXT": true, "SLOT_ID_BIZ_VIDEO_END": true,
	"SLOT_ID_BIZ_SPONSOR": true, "SLOT_ID_BIZ_CPS": true, "SLOT_ID_WEAPP_BANNER": true,
	"SLOT_ID_WEAPP_REWARD_VIDEO": true, "SLOT_ID_WEAPP_INTERSTITIAL": true, "SLOT_ID_WEAPP_VIDEO_FEEDS": true,
	"SLOT_ID_WEAPP_VIDEO_BEGIN": true, "SLOT_ID_WEAPP_BOX": true, "SLOT_ID_WEAPP_TEMPLATE": true,
	"SLOT_ID_WEAPP_COVER": true,
}

// statQuery is the query of a publisher/stat call, checked.
type statQuery struct {
	page, size int
	start, end time.Time // midnight, Beijing time
	adSlot     string
}

// parseStatQuery reads and checks page, page_size, start_date and
// end_date (and, for the ad slots, ad_slot): 1701 for a missing or
// malformed value, an end before the start or a span over maxDays (0
// for none).
func parseStatQuery(x *exchange, maxDays int, slots bool) (*statQuery, any) {
	v := x.r.URL.Query()
	var q statQuery
	var err1, err2, err3, err4 error
	q.page, err1 = strconv.Atoi(v.Get("page"))
	q.size, err2 = strconv.Atoi(v.Get("page_size"))
	q.start, err3 = time.ParseInLocation(time.DateOnly, v.Get("start_date"), beijing)
	q.end, err4 = time.ParseInLocation(time.DateOnly, v.Get("end_date"), beijing)
	switch {
	case err1 != nil || err2 != nil || q.page < 1 || q.size < 1 || q.size > maxPublisherPageSize:
		return nil, publisherFail(retBadParam, "invalid page or page_size")
	case err3 != nil || err4 != nil:
		return nil, publisherFail(retBadParam, "invalid start_date or end_date")
	case q.end.Before(q.start):
		return nil, publisherFail(retBadParam, "end_date before start_date")
	case maxDays > 0 && days(q.start, q.end) > maxDays:
		return nil, publisherFail(retBadParam, fmt.Sprintf("time span over %d days", maxDays))
	}
	q.adSlot = v.Get("ad_slot")
	if q.adSlot != "" && (!slots || !adSlots[q.adSlot]) {
		return nil, publisherFail(retBadParam, "invalid ad_slot")
	}
	return &q, nil
}

// days counts the days from start to end, both included.
func days(start, end time.Time) int {
	return int(end.Sub(start).Hours()/24+0.5) + 1
}

// dataDays are the days of the range WeChat has data for: none before
// 2016-01-01, nor from today on, by Beijing time.
func dataDays(q *statQuery, now time.Time) []time.Time {
	y, m, d := now.In(beijing).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, beijing)
	var out []time.Time
	for day := q.start; !day.After(q.end); day = day.AddDate(0, 0, 1) {
		if !day.Before(publisherFirstDay) && day.Before(today) {
			out = append(out, day)
		}
	}
	return out
}

// window returns the part [lo, hi) of n rows that page q covers. A page
// past the end is empty: its offset is not computed, since a large page
// number times the page size overflows.
func (q *statQuery) window(n int) (lo, hi int) {
	if q.page-1 > n/q.size {
		return n, n
	}
	lo = min((q.page-1)*q.size, n)
	return lo, min(lo+q.size, n)
}

// handleStat answers 流量主数据 (GET publisher/stat?action=…): the
// actions publisher_adpos_general (90 days at most),
// publisher_cps_general (60) and publisher_settlement (no limit); 45010
// for any other.
func (g *publisherAPI) handleStat(x *exchange) any {
	switch action := x.r.URL.Query().Get("action"); action {
	case "publisher_adpos_general":
		return g.adPos(x)
	case "publisher_cps_general":
		return g.cps(x)
	case "publisher_settlement":
		return g.settlement(x)
	default:
		return publisherFail(retInvalidAction, "invalid action "+strconv.Quote(action))
	}
}

// The documented example row of publisher_adpos_general.
const (
	sampleReqSucc  = 443610
	sampleExposure = 181814
	sampleClick    = 10095
	sampleIncome   = 52175
)

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// adPosCounts are the figures of publisher_adpos_general for the totals
// given; the rates are computed from them.
func adPosCounts(req, exposure, click, income int64) map[string]any {
	return map[string]any{
		"req_succ_count": req, "exposure_count": exposure, "exposure_rate": ratio(exposure, req),
		"click_count": click, "click_rate": ratio(click, exposure), "income": income,
		"ecpm": ratio(income*1000, exposure),
	}
}

// adPos answers publisher_adpos_general: a row of the documented figures
// for each day with data, of the slot asked for or the bottom slot, and
// their summary.
func (g *publisherAPI) adPos(x *exchange) any {
	q, e := parseStatQuery(x, adPosMaxDays, true)
	if e != nil {
		return e
	}
	slot := q.adSlot
	if slot == "" {
		slot = "SLOT_ID_BIZ_BOTTOM"
	}
	ds := dataDays(q, x.now)
	lo, hi := q.window(len(ds))
	list := make([]map[string]any, 0, hi-lo)
	for _, day := range ds[lo:hi] {
		row := adPosCounts(sampleReqSucc, sampleExposure, sampleClick, sampleIncome)
		row["ad_slot"], row["date"] = slot, day.Format(time.DateOnly)
		list = append(list, row)
	}
	n := int64(len(ds))
	return publisherOK(map[string]any{
		"list":      list,
		"summary":   adPosCounts(n*sampleReqSucc, n*sampleExposure, n*sampleClick, n*sampleIncome),
		"total_num": len(ds),
	})
}

// The documented example row of publisher_cps_general.
const (
	sampleCPSExposure   = 15153
	sampleCPSClick      = 396
	sampleCPSOrder      = 3
	sampleCPSFee        = 162900
	sampleCPSCommission = 25021
)

func cpsCounts(exposure, click, order, fee, commission int64) map[string]any {
	return map[string]any{
		"exposure_count": exposure, "click_count": click, "click_rate": ratio(click, exposure),
		"order_count": order, "order_rate": ratio(order, click), "total_fee": fee, "total_commission": commission,
	}
}

// cps answers publisher_cps_general: a row of the documented figures for
// each day with data, and their summary.
func (g *publisherAPI) cps(x *exchange) any {
	q, e := parseStatQuery(x, cpsMaxDays, false)
	if e != nil {
		return e
	}
	ds := dataDays(q, x.now)
	lo, hi := q.window(len(ds))
	list := make([]map[string]any, 0, hi-lo)
	for _, day := range ds[lo:hi] {
		row := cpsCounts(sampleCPSExposure, sampleCPSClick, sampleCPSOrder, sampleCPSFee, sampleCPSCommission)
		row["date"] = day.Format(time.DateOnly)
		list = append(list, row)
	}
	n := int64(len(ds))
	return publisherOK(map[string]any{
		"list":      list,
		"summary":   cpsCounts(n*sampleCPSExposure, n*sampleCPSClick, n*sampleCPSOrder, n*sampleCPSFee, n*sampleCPSCommission),
		"total_num": len(ds),
	})
}

// The documented example of publisher_settlement: the account's totals
// and one period's income, split between two slots.
const (
	sampleRevenueAll        = 5178368698
	sampleSettledRevenueAll = 2613696765
	sampleSettledRevenue    = 718926045
	sampleSlotRevenue1      = 34139443
)

// settlement answers publisher_settlement: every half-month that
// overlaps the range, up to the current one, with the documented
// income. A period still running is being settled (1), one that ended
// is settled (2), one that ended over a month ago is paid (5).
func (g *publisherAPI) settlement(x *exchange) any {
	q, e := parseStatQuery(x, 0, false)
	if e != nil {
		return e
	}
	now := x.now.In(beijing)
	var periods []map[string]any
	first := time.Date(q.start.Year(), q.start.Month(), 1, 0, 0, 0, 0, beijing)
	for month := first; !month.After(q.end) && !month.After(now); month = month.AddDate(0, 1, 0) {
		last := month.AddDate(0, 1, -1)
		for order, span := range [][2]time.Time{{month, month.AddDate(0, 0, 14)}, {month.AddDate(0, 0, 15), last}} {
			from, to := span[0], span[1]
			if to.Before(q.start) || from.After(q.end) || from.After(now) || to.Before(publisherFirstDay) {
				continue
			}
			status, updated := 1, now
			switch end := to.AddDate(0, 0, 1); {
			case end.AddDate(0, 1, 0).Before(now):
				status, updated = 5, end
			case end.Before(now):
				status, updated = 2, end
			}
			periods = append(periods, map[string]any{
				"date":            updated.Format(time.DateOnly),
				"zone":            fmt.Sprintf("%d年%d月%d日至%d日", from.Year(), int(from.Month()), from.Day(), to.Day()),
				"month":           from.Format("200601"),
				"order":           order + 1,
				"sett_status":     status,
				"settled_revenue": sampleSettledRevenue,
				"sett_no":         fmt.Sprintf("WECHATTEST%s%d", from.Format("200601"), order+1),
				"mail_send_cnt":   "0",
				"slot_revenue": []map[string]any{
					{"slot_id": "SLOT_ID_BIZ_BOTTOM", "slot_settled_revenue": sampleSlotRevenue1},
					{"slot_id": "SLOT_ID_BIZ_MID_CONTEXT", "slot_settled_revenue": sampleSettledRevenue - sampleSlotRevenue1},
				},
			})
		}
	}
	lo, hi := q.window(len(periods))
	return publisherOK(map[string]any{
		"body":                "wechattest",
		"penalty_all":         0,
		"revenue_all":         sampleRevenueAll,
		"settled_revenue_all": sampleSettledRevenueAll,
		"settlement_list":     append([]map[string]any{}, periods[lo:hi]...),
		"total_num":           len(periods),
	})
}
