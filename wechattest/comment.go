package wechattest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// commentAPI keeps the comment areas (留言) of the articles the fake
// published (freepublish/submit) or mass-sent as mpnews, keyed as WeChat
// keys them: by the msg_data_id of the send and the article's index.
// The draft and message groups register a send's articles as it goes
// out; readers' comments come from Server.AddComment.
type commentAPI struct {
	group
	areas map[articleKey]*commentArea
}

func newCommentAPI(s *Server) *commentAPI {
	return &commentAPI{group: group{s: s}, areas: make(map[articleKey]*commentArea)}
}

func (g *commentAPI) routes() []route {
	return []route{
		g.route(endpoint.CommentOpen, decoding(g.handleOpen)),
		g.route(endpoint.CommentClose, decoding(g.handleClose)),
		g.route(endpoint.CommentList, decoding(g.handleList)),
		g.route(endpoint.CommentMarkElect, decoding(g.handleMarkElect)),
		g.route(endpoint.CommentUnmarkElect, decoding(g.handleUnmarkElect)),
		g.route(endpoint.CommentDelete, decoding(g.handleDelete)),
		g.route(endpoint.CommentReplyAdd, decoding(g.handleReplyAdd)),
		g.route(endpoint.CommentReplyDelete, decoding(g.handleReplyDelete)),
	}
}

// articleKey names one article of a send.
type articleKey struct {
	msgDataID string
	index     int
}

// commentArea is the comment area of one article.
type commentArea struct {
	open     bool // need_open_comment, or opened since
	onlyFans bool // only_fans_can_comment
	comments []*comment
	lastID   int64 // the user_comment_id last issued; ids count up per article
}

// comment is a reader's comment. A deleted one keeps its place so that
// its id is never issued again.
type comment struct {
	id      int64
	openID  string
	content string
	created time.Time
	elected bool
	deleted bool
	reply   *commentReply
}

type commentReply struct {
	content string
	created time.Time
}

// commentSetting is the comment choice of one article of a draft.
type commentSetting struct {
	open, onlyFans bool
}

// commentSettings reads need_open_comment and only_fans_can_comment off
// the articles of a draft.
func commentSettings(arts []article) []commentSetting {
	out := make([]commentSetting, len(arts))
	for i, a := range arts {
		open, _ := jsonInt(a["need_open_comment"])
		fans, _ := jsonInt(a["only_fans_can_comment"])
		out[i] = commentSetting{open: open == 1, onlyFans: fans == 1}
	}
	return out
}

// publish registers the articles of a send under its msg_data_id. A send
// registered already is left as it is. For other groups.
func (g *commentAPI) publish(msgDataID string, settings []commentSetting) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, st := range settings {
		k := articleKey{msgDataID, i}
		if g.areas[k] == nil {
			g.areas[k] = &commentArea{open: st.open, onlyFans: st.onlyFans}
		}
	}
}

// commentRequest is the body of the comment APIs; each uses its part.
type commentRequest struct {
	MsgDataID     json.RawMessage `json:"msg_data_id"`
	Index         json.RawMessage `json:"index"`
	UserCommentID json.RawMessage `json:"user_comment_id"`
	Content       string          `json:"content"`
	Begin         json.RawMessage `json:"begin"`
	Count         json.RawMessage `json:"count"`
	Type          json.RawMessage `json:"type"`
}

// optionalInt reads a number (or a number in a string) that may be
// absent, when it means def.
func optionalInt(raw json.RawMessage, def int64) (int64, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, true
	}
	return jsonInt(raw)
}

// lookup finds the article of a comment request: 88001 for a
// msg_data_id or an index the fake did not send (an index, from 0,
// defaults to the first article).
func (g *commentAPI) lookup(req commentRequest) (*commentArea, *apiError) {
	id, ok := jsonInt(req.MsgDataID)
	index, iok := optionalInt(req.Index, 0)
	if !ok || !iok {
		return nil, fail(88001)
	}
	area := g.areas[articleKey{fmt.Sprint(id), int(index)}]
	if area == nil {
		return nil, fail(88001)
	}
	return area, nil
}

// lookupComment is lookup for the APIs on one comment: 88008 for a
// user_comment_id the article does not have, or a deleted comment.
func (g *commentAPI) lookupComment(req commentRequest) (*comment, *apiError) {
	area, e := g.lookup(req)
	if e != nil {
		return nil, e
	}
	id, ok := jsonInt(req.UserCommentID)
	if ok {
		for _, c := range area.comments {
			if c.id == id && !c.deleted {
				return c, nil
			}
		}
	}
	return nil, fail(88008)
}

// change answers a call that changes one thing and nothing else: the
// comment area of an article (found with lookup) or one comment (found
// with lookupComment), which set changes.
func change[T any](req commentRequest, find func(commentRequest) (T, *apiError), set func(T)) any {
	v, e := find(req)
	if e != nil {
		return e
	}
	set(v)
	return okReply()
}

// handleOpen answers 打开已群发文章评论 (POST comment/open,
// {"msg_data_id","index"}).
func (g *commentAPI) handleOpen(_ *exchange, req commentRequest) any {
	return change(req, g.lookup, func(area *commentArea) { area.open = true })
}

// handleClose answers 关闭已群发文章评论 (POST comment/close,
// {"msg_data_id","index"}). The comments stay listed.
func (g *commentAPI) handleClose(_ *exchange, req commentRequest) any {
	return change(req, g.lookup, func(area *commentArea) { area.open = false })
}

// maxCommentCount is one more than the largest count comment/list serves
// (获取数目, >=50会被拒绝).
const maxCommentCount = 50

// handleList answers 查看指定文章的评论数据 (POST comment/list,
// {"msg_data_id","index","begin","count","type"}) with {"comment":[...],
// "total"}: the comments of the type (0 all, 1 not elected, 2 elected)
// in the order written, count of them from begin. total counts every
// comment of the type, as documented. A count below 1 or of 50 and more
// is answered 88010 (count range error), as the page's return codes
// list it; a count, begin or type that is missing or not a number, a
// negative begin or an unknown type is answered 40097.
func (g *commentAPI) handleList(_ *exchange, req commentRequest) any {
	area, e := g.lookup(req)
	if e != nil {
		return e
	}
	begin, bok := optionalInt(req.Begin, 0)
	count, cok := jsonInt(req.Count)
	typ, tok := optionalInt(req.Type, 0)
	switch {
	case !bok || !cok || !tok || begin < 0 || typ < 0 || typ > 2:
		return fail(40097)
	case count < 1 || count >= maxCommentCount:
		return fail(88010)
	}
	var match []*comment
	for _, c := range area.comments {
		if !c.deleted && (typ == 0 || typ == 1 && !c.elected || typ == 2 && c.elected) {
			match = append(match, c)
		}
	}
	lo := min(int(begin), len(match))
	hi := min(lo+int(count), len(match))
	out := make([]map[string]any, 0, hi-lo)
	for _, c := range match[lo:hi] {
		m := map[string]any{
			"user_comment_id": c.id, "create_time": c.created.Unix(), "content": c.content,
			"comment_type": bitOf(c.elected),
		}
		if c.openID != "" {
			m["openid"] = c.openID
		}
		if c.reply != nil {
			m["reply"] = map[string]any{"content": c.reply.content, "create_time": c.reply.created.Unix()}
		}
		out = append(out, m)
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "comment": out, "total": len(match)}
}

func bitOf(b bool) int {
	if b {
		return 1
	}
	return 0
}

// handleMarkElect answers 评论标记精选 (POST comment/markelect,
// {"msg_data_id","index","user_comment_id"}).
func (g *commentAPI) handleMarkElect(_ *exchange, req commentRequest) any {
	return change(req, g.lookupComment, func(c *comment) { c.elected = true })
}

// handleUnmarkElect answers 评论取消精选 (POST comment/unmarkelect).
func (g *commentAPI) handleUnmarkElect(_ *exchange, req commentRequest) any {
	return change(req, g.lookupComment, func(c *comment) { c.elected = false })
}

// handleDelete answers 删除评论 (POST comment/delete): the comment is gone
// for every later call, which answers 88008.
func (g *commentAPI) handleDelete(_ *exchange, req commentRequest) any {
	return change(req, g.lookupComment, func(c *comment) { c.deleted = true })
}

// handleReplyAdd answers 回复评论 (POST comment/reply/add,
// {"msg_data_id","index","user_comment_id","content"}): 88005 (already
// reply) if the comment has a reply, 88007 (reply content beyond max len
// or content len is zero) for an empty or blank content. WeChat
// documents no maximum length, so the fake takes any other content.
func (g *commentAPI) handleReplyAdd(x *exchange, req commentRequest) any {
	c, e := g.lookupComment(req)
	if e != nil {
		return e
	}
	if strings.TrimSpace(req.Content) == "" {
		return fail(88007)
	}
	if c.reply != nil {
		return fail(88005)
	}
	c.reply = &commentReply{content: req.Content, created: x.now}
	return okReply()
}

// handleReplyDelete answers 删除回复 (POST comment/reply/delete): the
// comment can be replied to again.
func (g *commentAPI) handleReplyDelete(_ *exchange, req commentRequest) any {
	return change(req, g.lookupComment, func(c *comment) { c.reply = nil })
}

// Errors of AddComment.
var (
	errNoArticle      = errors.New("wechattest: no such article: the fake did not publish or mass-send it")
	errCommentsClosed = errors.New("wechattest: the article's comments are closed")
	errFollowersOnly  = errors.New("wechattest: only followers can comment on the article")
)

// AddComment adds a reader's comment to an article the fake published
// (freepublish/submit) or mass-sent as mpnews, as a user writing in the
// WeChat app, and returns its user_comment_id. msgDataID is the send's
// msg_data_id in decimal and index the article's position, from 0.
// openID may be empty for a reader without a WeChat identity; it must
// be a follower's when the article takes comments from followers only.
// It fails for an article the fake did not send, one whose comments are
// closed, and an empty content.
func (s *Server) AddComment(msgDataID string, index int, openID, content string) (int64, error) {
	if content == "" {
		return 0, errors.New("wechattest: AddComment: empty content")
	}
	g := s.comments
	g.mu.Lock()
	defer g.mu.Unlock()
	area := g.areas[articleKey{msgDataID, index}]
	switch {
	case area == nil:
		return 0, fmt.Errorf("%w (msg_data_id %s, index %d)", errNoArticle, msgDataID, index)
	case !area.open:
		return 0, errCommentsClosed
	case area.onlyFans:
		if _, e := s.users.check(openID); e != nil {
			return 0, errFollowersOnly
		}
	}
	area.lastID++
	area.comments = append(area.comments, &comment{id: area.lastID, openID: openID, content: content, created: s.now()})
	return area.lastID, nil
}
