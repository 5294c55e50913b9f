package wechat_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestIntegrationAutoReplyRules(t *testing.T) {
	ctx := context.Background()
	t.Run("none set up", func(t *testing.T) {
		_, c := startFake(t)
		got, err := c.GetAutoReplyRules(ctx)
		require.NoError(t, err)
		assert.Equal(t, &wechat.AutoReplyRules{}, got)
	})
	t.Run("seeded", func(t *testing.T) {
		created := time.Unix(1423028166, 0)
		rules := wechat.AutoReplyRules{
			FollowReplyOpen: true,
			FollowReply:     &wechat.AutoReply{Type: wechat.AutoReplyText, Content: "欢迎关注"},
			MessageReply:    &wechat.AutoReply{Type: wechat.AutoReplyImage, Content: "MEDIA_ID"},
			KeywordRules: []wechat.KeywordRule{
				{
					Name: "news", CreateTime: created, ReplyMode: wechat.KeywordReplyAll,
					Keywords: []wechat.Keyword{
						{Type: "text", MatchMode: wechat.KeywordContain, Content: "新闻"},
						{Type: "text", MatchMode: wechat.KeywordEqual, Content: "news"},
					},
					Replies: []wechat.AutoReply{
						{Type: wechat.AutoReplyNews, News: []wechat.SelfMenuArticle{{
							Title: "头条", Author: "编辑部", Digest: "摘要", ShowCover: true,
							CoverURL: "http://mmbiz.qpic.cn/c/0", ContentURL: "http://mp.weixin.qq.com/s?x=1&y=2",
						}}},
						{Type: wechat.AutoReplyVoice, Content: "VOICE_ID"},
					},
				},
			},
		}
		_, c := startFake(t, wechattest.WithAutoReplyRules(rules))
		rules.KeywordRules[0].Name = "changed after NewServer"
		got, err := c.GetAutoReplyRules(ctx)
		require.NoError(t, err)
		rules.KeywordRules[0].Name = "news"
		assert.Equal(t, &rules, got)
		assert.True(t, got.KeywordRules[0].Keywords[0].Matches("今日新闻"))
	})
	t.Run("undated rules get the server's start", func(t *testing.T) {
		clock := newFakeClock()
		_, c := startFake(t, wechattest.WithClock(clock.Now), wechattest.WithAutoReplyRules(wechat.AutoReplyRules{
			KeywordRules: []wechat.KeywordRule{{Name: "r", ReplyMode: wechat.KeywordReplyRandomOne}},
		}))
		got, err := c.GetAutoReplyRules(ctx)
		require.NoError(t, err)
		require.Len(t, got.KeywordRules, 1)
		assert.True(t, got.KeywordRules[0].CreateTime.Equal(clock.Now()))
	})
}

func TestWithAutoReplyRulesRejectsWhatTheWebsiteCannotSet(t *testing.T) {
	for name, rules := range map[string]wechat.AutoReplyRules{
		"news follow reply": {FollowReply: &wechat.AutoReply{Type: wechat.AutoReplyNews}},
		"unknown type":      {MessageReply: &wechat.AutoReply{Type: "music"}},
		"reply mode":        {KeywordRules: []wechat.KeywordRule{{ReplyMode: "all"}}},
		"match mode": {KeywordRules: []wechat.KeywordRule{{ReplyMode: wechat.KeywordReplyAll,
			Keywords: []wechat.Keyword{{MatchMode: "regex", Content: "a"}}}}},
		"reply type": {KeywordRules: []wechat.KeywordRule{{ReplyMode: wechat.KeywordReplyAll,
			Replies: []wechat.AutoReply{{Type: "link"}}}}},
	} {
		msg := panicOf(func() { wechattest.NewServer(wechattest.WithAutoReplyRules(rules)).Close() })
		assert.Contains(t, msg, "wechattest: NewServer: WithAutoReplyRules: ", name)
	}
}

// panicOf returns the string f panics with, "" if it does not.
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
		}
	}()
	f()
	return ""
}
