package wechattest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publishOne publishes a one-article draft with comments open and
// returns the msg_data_id of the publication.
func (a *api) publishOne() string {
	a.t.Helper()
	thumb := a.cover()
	id := mediaID(a.t, a.post("/cgi-bin/draft/add", `{"articles":[{"title":"T","content":"C","thumb_media_id":"`+thumb+`","need_open_comment":1}]}`))
	r := a.post("/cgi-bin/freepublish/submit", `{"media_id":"`+id+`"}`)
	var sub struct {
		MsgDataID string `json:"msg_data_id"`
	}
	r.decode(a.t, &sub)
	require.NotEmpty(a.t, sub.MsgDataID)
	return sub.MsgDataID
}

func TestCommentWire(t *testing.T) {
	srv, a := startAPI(t)
	msgDataID := a.publishOne()
	id, err := srv.AddComment(msgDataID, 0, "", "first")
	require.NoError(t, err)

	// msg_data_id, index and user_comment_id are taken as numbers or
	// numbers in strings, as developers send them; index defaults to 0.
	a.ok(a.post("/cgi-bin/comment/markelect", `{"msg_data_id":`+msgDataID+`,"user_comment_id":`+jsonNumber(id)+`}`))
	a.ok(a.post("/cgi-bin/comment/unmarkelect", `{"msg_data_id":"`+msgDataID+`","index":"0","user_comment_id":"`+jsonNumber(id)+`"}`))

	r := a.post("/cgi-bin/comment/list", `{"msg_data_id":`+msgDataID+`,"index":0,"begin":0,"count":49,"type":0}`)
	assert.JSONEq(t, `{"errcode":0,"errmsg":"ok","total":1,"comment":[{"user_comment_id":1,"create_time":`+
		jsonNumber(createTime(t, r))+`,"content":"first","comment_type":0}]}`, string(r.Body), "no openid for a reader without one")

	// A count out of range has the page's own code; other bad arguments
	// get 40097.
	for _, body := range []string{
		`{"msg_data_id":` + msgDataID + `,"begin":0,"count":50,"type":0}`, // 50 or more is refused
		`{"msg_data_id":` + msgDataID + `,"begin":0,"count":0,"type":0}`,
		`{"msg_data_id":` + msgDataID + `,"begin":0,"count":-1,"type":0}`,
	} {
		fails(t, a.post("/cgi-bin/comment/list", body), 88010, "count range error. cout <= 0 or count > 50")
	}
	for _, body := range []string{
		`{"msg_data_id":` + msgDataID + `,"begin":0,"type":0}`,
		`{"msg_data_id":` + msgDataID + `,"begin":-1,"count":10,"type":0}`,
		`{"msg_data_id":` + msgDataID + `,"begin":0,"count":10,"type":3}`,
	} {
		fails(t, a.post("/cgi-bin/comment/list", body), 40097, "invalid args")
	}
	fails(t, a.post("/cgi-bin/comment/open", `{"msg_data_id":"8cC5wmmVPNVLd","index":0}`), 88001, "msg_data is not exists")
	fails(t, a.post("/cgi-bin/comment/open", `{"msg_data_id":`+msgDataID+`,"index":1}`), 88001, "msg_data is not exists")
	fails(t, a.post("/cgi-bin/comment/delete", `{"msg_data_id":`+msgDataID+`,"index":0,"user_comment_id":2}`), 88008, "comment is not exists")
	fails(t, a.post("/cgi-bin/comment/reply/add", `{"msg_data_id":`+msgDataID+`,"index":0,"user_comment_id":1,"content":" "}`), 88007, "reply content beyond max len or content len is zero")
	a.ok(a.post("/cgi-bin/comment/reply/add", `{"msg_data_id":`+msgDataID+`,"index":0,"user_comment_id":1,"content":"thanks"}`))
	fails(t, a.post("/cgi-bin/comment/reply/add", `{"msg_data_id":`+msgDataID+`,"index":0,"user_comment_id":1,"content":"again"}`), 88005, "already reply")
	fails(t, a.post("/cgi-bin/comment/open", ``), 44002, "")
}

// createTime is the create_time of the first comment of a list reply.
func createTime(t *testing.T, r reply) int64 {
	t.Helper()
	var l struct {
		Comment []struct {
			CreateTime int64 `json:"create_time"`
		} `json:"comment"`
	}
	r.decode(t, &l)
	require.NotEmpty(t, l.Comment)
	return l.Comment[0].CreateTime
}
