package wechat_test

// End-to-end tests of permanent materials, the draft box, publishing and
// the comments on what is published against the fake WeChat server (see
// integration_test.go for the helpers).

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// download fetches a URL the fake handed out, which needs no access
// token.
func download(t *testing.T, srv *wechattest.Server, u string) []byte {
	t.Helper()
	assert.NotContains(t, u, "access_token")
	resp, err := srv.HTTPClient().Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func TestIntegrationMaterials(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3}, 100)...)
	jpg := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{7}, 500)...)
	voice := []byte("ID3" + strings.Repeat("v", 300))

	tests := []struct {
		typ      wechat.MediaType
		filename string
		data     []byte
		hasURL   bool
	}{
		{wechat.MediaImage, "photo.png", png, true},
		{wechat.MediaThumb, "cover.jpg", jpg, false}, // url is for images only
		{wechat.MediaVoice, "hello.mp3", voice, false},
	}
	ids := map[wechat.MediaType]string{}
	for _, tt := range tests {
		m, err := c.AddMaterial(ctx, tt.typ, tt.filename, bytes.NewReader(tt.data))
		require.NoError(t, err, "%s", tt.typ)
		ids[tt.typ] = m.MediaID
		if !tt.hasURL {
			assert.Empty(t, m.URL, "%s", tt.typ)
		} else {
			assert.Equal(t, tt.data, download(t, srv, m.URL), "%s: the url serves the upload", tt.typ)
		}

		got, err := c.GetMaterial(ctx, m.MediaID)
		require.NoError(t, err, "%s", tt.typ)
		require.NotNil(t, got.File, "%s", tt.typ)
		assert.Nil(t, got.Video)
		assert.Nil(t, got.News)
		body, err := io.ReadAll(got.File.Body)
		require.NoError(t, err)
		require.NoError(t, got.File.Body.Close())
		assert.Equal(t, tt.data, body, "%s: identical bytes", tt.typ)
		assert.Equal(t, tt.filename, got.File.Filename)
	}

	video := bytes.Repeat([]byte("mp4!"), 2000)
	vm, err := c.AddVideoMaterial(ctx, "clip.mp4", bytes.NewReader(video), "发布会", "现场录像")
	require.NoError(t, err)
	assert.Empty(t, vm.URL)
	got, err := c.GetMaterial(ctx, vm.MediaID)
	require.NoError(t, err)
	require.NotNil(t, got.Video)
	assert.Nil(t, got.File)
	assert.Equal(t, "发布会", got.Video.Title)
	assert.Equal(t, "现场录像", got.Video.Description)
	assert.Equal(t, video, download(t, srv, got.Video.DownURL))

	n, err := c.GetMaterialCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, wechat.MaterialCount{Voice: 1, Video: 1, Image: 2}, *n, "a thumb counts as an image")

	require.NoError(t, c.DeleteMaterial(ctx, ids[wechat.MediaVoice]))
	_, err = c.GetMaterial(ctx, ids[wechat.MediaVoice])
	requireAPIError(t, err, 40007, "/cgi-bin/material/get_material")
	err = c.DeleteMaterial(ctx, ids[wechat.MediaVoice])
	requireAPIError(t, err, 40007, "/cgi-bin/material/del_material")
	n, err = c.GetMaterialCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n.Voice)

	// A permanent image in a customer-service message needs no upload of
	// its own.
	srv.AddFollower(wechattest.Follower{OpenID: "o1"})
	require.NoError(t, c.SendImage(ctx, "o1", ids[wechat.MediaImage]))
	assert.Equal(t, 1, srv.Calls(pathToken))
}

func TestIntegrationMaterialPages(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	const n = 45 // three pages of 20
	var added []string
	for i := range n {
		name := "img" + strconv.Itoa(i) + ".jpg"
		m, err := c.AddMaterial(ctx, wechat.MediaImage, name, strings.NewReader("jpeg "+name))
		require.NoError(t, err)
		added = append(added, m.MediaID)
	}
	_, err := c.AddMaterial(ctx, wechat.MediaVoice, "v.amr", strings.NewReader("#!AMR\n"))
	require.NoError(t, err)

	var listed []string
	for it, err := range c.Materials(ctx, wechat.MediaImage) {
		require.NoError(t, err)
		assert.NotEmpty(t, it.URL)
		assert.False(t, it.UpdateTime.IsZero())
		assert.True(t, strings.HasPrefix(it.Name, "img"), "voice is not listed with images: %s", it.Name)
		listed = append(listed, it.MediaID)
	}
	require.Len(t, listed, n)
	for i, id := range listed {
		assert.Equal(t, added[n-1-i], id, "newest first")
	}
	assert.Equal(t, 3, srv.Calls("/cgi-bin/material/batchget_material"))

	// Breaking early stops the requests.
	seen := 0
	for _, err := range c.Materials(ctx, wechat.MediaImage) {
		require.NoError(t, err)
		if seen++; seen == 21 {
			break
		}
	}
	assert.Equal(t, 3+2, srv.Calls("/cgi-bin/material/batchget_material"), "the 21st item is on the second page")

	seen = 0
	for _, err := range c.NewsMaterials(ctx) {
		require.NoError(t, err)
		seen++
	}
	assert.Zero(t, seen, "the fake holds no news materials")
}

// newsArticle is an article with a cover.
func newsArticle(title, thumb string) wechat.NewsArticle {
	return wechat.NewsArticle{
		Title: title, Author: "编辑部", Digest: "摘要", Content: "<p>" + title + "</p>",
		ContentSourceURL: "https://example.com/" + url.PathEscape(title), ThumbMediaID: thumb,
		NeedOpenComment: true,
	}
}

func addCover(t *testing.T, c *wechat.Client) string {
	t.Helper()
	m, err := c.AddMaterial(context.Background(), wechat.MediaImage, "cover.jpg", strings.NewReader("\xff\xd8\xff cover"))
	require.NoError(t, err)
	return m.MediaID
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

func TestIntegrationDrafts(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	thumb := addCover(t, c)

	first := newsArticle("第一篇", thumb)
	pic := wechat.NewsArticle{
		Type: wechat.ArticleNewsPic, Title: "图片消息", Content: "纯文本",
		ImageMediaIDs: []string{thumb, thumb},
		CoverCrops:    []wechat.CoverCrop{{Ratio: wechat.CropRatio1x1, X1: "0", Y1: "0", X2: "1", Y2: "1"}},
	}
	id, err := c.AddDraft(ctx, []wechat.NewsArticle{first, pic})
	require.NoError(t, err)

	got, err := c.GetDraft(ctx, id)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, strings.HasPrefix(got[0].URL, "https://mp.weixin.qq.com/"), "a preview link: %q", got[0].URL)
	// What was sent comes back, plus what WeChat sets.
	want := first
	want.Type, want.URL = wechat.ArticleNews, got[0].URL
	assert.Equal(t, want, got[0])
	wantPic := pic
	wantPic.URL = got[1].URL
	assert.Equal(t, wantPic, got[1])

	second := newsArticle("第二篇", thumb)
	require.NoError(t, c.UpdateDraft(ctx, id, 1, second))
	got, err = c.GetDraft(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "第二篇", got[1].Title)
	assert.Equal(t, wechat.ArticleNews, got[1].Type)
	err = c.UpdateDraft(ctx, id, 2, second)
	requireAPIError(t, err, 40097, "/cgi-bin/draft/update")

	// A cover that is not a permanent material is refused.
	_, err = c.AddDraft(ctx, []wechat.NewsArticle{newsArticle("x", "no-such-material")})
	requireAPIError(t, err, 40007, "/cgi-bin/draft/add")

	var ids []string
	ids = append(ids, id)
	for i := range 21 {
		d, err := c.AddDraft(ctx, []wechat.NewsArticle{newsArticle("草稿"+strconv.Itoa(i), thumb)})
		require.NoError(t, err)
		ids = append(ids, d)
	}
	count, err := c.GetDraftCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 22, count)

	var listed []string
	for d, err := range c.Drafts(ctx, true) {
		require.NoError(t, err)
		require.NotEmpty(t, d.Articles)
		assert.Empty(t, d.Articles[0].Content, "noContent")
		assert.NotEmpty(t, d.Articles[0].Title)
		assert.False(t, d.UpdateTime.IsZero())
		listed = append(listed, d.MediaID)
	}
	require.Len(t, listed, 22)
	assert.Equal(t, ids[21], listed[0], "newest first")
	assert.Equal(t, id, listed[21])
	assert.Equal(t, 2, srv.Calls("/cgi-bin/draft/batchget"))
	for d, err := range c.Drafts(ctx, false) {
		require.NoError(t, err)
		assert.Equal(t, "<p>草稿20</p>", d.Articles[0].Content)
		break
	}

	require.NoError(t, c.DeleteDraft(ctx, id))
	_, err = c.GetDraft(ctx, id)
	requireAPIError(t, err, 40007, "/cgi-bin/draft/get")
	err = c.DeleteDraft(ctx, id)
	requireAPIError(t, err, 40007, "/cgi-bin/draft/delete")
	count, err = c.GetDraftCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 21, count)
}

func TestIntegrationPublishing(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	thumb := addCover(t, c)
	articles := []wechat.NewsArticle{newsArticle("头条", thumb), newsArticle("次条", thumb)}
	id, err := c.AddDraft(ctx, articles)
	require.NoError(t, err)

	sub, err := c.PublishDraft(ctx, id)
	require.NoError(t, err)
	assert.NotEmpty(t, sub.PublishID)
	assert.NotEmpty(t, sub.MsgDataID)
	_, err = c.GetDraft(ctx, id)
	requireAPIError(t, err, 40007, "/cgi-bin/draft/get")
	_, err = c.PublishDraft(ctx, id)
	requireAPIError(t, err, 40007, "/cgi-bin/freepublish/submit")

	job, err := c.GetPublishStatus(ctx, sub.PublishID)
	require.NoError(t, err)
	assert.Equal(t, sub.PublishID, job.PublishID)
	assert.Equal(t, wechat.PublishSucceeded, job.Status)
	require.NotEmpty(t, job.ArticleID)
	require.Len(t, job.Articles, 2)
	assert.Equal(t, 1, job.Articles[0].Index)
	assert.Equal(t, 2, job.Articles[1].Index)
	assert.Empty(t, job.FailedIndexes)

	pub, err := c.GetPublication(ctx, job.ArticleID)
	require.NoError(t, err)
	require.Len(t, pub, 2)
	for i, a := range pub {
		assert.Equal(t, job.Articles[i].URL, a.URL, "the permanent link")
		assert.NotEmpty(t, a.ThumbURL)
		assert.False(t, a.IsDeleted)
		assert.Equal(t, articles[i].Title, a.Title)
		assert.Equal(t, articles[i].Content, a.Content)
		assert.Equal(t, articles[i].ContentSourceURL, a.ContentSourceURL)
		assert.True(t, a.NeedOpenComment)
	}

	// A second publication, listed first.
	sub2 := publishArticles(t, c, newsArticle("另一篇", thumb))
	job2, err := c.GetPublishStatus(ctx, sub2.PublishID)
	require.NoError(t, err)
	listed := collect(t, c.Publications(ctx, true), 0)
	require.Len(t, listed, 2)
	assert.Equal(t, job2.ArticleID, listed[0].ArticleID)
	assert.Equal(t, job.ArticleID, listed[1].ArticleID)
	assert.Equal(t, "头条", listed[1].Articles[0].Title)
	assert.Empty(t, listed[1].Articles[0].Content, "noContent")

	// Deleting one article, then the whole publication.
	require.NoError(t, c.DeletePublication(ctx, job.ArticleID, 2))
	pub, err = c.GetPublication(ctx, job.ArticleID)
	require.NoError(t, err)
	assert.False(t, pub[0].IsDeleted)
	assert.True(t, pub[1].IsDeleted)
	require.NoError(t, c.DeletePublication(ctx, job.ArticleID, 0))
	job, err = c.GetPublishStatus(ctx, sub.PublishID)
	require.NoError(t, err)
	assert.Equal(t, wechat.PublishDeletedByUser, job.Status)
	listed = collect(t, c.Publications(ctx, false), 0)
	require.Len(t, listed, 1)
	assert.Equal(t, job2.ArticleID, listed[0].ArticleID)

	err = c.DeletePublication(ctx, "no-such-article", 0)
	requireAPIError(t, err, 53600, "/cgi-bin/freepublish/delete")
	assert.Equal(t, 1, srv.Calls(pathToken))
}

// A job that takes time, then WeChat's PUBLISHJOBFINISH push to the
// app's webhook, and a job that fails review.
func TestIntegrationPublishingOutcomes(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	thumb := addCover(t, c)

	srv.SetPublishOutcome(wechat.PublishInProgress)
	sub := publishArticles(t, c, newsArticle("头条", thumb), newsArticle("次条", thumb))
	job, err := c.GetPublishStatus(ctx, sub.PublishID)
	require.NoError(t, err)
	assert.Equal(t, wechat.PublishInProgress, job.Status)
	assert.Empty(t, job.ArticleID)
	assert.Empty(t, job.Articles)
	for range c.Publications(ctx, true) {
		t.Fatal("a job in progress is not listed")
	}

	// WeChat finishes the job and tells the webhook.
	require.True(t, srv.SetPublishStatus(sub.PublishID, wechat.PublishSucceeded))
	job, err = c.GetPublishStatus(ctx, sub.PublishID)
	require.NoError(t, err)
	assert.Equal(t, wechat.PublishSucceeded, job.Status)
	require.NotEmpty(t, job.ArticleID)
	require.Len(t, job.Articles, 2)

	var got *wechat.Message
	bot := wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		got = m
		return nil, nil
	})
	hookClient, err := wechat.New(wechat.WithServerToken("hook-token"))
	require.NoError(t, err)
	wh := &wechattest.Webhook{Handler: hookClient.Webhook(bot), Token: "hook-token"}
	_, err = wh.Send(ctx, srv.PublishJobFinishEvent(sub.PublishID))
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, wechat.EventPublishJobFinish, got.Event)
	require.NotNil(t, got.PublishEventInfo)
	info := got.PublishEventInfo
	assert.Equal(t, sub.PublishID, info.PublishID)
	assert.Equal(t, wechat.PublishSucceeded, info.PublishStatus)
	assert.Equal(t, job.ArticleID, info.ArticleID)
	require.Len(t, info.Articles, 2)
	assert.Equal(t, 2, info.ArticleCount)
	for i, a := range info.Articles {
		assert.Equal(t, job.Articles[i].Index, a.Idx)
		assert.Equal(t, job.Articles[i].URL, a.ArticleURL)
	}

	// The originality check fails the second article of the next job.
	srv.SetPublishOutcome(wechat.PublishOriginalFailed, 2)
	sub = publishArticles(t, c, newsArticle("原创", thumb), newsArticle("转载", thumb))
	job, err = c.GetPublishStatus(ctx, sub.PublishID)
	require.NoError(t, err)
	assert.Equal(t, wechat.PublishOriginalFailed, job.Status)
	assert.Equal(t, []int{2}, job.FailedIndexes)
	assert.Empty(t, job.ArticleID)

	_, err = wh.Send(ctx, srv.PublishJobFinishEvent(sub.PublishID))
	require.NoError(t, err)
	assert.Equal(t, wechat.PublishOriginalFailed, got.PublishEventInfo.PublishStatus)
	assert.Equal(t, []int{2}, got.PublishEventInfo.FailIdx)
	assert.Empty(t, got.PublishEventInfo.ArticleID)

	assert.False(t, srv.SetPublishStatus("no-such-job", wechat.PublishSucceeded))
	assert.Nil(t, srv.PublishJobFinishEvent("no-such-job"))
}

// Comments on published articles (comment.go).

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
