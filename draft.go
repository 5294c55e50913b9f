package wechat

import (
	"context"
	"iter"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// ArticleType is the kind of a draft or published article.
type ArticleType string

// Article types of the draft box.
const (
	// ArticleNews is a classic article (图文消息) with a cover and an HTML
	// body. It is what an empty ArticleType means.
	ArticleNews ArticleType = "news"
	// ArticleNewsPic is a picture message (图片消息): up to 20 images and a
	// plain-text body.
	ArticleNewsPic ArticleType = "newspic"
)

// CropRatio is the aspect ratio of a cover crop of a picture message.
type CropRatio string

// Cover crop ratios.
const (
	CropRatio1x1   CropRatio = "1_1"
	CropRatio16x9  CropRatio = "16_9"
	CropRatio235x1 CropRatio = "2.35_1"
)

// CoverCrop is how the cover of a picture message is cropped to a ratio
// (cover_info.crop_percent_list). Coordinates are fractions of the image,
// from (0,0) at its top left to (1,1) at its bottom right, written as
// decimal strings such as "0.166454".
type CoverCrop struct {
	Ratio CropRatio `json:"ratio"`
	X1    string    `json:"x1"`
	Y1    string    `json:"y1"`
	X2    string    `json:"x2"`
	Y2    string    `json:"y2"`
}

// maxNewsPicImages is how many images a picture message may hold.
const maxNewsPicImages = 20

// NewsArticle is one article of a draft (草稿), of a publication (发布) or
// of a legacy news material (图文素材). The same fields go to WeChat when a
// draft is added and come back when it is read; the fields under "Set by
// WeChat" are ignored in requests.
type NewsArticle struct {
	// Type is ArticleNews (the default when empty) or ArticleNewsPic.
	Type ArticleType
	// Title is required, at most 32 characters.
	Title string
	// Author is at most 16 characters.
	Author string
	// Digest is the summary shown under the title. Only a draft with a
	// single article has one; when empty WeChat takes the start of the
	// content.
	Digest string
	// Content is the HTML body of an article (images in it must come from
	// UploadArticleImage), or the plain text of a picture message.
	// Required.
	Content string
	// ContentSourceURL is where "阅读原文" (read the original) leads.
	ContentSourceURL string
	// ThumbMediaID is the permanent image material of the cover. Required
	// for ArticleNews.
	ThumbMediaID string
	// NeedOpenComment opens the article to comments.
	NeedOpenComment bool
	// OnlyFansCanComment limits comments to followers.
	OnlyFansCanComment bool
	// PicCrop235x1 and PicCrop1x1 crop the cover of an ArticleNews to
	// 2.35:1 and 1:1: "X1_Y1_X2_Y2" in fractions of the image, such as
	// "0.1945_0_1_0.5236".
	PicCrop235x1 string
	PicCrop1x1   string
	// ImageMediaIDs are the permanent image materials of an
	// ArticleNewsPic, at most 20; the first is the cover
	// (image_info.image_list).
	ImageMediaIDs []string
	// CoverCrops crop the cover of an ArticleNewsPic (cover_info).
	CoverCrops []CoverCrop
	// FooterProductKey inserts a product card at the end of the article
	// (product_info.footer_product_info.product_key).
	FooterProductKey string

	// Set by WeChat.

	// URL is the article's link: a temporary preview link for a draft,
	// the permanent link once published.
	URL string
	// ThumbURL is the URL of the cover image.
	ThumbURL string
	// ShowCoverPic reports whether a legacy news material shows its cover
	// in the body.
	ShowCoverPic bool
	// IsDeleted reports a published article that has been deleted.
	IsDeleted bool
}

// newsArticleJSON is the wire form of a NewsArticle.
type newsArticleJSON struct {
	ArticleType        ArticleType      `json:"article_type,omitempty"`
	Title              string           `json:"title"`
	Author             string           `json:"author,omitempty"`
	Digest             string           `json:"digest,omitempty"`
	Content            string           `json:"content"`
	ContentSourceURL   string           `json:"content_source_url,omitempty"`
	ThumbMediaID       string           `json:"thumb_media_id,omitempty"`
	NeedOpenComment    lenient.Int      `json:"need_open_comment,omitempty"`
	OnlyFansCanComment lenient.Int      `json:"only_fans_can_comment,omitempty"`
	PicCrop235x1       string           `json:"pic_crop_235_1,omitempty"`
	PicCrop1x1         string           `json:"pic_crop_1_1,omitempty"`
	ImageInfo          *imageInfoJSON   `json:"image_info,omitempty"`
	CoverInfo          *coverInfoJSON   `json:"cover_info,omitempty"`
	ProductInfo        *productInfoJSON `json:"product_info,omitempty"`
	URL                string           `json:"url,omitempty"`
	ThumbURL           string           `json:"thumb_url,omitempty"`
	ShowCoverPic       lenient.Int      `json:"show_cover_pic,omitempty"`
	IsDeleted          bool             `json:"is_deleted,omitempty"`
}

type imageInfoJSON struct {
	ImageList []imageItemJSON `json:"image_list"`
}

type imageItemJSON struct {
	ImageMediaID string `json:"image_media_id"`
}

type coverInfoJSON struct {
	CropPercentList []CoverCrop `json:"crop_percent_list"`
}

type productInfoJSON struct {
	FooterProductInfo *footerProductJSON `json:"footer_product_info,omitempty"`
}

type footerProductJSON struct {
	ProductKey string `json:"product_key"`
}

func bit(b bool) lenient.Int {
	if b {
		return 1
	}
	return 0
}

// wire returns the request form of a. The fields set by WeChat are left
// out.
func (a NewsArticle) wire() newsArticleJSON {
	w := newsArticleJSON{
		ArticleType:        a.Type,
		Title:              a.Title,
		Author:             a.Author,
		Digest:             a.Digest,
		Content:            a.Content,
		ContentSourceURL:   a.ContentSourceURL,
		ThumbMediaID:       a.ThumbMediaID,
		NeedOpenComment:    bit(a.NeedOpenComment),
		OnlyFansCanComment: bit(a.OnlyFansCanComment),
		PicCrop235x1:       a.PicCrop235x1,
		PicCrop1x1:         a.PicCrop1x1,
	}
	if len(a.ImageMediaIDs) > 0 {
		w.ImageInfo = &imageInfoJSON{ImageList: make([]imageItemJSON, len(a.ImageMediaIDs))}
		for i, id := range a.ImageMediaIDs {
			w.ImageInfo.ImageList[i].ImageMediaID = id
		}
	}
	if len(a.CoverCrops) > 0 {
		w.CoverInfo = &coverInfoJSON{CropPercentList: a.CoverCrops}
	}
	if a.FooterProductKey != "" {
		w.ProductInfo = &productInfoJSON{FooterProductInfo: &footerProductJSON{ProductKey: a.FooterProductKey}}
	}
	return w
}

// article returns the NewsArticle a reply describes.
func (w newsArticleJSON) article() NewsArticle {
	a := NewsArticle{
		Type:               w.ArticleType,
		Title:              w.Title,
		Author:             w.Author,
		Digest:             w.Digest,
		Content:            w.Content,
		ContentSourceURL:   w.ContentSourceURL,
		ThumbMediaID:       w.ThumbMediaID,
		NeedOpenComment:    w.NeedOpenComment != 0,
		OnlyFansCanComment: w.OnlyFansCanComment != 0,
		PicCrop235x1:       w.PicCrop235x1,
		PicCrop1x1:         w.PicCrop1x1,
		URL:                w.URL,
		ThumbURL:           w.ThumbURL,
		ShowCoverPic:       w.ShowCoverPic != 0,
		IsDeleted:          w.IsDeleted,
	}
	if w.ImageInfo != nil {
		for _, im := range w.ImageInfo.ImageList {
			a.ImageMediaIDs = append(a.ImageMediaIDs, im.ImageMediaID)
		}
	}
	if w.CoverInfo != nil {
		a.CoverCrops = w.CoverInfo.CropPercentList
	}
	if w.ProductInfo != nil && w.ProductInfo.FooterProductInfo != nil {
		a.FooterProductKey = w.ProductInfo.FooterProductInfo.ProductKey
	}
	return a
}

func articles(ws []newsArticleJSON) []NewsArticle {
	if ws == nil {
		return nil
	}
	out := make([]NewsArticle, len(ws))
	for i, w := range ws {
		out[i] = w.article()
	}
	return out
}

// check rejects an article WeChat would refuse for a missing field.
func (a NewsArticle) check() error {
	if a.Title == "" {
		return invalidArg("article title is empty")
	}
	if a.Content == "" {
		return invalidArg("article %q has no content", a.Title)
	}
	switch a.Type {
	case "", ArticleNews:
		if a.ThumbMediaID == "" {
			return invalidArg("article %q has no cover (ThumbMediaID)", a.Title)
		}
	case ArticleNewsPic:
		if len(a.ImageMediaIDs) == 0 {
			return invalidArg("picture message %q has no images", a.Title)
		}
		if len(a.ImageMediaIDs) > maxNewsPicImages {
			return invalidArg("picture message %q has %d images; WeChat allows at most %d", a.Title, len(a.ImageMediaIDs), maxNewsPicImages)
		}
	default:
		return invalidArg("unknown article type %q", a.Type)
	}
	return nil
}

type newsItemsReply struct {
	status
	NewsItem []newsArticleJSON `json:"news_item"`
}

// newsItems calls the endpoint id, whose reply lists the articles of a
// draft or a publication in news_item, and returns them.
func newsItems(ctx context.Context, c *Client, id endpoint.ID, body any) ([]NewsArticle, error) {
	r, err := call[newsItemsReply](ctx, c, id, nil, body)
	if err != nil {
		return nil, err
	}
	return articles(r.NewsItem), nil
}

// AddDraft adds a draft of one or more articles to the draft box (新建草稿,
// [draft/add]) and returns its media_id, which PublishDraft publishes and
// SendMassToAll can send as MassNews.
//
// [draft/add]: https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_add.html
func (c *Client) AddDraft(ctx context.Context, articles []NewsArticle) (string, error) {
	if len(articles) == 0 {
		return "", invalidArg("a draft needs at least one article")
	}
	body := struct {
		Articles []newsArticleJSON `json:"articles"`
	}{Articles: make([]newsArticleJSON, len(articles))}
	for i, a := range articles {
		if err := a.check(); err != nil {
			return "", err
		}
		body.Articles[i] = a.wire()
	}
	r, err := call[mediaIDReply](ctx, c, endpoint.DraftAdd, nil, body)
	if err != nil {
		return "", err
	}
	return present(endpoint.DraftAdd, "media_id", r.MediaID)
}

// GetDraft returns the articles of a draft (获取草稿, [draft/get]).
//
// [draft/get]: https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_getdraft.html
func (c *Client) GetDraft(ctx context.Context, mediaID string) ([]NewsArticle, error) {
	if mediaID == "" {
		return nil, invalidArg("media_id is empty")
	}
	return newsItems(ctx, c, endpoint.DraftGet, mediaRef{mediaID})
}

// UpdateDraft replaces the article at index (from 0) of a draft (修改草稿,
// [draft/update]).
//
// [draft/update]: https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_update.html
func (c *Client) UpdateDraft(ctx context.Context, mediaID string, index int, article NewsArticle) error {
	if mediaID == "" {
		return invalidArg("media_id is empty")
	}
	if index < 0 {
		return invalidArg("article index %d is negative", index)
	}
	if err := article.check(); err != nil {
		return err
	}
	body := struct {
		MediaID  string          `json:"media_id"`
		Index    int             `json:"index"`
		Articles newsArticleJSON `json:"articles"` // one article, despite the name
	}{mediaID, index, article.wire()}
	return exec(ctx, c, endpoint.DraftUpdate, nil, body)
}

// DeleteDraft deletes a draft (删除草稿, [draft/delete]). It cannot be undone.
//
// [draft/delete]: https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_delete.html
func (c *Client) DeleteDraft(ctx context.Context, mediaID string) error {
	return c.deleteMedia(ctx, endpoint.DraftDelete, mediaID)
}

// deleteMedia calls the endpoint id, which deletes the draft or the
// permanent material mediaID.
func (c *Client) deleteMedia(ctx context.Context, id endpoint.ID, mediaID string) error {
	if mediaID == "" {
		return invalidArg("media_id is empty")
	}
	return exec(ctx, c, id, nil, mediaRef{mediaID})
}

// GetDraftCount returns the number of drafts in the draft box (获取草稿总数,
// [draft/count]).
//
// [draft/count]: https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_count.html
func (c *Client) GetDraftCount(ctx context.Context) (int, error) {
	r, err := call[struct {
		status
		TotalCount int `json:"total_count"`
	}](ctx, c, endpoint.DraftCount, nil, nil)
	if err != nil {
		return 0, err
	}
	return r.TotalCount, nil
}

// Draft is one entry of the draft box.
type Draft struct {
	MediaID    string
	Articles   []NewsArticle
	UpdateTime time.Time
}

// batchCount is the largest page the batchget APIs return.
const batchCount = 20

type batchRequest struct {
	Offset    int    `json:"offset"`
	Count     int    `json:"count"`
	NoContent int    `json:"no_content,omitempty"`
	Type      string `json:"type,omitempty"`
}

type batchItemJSON struct {
	MediaID   string `json:"media_id"`
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem []newsArticleJSON `json:"news_item"`
	} `json:"content"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	UpdateTime int64  `json:"update_time"`
}

type batchReply struct {
	status
	TotalCount int             `json:"total_count"`
	ItemCount  int             `json:"item_count"`
	Item       []batchItemJSON `json:"item"`
}

// batchPages iterates one of the offset/count batchget APIs (draft,
// freepublish, material), converting each item with conv. It asks for
// pages of 20 and stops when WeChat's total_count is reached.
func batchPages[T any](ctx context.Context, c *Client, id endpoint.ID, req batchRequest, conv func(batchItemJSON) T) iter.Seq2[T, error] {
	return paginate(ctx, 0, func(ctx context.Context, offset int) ([]T, int, bool, error) {
		req.Offset, req.Count = offset, batchCount
		r, err := call[batchReply](ctx, c, id, nil, req)
		if err != nil {
			return nil, 0, false, err
		}
		items := make([]T, len(r.Item))
		for i, it := range r.Item {
			items[i] = conv(it)
		}
		next := offset + len(items)
		return items, next, next < r.TotalCount, nil
	})
}

func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

// Drafts iterates over the draft box, newest first (获取草稿列表,
// [draft/batchget]), fetching 20 drafts a request as the loop advances.
// With noContent the articles come without their Content, which makes the
// pages much smaller. The iterator stops at the first error, which it
// yields.
//
// [draft/batchget]: https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_batchget.html
func (c *Client) Drafts(ctx context.Context, noContent bool) iter.Seq2[Draft, error] {
	return batchPages(ctx, c, endpoint.DraftBatchGet, batchRequest{NoContent: int(bit(noContent))}, func(it batchItemJSON) Draft {
		return Draft{MediaID: it.MediaID, Articles: articles(it.Content.NewsItem), UpdateTime: unixTime(it.UpdateTime)}
	})
}
