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

// batchPage builds a reply of a batchget API in its documented shape:
// {"total_count":…,"item_count":…,"item":[…]}.
func batchPage(total int, items ...string) []byte {
	return []byte(fmt.Sprintf(`{"total_count":%d,"item_count":%d,"item":[%s]}`, total, len(items), strings.Join(items, ",")))
}

// fiveItemPages returns the pages walkBatchPages serves: five items, two to
// a page, item(prefix+"1") to item(prefix+"5").
func fiveItemPages(item func(id string) string, prefix string) [][]byte {
	return [][]byte{
		batchPage(5, item(prefix+"1"), item(prefix+"2")),
		batchPage(5, item(prefix+"3"), item(prefix+"4")),
		batchPage(5, item(prefix+"5")),
	}
}

// walkBatchPages serves pages, five items two to a page, at the batchget
// API path and walks the iterator walk returns on a test client. It checks
// that the walk asked for the offsets 0, 2 and 4, each with the body
// bodyFormat gives for it, and returns key of every item.
func walkBatchPages[T any](t *testing.T, path string, pages [][]byte, bodyFormat string, walk func(*Client) iter.Seq2[T, error], key func(T) string) []string {
	t.Helper()
	c, rec := newStubSeqClient(t, "POST", path, pages...)
	var keys []string
	for v, err := range walk(c) {
		require.NoError(t, err)
		keys = append(keys, key(v))
	}
	calls := rec.Calls()
	require.Len(t, calls, 3)
	for i, offset := range []int{0, 2, 4} {
		assertWire(t, calls[i], "POST", path, fmt.Sprintf(bodyFormat, offset))
	}
	return keys
}

// breakBatchPages serves pages at path, walks the iterator walk returns
// until key gives stop, breaks the loop and returns the requests sent.
func breakBatchPages[T any](t *testing.T, path string, pages [][]byte, walk func(*Client) iter.Seq2[T, error], key func(T) string, stop string) []wire {
	t.Helper()
	c, rec := newStubSeqClient(t, "POST", path, pages...)
	for v, err := range walk(c) {
		require.NoError(t, err)
		if key(v) == stop {
			break
		}
	}
	return rec.Calls()
}

// draftItem is one item of a draft/batchget (or material news) page.
func draftItem(id string) string {
	return fmt.Sprintf(`{"media_id":%q,"content":{"news_item":[{"title":"T-%s","content":"C","thumb_media_id":"THUMB","url":"URL"}]},"update_time":1620000000}`, id, id)
}

func TestAddDraft(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/draft/add", fixture(t, "api/draft_add.json"))

	id, err := c.AddDraft(context.Background(), []NewsArticle{
		{
			Title:            "Release notes",
			Author:           "麦多多",
			Digest:           "What changed",
			Content:          `<p>a & b <img src="http://mmbiz.qpic.cn/x/0"></p>`,
			ContentSourceURL: "https://example.com/notes",
			ThumbMediaID:     "THUMB_MEDIA_ID",
			NeedOpenComment:  true,
			PicCrop235x1:     "0.1945_0_1_0.5236",
			PicCrop1x1:       "0.166454_0_0.833545_1",
			URL:              "ignored: set by WeChat",
		},
		{
			Type:               ArticleNewsPic,
			Title:              "Photos",
			Content:            "plain text",
			OnlyFansCanComment: true,
			ImageMediaIDs:      []string{"IMG1", "IMG2"},
			CoverCrops:         []CoverCrop{{Ratio: CropRatio1x1, X1: "0.166454", Y1: "0", X2: "0.833545", Y2: "1"}},
			FooterProductKey:   "PRODUCT_KEY",
		},
	})
	require.NoError(t, err)
	assert.Equal(t, "MEDIA_ID", id)

	w := rec.only(t)
	assertWire(t, w, "POST", "/cgi-bin/draft/add", `{"articles":[
		{"title":"Release notes","author":"麦多多","digest":"What changed",
		 "content":"<p>a & b <img src=\"http://mmbiz.qpic.cn/x/0\"></p>",
		 "content_source_url":"https://example.com/notes","thumb_media_id":"THUMB_MEDIA_ID",
		 "need_open_comment":1,"pic_crop_235_1":"0.1945_0_1_0.5236","pic_crop_1_1":"0.166454_0_0.833545_1"},
		{"article_type":"newspic","title":"Photos","content":"plain text","only_fans_can_comment":1,
		 "image_info":{"image_list":[{"image_media_id":"IMG1"},{"image_media_id":"IMG2"}]},
		 "cover_info":{"crop_percent_list":[{"ratio":"1_1","x1":"0.166454","y1":"0","x2":"0.833545","y2":"1"}]},
		 "product_info":{"footer_product_info":{"product_key":"PRODUCT_KEY"}}}]}`)
	// HTML goes as written: WeChat stores what it receives.
	assert.Contains(t, string(w.Body), `<p>a & b <img`)
	assert.Contains(t, string(w.Body), `麦多多`, "no \\u escapes: the docs warn against them")
}

func TestAddDraftRejects(t *testing.T) {
	good := NewsArticle{Title: "T", Content: "C", ThumbMediaID: "THUMB"}
	tooMany := make([]string, 21)
	for i := range tooMany {
		tooMany[i] = "IMG"
	}
	tests := []struct {
		name     string
		articles []NewsArticle
	}{
		{"no articles", nil},
		{"no title", []NewsArticle{{Content: "C", ThumbMediaID: "THUMB"}}},
		{"no content", []NewsArticle{good, {Title: "T", ThumbMediaID: "THUMB"}}},
		{"news without cover", []NewsArticle{{Title: "T", Content: "C"}}},
		{"picture message without images", []NewsArticle{{Type: ArticleNewsPic, Title: "T", Content: "C"}}},
		{"picture message with 21 images", []NewsArticle{{Type: ArticleNewsPic, Title: "T", Content: "C", ImageMediaIDs: tooMany}}},
		{"unknown type", []NewsArticle{{Type: "video", Title: "T", Content: "C", ThumbMediaID: "THUMB"}}},
	}
	c := newOfflineClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AddDraft(context.Background(), tt.articles)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

// draftGetArticles is what draft_get.json (the documented reply) says.
var draftGetArticles = []NewsArticle{
	{
		Type: ArticleNews, Title: "TITLE", Author: "AUTHOR", Digest: "DIGEST", Content: "CONTENT",
		ContentSourceURL: "CONTENT_SOURCE_URL", ThumbMediaID: "THUMB_MEDIA_ID", URL: "URL",
	},
	{
		Type: ArticleNewsPic, Title: "TITLE", Content: "CONTENT", ThumbMediaID: "THUMB_MEDIA_ID",
		ImageMediaIDs: []string{"IMAGE_MEDIA_ID"}, FooterProductKey: "PRODUCT_KEY", URL: "URL",
	},
}

func TestUpdateDraft(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/draft/update", fixture(t, "api/ok.json"))
	err := c.UpdateDraft(context.Background(), "MEDIA_ID", 1, NewsArticle{Type: ArticleNews, Title: "T2", Content: "<b>C2</b>", ThumbMediaID: "THUMB"})
	require.NoError(t, err)
	assertWire(t, rec.only(t), "POST", "/cgi-bin/draft/update",
		`{"media_id":"MEDIA_ID","index":1,"articles":{"article_type":"news","title":"T2","content":"<b>C2</b>","thumb_media_id":"THUMB"}}`)

	assert.ErrorIs(t, c.UpdateDraft(context.Background(), "", 0, draftGetArticles[0]), ErrInvalidArgument)
	assert.ErrorIs(t, c.UpdateDraft(context.Background(), "MEDIA_ID", -1, draftGetArticles[0]), ErrInvalidArgument)
	assert.ErrorIs(t, c.UpdateDraft(context.Background(), "MEDIA_ID", 0, NewsArticle{Title: "T"}), ErrInvalidArgument)
	assert.Len(t, rec.Calls(), 1)
}

func TestDraftsPages(t *testing.T) {
	pages := fiveItemPages(draftItem, "D")

	t.Run("three pages", func(t *testing.T) {
		ids := walkBatchPages(t, "/cgi-bin/draft/batchget", pages, `{"offset":%d,"count":20,"no_content":1}`,
			func(c *Client) iter.Seq2[Draft, error] { return c.Drafts(context.Background(), true) },
			func(d Draft) string {
				assert.Equal(t, "T-"+d.MediaID, d.Articles[0].Title)
				return d.MediaID
			})
		assert.Equal(t, []string{"D1", "D2", "D3", "D4", "D5"}, ids)
	})

	t.Run("early break", func(t *testing.T) {
		calls := breakBatchPages(t, "/cgi-bin/draft/batchget", pages,
			func(c *Client) iter.Seq2[Draft, error] { return c.Drafts(context.Background(), false) },
			func(d Draft) string { return d.MediaID }, "D3")
		require.Len(t, calls, 2, "no request after the break")
		assert.JSONEq(t, `{"offset":2,"count":20}`, string(calls[1].Body))
	})

	t.Run("error on the second page", func(t *testing.T) {
		c, rec := newStubSeqClient(t, "POST", "/cgi-bin/draft/batchget", pages[0], fixture(t, "api/errors/48001_api_unauthorized_rid.json"))
		var ids []string
		var errs []error
		for d, err := range c.Drafts(context.Background(), false) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, d.MediaID)
		}
		assert.Equal(t, []string{"D1", "D2"}, ids)
		require.Len(t, errs, 1)
		assertAPIError(t, errs[0], CodeAPIUnauthorized, "/cgi-bin/draft/batchget")
		assert.Len(t, rec.Calls(), 2)
	})

	t.Run("empty box", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/draft/batchget", batchPage(0))
		for range c.Drafts(context.Background(), false) {
			t.Fatal("no drafts expected")
		}
		assert.Len(t, rec.Calls(), 1)
	})
}

func draftEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.DraftAdd: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddDraft(ctx, []NewsArticle{{Title: "T", Content: "<p>C</p>", ThumbMediaID: "THUMB"}})
			},
			body:    `{"articles":[{"title":"T","content":"<p>C</p>","thumb_media_id":"THUMB"}]}`,
			reply:   "api/draft_add.json",
			want:    "MEDIA_ID",
			invalid: func(ctx context.Context, c *Client) error { _, err := c.AddDraft(ctx, nil); return err },
		},
		endpoint.DraftGet: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetDraft(ctx, "MEDIA_ID") },
			body:    `{"media_id":"MEDIA_ID"}`,
			reply:   "api/draft_get.json",
			want:    draftGetArticles,
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetDraft(ctx, ""); return err },
		},
		endpoint.DraftUpdate: execCase(`{"media_id":"MEDIA_ID","index":1,"articles":{"article_type":"news","title":"T2","content":"<b>C2</b>","thumb_media_id":"THUMB"}}`,
			func(ctx context.Context, c *Client) error {
				return c.UpdateDraft(ctx, "MEDIA_ID", 1, NewsArticle{Type: ArticleNews, Title: "T2", Content: "<b>C2</b>", ThumbMediaID: "THUMB"})
			},
			func(ctx context.Context, c *Client) error {
				return c.UpdateDraft(ctx, "MEDIA_ID", -1, draftGetArticles[0])
			}),
		endpoint.DraftDelete: execCase(`{"media_id":"MEDIA_ID"}`,
			func(ctx context.Context, c *Client) error { return c.DeleteDraft(ctx, "MEDIA_ID") },
			func(ctx context.Context, c *Client) error { return c.DeleteDraft(ctx, "") }),
		endpoint.DraftCount: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetDraftCount(ctx) },
			reply:  "api/draft_count.json",
			want:   15,
			noArgs: true,
		},
		endpoint.DraftBatchGet: {
			call:   func(ctx context.Context, c *Client) (any, error) { return firstItem(c.Drafts(ctx, false)) },
			body:   `{"offset":0,"count":20}`,
			reply:  "api/draft_batchget.json",
			want:   Draft{MediaID: "MEDIA_ID", Articles: draftGetArticles, UpdateTime: time.Unix(1620000000, 0)},
			noArgs: true,
		},
	}
}
