package wechat

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublishDraft(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want PublishSubmission
	}{
		{"documented reply", fixture(t, "api/freepublish_submit.json"), PublishSubmission{PublishID: "100000001"}},
		{"numeric ids", []byte(`{"errcode":0,"errmsg":"ok","publish_id":2247503051,"msg_data_id":2247503052}`),
			PublishSubmission{PublishID: "2247503051", MsgDataID: "2247503052"}},
		{"string msg_data_id", []byte(`{"errcode":0,"errmsg":"ok","publish_id":"100000001","msg_data_id":"2247483649"}`),
			PublishSubmission{PublishID: "100000001", MsgDataID: "2247483649"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/freepublish/submit", tt.body)
			got, err := c.PublishDraft(context.Background(), "MEDIA_ID")
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/freepublish/submit", `{"media_id":"MEDIA_ID"}`)
		})
	}
}

func TestPublishDraftErrors(t *testing.T) {
	t.Run("reply without publish_id", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/freepublish/submit", fixture(t, "api/ok.json"))
		_, err := c.PublishDraft(context.Background(), "MEDIA_ID")
		assert.ErrorIs(t, err, ErrUnexpectedResponse)
	})
}

func TestGetPublishStatus(t *testing.T) {
	tests := []struct {
		fixture string
		want    PublishJob
	}{
		{"api/freepublish_get.json", PublishJob{PublishID: "100000001", Status: PublishSucceeded, ArticleID: "ARTICLE_ID",
			Articles: []PublishedURL{{Index: 1, URL: "ARTICLE_URL"}}}},
		{"api/freepublish_get_publishing.json", PublishJob{PublishID: "100000001", Status: PublishInProgress, FailedIndexes: []int{1}}},
		{"api/freepublish_get_original_failed.json", PublishJob{PublishID: "100000001", Status: PublishOriginalFailed, FailedIndexes: []int{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/freepublish/get", fixture(t, tt.fixture))
			got, err := c.GetPublishStatus(context.Background(), "100000001")
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/freepublish/get", `{"publish_id":"100000001"}`)
		})
	}

	c := newOfflineClient(t)
	_, err := c.GetPublishStatus(context.Background(), "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestGetPublishStatusIsRetried(t *testing.T) {
	// freepublish/get only reads, so a system-busy reply is retried.
	c, rec := newStubSeqClient(t, "POST", "/cgi-bin/freepublish/get", systemBusy, fixture(t, "api/freepublish_get.json"))
	got, err := c.GetPublishStatus(context.Background(), "100000001")
	require.NoError(t, err)
	assert.Equal(t, PublishSucceeded, got.Status)
	assert.Len(t, rec.Calls(), 2)
}

func TestPublishStatusString(t *testing.T) {
	assert.Equal(t, "rejected by review", PublishRejected.String())
	assert.Equal(t, "banned by the platform", PublishBannedAfterward.String())
	assert.Equal(t, "PublishStatus(9)", PublishStatus(9).String())
	assert.Equal(t, "PublishStatus(-1)", PublishStatus(-1).String())
}

func TestDeletePublication(t *testing.T) {
	tests := []struct {
		index int
		want  string
	}{
		{1, `{"article_id":"ARTICLE_ID","index":1}`},
		{0, `{"article_id":"ARTICLE_ID"}`}, // the whole publication
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.index), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/freepublish/delete", fixture(t, "api/ok.json"))
			require.NoError(t, c.DeletePublication(context.Background(), "ARTICLE_ID", tt.index))
			assertWire(t, rec.only(t), "POST", "/cgi-bin/freepublish/delete", tt.want)
		})
	}
	c := newOfflineClient(t)
	assert.ErrorIs(t, c.DeletePublication(context.Background(), "", 0), ErrInvalidArgument)
	assert.ErrorIs(t, c.DeletePublication(context.Background(), "ARTICLE_ID", -1), ErrInvalidArgument)
}

func publicationItem(id string) string {
	return fmt.Sprintf(`{"article_id":%q,"content":{"news_item":[{"title":"T-%s","content":"C","url":"URL","is_deleted":false}]},"update_time":1627891234}`, id, id)
}

func TestPublications(t *testing.T) {
	pages := fiveItemPages(publicationItem, "A")
	articleID := func(p Publication) string { return p.ArticleID }
	t.Run("three pages", func(t *testing.T) {
		ids := walkBatchPages(t, "/cgi-bin/freepublish/batchget", pages, `{"offset":%d,"count":20}`,
			func(c *Client) iter.Seq2[Publication, error] { return c.Publications(context.Background(), false) }, articleID)
		assert.Equal(t, []string{"A1", "A2", "A3", "A4", "A5"}, ids)
	})
	t.Run("early break", func(t *testing.T) {
		calls := breakBatchPages(t, "/cgi-bin/freepublish/batchget", pages,
			func(c *Client) iter.Seq2[Publication, error] { return c.Publications(context.Background(), true) }, articleID, "A2")
		require.Len(t, calls, 1, "no request after the break")
		assert.JSONEq(t, `{"offset":0,"count":20,"no_content":1}`, string(calls[0].Body))
	})
}

// TestContentAPIErrors checks that every call of the content groups
// surfaces an errcode as an *APIError naming its path.
func TestContentAPIErrors(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		method, path string
		call         func(*Client) error
	}{
		{"GET", "/cgi-bin/draft/count", func(c *Client) error { _, err := c.GetDraftCount(ctx); return err }},
		{"GET", "/cgi-bin/material/get_materialcount", func(c *Client) error { _, err := c.GetMaterialCount(ctx); return err }},
		{"POST", "/cgi-bin/draft/add", func(c *Client) error {
			_, err := c.AddDraft(ctx, []NewsArticle{{Title: "T", Content: "C", ThumbMediaID: "M"}})
			return err
		}},
		{"POST", "/cgi-bin/draft/update", func(c *Client) error {
			return c.UpdateDraft(ctx, "M", 0, NewsArticle{Title: "T", Content: "C", ThumbMediaID: "M"})
		}},
		{"POST", "/cgi-bin/draft/delete", func(c *Client) error { return c.DeleteDraft(ctx, "M") }},
		{"POST", "/cgi-bin/freepublish/delete", func(c *Client) error { return c.DeletePublication(ctx, "A", 0) }},
		{"POST", "/cgi-bin/material/add_material", func(c *Client) error {
			_, err := c.AddVideoMaterial(ctx, "v.mp4", strings.NewReader("x"), "T", "")
			return err
		}},
		{"POST", "/cgi-bin/media/uploadimg", func(c *Client) error {
			_, err := c.UploadArticleImage(ctx, "a.png", strings.NewReader("x"))
			return err
		}},
		{"POST", "/cgi-bin/message/mass/speed/get", func(c *Client) error { _, err := c.GetMassSpeed(ctx); return err }},
		{"POST", "/cgi-bin/message/mass/speed/set", func(c *Client) error { return c.SetMassSpeed(ctx, 0) }},
		{"POST", "/cgi-bin/message/mass/delete", func(c *Client) error { return c.DeleteMass(ctx, 1, 0) }},
		{"POST", "/cgi-bin/message/mass/preview", func(c *Client) error {
			return c.PreviewMassToWxName(ctx, "wx", MassMessage{Type: MassText, Content: "hi"})
		}},
		{"POST", "/cgi-bin/message/mass/sendall", func(c *Client) error {
			_, err := c.SendMassToTag(ctx, 2, MassMessage{Type: MassText, Content: "hi"})
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.path, func(t *testing.T) {
			c, rec := newStubClient(t, tt.method, tt.path, fixture(t, "api/errors/48001_api_unauthorized_rid.json"))
			err := tt.call(c)
			assertAPIError(t, err, CodeAPIUnauthorized, tt.path)
			assert.Len(t, rec.Calls(), 1)
		})
	}
}

func publishEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.PublishSubmit: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.PublishDraft(ctx, "MEDIA_ID") },
			body:    `{"media_id":"MEDIA_ID"}`,
			reply:   "api/freepublish_submit.json",
			want:    &PublishSubmission{PublishID: "100000001"},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.PublishDraft(ctx, ""); return err },
		},
		endpoint.PublishGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetPublishStatus(ctx, "100000001") },
			body:  `{"publish_id":"100000001"}`,
			reply: "api/freepublish_get.json",
			want: &PublishJob{PublishID: "100000001", Status: PublishSucceeded, ArticleID: "ARTICLE_ID",
				Articles: []PublishedURL{{Index: 1, URL: "ARTICLE_URL"}}},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetPublishStatus(ctx, ""); return err },
		},
		endpoint.PublishDelete: execCase(`{"article_id":"ARTICLE_ID","index":1}`,
			func(ctx context.Context, c *Client) error { return c.DeletePublication(ctx, "ARTICLE_ID", 1) },
			func(ctx context.Context, c *Client) error { return c.DeletePublication(ctx, "ARTICLE_ID", -1) }),
		endpoint.PublishGetArticle: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetPublication(ctx, "ARTICLE_ID") },
			body:  `{"article_id":"ARTICLE_ID"}`,
			reply: "api/freepublish_getarticle.json",
			want: []NewsArticle{{
				Title: "TITLE", Author: "AUTHOR", Digest: "DIGEST", Content: "CONTENT", ContentSourceURL: "CONTENT_SOURCE_URL",
				ThumbMediaID: "THUMB_MEDIA_ID", ThumbURL: "THUMB_URL", ShowCoverPic: true, URL: "URL",
			}},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetPublication(ctx, ""); return err },
		},
		endpoint.PublishBatchGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return firstItem(c.Publications(ctx, false)) },
			body:  `{"offset":0,"count":20}`,
			reply: "api/freepublish_batchget.json",
			want: Publication{
				ArticleID: "ARTICLE_ID_1",
				Articles: []NewsArticle{{
					Title: "示例标题", Author: "作者名", Digest: "摘要内容", Content: "HTML内容",
					ContentSourceURL: "https://example.com/source", ThumbMediaID: "MEDIA_ID_123", ShowCoverPic: true,
					URL: "https://example.com/article",
				}},
				UpdateTime: time.Unix(1627891234, 0),
			},
			noArgs: true,
		},
	}
}
