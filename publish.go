package wechat

import (
	"context"
	"iter"
	"strconv"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// PublishStatus is the state of a publishing job (发布状态), as returned by
// GetPublishStatus and pushed in the PUBLISHJOBFINISH event.
type PublishStatus int

// Publishing states.
const (
	PublishSucceeded       PublishStatus = 0 // 成功
	PublishInProgress      PublishStatus = 1 // 发布中
	PublishOriginalFailed  PublishStatus = 2 // 原创失败: an originality check failed
	PublishFailed          PublishStatus = 3 // 常规失败
	PublishRejected        PublishStatus = 4 // 平台审核不通过: the platform's review refused it
	PublishDeletedByUser   PublishStatus = 5 // 成功后用户删除所有文章
	PublishBannedAfterward PublishStatus = 6 // 成功后系统封禁所有文章
)

var publishStatusNames = [...]string{
	PublishSucceeded:       "succeeded",
	PublishInProgress:      "in progress",
	PublishOriginalFailed:  "originality check failed",
	PublishFailed:          "failed",
	PublishRejected:        "rejected by review",
	PublishDeletedByUser:   "deleted by the user",
	PublishBannedAfterward: "banned by the platform",
}

// String describes the status in English.
func (s PublishStatus) String() string {
	if s >= 0 && int(s) < len(publishStatusNames) {
		return publishStatusNames[s]
	}
	return "PublishStatus(" + strconv.Itoa(int(s)) + ")"
}

// PublishSubmission is WeChat's receipt for a draft submitted for
// publishing.
type PublishSubmission struct {
	// PublishID identifies the job for GetPublishStatus and the
	// PUBLISHJOBFINISH event.
	PublishID string
	// MsgDataID identifies the message's data, as used by the article
	// statistics and comment APIs.
	MsgDataID string
}

// PublishDraft submits a draft for publishing (发布草稿,
// [freepublish/submit]). Publishing is asynchronous: success here means only
// that the job was accepted. Its outcome comes in the PUBLISHJOBFINISH
// event, or from GetPublishStatus. The draft leaves the draft box.
//
// The call is never retried after a network error: a retry could publish
// twice.
//
// [freepublish/submit]: https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_submit.html
func (c *Client) PublishDraft(ctx context.Context, mediaID string) (*PublishSubmission, error) {
	if mediaID == "" {
		return nil, invalidArg("media_id is empty")
	}
	r, err := call[struct {
		status
		PublishID lenient.String `json:"publish_id"`
		MsgDataID lenient.String `json:"msg_data_id"`
	}](ctx, c, endpoint.PublishSubmit, nil, mediaRef{mediaID})
	if err != nil {
		return nil, err
	}
	if r.PublishID == "" {
		return nil, badReply(endpoint.PublishSubmit, "no publish_id in reply")
	}
	return &PublishSubmission{PublishID: string(r.PublishID), MsgDataID: string(r.MsgDataID)}, nil
}

// PublishedURL is the permanent link of one published article.
type PublishedURL struct {
	// Index is the article's position in the publication, from 1.
	Index int
	URL   string
}

// PublishJob is the state of a publishing job.
type PublishJob struct {
	PublishID string
	Status    PublishStatus
	// ArticleID identifies the publication once Status is
	// PublishSucceeded; GetPublication and DeletePublication take it.
	ArticleID string
	// Articles are the links of the published articles (on success).
	Articles []PublishedURL
	// FailedIndexes are the positions, from 1, of the articles that
	// failed review, for PublishOriginalFailed and PublishRejected.
	FailedIndexes []int
}

// GetPublishStatus returns the state of a publishing job (发布状态轮询,
// [freepublish/get]).
//
// [freepublish/get]: https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_get.html
func (c *Client) GetPublishStatus(ctx context.Context, publishID string) (*PublishJob, error) {
	if publishID == "" {
		return nil, invalidArg("publish_id is empty")
	}
	body := struct {
		PublishID string `json:"publish_id"`
	}{publishID}
	r, err := call[struct {
		status
		PublishID     lenient.String `json:"publish_id"`
		PublishStatus lenient.Int    `json:"publish_status"`
		ArticleID     string         `json:"article_id"`
		ArticleDetail struct {
			Item []struct {
				Idx        lenient.Int `json:"idx"`
				ArticleURL string      `json:"article_url"`
			} `json:"item"`
		} `json:"article_detail"`
		FailIdx []lenient.Int `json:"fail_idx"`
	}](ctx, c, endpoint.PublishGet, nil, body)
	if err != nil {
		return nil, err
	}
	job := &PublishJob{PublishID: string(r.PublishID), Status: PublishStatus(r.PublishStatus), ArticleID: r.ArticleID}
	for _, it := range r.ArticleDetail.Item {
		job.Articles = append(job.Articles, PublishedURL{Index: int(it.Idx), URL: it.ArticleURL})
	}
	for _, i := range r.FailIdx {
		job.FailedIndexes = append(job.FailedIndexes, int(i))
	}
	return job, nil
}

// DeletePublication deletes a published article (删除发布文章,
// [freepublish/delete]): the one at index (from 1), or every article of the
// publication when index is 0. It cannot be undone.
//
// [freepublish/delete]: https://developers.weixin.qq.com/doc/service/api/public/api_freepublishdelete.html
func (c *Client) DeletePublication(ctx context.Context, articleID string, index int) error {
	if articleID == "" {
		return invalidArg("article_id is empty")
	}
	if index < 0 {
		return invalidArg("article index %d is negative", index)
	}
	body := struct {
		ArticleID string `json:"article_id"`
		Index     int    `json:"index,omitempty"`
	}{articleID, index}
	return exec(ctx, c, endpoint.PublishDelete, nil, body)
}

// GetPublication returns the articles of a publication (获取已发布图文信息,
// [freepublish/getarticle]).
//
// [freepublish/getarticle]: https://developers.weixin.qq.com/doc/service/api/public/api_freepublishgetarticle.html
func (c *Client) GetPublication(ctx context.Context, articleID string) ([]NewsArticle, error) {
	if articleID == "" {
		return nil, invalidArg("article_id is empty")
	}
	return newsItems(ctx, c, endpoint.PublishGetArticle, articleRef{articleID})
}

// Publication is one successfully published message.
type Publication struct {
	ArticleID  string
	Articles   []NewsArticle
	UpdateTime time.Time
}

// Publications iterates over what the account has published, newest
// first (获取成功发布列表, [freepublish/batchget]), fetching 20 a request as the
// loop advances. With noContent the articles come without their Content.
// The iterator stops at the first error, which it yields.
//
// [freepublish/batchget]: https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_batchget.html
func (c *Client) Publications(ctx context.Context, noContent bool) iter.Seq2[Publication, error] {
	return batchPages(ctx, c, endpoint.PublishBatchGet, batchRequest{NoContent: int(bit(noContent))}, func(it batchItemJSON) Publication {
		return Publication{ArticleID: it.ArticleID, Articles: articles(it.Content.NewsItem), UpdateTime: unixTime(it.UpdateTime)}
	})
}
