package wechat

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListKFAccounts(t *testing.T) {
	ctx := context.Background()
	t.Run("doc sample", func(t *testing.T) {
		c, rec := newStubClient(t, "GET", "/cgi-bin/customservice/getkflist", fixture(t, "api/customservice_getkflist_doc.json"))
		list, err := c.ListKFAccounts(ctx)
		require.NoError(t, err)
		assertWire(t, rec.only(t), "GET", "/cgi-bin/customservice/getkflist", "")
		require.Len(t, list, 3)
		assert.Equal(t, KFAccount{
			Account:    "test1@test",
			Nickname:   "ntest1",
			ID:         "1001",
			HeadImgURL: "http://mmbiz.qpic.cn/mmbiz/4whpV1VZl2iccsvYbHvnphkyGtnvjfUS8Ym0GSaLic0FD3vN0V8PILcibEGb2fPfEOmw/0",
			WeChatID:   "kfwx1",
		}, list[0])
		assert.Equal(t, "kfwx3", list[2].InviteWeChatID)
		assert.Equal(t, int64(123456789), list[2].InviteExpireTime)
		assert.Equal(t, KFInviteWaiting, list[2].InviteStatus)
		assert.Empty(t, list[2].WeChatID)
	})
	// The current reference types invite_expire_time as a string
	// (https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_getkflist.html),
	// its older example as a number: either is read, and one account's
	// field in the other form does not fail the whole list.
	t.Run("invite_expire_time as a string", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/cgi-bin/customservice/getkflist", []byte(`{"kf_list":[{"kf_account":"test3@test","kf_nick":"ntest3",`+
			`"kf_id":"1003","kf_headimgurl":"","invite_wx":"kfwx3","invite_expire_time":"123456789","invite_status":"waiting"}]}`))
		list, err := c.ListKFAccounts(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, int64(123456789), list[0].InviteExpireTime)
		assert.Equal(t, KFInviteWaiting, list[0].InviteStatus)
	})
}

func TestOnlineKFAccountNumericID(t *testing.T) {
	// The current reference types kf_id as a number.
	c, _ := newStubClient(t, "GET", "/cgi-bin/customservice/getonlinekflist", []byte(`{"kf_online_list":[{"kf_account":"a@b","status":0,"kf_id":1003,"accepted_case":0}]}`))
	list, err := c.ListOnlineKFAccounts(context.Background())
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "1003", list[0].ID)
}

func TestKFAccountWrites(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, path, body string
		call             func(*Client) error
	}{
		{"add", "/customservice/kfaccount/add", `{"kf_account":"test1@test","nickname":"客服1"}`,
			func(c *Client) error { return c.AddKFAccount(ctx, "test1@test", "客服1") }},
		{"invite", "/customservice/kfaccount/inviteworker", `{"kf_account":"test1@test","invite_wx":"test_kfwx"}`,
			func(c *Client) error { return c.InviteKFWorker(ctx, "test1@test", "test_kfwx") }},
		{"update", "/customservice/kfaccount/update", `{"kf_account":"test1@test","nickname":"客服1"}`,
			func(c *Client) error { return c.UpdateKFAccount(ctx, "test1@test", "客服1") }},
		{"create session", "/customservice/kfsession/create", `{"kf_account":"test1@test","openid":"OPENID"}`,
			func(c *Client) error { return c.CreateKFSession(ctx, "test1@test", "OPENID") }},
		{"close session", "/customservice/kfsession/close", `{"kf_account":"test1@test","openid":"OPENID"}`,
			func(c *Client) error { return c.CloseKFSession(ctx, "test1@test", "OPENID") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", tc.path, fixture(t, "api/ok.json"))
			require.NoError(t, tc.call(c))
			assertWire(t, rec.only(t), "POST", tc.path, tc.body)
		})
		t.Run(tc.name+" error", func(t *testing.T) {
			c, _ := newStubClient(t, "POST", tc.path, fixture(t, "api/errors/65400_kf_not_enabled.json"))
			err := tc.call(c)
			assertAPIError(t, err, 65400, tc.path)
		})
	}
}

// TestKFSessions checks an errcode of the session calls; their requests
// and replies are the KFSession cases of kfEndpoints.
func TestKFSessions(t *testing.T) {
	ctx := context.Background()
	t.Run("error", func(t *testing.T) {
		c, _ := newStubClient(t, "GET", "/customservice/kfsession/getwaitcase", fixture(t, "api/errors/65400_kf_not_enabled.json"))
		_, err := c.ListKFWaitCases(ctx)
		assert.ErrorIs(t, err, &APIError{Code: 65400})
	})
}

func TestKFInvalidArguments(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
	cases := map[string]error{
		"no at":            c.AddKFAccount(ctx, "test1", "n"),
		"empty prefix":     c.AddKFAccount(ctx, "@test", "n"),
		"long prefix":      c.AddKFAccount(ctx, "abcdefghijk@test", "n"),
		"bad prefix":       c.AddKFAccount(ctx, "te-st@test", "n"),
		"empty nickname":   c.AddKFAccount(ctx, "test1@test", " "),
		"long nickname":    c.UpdateKFAccount(ctx, "test1@test", strings.Repeat("客", 17)),
		"invite empty":     c.InviteKFWorker(ctx, "test1@test", ""),
		"delete bad":       c.DeleteKFAccount(ctx, ""),
		"avatar nil":       c.UploadKFAvatar(ctx, "test1@test", "a.jpg", nil),
		"avatar no name":   c.UploadKFAvatar(ctx, "test1@test", "", strings.NewReader("x")),
		"session openid":   c.CreateKFSession(ctx, "test1@test", ""),
		"close openid":     c.CloseKFSession(ctx, "test1@test", ""),
		"session of empty": func() error { _, err := c.GetKFSession(ctx, ""); return err }(),
		"list bad account": func() error { _, err := c.ListKFSessions(ctx, "x"); return err }(),
	}
	for name, err := range cases {
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
	// Exactly 16 characters is accepted by validation.
	assert.NoError(t, checkKFNickname(strings.Repeat("客", 16)))
}

func TestKFMessageRecords(t *testing.T) {
	start := time.Unix(1464710400, 0)
	end := time.Unix(1464796800, 0)
	page2 := []byte(`{"recordlist":[{"openid":"o2","opercode":2003,"text":"c","time":1464710600,"worker":"test1@test"},{"openid":"o2","opercode":2002,"text":"d","time":1464710700,"worker":"test1@test"}],"number":2,"msgid":20165300}`)
	page3 := []byte(`{"recordlist":[{"openid":"o3","opercode":2003,"text":"e","time":1464710800,"worker":"test2@test"}],"number":1,"msgid":20165301}`)

	t.Run("three pages", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "POST", "/customservice/msgrecord/getmsglist", fixture(t, "api/customservice_msgrecord_getmsglist.json"), page2, page3)
		var texts []string
		for r, err := range c.KFMessageRecords(context.Background(), KFRecordQuery{Start: start, End: end, PageSize: 2}) {
			require.NoError(t, err)
			texts = append(texts, r.Text)
		}
		assert.Equal(t, []string{" 您好，客服test1为您服务。", "你好，有什么事情？", "c", "d", "e"}, texts)
		calls := rec.Calls()
		require.Len(t, calls, 3)
		for i, msgID := range []string{"1", "20165267", "20165300"} {
			assertWire(t, calls[i], "POST", "/customservice/msgrecord/getmsglist",
				`{"starttime":1464710400,"endtime":1464796800,"msgid":`+msgID+`,"number":2}`)
		}
	})

	t.Run("parsed record", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/customservice/msgrecord/getmsglist", fixture(t, "api/customservice_msgrecord_getmsglist.json"))
		var got []KFMessageRecord
		for r, err := range c.KFMessageRecords(context.Background(), KFRecordQuery{Start: start, End: end}) {
			require.NoError(t, err)
			got = append(got, r)
		}
		// Two records is less than a full page of 10000: one request.
		assertWire(t, rec.only(t), "POST", "/customservice/msgrecord/getmsglist",
			`{"starttime":1464710400,"endtime":1464796800,"msgid":1,"number":10000}`)
		require.Len(t, got, 2)
		assert.Equal(t, KFMessageRecord{OpenID: "oDF3iY9WMaswOPWjCIp_f3Bnpljk", OperCode: KFOperSend, Text: " 您好，客服test1为您服务。", Time: 1400563710, Worker: "test1@test"}, got[0])
		assert.Equal(t, KFOperReceive, got[1].OperCode)
	})

	t.Run("full page that does not advance", func(t *testing.T) {
		// A full page whose msgid is not past the one asked for would
		// be asked for again and again: the walk stops after it.
		c, mt := newTestClient(t)
		stuck := []byte(`{"recordlist":[{"openid":"o1","opercode":2003,"text":"a","time":1464710500,"worker":"w@test"},` +
			`{"openid":"o1","opercode":2003,"text":"b","time":1464710501,"worker":"w@test"}],"number":2,"msgid":1}`)
		rec := stubSeq(mt, "POST", "/customservice/msgrecord/getmsglist", stuck, fixture(t, "api/errors/65400_kf_not_enabled.json"))
		var texts []string
		for r, err := range c.KFMessageRecords(context.Background(), KFRecordQuery{Start: start, End: end, PageSize: 2}) {
			require.NoError(t, err)
			texts = append(texts, r.Text)
		}
		assert.Equal(t, []string{"a", "b"}, texts)
		assert.Len(t, rec.Calls(), 1)
	})

	t.Run("early break", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "POST", "/customservice/msgrecord/getmsglist", fixture(t, "api/customservice_msgrecord_getmsglist.json"), page2, page3)
		n := 0
		for _, err := range c.KFMessageRecords(context.Background(), KFRecordQuery{Start: start, End: end, PageSize: 2}) {
			require.NoError(t, err)
			n++
			if n == 3 { // first record of the second page
				break
			}
		}
		assert.Len(t, rec.Calls(), 2, "no request after the break")
	})

	t.Run("error mid-way", func(t *testing.T) {
		c, _ := newStubSeqClient(t, "POST", "/customservice/msgrecord/getmsglist", fixture(t, "api/customservice_msgrecord_getmsglist.json"), fixture(t, "api/errors/65400_kf_not_enabled.json"))
		var errs []error
		n := 0
		for _, err := range c.KFMessageRecords(context.Background(), KFRecordQuery{Start: start, End: end, PageSize: 2}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
		assert.Equal(t, 2, n)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], &APIError{Code: 65400})
	})
}

func TestKFRecordQueryValidation(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		q    KFRecordQuery
		ok   bool
	}{
		{"exactly 24h", KFRecordQuery{Start: t0, End: t0.Add(24 * time.Hour)}, true},
		{"one second", KFRecordQuery{Start: t0, End: t0.Add(time.Second)}, true},
		{"over 24h", KFRecordQuery{Start: t0, End: t0.Add(24*time.Hour + time.Second)}, false},
		{"end before start", KFRecordQuery{Start: t0, End: t0.Add(-time.Hour)}, false},
		{"empty period", KFRecordQuery{Start: t0, End: t0}, false},
		{"no start", KFRecordQuery{End: t0}, false},
		{"no end", KFRecordQuery{Start: t0}, false},
		{"page too large", KFRecordQuery{Start: t0, End: t0.Add(time.Hour), PageSize: 10001}, false},
		{"negative page", KFRecordQuery{Start: t0, End: t0.Add(time.Hour), PageSize: -1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/customservice/msgrecord/getmsglist", []byte(`{"recordlist":[],"number":0,"msgid":1}`))
			var errs []error
			for _, err := range c.KFMessageRecords(context.Background(), tc.q) {
				errs = append(errs, err)
			}
			if tc.ok {
				assert.Empty(t, errs)
				assert.Len(t, rec.Calls(), 1)
				return
			}
			require.Len(t, errs, 1)
			assert.True(t, errors.Is(errs[0], ErrInvalidArgument), "%v", errs[0])
			assert.Empty(t, rec.Calls(), "no request for an invalid query")
		})
	}
}

func kfEndpoints() map[endpoint.ID]endpointCase {
	const account = "test1@test"
	badAccount := "te-st@test"
	session := func(call func(c *Client, ctx context.Context, account, openID string) error) func(ctx context.Context, c *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return nil, call(c, ctx, account, "OPENID") }
	}
	return map[endpoint.ID]endpointCase{
		endpoint.KFList: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListKFAccounts(ctx) },
			reply: "api/customservice_getkflist.json",
			want: []KFAccount{
				{Account: "test1@test", Nickname: "test1", ID: "1001"},
				{Account: "test2@test", Nickname: "test2", ID: "1002"},
			},
			noArgs: true,
		},
		endpoint.KFOnlineList: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListOnlineKFAccounts(ctx) },
			reply: "api/customservice_getonlinekflist.json",
			want: []OnlineKFAccount{
				{Account: "test1@test", Status: 1, ID: "1001", AcceptedCases: 1},
				{Account: "test2@test", Status: 1, ID: "1002", AcceptedCases: 2},
			},
			noArgs: true,
		},
		endpoint.KFAccountAdd: execCase(`{"kf_account":"test1@test","nickname":"客服1"}`,
			func(ctx context.Context, c *Client) error { return c.AddKFAccount(ctx, account, "客服1") },
			func(ctx context.Context, c *Client) error { return c.AddKFAccount(ctx, badAccount, "客服1") }),
		endpoint.KFAccountInvite: execCase(`{"kf_account":"test1@test","invite_wx":"test_kfwx"}`,
			func(ctx context.Context, c *Client) error { return c.InviteKFWorker(ctx, account, "test_kfwx") },
			func(ctx context.Context, c *Client) error { return c.InviteKFWorker(ctx, account, "") }),
		endpoint.KFAccountUpdate: execCase(`{"kf_account":"test1@test","nickname":"客服1"}`,
			func(ctx context.Context, c *Client) error { return c.UpdateKFAccount(ctx, account, "客服1") },
			func(ctx context.Context, c *Client) error {
				return c.UpdateKFAccount(ctx, account, strings.Repeat("客", 17))
			}),
		endpoint.KFAccountDel: {
			// The account in the body (current reference) and the
			// query (earlier one).
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteKFAccount(ctx, account) },
			query:   url.Values{"kf_account": {account}},
			body:    `{"kf_account":"test1@test"}`,
			reply:   "api/ok.json",
			invalid: func(ctx context.Context, c *Client) error { return c.DeleteKFAccount(ctx, "") },
		},
		endpoint.KFAccountAvatar: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UploadKFAvatar(ctx, account, "avatar.jpg", strings.NewReader("JPEG"))
			},
			query:   url.Values{"kf_account": {account}},
			form:    &wantForm{field: "media", filename: "avatar.jpg", data: "JPEG"},
			reply:   "api/ok.json",
			invalid: func(ctx context.Context, c *Client) error { return c.UploadKFAvatar(ctx, account, "a.jpg", nil) },
		},
		endpoint.KFSessionCreate: {
			call:    session((*Client).CreateKFSession),
			body:    `{"kf_account":"test1@test","openid":"OPENID"}`,
			reply:   "api/ok.json",
			invalid: func(ctx context.Context, c *Client) error { return c.CreateKFSession(ctx, account, "") },
		},
		endpoint.KFSessionClose: {
			call:    session((*Client).CloseKFSession),
			body:    `{"kf_account":"test1@test","openid":"OPENID"}`,
			reply:   "api/ok.json",
			invalid: func(ctx context.Context, c *Client) error { return c.CloseKFSession(ctx, account, "") },
		},
		endpoint.KFSessionGet: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetKFSession(ctx, "OPENID") },
			query:   url.Values{"openid": {"OPENID"}},
			reply:   "api/customservice_kfsession_getsession.json",
			want:    &KFSession{Account: "test1@test", OpenID: "OPENID", CreateTime: 123456789},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetKFSession(ctx, ""); return err },
		},
		endpoint.KFSessionList: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.ListKFSessions(ctx, account) },
			query:   url.Values{"kf_account": {account}},
			reply:   "api/customservice_kfsession_getsessionlist.json",
			want:    []KFSession{{Account: "test1@test", OpenID: "OPENID", CreateTime: 123456789}},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.ListKFSessions(ctx, "x"); return err },
		},
		endpoint.KFSessionWaiting: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListKFWaitCases(ctx) },
			reply:  "api/customservice_kfsession_getwaitcase.json",
			want:   &KFWaitCases{Count: 150, Cases: []KFWaitCase{{OpenID: "OPENID", LatestTime: 123456789}}},
			noArgs: true,
		},
		endpoint.KFMsgRecords: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return firstItem(c.KFMessageRecords(ctx, KFRecordQuery{Start: time.Unix(1464710400, 0), End: time.Unix(1464796800, 0)}))
			},
			body:  `{"starttime":1464710400,"endtime":1464796800,"msgid":1,"number":10000}`,
			reply: "api/customservice_msgrecord_getmsglist.json",
			want:  KFMessageRecord{OpenID: "oDF3iY9WMaswOPWjCIp_f3Bnpljk", OperCode: KFOperSend, Text: " 您好，客服test1为您服务。", Time: 1400563710, Worker: "test1@test"},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := firstItem(c.KFMessageRecords(ctx, KFRecordQuery{Start: time.Unix(1464710400, 0)}))
				return err
			},
		},
	}
}
