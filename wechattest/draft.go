package wechattest

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// draftAPI keeps the draft box (草稿箱) and the publications (发布能力).
type draftAPI struct {
	group
	drafts       map[string]*draft
	draftOrder   []string // media_ids in the order added
	publications map[string]*publication
	pubOrder     []string // publish_ids in the order submitted

	publishOutcome wechat.PublishStatus // of the next submissions
	publishFailIdx []int
}

func newDraftAPI(s *Server) *draftAPI {
	return &draftAPI{group: group{s: s}, drafts: make(map[string]*draft), publications: make(map[string]*publication)}
}

func (g *draftAPI) routes() []route {
	return []route{
		g.route(endpoint.DraftAdd, decoding(g.handleDraftAdd)),
		g.route(endpoint.DraftGet, decoding(g.handleDraftGet)),
		g.route(endpoint.DraftUpdate, decoding(g.handleDraftUpdate)),
		g.route(endpoint.DraftDelete, decoding(g.handleDraftDelete)),
		g.route(endpoint.DraftCount, g.handleDraftCount),
		g.route(endpoint.DraftBatchGet, decoding(g.handleDraftBatchGet)),
		g.route(endpoint.PublishSubmit, decoding(g.handleFreePublishSubmit)),
		g.route(endpoint.PublishGet, decoding(g.handleFreePublishGet)),
		g.route(endpoint.PublishDelete, decoding(g.handleFreePublishDelete)),
		g.route(endpoint.PublishGetArticle, decoding(g.handleFreePublishGetArticle)),
		g.route(endpoint.PublishBatchGet, decoding(g.handleFreePublishBatchGet)),
	}
}

// isDraft reports whether id is in the draft box. For other groups.
func (g *draftAPI) isDraft(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.drafts[id] != nil
}

// articleCount returns the number of articles of the draft id, 0 if it
// is not in the draft box. For other groups.
func (g *draftAPI) articleCount(id string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if d := g.drafts[id]; d != nil {
		return len(d.articles)
	}
	return 0
}

// isArticle reports whether id is the article_id of a publication. For
// other groups.
func (g *draftAPI) isArticle(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, e := g.lookupPublication(id)
	return e == nil
}

// article is one article of a draft or a publication: the JSON object
// as sent to draft/add or draft/update, with the fields WeChat sets
// filled in.
type article map[string]json.RawMessage

// draft is an entry of the draft box (草稿箱).
type draft struct {
	id       string
	articles []article
	updated  time.Time
}

// publication is a draft submitted with freepublish/submit. By default
// the fake publishes at once: the job succeeds when it is submitted (see
// SetPublishOutcome).
type publication struct {
	publishID string
	msgDataID string
	articleID string // set once the job has succeeded
	outcome   wechat.PublishStatus
	failIdx   []int
	articles  []article // url is the permanent link, is_deleted is set
	deleted   []bool
	updated   time.Time
}

// Documented limits of the draft box.
const (
	maxDraftArticles = 8
	maxTitleRunes    = 32
	maxNewsPicImages = 20
)

// articleFields are the fields of an article the fake checks.
type articleFields struct {
	ArticleType  string `json:"article_type"`
	Title        string `json:"title"`
	Content      string `json:"content"`
	ThumbMediaID string `json:"thumb_media_id"`
	ImageInfo    struct {
		ImageList []struct {
			ImageMediaID string `json:"image_media_id"`
		} `json:"image_list"`
	} `json:"image_info"`
}

// setByWeChat are the fields of an article that WeChat fills in and
// ignores in requests.
var setByWeChat = []string{"url", "thumb_url", "show_cover_pic", "is_deleted"}

// parseArticle validates an article of draft/add or draft/update and
// returns it as it is stored: an empty title or content fails with 44003
// (empty news data), a title over 32 characters with 45003, a cover
// (thumb_media_id) or a picture (image_info) that is not a permanent
// image with 40007, an unknown article_type or more than 20 pictures with
// 40097.
func (g *draftAPI) parseArticle(raw json.RawMessage) (article, *apiError) {
	var a article
	var f articleFields
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal(raw, &f) != nil || a == nil {
		return nil, fail(47001)
	}
	if f.Title == "" || f.Content == "" {
		return nil, fail(44003)
	}
	if utf8.RuneCountInString(f.Title) > maxTitleRunes {
		return nil, fail(45003)
	}
	isImage := func(id string) bool { return g.s.materials.listTypeOf(id) == "image" }
	switch f.ArticleType {
	case "", "news":
		if !isImage(f.ThumbMediaID) {
			return nil, fail(40007)
		}
		a["article_type"] = json.RawMessage(`"news"`)
	case "newspic":
		images := f.ImageInfo.ImageList
		if len(images) == 0 || len(images) > maxNewsPicImages {
			return nil, fail(40097)
		}
		for _, im := range images {
			if !isImage(im.ImageMediaID) {
				return nil, fail(40007)
			}
		}
	default:
		return nil, fail(40097)
	}
	for _, k := range setByWeChat {
		delete(a, k)
	}
	for _, k := range []string{"need_open_comment", "only_fans_can_comment"} {
		if _, ok := a[k]; !ok {
			a[k] = json.RawMessage(`0`)
		}
	}
	// A draft's url is a temporary preview link.
	a["url"] = marshal("https://mp.weixin.qq.com/s?__biz=wechattest&tempkey=" + randomID(32))
	return a, nil
}

// draftAddRequest is the body of draft/add.
type draftAddRequest struct {
	Articles []json.RawMessage `json:"articles"`
}

// handleDraftAdd answers 新建草稿 (POST draft/add, {"articles":[...]},
// one to eight articles) with {"media_id"}.
func (g *draftAPI) handleDraftAdd(x *exchange, req draftAddRequest) any {
	if len(req.Articles) == 0 {
		return fail(44003)
	}
	if len(req.Articles) > maxDraftArticles {
		return fail(45008)
	}
	d := &draft{id: randomID(43), updated: x.now}
	for _, raw := range req.Articles {
		a, e := g.parseArticle(raw)
		if e != nil {
			return e
		}
		d.articles = append(d.articles, a)
	}
	g.drafts[d.id] = d
	g.draftOrder = append(g.draftOrder, d.id)
	return map[string]any{"media_id": d.id}
}

// lookupDraft returns the draft with media_id id: 40007 for an unknown
// draft.
func (g *draftAPI) lookupDraft(id string) (*draft, *apiError) {
	d := g.drafts[id]
	if d == nil {
		return nil, fail(40007)
	}
	return d, nil
}

// newsItems copies articles for a reply, without their content when
// noContent is set.
func newsItems(arts []article, noContent bool) []article {
	out := make([]article, len(arts))
	for i, a := range arts {
		out[i] = maps.Clone(a)
		if noContent {
			delete(out[i], "content")
		}
	}
	return out
}

// handleDraftGet answers 获取草稿 (POST draft/get, {"media_id"}) with
// {"news_item":[...]}.
func (g *draftAPI) handleDraftGet(_ *exchange, req mediaIDRequest) any {
	d, e := g.lookupDraft(req.MediaID)
	if e != nil {
		return e
	}
	return map[string]any{"news_item": newsItems(d.articles, false)}
}

// draftUpdateRequest is the body of draft/update.
type draftUpdateRequest struct {
	MediaID  string          `json:"media_id"`
	Index    *int            `json:"index"`
	Articles json.RawMessage `json:"articles"`
}

// handleDraftUpdate answers 修改草稿 (POST draft/update,
// {"media_id","index","articles":{...}}): it replaces the article at
// index, from 0; an index out of range fails with 40097.
func (g *draftAPI) handleDraftUpdate(x *exchange, req draftUpdateRequest) any {
	d, e := g.lookupDraft(req.MediaID)
	if e != nil {
		return e
	}
	if req.Index == nil || *req.Index < 0 || *req.Index >= len(d.articles) {
		return fail(40097)
	}
	a, e := g.parseArticle(req.Articles)
	if e != nil {
		return e
	}
	d.articles[*req.Index] = a
	d.updated = x.now
	return okReply()
}

// removeDraft takes a draft out of the draft box.
func (g *draftAPI) removeDraft(id string) {
	delete(g.drafts, id)
	g.draftOrder = slices.DeleteFunc(g.draftOrder, func(v string) bool { return v == id })
}

// handleDraftDelete answers 删除草稿 (POST draft/delete, {"media_id"}).
func (g *draftAPI) handleDraftDelete(_ *exchange, req mediaIDRequest) any {
	d, e := g.lookupDraft(req.MediaID)
	if e != nil {
		return e
	}
	g.removeDraft(d.id)
	return okReply()
}

// handleDraftCount answers 获取草稿总数 (GET draft/count) with
// {"total_count"}.
func (g *draftAPI) handleDraftCount(*exchange) any {
	return map[string]any{"total_count": len(g.drafts)}
}

// batchItem is an item of the draft and freepublish batchget replies.
type batchItem struct {
	MediaID   string `json:"media_id,omitempty"`
	ArticleID string `json:"article_id,omitempty"`
	Content   struct {
		NewsItem []article `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// batchReply is the reply of the draft and freepublish batchget APIs.
func batchReply(total int, items []batchItem) map[string]any {
	return map[string]any{"total_count": total, "item_count": len(items), "item": items}
}

// handleDraftBatchGet answers 获取草稿列表 (POST draft/batchget,
// {"offset","count","no_content"}), newest first.
func (g *draftAPI) handleDraftBatchGet(_ *exchange, req batchRequest) any {
	if e := req.check(); e != nil {
		return e
	}
	ids := slices.Clone(g.draftOrder)
	slices.Reverse(ids)
	lo, hi := window(len(ids), req)
	items := make([]batchItem, 0, hi-lo)
	for _, id := range ids[lo:hi] {
		d := g.drafts[id]
		it := batchItem{MediaID: d.id, UpdateTime: d.updated.Unix()}
		it.Content.NewsItem = newsItems(d.articles, req.NoContent == 1)
		items = append(items, it)
	}
	return batchReply(len(ids), items)
}

// handleFreePublishSubmit answers 发布草稿 (POST freepublish/submit,
// {"media_id"}) with {"publish_id","msg_data_id"}. The draft leaves the
// draft box and is published at once: freepublish/get reports success.
func (g *draftAPI) handleFreePublishSubmit(x *exchange, req mediaIDRequest) any {
	d, e := g.lookupDraft(req.MediaID)
	if e != nil {
		return e
	}
	g.removeDraft(d.id)
	p := &publication{
		publishID: strconv.FormatInt(g.s.next(), 10),
		msgDataID: strconv.FormatInt(g.s.next(), 10),
		deleted:   make([]bool, len(d.articles)),
		updated:   x.now,
	}
	for _, a := range d.articles {
		a = maps.Clone(a)
		a["url"] = marshal("https://mp.weixin.qq.com/s/" + randomID(22))
		if u := g.s.materials.urlOf(jsonString(a["thumb_media_id"])); u != "" {
			a["thumb_url"] = marshal(u)
		}
		p.articles = append(p.articles, a)
	}
	g.setOutcome(p, g.publishOutcome, g.publishFailIdx)
	g.publications[p.publishID] = p
	g.pubOrder = append(g.pubOrder, p.publishID)
	return map[string]any{"errcode": 0, "errmsg": "ok", "publish_id": p.publishID, "msg_data_id": p.msgDataID}
}

// setOutcome ends (or leaves running) the job p; once it succeeds its
// articles take comments under its msg_data_id.
func (g *draftAPI) setOutcome(p *publication, status wechat.PublishStatus, failIdx []int) {
	p.setOutcome(status, failIdx)
	if status == wechat.PublishSucceeded {
		g.s.comments.publish(p.msgDataID, commentSettings(p.articles))
	}
}

// commentSettingsOf returns the comment choices of the articles of the
// draft mediaID, nil if there is no such draft. For other groups.
func (g *draftAPI) commentSettingsOf(mediaID string) []commentSetting {
	g.mu.Lock()
	defer g.mu.Unlock()
	if d := g.drafts[mediaID]; d != nil {
		return commentSettings(d.articles)
	}
	return nil
}

func jsonString(raw json.RawMessage) string {
	var v string
	_ = json.Unmarshal(raw, &v)
	return v
}

// status is the publish_status of a publication: its outcome, and for a
// success 5 once every article has been deleted.
func (p *publication) status() int {
	if p.outcome != wechat.PublishSucceeded {
		return int(p.outcome)
	}
	if !slices.Contains(p.deleted, false) {
		return int(wechat.PublishDeletedByUser)
	}
	return int(wechat.PublishSucceeded)
}

// setOutcome ends (or leaves running) the job; a success gets its
// article_id.
func (p *publication) setOutcome(status wechat.PublishStatus, failIdx []int) {
	p.outcome, p.failIdx = status, slices.Clone(failIdx)
	if status == wechat.PublishSucceeded && p.articleID == "" {
		p.articleID = randomID(43)
	}
}

// items returns the articles of a publication with is_deleted set.
func (p *publication) items(noContent bool) []article {
	out := newsItems(p.articles, noContent)
	for i, a := range out {
		a["is_deleted"] = marshal(p.deleted[i])
	}
	return out
}

// publishGetRequest is the body of freepublish/get.
type publishGetRequest struct {
	PublishID json.RawMessage `json:"publish_id"`
}

// handleFreePublishGet answers 发布状态轮询 (POST freepublish/get,
// {"publish_id"}): publish_status 0 with article_id and article_detail,
// or 5 once every article was deleted; 40097 for an unknown publish_id.
func (g *draftAPI) handleFreePublishGet(_ *exchange, req publishGetRequest) any {
	id := jsonString(req.PublishID)
	if id == "" {
		id = string(req.PublishID) // a number
	}
	p := g.publications[id]
	if p == nil {
		return fail(40097)
	}
	failIdx := p.failIdx
	if failIdx == nil {
		failIdx = []int{}
	}
	reply := map[string]any{"publish_id": p.publishID, "publish_status": p.status(), "fail_idx": failIdx}
	if p.status() == 0 {
		type detail struct {
			Idx        int    `json:"idx"`
			ArticleURL string `json:"article_url"`
		}
		var items []detail
		for i, a := range p.articles {
			items = append(items, detail{Idx: i + 1, ArticleURL: jsonString(a["url"])})
		}
		reply["article_id"] = p.articleID
		reply["article_detail"] = map[string]any{"count": len(items), "item": items}
	}
	return reply
}

// lookupPublication returns the publication with an article_id: 53600
// (invalid article id) if there is none.
func (g *draftAPI) lookupPublication(articleID string) (*publication, *apiError) {
	for _, p := range g.publications {
		if p.articleID == articleID && articleID != "" {
			return p, nil
		}
	}
	return nil, fail(53600)
}

// publishDeleteRequest is the body of freepublish/delete.
type publishDeleteRequest struct {
	ArticleID string `json:"article_id"`
	Index     int    `json:"index"`
}

// handleFreePublishDelete answers 删除发布文章 (POST freepublish/delete,
// {"article_id","index"}): the article at index, from 1, or all of them
// when index is 0 or absent. An index out of range fails with 40097.
func (g *draftAPI) handleFreePublishDelete(x *exchange, req publishDeleteRequest) any {
	p, e := g.lookupPublication(req.ArticleID)
	if e != nil {
		return e
	}
	switch {
	case req.Index == 0:
		for i := range p.deleted {
			p.deleted[i] = true
		}
	case req.Index < 0 || req.Index > len(p.deleted):
		return fail(40097)
	default:
		p.deleted[req.Index-1] = true
	}
	p.updated = x.now
	return okReply()
}

// publishArticleRequest is the body of freepublish/getarticle.
type publishArticleRequest struct {
	ArticleID string `json:"article_id"`
}

// handleFreePublishGetArticle answers 获取已发布图文信息 (POST
// freepublish/getarticle, {"article_id"}) with {"news_item":[...]},
// deleted articles included with is_deleted true.
func (g *draftAPI) handleFreePublishGetArticle(_ *exchange, req publishArticleRequest) any {
	p, e := g.lookupPublication(req.ArticleID)
	if e != nil {
		return e
	}
	return map[string]any{"news_item": p.items(false)}
}

// handleFreePublishBatchGet answers 获取成功发布列表 (POST
// freepublish/batchget, {"offset","count","no_content"}), newest first.
// A publication whose articles were all deleted is no longer listed.
func (g *draftAPI) handleFreePublishBatchGet(_ *exchange, req batchRequest) any {
	if e := req.check(); e != nil {
		return e
	}
	var list []*publication
	for _, id := range slices.Backward(g.pubOrder) {
		if p := g.publications[id]; p.status() == 0 {
			list = append(list, p)
		}
	}
	lo, hi := window(len(list), req)
	items := make([]batchItem, 0, hi-lo)
	for _, p := range list[lo:hi] {
		it := batchItem{ArticleID: p.articleID, UpdateTime: p.updated.Unix()}
		it.Content.NewsItem = p.items(req.NoContent == 1)
		items = append(items, it)
	}
	return batchReply(len(list), items)
}

// SetPublishOutcome sets how the drafts submitted with freepublish/submit
// from now on end. wechat.PublishSucceeded, the default, publishes at
// once; wechat.PublishInProgress leaves the job running until
// SetPublishStatus ends it; any other status ends the job with that
// failure, failIdx listing the failed articles (fail_idx, from 1).
func (s *Server) SetPublishOutcome(status wechat.PublishStatus, failIdx ...int) {
	g := s.drafts
	g.mu.Lock()
	defer g.mu.Unlock()
	g.publishOutcome, g.publishFailIdx = status, slices.Clone(failIdx)
}

// SetPublishStatus ends or changes the job publishID, as WeChat does when
// it finishes publishing: freepublish/get reports the new status from
// then on. It reports false if there is no such job.
func (s *Server) SetPublishStatus(publishID string, status wechat.PublishStatus, failIdx ...int) bool {
	g := s.drafts
	g.mu.Lock()
	defer g.mu.Unlock()
	return edit(g.publications, publishID, func(p *publication) {
		g.setOutcome(p, status, failIdx)
		p.updated = s.now()
	})
}

// PublishJobFinishEvent returns the PUBLISHJOBFINISH event WeChat pushes
// to the webhook about the job publishID, in its current state, ready for
// Webhook.Send (which fills in the account and the sender); nil if there
// is no such job.
func (s *Server) PublishJobFinishEvent(publishID string) *wechat.Message {
	g := s.drafts
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.publications[publishID]
	if p == nil {
		return nil
	}
	info := &wechat.PublishEventInfo{
		PublishID:     p.publishID,
		PublishStatus: wechat.PublishStatus(p.status()),
		FailIdx:       slices.Clone(p.failIdx),
	}
	if info.PublishStatus == wechat.PublishSucceeded {
		info.ArticleID = p.articleID
		for i, a := range p.articles {
			info.Articles = append(info.Articles, wechat.PublishEventArticle{Idx: i + 1, ArticleURL: jsonString(a["url"])})
		}
		info.ArticleCount = len(info.Articles)
	}
	return &wechat.Message{
		MsgType:          wechat.MsgTypeEvent,
		Event:            wechat.EventPublishJobFinish,
		CreateTime:       s.now().Unix(),
		PublishEventInfo: info,
	}
}
