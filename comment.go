package wechat

import (
	"context"
	"encoding/json"
	"iter"
	"strconv"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Comments (留言管理) on the articles of a mass send (群发) or a
// publication (发布). A draft article opens its comment area with
// NewsArticle.NeedOpenComment (and OnlyFansCanComment to keep it to
// followers); OpenComments and CloseComments change that after the fact.
// Every call names the article by the msg_data_id WeChat returned for
// the send and the article's position in it: an ArticleRef.
//
// WeChat serves these APIs to verified accounts (认证) that have the
// comment feature (留言功能); others get CodeCommentNoPermission.

// ArticleRef names one article of a mass-sent or published message.
type ArticleRef struct {
	// MsgDataID is the msg_data_id of the message, in decimal:
	// PublishSubmission.MsgDataID, or MassResult.MsgDataID formatted
	// with strconv.FormatInt.
	MsgDataID string
	// Index is the article's position in the message, from 0.
	Index int
}

// Article returns the article at index (from 0) of the published message.
func (s PublishSubmission) Article(index int) ArticleRef {
	return ArticleRef{MsgDataID: s.MsgDataID, Index: index}
}

// Article returns the article at index (from 0) of a mass-sent MassNews.
func (r MassResult) Article(index int) ArticleRef {
	return ArticleRef{MsgDataID: strconv.FormatInt(r.MsgDataID, 10), Index: index}
}

// check rejects a reference WeChat could not resolve: msg_data_id is a
// number on the wire, so it must be written in decimal digits.
func (a ArticleRef) check() error {
	if a.MsgDataID == "" {
		return invalidArg("msg_data_id is empty")
	}
	for i, c := range a.MsgDataID {
		if c < '0' || c > '9' || c == '0' && i == 0 && len(a.MsgDataID) > 1 {
			return invalidArg("msg_data_id %q is not a decimal number", a.MsgDataID)
		}
	}
	if a.Index < 0 {
		return invalidArg("article index %d is negative", a.Index)
	}
	return nil
}

// articleJSON is the article part of every comment request.
type articleJSON struct {
	MsgDataID json.Number `json:"msg_data_id"`
	Index     int         `json:"index"`
}

func (a ArticleRef) wire() articleJSON {
	return articleJSON{MsgDataID: json.Number(a.MsgDataID), Index: a.Index}
}

// commentJSON is the body of the calls on one comment.
type commentJSON struct {
	articleJSON
	UserCommentID int64  `json:"user_comment_id"`
	Content       string `json:"content,omitempty"`
}

// onComment checks art and id and returns the body that names them.
func onComment(art ArticleRef, id int64) (*commentJSON, error) {
	if err := art.check(); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, invalidArg("user_comment_id %d is not positive", id)
	}
	return &commentJSON{articleJSON: art.wire(), UserCommentID: id}, nil
}

// execOnComment calls the endpoint id, whose body names the comment id of
// art and whose reply is the status alone.
func (c *Client) execOnComment(ctx context.Context, id endpoint.ID, art ArticleRef, commentID int64) error {
	body, err := onComment(art, commentID)
	if err != nil {
		return err
	}
	return exec(ctx, c, id, nil, body)
}

// OpenComments opens the comment area of an article already sent (打开已群发
// 文章评论, [cgi-bin/comment/open]).
//
// [cgi-bin/comment/open]: https://developers.weixin.qq.com/doc/service/api/leaving/api_openarticlecomment.html
func (c *Client) OpenComments(ctx context.Context, art ArticleRef) error {
	return c.execOnArticle(ctx, endpoint.CommentOpen, art)
}

// CloseComments closes the comment area of an article already sent (关闭已群发
// 文章评论, [cgi-bin/comment/close]). Its comments stay listed.
//
// [cgi-bin/comment/close]: https://developers.weixin.qq.com/doc/service/api/leaving/api_closecomment.html
func (c *Client) CloseComments(ctx context.Context, art ArticleRef) error {
	return c.execOnArticle(ctx, endpoint.CommentClose, art)
}

// execOnArticle calls the endpoint id, whose body names art and whose
// reply is the status alone.
func (c *Client) execOnArticle(ctx context.Context, id endpoint.ID, art ArticleRef) error {
	if err := art.check(); err != nil {
		return err
	}
	return exec(ctx, c, id, nil, art.wire())
}

// CommentType selects the comments ListComments returns (type).
type CommentType int

// Comment types of comment/list.
const (
	CommentsAll     CommentType = 0 // 普通评论&精选评论: every comment
	CommentsNormal  CommentType = 1 // 普通评论: those not marked elected
	CommentsElected CommentType = 2 // 精选评论: those marked elected (shown under the article)
)

// MaxCommentsPerPage is the largest count comment/list serves: WeChat
// refuses 50 or more.
const MaxCommentsPerPage = 49

// Comment is a reader's comment on an article.
type Comment struct {
	// ID is the user_comment_id the other comment calls take. It is
	// unique within the article only.
	ID int64
	// OpenID is the commenter's openid; empty when they commented
	// without a WeChat identity.
	OpenID     string
	Content    string
	CreateTime time.Time
	// Elected reports a comment marked elected (精选), which readers see.
	Elected bool
	// Reply is the account's reply, nil if there is none.
	Reply *CommentReply
}

// CommentReply is the account's reply to a comment.
type CommentReply struct {
	Content    string
	CreateTime time.Time
}

// CommentPage is one page of comments.
type CommentPage struct {
	Comments []Comment
	// Total is WeChat's total. Developers report that it counts the
	// comments of this page rather than of the article, so the end of
	// the list is a page shorter than asked for (see Comments).
	Total int
	// Next is the begin of the following page.
	Next int
}

type commentListReply struct {
	status
	Comment []struct {
		UserCommentID lenient.Int `json:"user_comment_id"`
		CreateTime    lenient.Int `json:"create_time"`
		Content       string      `json:"content"`
		CommentType   lenient.Int `json:"comment_type"`
		OpenID        string      `json:"openid"`
		Reply         *struct {
			Content    string      `json:"content"`
			CreateTime lenient.Int `json:"create_time"`
		} `json:"reply"`
	} `json:"comment"`
	Total lenient.Int `json:"total"`
}

// ListComments returns count comments of an article (1 to
// MaxCommentsPerPage), of the kind typ, from position begin (查看指定文章的
// 评论数据, [cgi-bin/comment/list]). Comments walks every page.
//
// [cgi-bin/comment/list]: https://developers.weixin.qq.com/doc/service/api/leaving/api_listcomment.html
func (c *Client) ListComments(ctx context.Context, art ArticleRef, typ CommentType, begin, count int) (*CommentPage, error) {
	if err := art.check(); err != nil {
		return nil, err
	}
	switch {
	case typ < CommentsAll || typ > CommentsElected:
		return nil, invalidArg("unknown comment type %d", typ)
	case begin < 0:
		return nil, invalidArg("begin %d is negative", begin)
	case count < 1 || count > MaxCommentsPerPage:
		return nil, invalidArg("count %d is not between 1 and %d", count, MaxCommentsPerPage)
	}
	body := struct {
		articleJSON
		Begin int         `json:"begin"`
		Count int         `json:"count"`
		Type  CommentType `json:"type"`
	}{art.wire(), begin, count, typ}
	r, err := call[commentListReply](ctx, c, endpoint.CommentList, nil, body)
	if err != nil {
		return nil, err
	}
	page := &CommentPage{Comments: make([]Comment, len(r.Comment)), Total: int(r.Total), Next: begin + len(r.Comment)}
	for i, w := range r.Comment {
		cm := Comment{
			ID: int64(w.UserCommentID), OpenID: w.OpenID, Content: w.Content,
			CreateTime: unixTime(int64(w.CreateTime)), Elected: w.CommentType == 1,
		}
		if w.Reply != nil && (w.Reply.Content != "" || w.Reply.CreateTime != 0) {
			cm.Reply = &CommentReply{Content: w.Reply.Content, CreateTime: unixTime(int64(w.Reply.CreateTime))}
		}
		page.Comments[i] = cm
	}
	return page, nil
}

// Comments iterates over the comments of an article of the kind typ,
// fetching pages of MaxCommentsPerPage with [cgi-bin/comment/list] as the loop
// advances. It stops after a page shorter than that, whatever Total
// says. The iterator stops at the first error, which it yields.
//
// [cgi-bin/comment/list]: https://developers.weixin.qq.com/doc/service/api/leaving/api_listcomment.html
func (c *Client) Comments(ctx context.Context, art ArticleRef, typ CommentType) iter.Seq2[Comment, error] {
	return paginate(ctx, 0, func(ctx context.Context, begin int) ([]Comment, int, bool, error) {
		p, err := c.ListComments(ctx, art, typ, begin, MaxCommentsPerPage)
		if err != nil {
			return nil, 0, false, err
		}
		return p.Comments, p.Next, len(p.Comments) == MaxCommentsPerPage, nil
	})
}

// MarkCommentElected marks a comment elected (评论标记精选,
// [cgi-bin/comment/markelect]): readers see it under the article.
//
// [cgi-bin/comment/markelect]: https://developers.weixin.qq.com/doc/service/api/leaving/api_electcomment.html
func (c *Client) MarkCommentElected(ctx context.Context, art ArticleRef, commentID int64) error {
	return c.execOnComment(ctx, endpoint.CommentMarkElect, art, commentID)
}

// UnmarkCommentElected takes a comment out of the elected ones (评论取消精选,
// [cgi-bin/comment/unmarkelect]).
//
// [cgi-bin/comment/unmarkelect]: https://developers.weixin.qq.com/doc/service/api/leaving/api_unelectcomment.html
func (c *Client) UnmarkCommentElected(ctx context.Context, art ArticleRef, commentID int64) error {
	return c.execOnComment(ctx, endpoint.CommentUnmarkElect, art, commentID)
}

// DeleteComment deletes a comment (删除评论, [cgi-bin/comment/delete]). It cannot be
// undone, and is not retried: a repetition fails with CodeCommentNotExist.
//
// [cgi-bin/comment/delete]: https://developers.weixin.qq.com/doc/service/api/leaving/api_delcomment.html
func (c *Client) DeleteComment(ctx context.Context, art ArticleRef, commentID int64) error {
	return c.execOnComment(ctx, endpoint.CommentDelete, art, commentID)
}

// ReplyToComment publishes the account's reply to a comment (回复评论,
// [cgi-bin/comment/reply/add]). A comment takes one reply: another fails with
// CodeCommentAlreadyReplied until DeleteCommentReply removes the first.
//
// [cgi-bin/comment/reply/add]: https://developers.weixin.qq.com/doc/service/api/leaving/api_replycomment.html
func (c *Client) ReplyToComment(ctx context.Context, art ArticleRef, commentID int64, content string) error {
	body, err := onComment(art, commentID)
	if err != nil {
		return err
	}
	if content == "" {
		return invalidArg("reply content is empty")
	}
	body.Content = content
	return exec(ctx, c, endpoint.CommentReplyAdd, nil, body)
}

// DeleteCommentReply deletes the account's reply to a comment (删除回复,
// [cgi-bin/comment/reply/delete]).
//
// [cgi-bin/comment/reply/delete]: https://developers.weixin.qq.com/doc/service/api/leaving/api_delreplycomment.html
func (c *Client) DeleteCommentReply(ctx context.Context, art ArticleRef, commentID int64) error {
	return c.execOnComment(ctx, endpoint.CommentReplyDelete, art, commentID)
}
