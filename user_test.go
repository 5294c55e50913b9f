package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func manyOpenIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return ids
}

func TestGetUserInfo(t *testing.T) {
	legacy := string(fixture(t, "api/user_info_legacy.json"))
	sexAsString := strings.Replace(legacy, `"sex": 1,`, `"sex": "1",`, 1)
	require.NotEqual(t, legacy, sexAsString)

	tests := []struct {
		name      string
		reply     []byte
		lang      Lang
		wantQuery string
		want      UserInfo
	}{
		{
			name:  "legacy reply with profile fields",
			reply: []byte(legacy),
			want:  legacyUserInfo,
		},
		{
			name:  "sex as a string",
			reply: []byte(sexAsString),
			lang:  LangEn, wantQuery: "en",
			want: legacyUserInfo,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "GET", "/cgi-bin/user/info", tt.reply)
			got, err := c.GetUserInfo(context.Background(), "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", tt.lang)
			require.NoError(t, err)

			w := rec.only(t)
			assertWire(t, w, "GET", "/cgi-bin/user/info", "")
			assert.Equal(t, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", w.Query.Get("openid"))
			assert.Equal(t, tt.wantQuery, w.Query.Get("lang"))
			assert.Equal(t, tt.wantQuery != "", w.Query.Has("lang"), "lang sent only when given")

			assert.True(t, tt.want.SubscribeTime.Equal(got.SubscribeTime))
			got.SubscribeTime = tt.want.SubscribeTime
			assert.Equal(t, tt.want, *got)
		})
	}
}

var legacyUserInfo = UserInfo{
	Subscribed:    true,
	OpenID:        "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
	Nickname:      "Band",
	Sex:           1,
	Language:      "zh_CN",
	City:          "广州",
	Province:      "广东",
	Country:       "中国",
	HeadImgURL:    "http://wx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/0",
	SubscribeTime: time.Unix(1382694957, 0),
	UnionID:       "o6_bmasdasdsad6_2sgVt7hMZOPfL",
}

func TestBatchGetUserInfo(t *testing.T) {
	ids := []string{"otvxTs4dckWG7imySrJd6jSi0CWE", "otvxTs_JZ6SEiP0imdhpi50fuSZg"}
	for _, tt := range []struct {
		lang Lang
		body string
	}{
		{LangZhCN, `{"user_list":[{"openid":"otvxTs4dckWG7imySrJd6jSi0CWE","lang":"zh_CN"},{"openid":"otvxTs_JZ6SEiP0imdhpi50fuSZg","lang":"zh_CN"}]}`},
		{"", `{"user_list":[{"openid":"otvxTs4dckWG7imySrJd6jSi0CWE"},{"openid":"otvxTs_JZ6SEiP0imdhpi50fuSZg"}]}`},
	} {
		t.Run(string(tt.lang), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/user/info/batchget", fixture(t, "api/user_info_batchget.json"))
			got, err := c.BatchGetUserInfo(context.Background(), ids, tt.lang)
			require.NoError(t, err)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/user/info/batchget", tt.body)

			require.Len(t, got, 2)
			assert.True(t, got[0].Subscribed)
			assert.Equal(t, "otvxTs4dckWG7imySrJd6jSi0CWE", got[0].OpenID)
			assert.Equal(t, "iWithery", got[0].Nickname)
			assert.Equal(t, 1, got[0].Sex)
			assert.Equal(t, "Jieyang", got[0].City)
			assert.Equal(t, "oR5GjjgEhCMJFyzaVZdrxZ2zRRF4", got[0].UnionID)
			assert.True(t, got[0].SubscribeTime.Equal(time.Unix(1434093047, 0)))
			// An unsubscribed user comes with its ids only.
			assert.Equal(t, UserInfo{OpenID: "otvxTs_JZ6SEiP0imdhpi50fuSZg", UnionID: "oR5GjjjrbqBZbrnPwwmSxFukE41U"}, got[1])
		})
	}
}

// echoBatchGet answers user/info/batchget with a subscribed user for each
// requested openid, or with failWith from request number failAt (1-based).
func echoBatchGet(t *testing.T, mt *httpmock.MockTransport, failAt int, failWith []byte) *recorder {
	rec := &recorder{}
	mt.RegisterResponder("POST", testBase+"/cgi-bin/user/info/batchget", func(req *http.Request) (*http.Response, error) {
		rec.record(req)
		calls := rec.Calls()
		if len(calls) == failAt {
			return httpmock.NewBytesResponse(200, failWith), nil
		}
		var in batchUserInfoRequest
		require.NoError(t, json.Unmarshal(calls[len(calls)-1].Body, &in))
		var out struct {
			List []map[string]any `json:"user_info_list"`
		}
		for _, u := range in.UserList {
			out.List = append(out.List, map[string]any{"subscribe": 1, "openid": u.OpenID})
		}
		b, _ := json.Marshal(out)
		return httpmock.NewBytesResponse(200, b), nil
	})
	return rec
}

func TestBatchGetUserInfoSplitsIntoRequestsOf100(t *testing.T) {
	c, mt := newTestClient(t)
	rec := echoBatchGet(t, mt, 0, nil)
	ids := manyOpenIDs("o", 250)

	got, err := c.BatchGetUserInfo(context.Background(), ids, LangEn)
	require.NoError(t, err)

	calls := rec.Calls()
	require.Len(t, calls, 3)
	var sent []string
	for i, want := range []int{100, 100, 50} {
		var in batchUserInfoRequest
		require.NoError(t, json.Unmarshal(calls[i].Body, &in))
		assert.Len(t, in.UserList, want, "request %d", i)
		for _, u := range in.UserList {
			assert.Equal(t, LangEn, u.Lang)
			sent = append(sent, u.OpenID)
		}
		assert.Equal(t, testToken, calls[i].Query.Get("access_token"))
	}
	assert.Equal(t, ids, sent, "every openid sent once, in order")

	require.Len(t, got, 250)
	for i, u := range got {
		assert.Equal(t, ids[i], u.OpenID)
	}
}

func TestBatchGetUserInfoReturnsEarlierResultsOnError(t *testing.T) {
	c, mt := newTestClient(t)
	rec := echoBatchGet(t, mt, 2, fixture(t, "api/errors/45009_api_freq_out_of_limit.json"))
	got, err := c.BatchGetUserInfo(context.Background(), manyOpenIDs("o", 250), "")
	assertAPIError(t, err, CodeAPIFreqOutOfLimit, "/cgi-bin/user/info/batchget")
	assert.Len(t, got, 100, "profiles of the first request")
	assert.Len(t, rec.Calls(), 2, "no request after the failed one")
}

func TestBatchGetUserInfoRejects(t *testing.T) {
	withEmpty := manyOpenIDs("o", 250)
	withEmpty[150] = ""
	for name, ids := range map[string][]string{"none": nil, "empty openid in a later chunk": withEmpty} {
		t.Run(name, func(t *testing.T) {
			c := newOfflineClient(t)
			_, err := c.BatchGetUserInfo(context.Background(), ids, "")
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestGetFollowers(t *testing.T) {
	for _, next := range []string{"", "NEXT_OPENID"} {
		t.Run("next="+next, func(t *testing.T) {
			c, rec := newStubClient(t, "GET", "/cgi-bin/user/get", fixture(t, "api/user_get.json"))
			page, err := c.ListFollowers(context.Background(), next)
			require.NoError(t, err)

			w := rec.only(t)
			assertWire(t, w, "GET", "/cgi-bin/user/get", "")
			assert.Equal(t, next != "", w.Query.Has("next_openid"))
			assert.Equal(t, next, w.Query.Get("next_openid"))

			// The fixture lists "", OPENID1, OPENID2 with count 2: the
			// empty entry is no user and is dropped.
			assert.Equal(t, &OpenIDPage{Total: 2, Count: 2, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "NEXT_OPENID"}, page)
		})
	}
}

func TestGetFollowersEmptyList(t *testing.T) {
	c, _ := newStubClient(t, "GET", "/cgi-bin/user/get", []byte(`{"total":0,"count":0,"next_openid":""}`))
	page, err := c.ListFollowers(context.Background(), "")
	require.NoError(t, err)
	assert.Equal(t, &OpenIDPage{OpenIDs: []string{}}, page)
}

// openIDIterators are the paged openid lists, with where each carries its
// cursor.
var openIDIterators = []struct {
	name   string
	method string
	path   string
	seq    func(c *Client) iter.Seq2[string, error]
	cursor func(t *testing.T, w wire) string
}{
	{
		name: "Followers", method: "GET", path: "/cgi-bin/user/get",
		seq: func(c *Client) iter.Seq2[string, error] { return c.Followers(context.Background()) },
		cursor: func(t *testing.T, w wire) string {
			assert.Empty(t, w.Body)
			return w.Query.Get("next_openid")
		},
	},
	{
		name: "Blacklist", method: "POST", path: "/cgi-bin/tags/members/getblacklist",
		seq: func(c *Client) iter.Seq2[string, error] { return c.Blacklist(context.Background()) },
		cursor: func(t *testing.T, w wire) string {
			var b map[string]any
			require.NoError(t, json.Unmarshal(w.Body, &b))
			assert.Len(t, b, 1)
			return b["begin_openid"].(string)
		},
	},
	{
		name: "TagMembers", method: "POST", path: "/cgi-bin/user/tag/get",
		seq: func(c *Client) iter.Seq2[string, error] { return c.TagMembers(context.Background(), 134) },
		cursor: func(t *testing.T, w wire) string {
			var b struct {
				TagID      *int    `json:"tagid"`
				NextOpenID *string `json:"next_openid"`
			}
			require.NoError(t, json.Unmarshal(w.Body, &b))
			require.NotNil(t, b.TagID)
			require.NotNil(t, b.NextOpenID)
			assert.Equal(t, 134, *b.TagID)
			return *b.NextOpenID
		},
	},
}

// Three pages in WeChat's format; the first carries an empty entry as
// user/get has been seen to, and the last has no next_openid.
var threePages = [][]byte{
	[]byte(`{"total":5,"count":2,"data":{"openid":["","A","B"]},"next_openid":"B"}`),
	[]byte(`{"total":5,"count":2,"data":{"openid":["C","D"]},"next_openid":"D"}`),
	[]byte(`{"total":5,"count":1,"data":{"openid":["E"]},"next_openid":""}`),
}

func collect(t *testing.T, seq iter.Seq2[string, error]) ([]string, error) {
	t.Helper()
	var ids []string
	for id, err := range seq {
		if err != nil {
			assert.Empty(t, id)
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func TestOpenIDIteratorsWalkEveryPage(t *testing.T) {
	for _, it := range openIDIterators {
		t.Run(it.name, func(t *testing.T) {
			c, rec := newStubSeqClient(t, it.method, it.path, threePages...)
			ids, err := collect(t, it.seq(c))
			require.NoError(t, err)
			assert.Equal(t, []string{"A", "B", "C", "D", "E"}, ids)

			calls := rec.Calls()
			require.Len(t, calls, 3, "stops on an empty next_openid")
			for i, want := range []string{"", "B", "D"} {
				assertWire(t, calls[i], it.method, it.path, "")
				assert.Equal(t, want, it.cursor(t, calls[i]), "cursor of request %d", i)
			}
		})
	}
}

func TestOpenIDIteratorsStopOnEmptyPage(t *testing.T) {
	// WeChat returns the last openid as next_openid even on the last
	// page; the counts reaching the total say it is the last, so the
	// empty page after it is not fetched. Without a total, the empty
	// page ends the list.
	for name, pages := range map[string][][]byte{
		"total": {
			[]byte(`{"total":3,"count":2,"data":{"openid":["A","B"]},"next_openid":"B"}`),
			[]byte(`{"total":3,"count":1,"data":{"openid":["C"]},"next_openid":"C"}`),
			[]byte(`{"errcode":-1,"errmsg":"must not be fetched"}`),
		},
		"no total": {
			[]byte(`{"count":2,"data":{"openid":["A","B"]},"next_openid":"B"}`),
			[]byte(`{"count":1,"data":{"openid":["C"]},"next_openid":"C"}`),
			[]byte(`{"count":0,"next_openid":""}`),
			[]byte(`{"errcode":-1,"errmsg":"must not be fetched"}`),
		},
	} {
		for _, it := range openIDIterators {
			t.Run(name+"/"+it.name, func(t *testing.T) {
				c, rec := newStubSeqClient(t, it.method, it.path, pages...)
				ids, err := collect(t, it.seq(c))
				require.NoError(t, err)
				assert.Equal(t, []string{"A", "B", "C"}, ids)
				assert.Len(t, rec.Calls(), len(pages)-1)
			})
		}
	}
}

func TestOpenIDIteratorsRangeTwice(t *testing.T) {
	// An iterator may be ranged over more than once; each walk starts at
	// the beginning and counts the openids against the total afresh.
	pages := [][]byte{
		[]byte(`{"total":3,"count":2,"data":{"openid":["A","B"]},"next_openid":"B"}`),
		[]byte(`{"total":3,"count":1,"data":{"openid":["C"]},"next_openid":"C"}`),
	}
	for _, it := range openIDIterators {
		t.Run(it.name, func(t *testing.T) {
			c, rec := newStubSeqClient(t, it.method, it.path, pages[0], pages[1], pages[0], pages[1], []byte(`{"errcode":-1,"errmsg":"must not be fetched"}`))
			seq := it.seq(c)
			for walk := range 2 {
				ids, err := collect(t, seq)
				require.NoError(t, err)
				assert.Equal(t, []string{"A", "B", "C"}, ids, "walk %d", walk)
			}
			calls := rec.Calls()
			require.Len(t, calls, 4)
			for i, want := range []string{"", "B", "", "B"} {
				assert.Equal(t, want, it.cursor(t, calls[i]), "cursor of request %d", i)
			}
		})
	}
}

func TestOpenIDIteratorsEarlyBreak(t *testing.T) {
	for _, it := range openIDIterators {
		t.Run(it.name, func(t *testing.T) {
			c, rec := newStubSeqClient(t, it.method, it.path, threePages...)
			var ids []string
			for id, err := range it.seq(c) {
				require.NoError(t, err)
				ids = append(ids, id)
				if id == "C" {
					break
				}
			}
			assert.Equal(t, []string{"A", "B", "C"}, ids)
			assert.Len(t, rec.Calls(), 2, "no request after the break")
		})
	}
}

func TestOpenIDIteratorsStopOnError(t *testing.T) {
	for _, it := range openIDIterators {
		t.Run(it.name, func(t *testing.T) {
			c, rec := newStubSeqClient(t, it.method, it.path, threePages[0], fixture(t, "api/errors/45009_api_freq_out_of_limit.json"), threePages[2])
			ids, err := collect(t, it.seq(c))
			assertAPIError(t, err, CodeAPIFreqOutOfLimit, it.path)
			assert.Equal(t, []string{"A", "B"}, ids)
			assert.Len(t, rec.Calls(), 2)
		})
	}
}

func TestOpenIDIteratorsStopOnRepeatedCursor(t *testing.T) {
	// A reply whose next_openid is the cursor just sent would loop for ever.
	pages := [][]byte{
		[]byte(`{"count":1,"data":{"openid":["A"]},"next_openid":"A"}`),
		[]byte(`{"count":1,"data":{"openid":["B"]},"next_openid":"A"}`),
	}
	for _, it := range openIDIterators {
		t.Run(it.name, func(t *testing.T) {
			c, rec := newStubSeqClient(t, it.method, it.path, pages...)
			ids, err := collect(t, it.seq(c))
			require.NoError(t, err)
			assert.Equal(t, []string{"A", "B"}, ids)
			assert.Len(t, rec.Calls(), 2)
		})
	}
}

func TestGetBlacklist(t *testing.T) {
	for _, begin := range []string{"", "OPENID1"} {
		t.Run("begin="+begin, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/tags/members/getblacklist", fixture(t, "api/tags_members_getblacklist.json"))
			page, err := c.ListBlacklist(context.Background(), begin)
			require.NoError(t, err)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/tags/members/getblacklist", `{"begin_openid":"`+begin+`"}`)
			assert.Equal(t, &OpenIDPage{Total: 23000, Count: 1000, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "OPENID1000"}, page)
		})
	}

	c, _ := newStubClient(t, "POST", "/cgi-bin/tags/members/getblacklist", fixture(t, "api/errors/40013_invalid_appid.json"))
	_, err := c.ListBlacklist(context.Background(), "")
	assertAPIError(t, err, 40013, "/cgi-bin/tags/members/getblacklist")
}

func TestBlacklistUsers(t *testing.T) {
	tests := []struct {
		path string
		call func(c *Client, ids []string) error
	}{
		{"/cgi-bin/tags/members/batchblacklist", func(c *Client, ids []string) error { return c.BlacklistUsers(context.Background(), ids) }},
		{"/cgi-bin/tags/members/batchunblacklist", func(c *Client, ids []string) error { return c.UnblacklistUsers(context.Background(), ids) }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c, mt := newTestClient(t)
			rec := stub(mt, "POST", tt.path, fixture(t, "api/ok.json"))
			require.NoError(t, tt.call(c, []string{"OPENID1", "OPENID2"}))
			assertWire(t, rec.only(t), "POST", tt.path, `{"openid_list":["OPENID1","OPENID2"]}`)

			require.NoError(t, tt.call(c, manyOpenIDs("o", 20)), "20 is the limit")

			c, mt = newTestClient(t)
			forbidRequests(t, mt)
			assert.ErrorIs(t, tt.call(c, manyOpenIDs("o", 21)), ErrInvalidArgument)
			assert.ErrorIs(t, tt.call(c, nil), ErrInvalidArgument)
			assert.ErrorIs(t, tt.call(c, []string{"OPENID1", ""}), ErrInvalidArgument)

			c, mt = newTestClient(t)
			stub(mt, "POST", tt.path, fixture(t, "api/errors/45009_api_freq_out_of_limit.json"))
			assertAPIError(t, tt.call(c, []string{"OPENID1"}), CodeAPIFreqOutOfLimit, tt.path)
		})
	}
}

func TestChangeOpenID(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "POST", "/cgi-bin/changeopenid", fixture(t, "api/changeopenid.json"))
	old := []string{"oEmYbwN-n24jxvk4Sox81qedINkQ", "oEmYbwH9uVd4RKJk7ZZg6SzL6tTo"}
	got, err := c.ChangeOpenID(context.Background(), "wxoldappid", old)
	require.NoError(t, err)
	assertWire(t, rec.only(t), "POST", "/cgi-bin/changeopenid",
		`{"from_appid":"wxoldappid","openid_list":["oEmYbwN-n24jxvk4Sox81qedINkQ","oEmYbwH9uVd4RKJk7ZZg6SzL6tTo"]}`)
	assert.Equal(t, []OpenIDChange{
		{OldOpenID: "oEmYbwN-n24jxvk4Sox81qedINkQ", NewOpenID: "o2FwqwI9xCsVadFah_HtpPfaR-X4", Message: "ok"},
		{OldOpenID: "oEmYbwH9uVd4RKJk7ZZg6SzL6tTo", Message: "ori_openid error"},
	}, got)
	assert.True(t, got[0].OK())
	assert.False(t, got[1].OK())

	c, mt = newTestClient(t)
	forbidRequests(t, mt)
	_, err = c.ChangeOpenID(context.Background(), "", old)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = c.ChangeOpenID(context.Background(), "wxoldappid", manyOpenIDs("o", 101))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = c.ChangeOpenID(context.Background(), "wxoldappid", []string{""})
	assert.ErrorIs(t, err, ErrInvalidArgument)

	c, mt = newTestClient(t)
	stub(mt, "POST", "/cgi-bin/changeopenid", fixture(t, "api/errors/40013_invalid_appid_rid.json"))
	_, err = c.ChangeOpenID(context.Background(), "wxoldappid", manyOpenIDs("o", 100))
	assertAPIError(t, err, 40013, "/cgi-bin/changeopenid")
}

func TestGroupsReject(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
	long := strings.Repeat("组", 31)
	for name, err := range map[string]error{
		"create empty name":   func() error { _, err := c.CreateGroup(ctx, ""); return err }(),
		"create long name":    func() error { _, err := c.CreateGroup(ctx, long); return err }(),
		"update long name":    c.UpdateGroup(ctx, 108, long),
		"getid empty openid":  func() error { _, err := c.GetUserGroup(ctx, ""); return err }(),
		"move empty openid":   c.MoveUserToGroup(ctx, "", 108),
		"batch move over 50":  c.MoveUsersToGroup(ctx, manyOpenIDs("o", 51), 108),
		"batch move no users": c.MoveUsersToGroup(ctx, nil, 108),
	} {
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
}

func TestGroupsUnexpectedReply(t *testing.T) {
	c, mt := newTestClient(t)
	stub(mt, "POST", "/cgi-bin/groups/create", fixture(t, "api/ok.json"))
	_, err := c.CreateGroup(context.Background(), "test")
	assert.ErrorIs(t, err, ErrUnexpectedResponse)

	stub(mt, "POST", "/cgi-bin/groups/getid", fixture(t, "api/ok.json"))
	_, err = c.GetUserGroup(context.Background(), "OPENID")
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
}

func userEndpoints() map[endpoint.ID]endpointCase {
	two := []string{"OPENID1", "OPENID2"}
	remark := strings.Repeat("备", 10) // 30 bytes in UTF-8: the most WeChat takes
	return map[endpoint.ID]endpointCase{
		endpoint.UserInfo: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetUserInfo(ctx, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", LangZhCN)
			},
			query: url.Values{"openid": {"o6_bmjrPTlm6_2sgVt7hMZOPfL2M"}, "lang": {"zh_CN"}},
			reply: "api/user_info.json",
			want: &UserInfo{
				Subscribed:    true,
				OpenID:        "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
				Language:      "zh_CN",
				SubscribeTime: time.Unix(1382694957, 0),
				// The documented example has a leading space; it is
				// passed on as sent.
				UnionID:        " o6_bmasdasdsad6_2sgVt7hMZOPfL",
				TagIDs:         []int{128, 2},
				SubscribeScene: SubscribeSceneQRCode,
				QRScene:        98765,
			},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetUserInfo(ctx, "", LangZhCN); return err },
		},
		endpoint.UserInfoBatchGet: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.BatchGetUserInfo(ctx, []string{"otvxTs4dckWG7imySrJd6jSi0CWE", "otvxTs_JZ6SEiP0imdhpi50fuSZg"}, LangZhCN)
			},
			body:  `{"user_list":[{"openid":"otvxTs4dckWG7imySrJd6jSi0CWE","lang":"zh_CN"},{"openid":"otvxTs_JZ6SEiP0imdhpi50fuSZg","lang":"zh_CN"}]}`,
			reply: "api/user_info_batchget.json",
			want: []UserInfo{
				{
					Subscribed: true, OpenID: "otvxTs4dckWG7imySrJd6jSi0CWE", Nickname: "iWithery", Sex: 1, Language: "zh_CN",
					City: "Jieyang", Province: "Guangdong", Country: "China",
					HeadImgURL:    "http://wx.qlogo.cn/mmopen/xbIQx1GRqdvyqkMMhEaGOX802l1CyqMJNgUzKP8MeAeHFicRDSnZH7FY4XB7p8XHXIf6uJA2SCunTPicGKezDC4saKISzRj3nz/0",
					SubscribeTime: time.Unix(1434093047, 0), UnionID: "oR5GjjgEhCMJFyzaVZdrxZ2zRRF4",
				},
				// An unsubscribed user comes with its ids only.
				{OpenID: "otvxTs_JZ6SEiP0imdhpi50fuSZg", UnionID: "oR5GjjjrbqBZbrnPwwmSxFukE41U"},
			},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.BatchGetUserInfo(ctx, nil, ""); return err },
		},
		endpoint.UserUpdateRemark: execCase(`{"openid":"oDF3iY9ffA-hqb2vVvbr7qxf6A0Q","remark":"`+remark+`"}`,
			func(ctx context.Context, c *Client) error {
				return c.UpdateUserRemark(ctx, "oDF3iY9ffA-hqb2vVvbr7qxf6A0Q", remark)
			},
			func(ctx context.Context, c *Client) error { return c.UpdateUserRemark(ctx, "OPENID", remark+"备") }),
		endpoint.UserGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListFollowers(ctx, "NEXT_OPENID") },
			query: url.Values{"next_openid": {"NEXT_OPENID"}},
			reply: "api/user_get.json",
			// The fixture lists "", OPENID1, OPENID2 with count 2: the
			// empty entry is no user and is dropped.
			want:   &OpenIDPage{Total: 2, Count: 2, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "NEXT_OPENID"},
			noArgs: true,
		},
		endpoint.BlacklistGet: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListBlacklist(ctx, "OPENID1") },
			body:   `{"begin_openid":"OPENID1"}`,
			reply:  "api/tags_members_getblacklist.json",
			want:   &OpenIDPage{Total: 23000, Count: 1000, OpenIDs: []string{"OPENID1", "OPENID2"}, NextOpenID: "OPENID1000"},
			noArgs: true,
		},
		endpoint.BlacklistAdd: execCase(`{"openid_list":["OPENID1","OPENID2"]}`,
			func(ctx context.Context, c *Client) error { return c.BlacklistUsers(ctx, two) },
			func(ctx context.Context, c *Client) error {
				return c.BlacklistUsers(ctx, manyOpenIDs("o", maxBlacklistIDs+1))
			}),
		endpoint.BlacklistRemove: execCase(`{"openid_list":["OPENID1","OPENID2"]}`,
			func(ctx context.Context, c *Client) error { return c.UnblacklistUsers(ctx, two) },
			func(ctx context.Context, c *Client) error { return c.UnblacklistUsers(ctx, []string{"OPENID1", ""}) }),
		endpoint.ChangeOpenID: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ChangeOpenID(ctx, "wxoldappid", []string{"oEmYbwN-n24jxvk4Sox81qedINkQ", "oEmYbwH9uVd4RKJk7ZZg6SzL6tTo"})
			},
			body:  `{"from_appid":"wxoldappid","openid_list":["oEmYbwN-n24jxvk4Sox81qedINkQ","oEmYbwH9uVd4RKJk7ZZg6SzL6tTo"]}`,
			reply: "api/changeopenid.json",
			want: []OpenIDChange{
				{OldOpenID: "oEmYbwN-n24jxvk4Sox81qedINkQ", NewOpenID: "o2FwqwI9xCsVadFah_HtpPfaR-X4", Message: "ok"},
				{OldOpenID: "oEmYbwH9uVd4RKJk7ZZg6SzL6tTo", Message: "ori_openid error"},
			},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.ChangeOpenID(ctx, "", two); return err },
		},
		endpoint.GroupCreate: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.CreateGroup(ctx, "test") },
			body:    `{"group":{"name":"test"}}`,
			reply:   "api/groups_create.json",
			want:    &Group{ID: 107, Name: "test"},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.CreateGroup(ctx, ""); return err },
		},
		endpoint.GroupGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.ListGroups(ctx) },
			reply: "api/groups_get.json",
			want: []Group{
				{ID: 0, Name: "未分组", Count: 72596},
				{ID: 1, Name: "黑名单", Count: 36},
				{ID: 2, Name: "星标组", Count: 8},
				{ID: 104, Name: "华东媒", Count: 4},
				{ID: 106, Name: "★不测试组★", Count: 1},
			},
			noArgs: true,
		},
		endpoint.GroupGetID: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetUserGroup(ctx, "od8XIjsmk6QdVTETa9jLtGWA6KBc")
			},
			body:    `{"openid":"od8XIjsmk6QdVTETa9jLtGWA6KBc"}`,
			reply:   "api/groups_getid.json",
			want:    102,
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetUserGroup(ctx, ""); return err },
		},
		endpoint.GroupUpdate: execCase(`{"group":{"id":108,"name":"test2_modify2"}}`,
			func(ctx context.Context, c *Client) error { return c.UpdateGroup(ctx, 108, "test2_modify2") },
			func(ctx context.Context, c *Client) error { return c.UpdateGroup(ctx, 108, strings.Repeat("组", 31)) }),
		endpoint.GroupMemberUpdate: execCase(`{"openid":"oDF3iYx0ro3_7jD4HFRDfrjdCM58","to_groupid":108}`,
			func(ctx context.Context, c *Client) error {
				return c.MoveUserToGroup(ctx, "oDF3iYx0ro3_7jD4HFRDfrjdCM58", 108)
			},
			func(ctx context.Context, c *Client) error { return c.MoveUserToGroup(ctx, "", 108) }),
		endpoint.GroupMemberBatch: execCase(`{"openid_list":["oDF3iYx0ro3_7jD4HFRDfrjdCM58","oDF3iY9FGSSRHjJnYOHB5VQ8ZAX0"],"to_groupid":108}`,
			func(ctx context.Context, c *Client) error {
				return c.MoveUsersToGroup(ctx, []string{"oDF3iYx0ro3_7jD4HFRDfrjdCM58", "oDF3iY9FGSSRHjJnYOHB5VQ8ZAX0"}, 108)
			},
			func(ctx context.Context, c *Client) error { return c.MoveUsersToGroup(ctx, manyOpenIDs("o", 51), 108) }),
		endpoint.GroupDelete: {
			call:  func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteGroup(ctx, 108) },
			body:  `{"group":{"id":108}}`,
			reply: "api/groups_delete.json",
			// Any group id is WeChat's to judge.
			noArgs: true,
		},
	}
}
