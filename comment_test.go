package wechat

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testArticle is the article the comment tests name: the second article
// (index 1) of the message 2247503052.
var testArticle = ArticleRef{MsgDataID: "2247503052", Index: 1}

func commentEndpoints() map[endpoint.ID]endpointCase {
	art := testArticle
	onComment := func(f func(*Client, context.Context, ArticleRef, int64) error) func(ctx context.Context, c *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return nil, f(c, ctx, art, 8) }
	}
	badID := func(f func(*Client, context.Context, ArticleRef, int64) error) func(ctx context.Context, c *Client) error {
		return func(ctx context.Context, c *Client) error { return f(c, ctx, art, 0) }
	}
	const commentBody = `{"msg_data_id":2247503052,"index":1,"user_comment_id":8}`
	return map[endpoint.ID]endpointCase{
		endpoint.CommentOpen: execCase(`{"msg_data_id":2247503052,"index":1}`,
			func(ctx context.Context, c *Client) error { return c.OpenComments(ctx, art) },
			func(ctx context.Context, c *Client) error { return c.OpenComments(ctx, ArticleRef{}) }),
		endpoint.CommentClose: execCase(`{"msg_data_id":2247503052,"index":1}`,
			func(ctx context.Context, c *Client) error { return c.CloseComments(ctx, art) },
			func(ctx context.Context, c *Client) error {
				return c.CloseComments(ctx, ArticleRef{MsgDataID: "2247503052", Index: -1})
			}),
		endpoint.CommentList: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListComments(ctx, art, CommentsAll, 0, 2)
			},
			body:  `{"msg_data_id":2247503052,"index":1,"begin":0,"count":2,"type":0}`,
			reply: "api/comment_list.json",
			want: &CommentPage{
				Comments: []Comment{
					{ID: 8, OpenID: "OPENID", Content: "CONTENT", CreateTime: time.Unix(1682215860, 0), Elected: true,
						Reply: &CommentReply{Content: "接口回复", CreateTime: time.Unix(1682215920, 0)}},
					{ID: 9, Content: "CONTENT", CreateTime: time.Unix(1682216100, 0)},
				},
				Total: 2, Next: 2,
			},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.ListComments(ctx, art, CommentsAll, 0, 50)
				return err
			},
		},
		endpoint.CommentMarkElect: {
			call:    onComment((*Client).MarkCommentElected),
			body:    commentBody,
			reply:   "api/ok.json",
			invalid: badID((*Client).MarkCommentElected),
		},
		endpoint.CommentUnmarkElect: {
			call:    onComment((*Client).UnmarkCommentElected),
			body:    commentBody,
			reply:   "api/ok.json",
			invalid: badID((*Client).UnmarkCommentElected),
		},
		endpoint.CommentDelete: {
			call:    onComment((*Client).DeleteComment),
			body:    commentBody,
			reply:   "api/ok.json",
			invalid: badID((*Client).DeleteComment),
		},
		endpoint.CommentReplyAdd: execCase(`{"msg_data_id":2247503052,"index":1,"user_comment_id":8,"content":"接口回复 <3 & thanks"}`,
			func(ctx context.Context, c *Client) error {
				return c.ReplyToComment(ctx, art, 8, "接口回复 <3 & thanks")
			},
			func(ctx context.Context, c *Client) error { return c.ReplyToComment(ctx, art, 8, "") }),
		endpoint.CommentReplyDelete: {
			call:    onComment((*Client).DeleteCommentReply),
			body:    commentBody,
			reply:   "api/ok.json",
			invalid: badID((*Client).DeleteCommentReply),
		},
	}
}

func TestArticleRefChecks(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
	for _, art := range []ArticleRef{
		{},                            // no msg_data_id
		{MsgDataID: "12ab"},           // not a number
		{MsgDataID: "-12"},            // not a decimal number
		{MsgDataID: "0123"},           // would be invalid JSON
		{MsgDataID: "123", Index: -1}, // negative index
	} {
		assert.ErrorIs(t, c.OpenComments(ctx, art), ErrInvalidArgument, "%+v", art)
	}
	for _, tt := range []struct {
		typ          CommentType
		begin, count int
	}{{3, 0, 10}, {-1, 0, 10}, {CommentsAll, -1, 10}, {CommentsAll, 0, 0}, {CommentsElected, 0, MaxCommentsPerPage + 1}} {
		_, err := c.ListComments(ctx, testArticle, tt.typ, tt.begin, tt.count)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%+v", tt)
	}
	assert.NoError(t, testArticle.check())
	assert.NoError(t, ArticleRef{MsgDataID: "0"}.check(), "0 is a number")
}

func TestArticleOfSubmissionAndMassSend(t *testing.T) {
	assert.Equal(t, ArticleRef{MsgDataID: "2247503052", Index: 2}, PublishSubmission{PublishID: "1", MsgDataID: "2247503052"}.Article(2))
	assert.Equal(t, ArticleRef{MsgDataID: "1000000001", Index: 0}, MassResult{MsgID: 7, MsgDataID: 1000000001}.Article(0))
}

func commentPage(first, n int) []byte {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"user_comment_id":%d,"openid":"o%d","create_time":1682215860,"content":"c","comment_type":0}`, first+i, first+i)
	}
	// total as developers report it: the length of the page.
	return []byte(fmt.Sprintf(`{"errcode":0,"errmsg":"ok","total":%d,"comment":[%s]}`, n, strings.Join(items, ",")))
}

func TestComments(t *testing.T) {
	ctx := context.Background()
	t.Run("pages until a short one", func(t *testing.T) {
		c, mt := newTestClient(t)
		rec := stubSeq(mt, "POST", "/cgi-bin/comment/list",
			commentPage(1, MaxCommentsPerPage), commentPage(50, MaxCommentsPerPage), commentPage(99, 3))
		var ids []int64
		for cm, err := range c.Comments(ctx, testArticle, CommentsElected) {
			require.NoError(t, err)
			ids = append(ids, cm.ID)
		}
		require.Len(t, ids, 2*MaxCommentsPerPage+3)
		assert.Equal(t, int64(1), ids[0])
		assert.Equal(t, int64(101), ids[len(ids)-1])
		calls := rec.Calls()
		require.Len(t, calls, 3)
		for i, begin := range []int{0, 49, 98} {
			assertWire(t, calls[i], "POST", "/cgi-bin/comment/list",
				fmt.Sprintf(`{"msg_data_id":2247503052,"index":1,"begin":%d,"count":49,"type":2}`, begin))
		}
	})
	t.Run("a full last page costs one empty page", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "POST", "/cgi-bin/comment/list", commentPage(1, MaxCommentsPerPage), commentPage(0, 0))
		n := 0
		for _, err := range c.Comments(ctx, testArticle, CommentsAll) {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, MaxCommentsPerPage, n)
		assert.Len(t, rec.Calls(), 2)
	})
	t.Run("break stops fetching", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "POST", "/cgi-bin/comment/list", commentPage(1, MaxCommentsPerPage))
		for range c.Comments(ctx, testArticle, CommentsAll) {
			break
		}
		assert.Len(t, rec.Calls(), 1)
	})
	t.Run("an error ends the walk", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/comment/list", []byte(`{"errcode":88001,"errmsg":"msg_data is not exists"}`))
		var errs []error
		for _, err := range c.Comments(ctx, testArticle, CommentsAll) {
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		assertAPIError(t, errs[0], CodeCommentArticleMissing, "/cgi-bin/comment/list")
	})
}

func TestListCommentsEmptyReply(t *testing.T) {
	// An empty reply object is an empty page, and a reply object
	// without content or time is no reply.
	c, _ := newStubClient(t, "POST", "/cgi-bin/comment/list", []byte(`{"errcode":0,"errmsg":"ok","comment":[{"user_comment_id":"3","create_time":"1682215860","content":"c","comment_type":"1","reply":{}}],"total":1}`))
	p, err := c.ListComments(context.Background(), testArticle, CommentsAll, 10, 5)
	require.NoError(t, err)
	require.Len(t, p.Comments, 1)
	assert.Equal(t, Comment{ID: 3, Content: "c", CreateTime: time.Unix(1682215860, 0), Elected: true}, p.Comments[0])
	assert.Equal(t, 11, p.Next)
}

// TestCommentErrors checks that each errcode the comment pages document
// for an API surfaces as an *APIError with that code.
func TestCommentErrors(t *testing.T) {
	ctx := context.Background()
	art := testArticle
	documented := map[int]string{
		88000: "without comment privilege",
		88001: "msg_data is not exists",
		88002: "article is limit for safety",
		88005: "already reply",
		88008: "comment is not exists",
		87009: "invalid signature",
	}
	calls := []struct {
		path  string
		codes []int
		call  func(*Client) error
	}{
		{"/cgi-bin/comment/open", []int{88000, 88001, 88002}, func(c *Client) error { return c.OpenComments(ctx, art) }},
		{"/cgi-bin/comment/close", []int{88000, 88001}, func(c *Client) error { return c.CloseComments(ctx, art) }},
		{"/cgi-bin/comment/list", []int{88000, 88001}, func(c *Client) error {
			_, err := c.ListComments(ctx, art, CommentsAll, 0, 10)
			return err
		}},
		{"/cgi-bin/comment/markelect", []int{88000, 88001, 88008}, func(c *Client) error { return c.MarkCommentElected(ctx, art, 8) }},
		{"/cgi-bin/comment/unmarkelect", []int{88000, 88001, 88008}, func(c *Client) error { return c.UnmarkCommentElected(ctx, art, 8) }},
		{"/cgi-bin/comment/delete", []int{88000, 88001, 88008}, func(c *Client) error { return c.DeleteComment(ctx, art, 8) }},
		{"/cgi-bin/comment/reply/add", []int{88000, 88001, 88005, 88008}, func(c *Client) error { return c.ReplyToComment(ctx, art, 8, "hi") }},
		{"/cgi-bin/comment/reply/delete", []int{87009, 88000, 88001, 88008}, func(c *Client) error { return c.DeleteCommentReply(ctx, art, 8) }},
	}
	for _, tt := range calls {
		for _, code := range tt.codes {
			t.Run(fmt.Sprint(tt.path, " ", code), func(t *testing.T) {
				c, rec := newStubClient(t, "POST", tt.path, []byte(fmt.Sprintf(`{"errcode":%d,"errmsg":%q}`, code, documented[code])))
				assertAPIError(t, tt.call(c), code, tt.path)
				assert.Len(t, rec.Calls(), 1, "not retried")
			})
		}
	}
	t.Run("captured 88005", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/comment/reply/add", fixture(t, "api/errors/88005_already_reply_rid.json"))
		err := c.ReplyToComment(ctx, art, 8, "接口回复")
		assert.ErrorIs(t, err, &APIError{Code: CodeCommentAlreadyReplied})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "64449407-4c4c6550-08a4ca2c", apiErr.RID)
	})
}

func TestCommentWritesRetryPolicy(t *testing.T) {
	// Opening and marking are retried after a system-busy reply; a
	// delete or a reply is not.
	ctx := context.Background()
	for _, tt := range []struct {
		path  string
		call  func(*Client) error
		tries int
	}{
		{"/cgi-bin/comment/open", func(c *Client) error { return c.OpenComments(ctx, testArticle) }, 2},
		{"/cgi-bin/comment/markelect", func(c *Client) error { return c.MarkCommentElected(ctx, testArticle, 8) }, 2},
		{"/cgi-bin/comment/delete", func(c *Client) error { return c.DeleteComment(ctx, testArticle, 8) }, 1},
		{"/cgi-bin/comment/reply/add", func(c *Client) error { return c.ReplyToComment(ctx, testArticle, 8, "hi") }, 1},
	} {
		t.Run(tt.path, func(t *testing.T) {
			c, rec := newStubSeqClient(t, "POST", tt.path, systemBusy, fixture(t, "api/ok.json"))
			err := tt.call(c)
			if tt.tries == 2 {
				require.NoError(t, err)
			} else {
				assertAPIError(t, err, CodeSystemBusy, tt.path)
			}
			assert.Len(t, rec.Calls(), tt.tries)
		})
	}
}
