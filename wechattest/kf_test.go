package wechattest_test

import (
	"strconv"
	"testing"
)

// customservice/msgrecord/getmsglist serves at most 24 hours per query
// (65417 beyond). The span was converted to a time.Duration, which
// overflows for a span of about 585 years and more and wrapped round to
// a small one, so a query that WeChat refuses was answered.
func TestKFRecordsSpanOverflow(t *testing.T) {
	_, a := startAPI(t)
	// 18446744074 s is 2^64 ns and a little more: as a Duration it wraps
	// round to under a second.
	const start = 1
	end := strconv.FormatInt(start+18446744074, 10)
	fails(t, a.post("/customservice/msgrecord/getmsglist",
		`{"starttime":`+strconv.Itoa(start)+`,"endtime":`+end+`,"msgid":1,"number":10}`), 65417, "")
	fails(t, a.post("/customservice/msgrecord/getmsglist",
		`{"starttime":1700000000,"endtime":1700086401,"msgid":1,"number":10}`), 65417, "")
}
