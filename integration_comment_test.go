package wechat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

const pathCommentList = "/cgi-bin/comment/list"

// commentIDs lists the ids of the comments of an article of the kind typ.
func commentIDs(t *testing.T, c *wechat.Client, art wechat.ArticleRef, typ wechat.CommentType) []int64 {
	t.Helper()
	var ids []int64
	for cm, err := range c.Comments(context.Background(), art, typ) {
		require.NoError(t, err)
		ids = append(ids, cm.ID)
	}
	return ids
}

// publishArticles publishes a draft of the articles through the fake and
// returns the submission.
func publishArticles(t *testing.T, c *wechat.Client, articles ...wechat.NewsArticle) *wechat.PublishSubmission {
	t.Helper()
	ctx := context.Background()
	draft, err := c.AddDraft(ctx, articles)
	require.NoError(t, err)
	sub, err := c.PublishDraft(ctx, draft)
	require.NoError(t, err)
	require.NotEmpty(t, sub.MsgDataID)
	return sub
}

func TestIntegrationComments(t *testing.T) {
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(3)...))
	ctx := context.Background()
	thumb := addCover(t, c)
	closed := newsArticle("次条", thumb)
	closed.NeedOpenComment = false
	sub := publishArticles(t, c, newsArticle("头条", thumb), closed)
	first, second := sub.Article(0), sub.Article(1)

	// The first article opened its comments in the draft; the second
	// did not, until OpenComments.
	_, err := srv.AddComment(sub.MsgDataID, 1, "o1", "too early")
	require.ErrorContains(t, err, "closed")
	require.NoError(t, c.OpenComments(ctx, second))
	id2, err := srv.AddComment(sub.MsgDataID, 1, "o1", "次条的评论")
	require.NoError(t, err)

	var ids []int64
	for i, who := range []string{"o1", "o2", "", "o3"} {
		id, err := srv.AddComment(sub.MsgDataID, 0, who, "评论 "+string(rune('A'+i)))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	assert.Equal(t, []int64{1, 2, 3, 4}, ids, "ids count up per article")
	assert.Equal(t, int64(1), id2)

	// Page by page with ListComments.
	page, err := c.ListComments(ctx, first, wechat.CommentsAll, 1, 2)
	require.NoError(t, err)
	require.Len(t, page.Comments, 2)
	assert.Equal(t, []int64{2, 3}, []int64{page.Comments[0].ID, page.Comments[1].ID})
	assert.Equal(t, "o2", page.Comments[0].OpenID)
	assert.Empty(t, page.Comments[1].OpenID, "a reader without a WeChat identity")
	assert.Equal(t, 4, page.Total)
	assert.Equal(t, 3, page.Next)

	// Elected comments, and the filters of comment/list.
	require.NoError(t, c.MarkCommentElected(ctx, first, 2))
	require.NoError(t, c.MarkCommentElected(ctx, first, 4))
	assert.Equal(t, []int64{2, 4}, commentIDs(t, c, first, wechat.CommentsElected))
	assert.Equal(t, []int64{1, 3}, commentIDs(t, c, first, wechat.CommentsNormal))
	require.NoError(t, c.UnmarkCommentElected(ctx, first, 4))
	assert.Equal(t, []int64{2}, commentIDs(t, c, first, wechat.CommentsElected))

	// One reply per comment.
	require.NoError(t, c.ReplyToComment(ctx, first, 2, "谢谢 <3 & 欢迎"))
	err = c.ReplyToComment(ctx, first, 2, "again")
	requireAPIError(t, err, wechat.CodeCommentAlreadyReplied, "/cgi-bin/comment/reply/add")
	page, err = c.ListComments(ctx, first, wechat.CommentsElected, 0, 10)
	require.NoError(t, err)
	require.Len(t, page.Comments, 1)
	got := page.Comments[0]
	require.NotNil(t, got.Reply)
	assert.Equal(t, "谢谢 <3 & 欢迎", got.Reply.Content)
	assert.True(t, got.Elected)
	assert.False(t, got.Reply.CreateTime.IsZero())
	require.NoError(t, c.DeleteCommentReply(ctx, first, 2))
	require.NoError(t, c.ReplyToComment(ctx, first, 2, "second thoughts"))

	// Deleting.
	require.NoError(t, c.DeleteComment(ctx, first, 3))
	assert.Equal(t, []int64{1, 2, 4}, commentIDs(t, c, first, wechat.CommentsAll))
	err = c.DeleteComment(ctx, first, 3)
	requireAPIError(t, err, wechat.CodeCommentNotExist, "/cgi-bin/comment/delete")
	err = c.MarkCommentElected(ctx, first, 99)
	requireAPIError(t, err, wechat.CodeCommentNotExist, "/cgi-bin/comment/markelect")

	// Closing keeps the comments but takes no new ones.
	require.NoError(t, c.CloseComments(ctx, first))
	_, err = srv.AddComment(sub.MsgDataID, 0, "o1", "closed")
	require.ErrorContains(t, err, "closed")
	assert.Equal(t, []int64{1, 2, 4}, commentIDs(t, c, first, wechat.CommentsAll))
	assert.Equal(t, []int64{1}, commentIDs(t, c, second, wechat.CommentsAll), "articles have their own comments")

	// An article the fake did not send.
	for _, art := range []wechat.ArticleRef{sub.Article(2), {MsgDataID: "42"}} {
		err = c.OpenComments(ctx, art)
		requireAPIError(t, err, wechat.CodeCommentArticleMissing, "/cgi-bin/comment/open")
		_, err = c.ListComments(ctx, art, wechat.CommentsAll, 0, 10)
		requireAPIError(t, err, wechat.CodeCommentArticleMissing, pathCommentList)
	}
}

func TestIntegrationCommentsPaging(t *testing.T) {
	srv, c := startFake(t)
	sub := publishArticles(t, c, newsArticle("热门", addCover(t, c)))
	for range 2*wechat.MaxCommentsPerPage + 1 {
		_, err := srv.AddComment(sub.MsgDataID, 0, "", "+1")
		require.NoError(t, err)
	}
	ids := commentIDs(t, c, sub.Article(0), wechat.CommentsAll)
	require.Len(t, ids, 2*wechat.MaxCommentsPerPage+1)
	assert.Equal(t, int64(len(ids)), ids[len(ids)-1])
	assert.Equal(t, 3, srv.Calls(pathCommentList), "two full pages and a short one")

	// Breaking out fetches nothing more.
	before := srv.Calls(pathCommentList)
	for range c.Comments(context.Background(), sub.Article(0), wechat.CommentsAll) {
		break
	}
	assert.Equal(t, before+1, srv.Calls(pathCommentList))
}

func TestIntegrationCommentsOnMassNews(t *testing.T) {
	// A news mass send takes comments under its msg_data_id too, as the
	// draft set them.
	srv, c := startFake(t, wechattest.WithFollowers(seedFollowers(2)...))
	ctx := context.Background()
	fans := newsArticle("粉丝专享", addCover(t, c))
	fans.OnlyFansCanComment = true
	draft, err := c.AddDraft(ctx, []wechat.NewsArticle{fans})
	require.NoError(t, err)
	res, err := c.SendMassToAll(ctx, wechat.MassMessage{Type: wechat.MassNews, MediaID: draft})
	require.NoError(t, err)
	require.NotZero(t, res.MsgDataID)
	art := res.Article(0)

	_, err = srv.AddComment(art.MsgDataID, 0, "oStranger", "not a follower")
	require.ErrorContains(t, err, "only followers")
	_, err = srv.AddComment(art.MsgDataID, 0, "", "no identity")
	require.ErrorContains(t, err, "only followers")
	_, err = srv.AddComment("42", 0, "o1", "no such send")
	require.ErrorContains(t, err, "no such article")
	id, err := srv.AddComment(art.MsgDataID, 0, "o2", "关注了")
	require.NoError(t, err)
	require.NoError(t, c.ReplyToComment(ctx, art, id, "谢谢关注"))
	page, err := c.ListComments(ctx, art, wechat.CommentsAll, 0, 1)
	require.NoError(t, err)
	require.Len(t, page.Comments, 1)
	assert.Equal(t, "o2", page.Comments[0].OpenID)
	assert.Equal(t, "谢谢关注", page.Comments[0].Reply.Content)
}

func TestIntegrationCommentsNeedASuccessfulPublication(t *testing.T) {
	// A publication still in progress has no comments yet; once
	// WeChat's job succeeds, it does.
	srv, c := startFake(t)
	srv.SetPublishOutcome(wechat.PublishInProgress)
	sub := publishArticles(t, c, newsArticle("审核中", addCover(t, c)))
	err := c.OpenComments(context.Background(), sub.Article(0))
	requireAPIError(t, err, wechat.CodeCommentArticleMissing, "/cgi-bin/comment/open")
	require.True(t, srv.SetPublishStatus(sub.PublishID, wechat.PublishSucceeded))
	require.NoError(t, c.OpenComments(context.Background(), sub.Article(0)))
	_, err = srv.AddComment(sub.MsgDataID, 0, "o1", "终于")
	require.NoError(t, err)
}
