package wechattest

import (
	"fmt"
	"slices"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// autoReplyAPI serves the auto-reply rules (自动回复) that
// WithAutoReplyRules set up, which on WeChat an account sets on the
// website: no API changes them.
type autoReplyAPI struct {
	group
	rules *wechat.AutoReplyRules // nil: none set up
}

func (g *autoReplyAPI) routes() []route {
	return []route{g.route(endpoint.AutoReplyInfo, g.handleGet)}
}

// WithAutoReplyRules sets up the auto-reply rules the account has, which
// get_current_autoreply_info reports; by default it has none (both
// switches off). As on the website, the follow and message replies are
// text, img, voice or video, keyword rules may also reply with news,
// keywords match by contain or equal and rules reply_all or random_one;
// any other value is invalid. A rule without a CreateTime gets the
// server's start.
func WithAutoReplyRules(rules wechat.AutoReplyRules) Option {
	return func(c *config) error {
		for name, r := range map[string]*wechat.AutoReply{"FollowReply": rules.FollowReply, "MessageReply": rules.MessageReply} {
			if r != nil && (r.Type == wechat.AutoReplyNews || !knownAutoReply(r.Type)) {
				return fmt.Errorf("WithAutoReplyRules: %s has type %q; it must be text, img, voice or video", name, r.Type)
			}
		}
		for i, k := range rules.KeywordRules {
			if k.ReplyMode != wechat.KeywordReplyAll && k.ReplyMode != wechat.KeywordReplyRandomOne {
				return fmt.Errorf("WithAutoReplyRules: rule %d has reply mode %q", i, k.ReplyMode)
			}
			for _, kw := range k.Keywords {
				if kw.MatchMode != wechat.KeywordContain && kw.MatchMode != wechat.KeywordEqual {
					return fmt.Errorf("WithAutoReplyRules: rule %d has match mode %q", i, kw.MatchMode)
				}
			}
			for _, r := range k.Replies {
				if !knownAutoReply(r.Type) {
					return fmt.Errorf("WithAutoReplyRules: rule %d has a reply of type %q", i, r.Type)
				}
			}
		}
		c.autoReply = &rules
		return nil
	}
}

// newAutoReplyAPI serves a copy of the configured rules, so that the
// caller's later changes do not reach the server; rules without a
// CreateTime are dated now.
func newAutoReplyAPI(s *Server, now time.Time) *autoReplyAPI {
	g := &autoReplyAPI{group: group{s: s}}
	in := s.cfg.autoReply
	if in == nil {
		return g
	}
	r := *in
	r.FollowReply, r.MessageReply = cloneAutoReply(in.FollowReply), cloneAutoReply(in.MessageReply)
	r.KeywordRules = slices.Clone(in.KeywordRules)
	for i := range r.KeywordRules {
		k := &r.KeywordRules[i]
		k.Keywords = slices.Clone(k.Keywords)
		k.Replies = slices.Clone(k.Replies)
		for j := range k.Replies {
			k.Replies[j].News = slices.Clone(k.Replies[j].News)
		}
		if k.CreateTime.IsZero() {
			k.CreateTime = now
		}
	}
	g.rules = &r
	return g
}

func cloneAutoReply(r *wechat.AutoReply) *wechat.AutoReply {
	if r == nil {
		return nil
	}
	c := *r
	c.News = slices.Clone(r.News)
	return &c
}

func knownAutoReply(t wechat.AutoReplyType) bool {
	switch t {
	case wechat.AutoReplyText, wechat.AutoReplyImage, wechat.AutoReplyVoice, wechat.AutoReplyVideo, wechat.AutoReplyNews:
		return true
	}
	return false
}

// autoReplyJSON is the wire form of one reply.
func autoReplyJSON(r wechat.AutoReply) map[string]any {
	if r.Type != wechat.AutoReplyNews {
		return map[string]any{"type": r.Type, "content": r.Content}
	}
	list := make([]map[string]any, len(r.News))
	for i, a := range r.News {
		list[i] = map[string]any{
			"title": a.Title, "author": a.Author, "digest": a.Digest, "show_cover": bitOf(a.ShowCover),
			"cover_url": a.CoverURL, "content_url": a.ContentURL, "source_url": a.SourceURL,
		}
	}
	return map[string]any{"type": r.Type, "news_info": map[string]any{"list": list}}
}

// handleGet answers 获取公众号的自动回复规则 (GET
// get_current_autoreply_info) in its documented shape.
func (g *autoReplyAPI) handleGet(*exchange) any {
	r := g.rules
	if r == nil {
		return map[string]any{"is_add_friend_reply_open": 0, "is_autoreply_open": 0}
	}
	out := map[string]any{
		"is_add_friend_reply_open": bitOf(r.FollowReplyOpen),
		"is_autoreply_open":        bitOf(r.MessageReplyOpen),
	}
	if r.FollowReply != nil {
		out["add_friend_autoreply_info"] = autoReplyJSON(*r.FollowReply)
	}
	if r.MessageReply != nil {
		out["message_default_autoreply_info"] = autoReplyJSON(*r.MessageReply)
	}
	if len(r.KeywordRules) > 0 {
		list := make([]map[string]any, len(r.KeywordRules))
		for i, k := range r.KeywordRules {
			keywords := make([]map[string]any, len(k.Keywords))
			for j, kw := range k.Keywords {
				typ := kw.Type
				if typ == "" {
					typ = "text"
				}
				keywords[j] = map[string]any{"type": typ, "match_mode": kw.MatchMode, "content": kw.Content}
			}
			replies := make([]map[string]any, len(k.Replies))
			for j, rp := range k.Replies {
				replies[j] = autoReplyJSON(rp)
			}
			list[i] = map[string]any{
				"rule_name": k.Name, "create_time": k.CreateTime.Unix(), "reply_mode": k.ReplyMode,
				"keyword_list_info": keywords, "reply_list_info": replies,
			}
		}
		out["keyword_autoreply_info"] = map[string]any{"list": list}
	}
	return out
}
