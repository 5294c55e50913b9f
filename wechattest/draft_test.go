package wechattest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// cover adds a permanent image for article covers.
func (a *api) cover() string {
	a.t.Helper()
	return mediaID(a.t, a.addMaterial("image", "cover.jpg", []byte("jpeg cover"), nil))
}

func newsJSON(title, thumb string) string {
	return `{"title":"` + title + `","author":"A","content":"<p>` + title + `</p>","thumb_media_id":"` + thumb + `"}`
}

func TestDraftRoundTrip(t *testing.T) {
	clock := newClock()
	_, a := startAPI(t, wechattest.WithClock(clock.Now))
	thumb := a.cover()

	id := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("一", thumb)+`,`+
		`{"article_type":"newspic","title":"二","content":"text","image_info":{"image_list":[{"image_media_id":"`+thumb+`"}]},"url":"ignored"}]}`))

	r := a.post("/cgi-bin/draft/get", `{"media_id":"`+id+`"}`)
	var got struct {
		NewsItem []map[string]any `json:"news_item"`
	}
	r.decode(t, &got)
	require.Len(t, got.NewsItem, 2)
	first := got.NewsItem[0]
	assert.Equal(t, "news", first["article_type"], "the default type is filled in")
	assert.Equal(t, "一", first["title"])
	assert.Equal(t, "A", first["author"])
	assert.Equal(t, thumb, first["thumb_media_id"])
	assert.Equal(t, float64(0), first["need_open_comment"])
	assert.True(t, strings.HasPrefix(first["url"].(string), "https://mp.weixin.qq.com/s?"), "a preview link: %v", first["url"])
	second := got.NewsItem[1]
	assert.Equal(t, "newspic", second["article_type"])
	assert.NotEqual(t, "ignored", second["url"], "url is set by WeChat")
	assert.Equal(t, map[string]any{"image_list": []any{map[string]any{"image_media_id": thumb}}}, second["image_info"])

	clock.Advance(time.Minute)
	a.ok(a.post("/cgi-bin/draft/update", `{"media_id":"`+id+`","index":1,"articles":`+newsJSON("三", thumb)+`}`))
	r = a.post("/cgi-bin/draft/get", `{"media_id":"`+id+`"}`)
	r.decode(t, &got)
	assert.Equal(t, "三", got.NewsItem[1]["title"])
	assert.Equal(t, "news", got.NewsItem[1]["article_type"])

	assert.JSONEq(t, `{"total_count":1}`, string(a.get("/cgi-bin/draft/count", nil).Body))
	r = a.post("/cgi-bin/draft/batchget", `{"offset":0,"count":20,"no_content":1}`)
	var list struct {
		TotalCount int `json:"total_count"`
		ItemCount  int `json:"item_count"`
		Item       []struct {
			MediaID string `json:"media_id"`
			Content struct {
				NewsItem []map[string]any `json:"news_item"`
			} `json:"content"`
			UpdateTime int64 `json:"update_time"`
		} `json:"item"`
	}
	r.decode(t, &list)
	assert.Equal(t, 1, list.TotalCount)
	assert.Equal(t, 1, list.ItemCount)
	assert.Equal(t, id, list.Item[0].MediaID)
	assert.Equal(t, clock.Now().Unix(), list.Item[0].UpdateTime, "update_time follows draft/update")
	assert.NotContains(t, list.Item[0].Content.NewsItem[0], "content", "no_content")
	assert.Equal(t, "一", list.Item[0].Content.NewsItem[0]["title"])

	a.ok(a.post("/cgi-bin/draft/delete", `{"media_id":"`+id+`"}`))
	fails(t, a.post("/cgi-bin/draft/get", `{"media_id":"`+id+`"}`), 40007, "invalid media_id")
	assert.JSONEq(t, `{"total_count":0}`, string(a.get("/cgi-bin/draft/count", nil).Body))
}

func TestDraftErrors(t *testing.T) {
	_, a := startAPI(t)
	thumb := a.cover()
	voice := mediaID(t, a.addMaterial("voice", "v.mp3", []byte("mp3"), nil))
	nine := strings.Repeat(newsJSON("t", thumb)+",", 8) + newsJSON("t", thumb)
	for _, tc := range []struct {
		name string
		body string
		code int
	}{
		{"no articles", `{"articles":[]}`, 44003},
		{"nine articles", `{"articles":[` + nine + `]}`, 45008},
		{"no title", `{"articles":[` + newsJSON("", thumb) + `]}`, 44003},
		{"no content", `{"articles":[{"title":"t","thumb_media_id":"` + thumb + `"}]}`, 44003},
		{"long title", `{"articles":[` + newsJSON(strings.Repeat("字", 33), thumb) + `]}`, 45003},
		{"no cover", `{"articles":[` + newsJSON("t", "") + `]}`, 40007},
		{"cover not an image", `{"articles":[` + newsJSON("t", voice) + `]}`, 40007},
		{"newspic without images", `{"articles":[{"article_type":"newspic","title":"t","content":"c"}]}`, 40097},
		{"unknown type", `{"articles":[{"article_type":"video","title":"t","content":"c"}]}`, 40097},
		{"not JSON", `{"articles":`, 47001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, a.post("/cgi-bin/draft/add", tc.body), tc.code, "")
		})
	}
	assert.Len(t, strings.Repeat("字", 32), 96, "32 characters, 96 bytes, are allowed")
	id := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON(strings.Repeat("字", 32), thumb)+`]}`))
	fails(t, a.post("/cgi-bin/draft/update", `{"media_id":"`+id+`","index":1,"articles":`+newsJSON("t", thumb)+`}`), 40097, "")
	fails(t, a.post("/cgi-bin/draft/update", `{"media_id":"`+id+`","articles":`+newsJSON("t", thumb)+`}`), 40097, "")
	fails(t, a.post("/cgi-bin/draft/update", `{"media_id":"nope","index":0,"articles":`+newsJSON("t", thumb)+`}`), 40007, "")
	fails(t, a.post("/cgi-bin/draft/update", `{"media_id":"`+id+`","index":0,"articles":`+newsJSON("", thumb)+`}`), 44003, "")
	fails(t, a.post("/cgi-bin/draft/delete", `{"media_id":"nope"}`), 40007, "")
	fails(t, a.post("/cgi-bin/draft/batchget", `{"offset":0,"count":21}`), 40097, "")
}

func TestFreePublish(t *testing.T) {
	_, a := startAPI(t)
	thumb := a.cover()
	id := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("一", thumb)+`,`+newsJSON("二", thumb)+`]}`))

	r := a.post("/cgi-bin/freepublish/submit", `{"media_id":"`+id+`"}`)
	var sub struct {
		status
		PublishID string `json:"publish_id"`
		MsgDataID string `json:"msg_data_id"`
	}
	r.decode(t, &sub)
	sub.succeeded(t)
	_, err := strconv.ParseUint(sub.PublishID, 10, 64)
	assert.NoError(t, err, "publish_id is a number in a string: %s", r.Body)
	assert.NotEmpty(t, sub.MsgDataID)
	fails(t, a.post("/cgi-bin/draft/get", `{"media_id":"`+id+`"}`), 40007, "") // the draft left the draft box
	fails(t, a.post("/cgi-bin/freepublish/submit", `{"media_id":"`+id+`"}`), 40007, "")

	r = a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+sub.PublishID+`"}`)
	var job struct {
		PublishID     string `json:"publish_id"`
		PublishStatus int    `json:"publish_status"`
		ArticleID     string `json:"article_id"`
		ArticleDetail struct {
			Count int `json:"count"`
			Item  []struct {
				Idx        int    `json:"idx"`
				ArticleURL string `json:"article_url"`
			} `json:"item"`
		} `json:"article_detail"`
		FailIdx []int `json:"fail_idx"`
	}
	r.decode(t, &job)
	assert.Equal(t, sub.PublishID, job.PublishID)
	assert.Equal(t, 0, job.PublishStatus)
	require.NotEmpty(t, job.ArticleID)
	assert.Equal(t, 2, job.ArticleDetail.Count)
	require.Len(t, job.ArticleDetail.Item, 2)
	assert.Equal(t, 2, job.ArticleDetail.Item[1].Idx)
	assert.Equal(t, []int{}, job.FailIdx)

	r = a.post("/cgi-bin/freepublish/getarticle", `{"article_id":"`+job.ArticleID+`"}`)
	var arts struct {
		NewsItem []map[string]any `json:"news_item"`
	}
	r.decode(t, &arts)
	require.Len(t, arts.NewsItem, 2)
	assert.Equal(t, job.ArticleDetail.Item[0].ArticleURL, arts.NewsItem[0]["url"], "the permanent link")
	assert.Equal(t, false, arts.NewsItem[0]["is_deleted"])
	assert.NotEmpty(t, arts.NewsItem[0]["thumb_url"])

	r = a.post("/cgi-bin/freepublish/batchget", `{"offset":0,"count":20,"no_content":0}`)
	assert.Equal(t, float64(1), r.JSON(t)["total_count"], "body: %s", r.Body)

	// Deleting one article marks it; deleting the rest ends the
	// publication (status 5) and drops it from the list.
	a.ok(a.post("/cgi-bin/freepublish/delete", `{"article_id":"`+job.ArticleID+`","index":2}`))
	r = a.post("/cgi-bin/freepublish/getarticle", `{"article_id":"`+job.ArticleID+`"}`)
	r.decode(t, &arts)
	assert.Equal(t, []any{false, true}, []any{arts.NewsItem[0]["is_deleted"], arts.NewsItem[1]["is_deleted"]})
	fails(t, a.post("/cgi-bin/freepublish/delete", `{"article_id":"`+job.ArticleID+`","index":3}`), 40097, "")
	a.ok(a.post("/cgi-bin/freepublish/delete", `{"article_id":"`+job.ArticleID+`"}`))
	r = a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+sub.PublishID+`"}`)
	assert.Equal(t, float64(5), r.JSON(t)["publish_status"], "body: %s", r.Body)
	assert.NotContains(t, r.JSON(t), "article_detail")
	assert.JSONEq(t, `{"total_count":0,"item_count":0,"item":[]}`,
		string(a.post("/cgi-bin/freepublish/batchget", `{"offset":0,"count":20}`).Body))

	fails(t, a.post("/cgi-bin/freepublish/get", `{"publish_id":"1"}`), 40097, "")
	fails(t, a.post("/cgi-bin/freepublish/getarticle", `{"article_id":"nope"}`), 53600, "Article ID 无效")
	fails(t, a.post("/cgi-bin/freepublish/delete", `{"article_id":""}`), 53600, "")
}

func TestFreePublishOutcomes(t *testing.T) {
	srv, a := startAPI(t)
	thumb := a.cover()
	submit := func() string {
		id := mediaID(t, a.post("/cgi-bin/draft/add", `{"articles":[`+newsJSON("一", thumb)+`,`+newsJSON("二", thumb)+`]}`))
		var sub struct {
			PublishID string `json:"publish_id"`
		}
		a.post("/cgi-bin/freepublish/submit", `{"media_id":"`+id+`"}`).decode(t, &sub)
		return sub.PublishID
	}

	srv.SetPublishOutcome(wechat.PublishRejected, 1, 2)
	rejected := submit()
	assert.JSONEq(t, `{"publish_id":"`+rejected+`","publish_status":4,"fail_idx":[1,2]}`,
		string(a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+rejected+`"}`).Body))

	srv.SetPublishOutcome(wechat.PublishInProgress)
	running := submit()
	assert.JSONEq(t, `{"publish_id":"`+running+`","publish_status":1,"fail_idx":[]}`,
		string(a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+running+`"}`).Body))
	assert.JSONEq(t, `{"total_count":0,"item_count":0,"item":[]}`,
		string(a.post("/cgi-bin/freepublish/batchget", `{"offset":0,"count":20}`).Body))

	require.True(t, srv.SetPublishStatus(running, wechat.PublishSucceeded))
	r := a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+running+`"}`)
	assert.Equal(t, float64(0), r.JSON(t)["publish_status"], "body: %s", r.Body)
	assert.NotEmpty(t, r.JSON(t)["article_id"])
	assert.Equal(t, float64(1), a.post("/cgi-bin/freepublish/batchget", `{"offset":0,"count":20}`).JSON(t)["total_count"])

	// The event WeChat pushes renders as documented and parses back.
	ev := srv.PublishJobFinishEvent(rejected)
	ev.ToUserName, ev.FromUserName = "gh_4d00ed8d6399", "oV5CrjpxgaGXNHIQigzNlgLTnwic"
	out, err := ev.XML()
	require.NoError(t, err)
	assert.Contains(t, string(out), "<PublishEventInfo><publish_id>"+rejected+"</publish_id><publish_status>4</publish_status>")
	back, err := wechat.ParseMessage(out)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, back.PublishEventInfo.FailIdx)

	// Later submissions succeed again once the outcome is reset.
	srv.SetPublishOutcome(wechat.PublishSucceeded)
	ok := submit()
	assert.Equal(t, float64(0), a.post("/cgi-bin/freepublish/get", `{"publish_id":"`+ok+`"}`).JSON(t)["publish_status"])
}
