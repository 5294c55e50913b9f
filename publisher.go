package wechat

import (
	"context"
	"iter"
	"math"
	"strconv"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Publisher statistics (流量主数据): the ad figures and income of an account
// that shows ads in its articles (流量主), as the website's 流量主 → 数据统计
// and 财务管理 pages show them. Every report is one GET of publisher/stat,
// named by its action, over an inclusive range of days, by pages of at
// most 90 rows. WeChat keeps the data from 2016-01-01 on; the methods
// check the dates and the report's longest span (最大时间跨度) before
// sending anything. Amounts are in fen (分).
//
// The statistics service reports its errors in base_resp.ret rather than
// errcode; they surface as an *APIError all the same, CodeNotPublisher
// for an account that has not joined the programme.

// AdSlot is a kind of ad slot (广告位类型名称, ad_slot).
type AdSlot string

// Ad slots of an official account. The statistics can name the Mini
// Program slots too (SLOT_ID_WEAPP_BANNER, …), which are left as they
// come.
const (
	AdSlotBizBottom     AdSlot = "SLOT_ID_BIZ_BOTTOM"      // 底部广告: at the end of an article
	AdSlotBizMidContext AdSlot = "SLOT_ID_BIZ_MID_CONTEXT" // 文中广告: inside an article
	AdSlotBizVideoEnd   AdSlot = "SLOT_ID_BIZ_VIDEO_END"   // 视频后贴: after a video
	AdSlotBizSponsor    AdSlot = "SLOT_ID_BIZ_SPONSOR"     // 互选广告: sponsored content
	AdSlotBizCPS        AdSlot = "SLOT_ID_BIZ_CPS"         // 返佣商品: products on commission
)

// Documented limits of publisher/stat.
const (
	// MaxPublisherPageSize is the most rows a page holds (每页最大获取量).
	MaxPublisherPageSize = 90
)

// publisherFirstDay is the first day WeChat keeps publisher data for;
// anything earlier is, in its words, untrustworthy.
var publisherFirstDay = Date{2016, 1, 1}

// PublisherQuery selects the rows of a publisher report.
type PublisherQuery struct {
	// Start and End are the first and last day, inclusive, in Beijing
	// time.
	Start, End Date
	// AdSlot limits ListAdSlotStats to one kind of slot; empty is every
	// kind. The other reports take none.
	AdSlot AdSlot
	// Page is the page to fetch, from 1; zero is 1. The iterators start
	// there.
	Page int
	// PageSize is the number of rows a page holds, at most
	// MaxPublisherPageSize; zero is that.
	PageSize int
}

// publisherReport is one action of publisher/stat.
type publisherReport struct {
	action  string
	maxDays int // 最大时间跨度; math.MaxInt when WeChat sets none
	slot    bool
}

var (
	adPosReport      = publisherReport{"publisher_adpos_general", 90, true}
	cpsReport        = publisherReport{"publisher_cps_general", 60, false}
	settlementReport = publisherReport{"publisher_settlement", math.MaxInt, false}
)

// pages returns the page and page size q asks for.
func (q PublisherQuery) pages() (page, size int) {
	page, size = q.Page, q.PageSize
	if page == 0 {
		page = 1
	}
	if size == 0 {
		size = MaxPublisherPageSize
	}
	return page, size
}

// params checks q for the report and returns the query of its call.
func (q PublisherQuery) params(r publisherReport) (query, error) {
	if err := checkRange(endpoint.PublisherStat, r.maxDays, q.Start, q.End); err != nil {
		return nil, err
	}
	if q.Start.midnight().Before(publisherFirstDay.midnight()) {
		return nil, invalidArg("%s: start date %s is before %s, the first day WeChat keeps", r.action, q.Start, publisherFirstDay)
	}
	if q.AdSlot != "" && !r.slot {
		return nil, invalidArg("%s takes no ad slot", r.action)
	}
	page, size := q.pages()
	switch {
	case page < 1:
		return nil, invalidArg("page %d is not positive", page)
	case size < 1 || size > MaxPublisherPageSize:
		return nil, invalidArg("page size %d is not between 1 and %d", size, MaxPublisherPageSize)
	}
	return query{
		{"action", r.action},
		{"page", strconv.Itoa(page)},
		{"page_size", strconv.Itoa(size)},
		{"start_date", q.Start.String()},
		{"end_date", q.End.String()},
		{"ad_slot", string(q.AdSlot)},
	}, nil
}

// publisherCall sends the report r for q and decodes its reply into R.
func publisherCall[R any](ctx context.Context, c *Client, r publisherReport, q PublisherQuery) (*R, error) {
	params, err := q.params(r)
	if err != nil {
		return nil, err
	}
	return call[R](ctx, c, endpoint.PublisherStat, params, nil)
}

// nextPage is the page after page of size rows out of total, 0 after the
// last.
func nextPage(page, size, rows, total int) int {
	if rows == 0 || page*size >= total {
		return 0
	}
	return page + 1
}

// publisherPages iterates over the rows of a report, page by page from
// q.Page, with list fetching one page.
func publisherPages[T any, P interface{ rows() ([]T, int) }](ctx context.Context, q PublisherQuery, list func(context.Context, PublisherQuery) (P, error)) iter.Seq2[T, error] {
	first, _ := q.pages()
	return paginate(ctx, first, func(ctx context.Context, page int) ([]T, int, bool, error) {
		q.Page = page
		p, err := list(ctx, q)
		if err != nil {
			return nil, 0, false, err
		}
		rows, next := p.rows()
		return rows, next, next != 0, nil
	})
}

// Ad slot figures (publisher_adpos_general).

// AdSlotCounts are the figures of ad slots over a day or a range.
type AdSlotCounts struct {
	// ReqSuccCount is the number of ads pulled (拉取量).
	ReqSuccCount int64 `json:"req_succ_count"`
	// ExposureCount is the number of ads shown (曝光量).
	ExposureCount int64 `json:"exposure_count"`
	// ExposureRate is ExposureCount over ReqSuccCount, as a fraction.
	ExposureRate float64 `json:"exposure_rate"`
	ClickCount   int64   `json:"click_count"`
	// ClickRate is ClickCount over ExposureCount, as a fraction.
	ClickRate float64 `json:"click_rate"`
	// Income is the account's income, in fen.
	Income int64 `json:"income"`
	// ECPM is the income per thousand ads shown, in fen.
	ECPM float64 `json:"ecpm"`
}

// AdSlotStat is the figures of one kind of slot on one day.
type AdSlotStat struct {
	// SlotID is WeChat's numeric id of the slot kind, the older name of
	// AdSlot.
	SlotID int64
	AdSlot AdSlot
	Date   Date
	AdSlotCounts
}

// AdSlotStatsPage is one page of ListAdSlotStats.
type AdSlotStatsPage struct {
	Stats []AdSlotStat
	// Summary totals the whole range; nil when WeChat sends none, as
	// developers report it sometimes does.
	Summary *AdSlotCounts
	// Total is the number of rows of the range, on every page.
	Total int
	// NextPage is the number of the following page, 0 on the last.
	NextPage int
}

// rows returns the rows of p and the next page, for publisherPages.
func (p *AdSlotStatsPage) rows() ([]AdSlotStat, int) { return p.Stats, p.NextPage }

// ListAdSlotStats returns one page of the daily figures of each kind of
// ad slot (获取公众号分广告位数据, [publisher/stat] action
// publisher_adpos_general), over at most 90 days. AdSlotStats walks
// every page.
//
// [publisher/stat]: https://developers.weixin.qq.com/doc/service/guide/product/analysis_data/ad/Ad_Analysis.html
func (c *Client) ListAdSlotStats(ctx context.Context, q PublisherQuery) (*AdSlotStatsPage, error) {
	r, err := publisherCall[struct {
		List []struct {
			SlotID lenient.Int `json:"slot_id"`
			AdSlot AdSlot      `json:"ad_slot"`
			Date   Date        `json:"date"`
			AdSlotCounts
		} `json:"list"`
		Summary  *AdSlotCounts `json:"summary"`
		TotalNum lenient.Int   `json:"total_num"`
	}](ctx, c, adPosReport, q)
	if err != nil {
		return nil, err
	}
	page, size := q.pages()
	p := &AdSlotStatsPage{Stats: make([]AdSlotStat, len(r.List)), Summary: r.Summary, Total: int(r.TotalNum)}
	for i, w := range r.List {
		p.Stats[i] = AdSlotStat{SlotID: int64(w.SlotID), AdSlot: w.AdSlot, Date: w.Date, AdSlotCounts: w.AdSlotCounts}
	}
	p.NextPage = nextPage(page, size, len(r.List), p.Total)
	return p, nil
}

// AdSlotStats iterates over the daily figures of each kind of ad slot
// (publisher_adpos_general), fetching the pages of q from q.Page on as
// the loop advances. The iterator stops at the first error, which it
// yields.
//
// WeChat documents it at [publisher/stat].
//
// [publisher/stat]: https://developers.weixin.qq.com/doc/service/guide/product/analysis_data/ad/Ad_Analysis.html
func (c *Client) AdSlotStats(ctx context.Context, q PublisherQuery) iter.Seq2[AdSlotStat, error] {
	return publisherPages[AdSlotStat](ctx, q, c.ListAdSlotStats)
}

// Products on commission (publisher_cps_general).

// CPSCounts are the figures of the products on commission (返佣商品) over a
// day or a range.
type CPSCounts struct {
	ExposureCount int64 `json:"exposure_count"`
	ClickCount    int64 `json:"click_count"`
	// ClickRate is as WeChat computes it; its sample is a percentage.
	ClickRate  float64 `json:"click_rate"`
	OrderCount int64   `json:"order_count"`
	// OrderRate is OrderCount over ClickCount, as a fraction.
	OrderRate float64 `json:"order_rate"`
	// TotalFee is the value of the orders, in fen.
	TotalFee int64 `json:"total_fee"`
	// TotalCommission is the account's commission, in fen.
	TotalCommission int64 `json:"total_commission"`
}

// CPSStat is the figures of the products on commission on one day.
type CPSStat struct {
	Date Date `json:"date"`
	CPSCounts
}

// CPSStatsPage is one page of ListCPSStats.
type CPSStatsPage struct {
	Stats []CPSStat
	// Summary totals the whole range; nil when WeChat sends none.
	Summary *CPSCounts
	// Total is the number of rows of the range.
	Total int
	// NextPage is the number of the following page, 0 on the last.
	NextPage int
}

// rows returns the rows of p and the next page, for publisherPages.
func (p *CPSStatsPage) rows() ([]CPSStat, int) { return p.Stats, p.NextPage }

// ListCPSStats returns one page of the daily figures of the products on
// commission (获取公众号返佣商品数据, [publisher/stat] action
// publisher_cps_general), over at most 60 days. CPSStats walks every
// page.
//
// [publisher/stat]: https://developers.weixin.qq.com/doc/service/guide/product/analysis_data/ad/Ad_Analysis.html
func (c *Client) ListCPSStats(ctx context.Context, q PublisherQuery) (*CPSStatsPage, error) {
	r, err := publisherCall[struct {
		List     []CPSStat   `json:"list"`
		Summary  *CPSCounts  `json:"summary"`
		TotalNum lenient.Int `json:"total_num"`
	}](ctx, c, cpsReport, q)
	if err != nil {
		return nil, err
	}
	page, size := q.pages()
	p := &CPSStatsPage{Stats: r.List, Summary: r.Summary, Total: int(r.TotalNum)}
	if p.Stats == nil {
		p.Stats = []CPSStat{}
	}
	p.NextPage = nextPage(page, size, len(r.List), p.Total)
	return p, nil
}

// CPSStats iterates over the daily figures of the products on commission
// (publisher_cps_general), fetching the pages of q from q.Page on as the
// loop advances. The iterator stops at the first error, which it yields.
//
// WeChat documents it at [publisher/stat].
//
// [publisher/stat]: https://developers.weixin.qq.com/doc/service/guide/product/analysis_data/ad/Ad_Analysis.html
func (c *Client) CPSStats(ctx context.Context, q PublisherQuery) iter.Seq2[CPSStat, error] {
	return publisherPages[CPSStat](ctx, q, c.ListCPSStats)
}

// Settlements (publisher_settlement).

// SettlementStatus is the state of a settlement (结算状态).
type SettlementStatus int

// Settlement states. WeChat documents 3 as settled too; Settled covers
// both.
const (
	SettlementInProgress SettlementStatus = 1 // 结算中
	SettlementSettled    SettlementStatus = 2 // 已结算 (or 3)
	SettlementPaying     SettlementStatus = 4 // 付款中
	SettlementPaid       SettlementStatus = 5 // 已付款
)

// Settled reports whether the period's income is settled, being paid or
// paid.
func (s SettlementStatus) Settled() bool { return s >= SettlementSettled && s <= SettlementPaid }

// SlotRevenue is the settled income of one kind of slot in a period.
type SlotRevenue struct {
	AdSlot AdSlot `json:"slot_id"`
	// SettledRevenue is in fen.
	SettledRevenue int64 `json:"slot_settled_revenue"`
}

// Settlement is the income of one half-month (结算区间).
type Settlement struct {
	// Date is when WeChat last updated the figures.
	Date Date
	// Zone is the period as WeChat writes it, such as
	// "2020年3月1日至15日".
	Zone string
	// Month is the month of the income, such as "202003".
	Month string
	// SecondHalf reports the second half of the month (order 2); the
	// first half is order 1.
	SecondHalf bool
	Status     SettlementStatus
	// SettledRevenue is the income of the period, in fen.
	SettledRevenue int64
	// SettlementNo is the number of the statement (结算单编号).
	SettlementNo string
	// MailSendCount is how many times the statement was asked to be
	// sent again (申请补发结算单次数).
	MailSendCount int
	SlotRevenue   []SlotRevenue
}

// SettlementPage is one page of ListSettlements.
type SettlementPage struct {
	// Body is the name of the party paid (主体名称).
	Body string
	// RevenueAll, PenaltyAll and SettledRevenueAll are the account's
	// income so far, the deductions and the part settled, in fen.
	RevenueAll        int64
	PenaltyAll        int64
	SettledRevenueAll int64
	Settlements       []Settlement
	// Total is the number of periods of the range.
	Total int
	// NextPage is the number of the following page, 0 on the last.
	NextPage int
}

// rows returns the rows of p and the next page, for publisherPages.
func (p *SettlementPage) rows() ([]Settlement, int) { return p.Settlements, p.NextPage }

// ListSettlements returns one page of the half-month settlements that
// overlap the range, with the account's totals (获取公众号结算收入数据及结算主体信息,
// [publisher/stat] action publisher_settlement): 2 to 26 March covers the
// two halves of February and of March. The range has no longest span.
// Settlements walks every page.
//
// [publisher/stat]: https://developers.weixin.qq.com/doc/service/guide/product/analysis_data/ad/Ad_Analysis.html
func (c *Client) ListSettlements(ctx context.Context, q PublisherQuery) (*SettlementPage, error) {
	r, err := publisherCall[struct {
		Body              string      `json:"body"`
		PenaltyAll        lenient.Int `json:"penalty_all"`
		RevenueAll        lenient.Int `json:"revenue_all"`
		SettledRevenueAll lenient.Int `json:"settled_revenue_all"`
		SettlementList    []struct {
			Date           Date           `json:"date"`
			Zone           string         `json:"zone"`
			Month          lenient.String `json:"month"`
			Order          lenient.Int    `json:"order"`
			SettStatus     lenient.Int    `json:"sett_status"`
			SettledRevenue lenient.Int    `json:"settled_revenue"`
			SettNo         lenient.String `json:"sett_no"`
			MailSendCnt    lenient.Int    `json:"mail_send_cnt"`
			SlotRevenue    []SlotRevenue  `json:"slot_revenue"`
		} `json:"settlement_list"`
		TotalNum lenient.Int `json:"total_num"`
	}](ctx, c, settlementReport, q)
	if err != nil {
		return nil, err
	}
	page, size := q.pages()
	p := &SettlementPage{
		Body: r.Body, RevenueAll: int64(r.RevenueAll), PenaltyAll: int64(r.PenaltyAll), SettledRevenueAll: int64(r.SettledRevenueAll),
		Settlements: make([]Settlement, len(r.SettlementList)), Total: int(r.TotalNum),
	}
	for i, w := range r.SettlementList {
		p.Settlements[i] = Settlement{
			Date: w.Date, Zone: w.Zone, Month: string(w.Month), SecondHalf: w.Order == 2,
			Status: SettlementStatus(w.SettStatus), SettledRevenue: int64(w.SettledRevenue),
			SettlementNo: string(w.SettNo), MailSendCount: int(w.MailSendCnt), SlotRevenue: w.SlotRevenue,
		}
	}
	p.NextPage = nextPage(page, size, len(r.SettlementList), p.Total)
	return p, nil
}

// Settlements iterates over the half-month settlements that overlap the
// range (publisher_settlement), fetching the pages of q from q.Page on
// as the loop advances. The iterator stops at the first error, which it
// yields.
//
// WeChat documents it at [publisher/stat].
//
// [publisher/stat]: https://developers.weixin.qq.com/doc/service/guide/product/analysis_data/ad/Ad_Analysis.html
func (c *Client) Settlements(ctx context.Context, q PublisherQuery) iter.Seq2[Settlement, error] {
	return publisherPages[Settlement](ctx, q, c.ListSettlements)
}
