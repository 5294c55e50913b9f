package wechat

import (
	"context"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// documentedAutoReplyRules is api/get_current_autoreply_info.json decoded.
func documentedAutoReplyRules() *AutoReplyRules {
	return &AutoReplyRules{
		FollowReplyOpen:  true,
		MessageReplyOpen: true,
		FollowReply:      &AutoReply{Type: AutoReplyText, Content: "Thanks for your attention!"},
		MessageReply:     &AutoReply{Type: AutoReplyText, Content: "Hello, this is autoreply!"},
		KeywordRules: []KeywordRule{
			{
				Name: "autoreply-news", CreateTime: time.Unix(1423028166, 0), ReplyMode: KeywordReplyAll,
				Keywords: []Keyword{{Type: "text", MatchMode: KeywordContain, Content: "news测试"}},
				Replies: []AutoReply{
					{Type: AutoReplyNews, News: []SelfMenuArticle{{
						Title: "it's news", Author: "jim", Digest: "it's digest", ShowCover: true,
						CoverURL:   "http://mmbiz.qpic.cn/mmbiz/GE7et87vE9vicuCibqXsX9GPPLuEtBfXfKbE8sWdt2DDcL0dMfQWJWTVn1N8DxI0gcRmrtqBOuwQHeuPKmFLK0ZQ/0",
						ContentURL: "http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=203929886&idx=1&sn=628f964cf0c6d84c026881b6959aea8b#rd",
						SourceURL:  "http://www.url.com",
					}}},
					{Type: AutoReplyNews, News: []SelfMenuArticle{
						{
							Title: "MULTI_NEWS", Author: "JIMZHENG", Digest: "text",
							CoverURL:   "http://mmbiz.qpic.cn/mmbiz/GE7et87vE9vicuCibqXsX9GPPLuEtBfXfK0HKuBIa1A1cypS0uY1wickv70iaY1gf3I1DTszuJoS3lAVLvhTcm9sDA/0",
							ContentURL: "http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=204013432&idx=1&sn=80ce6d9abcb832237bf86c87e50fda15#rd",
						},
						{
							Title: "MULTI_NEWS4", Author: "JIMZHENG", Digest: "MULTI_NEWSMULTI_NEWSMULTI_NEWSMULTI_NEWSMULTI_NEWSMULT", ShowCover: true,
							CoverURL:   "http://mmbiz.qpic.cn/mmbiz/GE7et87vE9vicuCibqXsX9GPPLuEtBfXfKbE8sWdt2DDcL0dMfQWJWTVn1N8DxI0gcRmrtqBOuwQHeuPKmFLK0ZQ/0",
							ContentURL: "http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=204013432&idx=5&sn=b4ef73a915e7c2265e437096582774af#rd",
						},
					}},
				},
			},
			{
				Name: "autoreply-voice", CreateTime: time.Unix(1423027971, 0), ReplyMode: KeywordReplyRandomOne,
				Keywords: []Keyword{{Type: "text", MatchMode: KeywordContain, Content: "voice测试"}},
				Replies:  []AutoReply{{Type: AutoReplyVoice, Content: "NESsxgHEvAcg3egJTtYj4uG1PTL6iPhratdWKDLAXYErhN6oEEfMdVyblWtBY5vp"}},
			},
			{
				Name: "autoreply-text", CreateTime: time.Unix(1423027926, 0), ReplyMode: KeywordReplyRandomOne,
				Keywords: []Keyword{{Type: "text", MatchMode: KeywordContain, Content: "text测试"}},
				Replies:  []AutoReply{{Type: AutoReplyText, Content: "hello!text!"}},
			},
			{
				Name: "autoreply-video", CreateTime: time.Unix(1423027801, 0), ReplyMode: KeywordReplyRandomOne,
				Keywords: []Keyword{{Type: "text", MatchMode: KeywordEqual, Content: "video测试"}},
				Replies: []AutoReply{{Type: AutoReplyVideo,
					Content: "http://61.182.133.153/vweixinp.tc.qq.com/1007_114bcede9a2244eeb5ab7f76d951df5f.f10.mp4?vkey=7183E5C952B16C3AB1991BA8138673DE1037CB82A29801A504B64A77F691BF9DF7AD054A9B7FE683&sha=0&save=1"}},
			},
		},
	}
}

func autoReplyEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.AutoReplyInfo: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetAutoReplyRules(ctx) },
			reply:  "api/get_current_autoreply_info.json",
			want:   documentedAutoReplyRules(),
			noArgs: true,
		},
	}
}

func TestGetAutoReplyRulesUnset(t *testing.T) {
	// An account that set nothing up: both switches off, no replies,
	// no rules.
	c, _ := newStubClient(t, "GET", "/cgi-bin/get_current_autoreply_info", []byte(`{"is_add_friend_reply_open":0,"is_autoreply_open":"0"}`))
	got, err := c.GetAutoReplyRules(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &AutoReplyRules{}, got)
}

func TestGetAutoReplyRulesRuleWithoutKeywords(t *testing.T) {
	// A developer's capture: rules listed with an empty keyword list.
	c, mt := newTestClient(t)
	stub(mt, "GET", "/cgi-bin/get_current_autoreply_info", []byte(`{"is_add_friend_reply_open":1,"is_autoreply_open":1,
		"keyword_autoreply_info":{"list":[{"rule_name":"rule2","create_time":1468486183,"reply_mode":"random_one","keyword_list_info":[],
		"reply_list_info":[{"type":"text","content":"您要买点什么?"}]}]}}`))
	got, err := c.GetAutoReplyRules(context.Background())
	require.NoError(t, err)
	require.Len(t, got.KeywordRules, 1)
	assert.Empty(t, got.KeywordRules[0].Keywords)
	assert.Equal(t, []AutoReply{{Type: AutoReplyText, Content: "您要买点什么?"}}, got.KeywordRules[0].Replies)
	assert.Nil(t, got.FollowReply)
}

func TestKeywordMatches(t *testing.T) {
	contain := Keyword{Type: "text", MatchMode: KeywordContain, Content: "测试"}
	equal := Keyword{Type: "text", MatchMode: KeywordEqual, Content: "video测试"}
	assert.True(t, contain.Matches("这是测试消息"))
	assert.False(t, contain.Matches("hello"))
	assert.True(t, equal.Matches("video测试"))
	assert.False(t, equal.Matches("video测试 "))
	assert.False(t, Keyword{MatchMode: KeywordContain}.Matches("anything"), "an empty keyword matches nothing")
	assert.False(t, Keyword{MatchMode: "regex", Content: "a"}.Matches("a"), "an unknown mode matches nothing")
}
