package wechat

import (
	"context"
	"iter"
	"unicode/utf8"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Limits documented by WeChat for the tag APIs.
const (
	maxTagNameLen     = 30 // 标签名，30个字符以内 (分组名字 the same)
	maxTaggingOpenIDs = 50 // 每次传入的openid列表个数不能超过50个
)

// Tag is a user tag (用户标签管理). Tags segment the followers of an
// account: an account has up to 100 tags and a user up to 20. They replace
// the legacy groups. The tag methods (Client.CreateTag, ListTags,
// UpdateTag, DeleteTag, TagUsers, UntagUsers, ListUserTags, TagMembers,
// ListTagMembers) are available to verified subscription and verified
// service accounts (认证订阅号, 认证服务号).
type Tag struct {
	ID   int
	Name string
	// Count is the number of users with the tag; ListTags fills it in.
	Count int
}

// tagJSON is a tag, or a legacy group, as the APIs send it: the two have
// the same members.
type tagJSON struct {
	ID    lenient.Int `json:"id"`
	Name  string      `json:"name"`
	Count lenient.Int `json:"count"`
}

func (t tagJSON) tag() Tag { return Tag{ID: int(t.ID), Name: t.Name, Count: int(t.Count)} }

// tagRef names a tag, or a legacy group, in a request.
type tagRef struct {
	ID   int    `json:"id"`
	Name string `json:"name,omitempty"`
}

// checkName applies the documented limit of max characters to the name of
// a tag or a legacy group (what). The text of WeChat's error for a long
// tag name speaks of 30 bytes instead; the looser limit is checked here
// and WeChat has the last word.
func checkName(what string, max int, name string) error {
	if name == "" {
		return invalidArg("%s name is empty", what)
	}
	if n := utf8.RuneCountInString(name); n > max {
		return invalidArg("%s name has %d characters, more than %d", what, n, max)
	}
	return nil
}

// CreateTag creates a tag named name, of at most 30 characters, and
// returns it with the id WeChat gave it (创建标签, [tags/create]). Names must
// be unique, and an account has at most 100 tags.
//
// [tags/create]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_createtag.html
func (c *Client) CreateTag(ctx context.Context, name string) (*Tag, error) {
	return createTag[Tag](ctx, c, kindTag, endpoint.TagCreate, name)
}

// ListTags returns every tag of the account with its number of users
// (获取公众号已创建的标签, [tags/get]).
//
// [tags/get]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettags.html
func (c *Client) ListTags(ctx context.Context) ([]Tag, error) {
	return listTags[Tag](ctx, c, kindTag, endpoint.TagGet)
}

// UpdateTag renames the tag id to name, of at most 30 characters (编辑标签,
// [tags/update]). The tags 0, 1 and 2 are reserved by WeChat and cannot be
// changed.
//
// [tags/update]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_updatetag.html
func (c *Client) UpdateTag(ctx context.Context, id int, name string) error {
	return updateTag(ctx, c, kindTag, endpoint.TagUpdate, id, name)
}

// DeleteTag deletes the tag id (删除标签, [tags/delete]). WeChat refuses
// while more than 100000 users have the tag: remove it from users with
// UntagUsers first.
//
// [tags/delete]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_deletetag.html
func (c *Client) DeleteTag(ctx context.Context, id int) error {
	return exec(ctx, c, endpoint.TagDelete, nil, map[tagKind]tagRef{kindTag: {ID: id}})
}

// The legacy group API (see Group) is the tag API under another name: a
// request or reply holds a group, under "group", where the tag API's
// holds a tag, under "tag", and the list of them is "groups" for "tags".
// The members and the limit on names are the same. tagKind is that name,
// and the functions below serve both APIs with it.
type tagKind string

const (
	kindTag   tagKind = "tag"
	kindGroup tagKind = "group"
)

// tagsReply is a reply of tags/create or tags/get, or of groups/create or
// groups/get: the members of its kind are set.
type tagsReply struct {
	status
	Tag    *tagJSON  `json:"tag"`
	Group  *tagJSON  `json:"group"`
	Tags   []tagJSON `json:"tags"`
	Groups []tagJSON `json:"groups"`
}

// of returns the members of r of the kind k.
func (r *tagsReply) of(k tagKind) (*tagJSON, []tagJSON) {
	if k == kindGroup {
		return r.Group, r.Groups
	}
	return r.Tag, r.Tags
}

// createTag creates a tag or a group, as k says, with the endpoint ep.
func createTag[T Tag | Group](ctx context.Context, c *Client, k tagKind, ep endpoint.ID, name string) (*T, error) {
	if err := checkName(string(k), maxTagNameLen, name); err != nil {
		return nil, err
	}
	body := map[tagKind]struct {
		Name string `json:"name"`
	}{k: {name}}
	r, err := call[tagsReply](ctx, c, ep, nil, body)
	if err != nil {
		return nil, err
	}
	t, _ := r.of(k)
	if t == nil {
		return nil, badReply(ep, "no "+string(k)+" in reply")
	}
	v := T(t.tag())
	return &v, nil
}

// listTags lists the tags or the groups, as k says, with the endpoint ep.
func listTags[T Tag | Group](ctx context.Context, c *Client, k tagKind, ep endpoint.ID) ([]T, error) {
	r, err := call[tagsReply](ctx, c, ep, nil, nil)
	if err != nil {
		return nil, err
	}
	_, list := r.of(k)
	out := make([]T, len(list))
	for i, t := range list {
		out[i] = T(t.tag())
	}
	return out, nil
}

// updateTag renames the tag or the group id, as k says, with the endpoint ep.
func updateTag(ctx context.Context, c *Client, k tagKind, ep endpoint.ID, id int, name string) error {
	if err := checkName(string(k), maxTagNameLen, name); err != nil {
		return err
	}
	return exec(ctx, c, ep, nil, map[tagKind]tagRef{k: {ID: id, Name: name}})
}

func (c *Client) tagMembers(ctx context.Context, tagID int, nextOpenID string) (*openIDList, error) {
	body := struct {
		TagID      int    `json:"tagid"`
		NextOpenID string `json:"next_openid"`
	}{tagID, nextOpenID}
	return call[openIDList](ctx, c, endpoint.TagMembers, nil, body)
}

// ListTagMembers returns one page of the users with the tag tagID
// (获取标签下粉丝列表, [user/tag/get]), starting after nextOpenID, or at the
// beginning when it is empty. The page has no Total. TagMembers walks
// every page.
//
// [user/tag/get]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettagfans.html
func (c *Client) ListTagMembers(ctx context.Context, tagID int, nextOpenID string) (*OpenIDPage, error) {
	return openIDPage(c.tagMembers(ctx, tagID, nextOpenID))
}

// TagMembers iterates over the openids of every user with the tag tagID,
// fetching pages with [user/tag/get] as the loop needs them. An error ends
// the iteration: it is yielded once, with an empty openid.
//
// [user/tag/get]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettagfans.html
func (c *Client) TagMembers(ctx context.Context, tagID int) iter.Seq2[string, error] {
	return openIDSeq(ctx, func(ctx context.Context, cursor string) (*openIDList, error) {
		return c.tagMembers(ctx, tagID, cursor)
	})
}

type taggingBody struct {
	OpenIDList []string `json:"openid_list"`
	TagID      int      `json:"tagid"`
}

// TagUsers gives the tag tagID to up to 50 users (批量为用户打标签,
// [tags/members/batchtagging]). A user has at most 20 tags.
//
// [tags/members/batchtagging]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_batchtagging.html
func (c *Client) TagUsers(ctx context.Context, tagID int, openIDs []string) error {
	return c.execTagging(ctx, endpoint.TagBatchTag, tagID, openIDs)
}

// UntagUsers removes the tag tagID from up to 50 users (批量为用户取消标签,
// [tags/members/batchuntagging]).
//
// [tags/members/batchuntagging]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_batchuntagging.html
func (c *Client) UntagUsers(ctx context.Context, tagID int, openIDs []string) error {
	return c.execTagging(ctx, endpoint.TagBatchUntag, tagID, openIDs)
}

// execTagging calls the endpoint id, which gives the tag tagID to up to
// 50 users or takes it from them.
func (c *Client) execTagging(ctx context.Context, id endpoint.ID, tagID int, openIDs []string) error {
	if err := checkOpenIDs(openIDs, maxTaggingOpenIDs); err != nil {
		return err
	}
	return exec(ctx, c, id, nil, taggingBody{openIDs, tagID})
}

// ListUserTags returns the ids of the tags of the user openID
// (获取用户身上的标签列表, [tags/getidlist]).
//
// [tags/getidlist]: https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettagidlist.html
func (c *Client) ListUserTags(ctx context.Context, openID string) ([]int, error) {
	if openID == "" {
		return nil, invalidArg("openid is empty")
	}
	r, err := call[struct {
		status
		TagIDList []lenient.Int `json:"tagid_list"`
	}](ctx, c, endpoint.TagIDList, nil, openIDRef{openID})
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(r.TagIDList))
	for i, id := range r.TagIDList {
		ids[i] = int(id)
	}
	return ids, nil
}
