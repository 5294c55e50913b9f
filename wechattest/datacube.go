package wechattest

import (
	"encoding/json"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// statsAPI answers the statistics APIs (数据统计, datacube) with the
// documented sample figures: the fake has no real traffic to count.
type statsAPI struct {
	group
}

// datacubeSpan is how one statistics API reports: the most days it
// serves per call (最大时间跨度) and whether its rows are days, weeks
// (dated by their Monday) or months (dated by their first day).
type datacubeSpan struct {
	id      endpoint.ID
	maxDays int
	per     period
	sample  string // one row of the documented example, without ref_date
}

type period int

const (
	perDay period = iota
	perWeek
	perMonth
)

// datacubeFirstDay is the first day WeChat keeps statistics for.
var datacubeFirstDay = time.Date(2014, 12, 1, 0, 0, 0, 0, time.UTC)

// datacubeSpans lists every statistics API with its span, as the
// official tables of 最大时间跨度 give them, and a row of the example on
// its documentation page (testdata/api/datacube_*.json; the week and
// month APIs document the shape of their daily API).
var datacubeSpans = []datacubeSpan{
	{endpoint.UserSummary, 7, perDay, `{"user_source":0,"new_user":0,"cancel_user":0}`},
	{endpoint.UserCumulate, 7, perDay, `{"cumulate_user":1217056}`},
	{endpoint.ArticleSummary, 1, perDay, `{"msgid":"10000050_1","title":"12月27日 DiLi日报","int_page_read_user":23676,"int_page_read_count":25615,"ori_page_read_user":29,"ori_page_read_count":34,"share_user":122,"share_count":994,"add_to_fav_user":1,"add_to_fav_count":3}`},
	{endpoint.ArticleTotal, 1, perDay, `{"msgid":"202457380_1","title":"马航丢画记","details":[{"stat_date":"","target_user":261917,"int_page_read_user":23676,"int_page_read_count":25615,"ori_page_read_user":29,"ori_page_read_count":34,"share_user":122,"share_count":994,"add_to_fav_user":1,"add_to_fav_count":3,"int_page_from_session_read_user":657283,"int_page_from_session_read_count":753486,"int_page_from_hist_msg_read_user":1669,"int_page_from_hist_msg_read_count":1920,"int_page_from_feed_read_user":367308,"int_page_from_feed_read_count":433422,"int_page_from_friends_read_user":15428,"int_page_from_friends_read_count":19645,"int_page_from_other_read_user":477,"int_page_from_other_read_count":703,"feed_share_from_session_user":63925,"feed_share_from_session_cnt":66489,"feed_share_from_feed_user":18249,"feed_share_from_feed_cnt":19319,"feed_share_from_other_user":0,"feed_share_from_other_cnt":0}]}`},
	{endpoint.UserRead, 3, perDay, `{"int_page_read_user":45524,"int_page_read_count":48796,"ori_page_read_user":11,"ori_page_read_count":35,"share_user":11,"share_count":276,"add_to_fav_user":5,"add_to_fav_count":15}`},
	{endpoint.UserReadHour, 1, perDay, `{"ref_hour":1200,"int_page_read_user":0,"int_page_read_count":0,"ori_page_read_user":4,"ori_page_read_count":25517,"share_user":4,"share_count":96,"add_to_fav_user":1,"add_to_fav_count":3}`},
	{endpoint.UserShare, 7, perDay, `{"share_scene":1,"share_count":207,"share_user":11}`},
	{endpoint.UserShareHour, 1, perDay, `{"ref_hour":1200,"share_scene":1,"share_count":72,"share_user":4}`},
	{endpoint.UpstreamMsg, 7, perDay, `{"msg_type":1,"msg_user":282,"msg_count":817}`},
	{endpoint.UpstreamMsgHour, 1, perDay, `{"ref_hour":0,"msg_type":1,"msg_user":9,"msg_count":10}`},
	{endpoint.UpstreamMsgWeek, 30, perWeek, `{"msg_type":1,"msg_user":282,"msg_count":817}`},
	{endpoint.UpstreamMsgMonth, 30, perMonth, `{"msg_type":1,"msg_user":282,"msg_count":817}`},
	{endpoint.UpstreamMsgDist, 15, perDay, `{"count_interval":1,"msg_user":246}`},
	{endpoint.UpstreamMsgDistWeek, 30, perWeek, `{"count_interval":1,"msg_user":246}`},
	{endpoint.UpstreamMsgDistMonth, 30, perMonth, `{"count_interval":1,"msg_user":246}`},
	{endpoint.InterfaceSummary, 30, perDay, `{"callback_count":36974,"fail_count":67,"total_time_cost":14994291,"max_time_cost":5044}`},
	{endpoint.InterfaceSummaryHour, 1, perDay, `{"ref_hour":0,"callback_count":331,"fail_count":18,"total_time_cost":167870,"max_time_cost":5042}`},
}

func (g *statsAPI) routes() []route {
	var rs []route
	for _, sp := range datacubeSpans {
		rs = append(rs, g.route(sp.id, decoding(sp.handle)))
	}
	return rs
}

// datacubeRequest is the body of the statistics APIs.
type datacubeRequest struct {
	Begin string `json:"begin_date"`
	End   string `json:"end_date"`
}

// handle answers a statistics API (POST, {"begin_date","end_date"} as
// "2006-01-02") with {"list":[...]}: one row of the documented example
// per day, week or month of the range, dated by ref_date. 61500 for a
// date that is not a day, 61501 for a range that ends before it begins,
// spans more days than the API serves, starts before 2014-12-01 or ends
// after yesterday by Beijing time on the server's clock.
func (sp datacubeSpan) handle(x *exchange, req datacubeRequest) any {
	begin, err1 := time.Parse(time.DateOnly, req.Begin)
	end, err2 := time.Parse(time.DateOnly, req.End)
	if err1 != nil || err2 != nil {
		return fail(61500)
	}
	y, m, d := x.now.In(beijing).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	days := int(end.Sub(begin).Hours()/24) + 1
	if days < 1 || days > sp.maxDays || begin.Before(datacubeFirstDay) || !end.Before(today) {
		return fail(61501)
	}
	list := []json.RawMessage{}
	for day := begin; !day.After(end); day = day.AddDate(0, 0, 1) {
		switch {
		case sp.per == perWeek && day.Weekday() != time.Monday,
			sp.per == perMonth && day.Day() != 1:
			continue
		}
		list = append(list, sp.row(day.Format(time.DateOnly)))
	}
	return map[string]any{"list": list}
}

// row is the sample row dated ref_date (and, for getarticletotal, its
// details dated the same day).
func (sp datacubeSpan) row(date string) json.RawMessage {
	var row map[string]json.RawMessage
	_ = json.Unmarshal([]byte(sp.sample), &row)
	row["ref_date"] = marshal(date)
	if raw, ok := row["details"]; ok {
		var details []map[string]json.RawMessage
		_ = json.Unmarshal(raw, &details)
		for _, d := range details {
			d["stat_date"] = marshal(date)
		}
		row["details"] = marshal(details)
	}
	return marshal(row)
}
