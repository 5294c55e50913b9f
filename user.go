package wechat

import (
	"context"
	"iter"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// Limits documented by WeChat for the user management APIs.
const (
	maxRemarkBytes   = 30  // 新的备注名，长度必须小于30字节 (in UTF-8; 30 are taken)
	maxGroupMoveIDs  = 50  // groups/members/batchupdate: openid_list 不能超过50
	maxBatchUserInfo = 100 // user/info/batchget: 最多支持一次拉取100条
	maxBlacklistIDs  = 20  // tags/members/batchblacklist: 一次拉黑最多允许20个
	maxChangeOpenIDs = 100 // changeopenid: openid_list 最多100个
)

// Lang selects the language of the region names (country, province, city)
// in a user profile.
type Lang string

// Languages accepted by the user information APIs. An empty Lang leaves
// the choice to WeChat, which uses LangZhCN.
const (
	LangZhCN Lang = "zh_CN" // 简体中文
	LangZhTW Lang = "zh_TW" // 繁體中文
	LangEn   Lang = "en"    // English
)

// SubscribeScene is the channel through which a user followed the account
// (subscribe_scene).
type SubscribeScene string

// Subscribe scenes documented by WeChat. Other values may appear as WeChat
// adds channels.
const (
	SubscribeSceneSearch              SubscribeScene = "ADD_SCENE_SEARCH"               // 公众号搜索
	SubscribeSceneAccountMigration    SubscribeScene = "ADD_SCENE_ACCOUNT_MIGRATION"    // 公众号迁移
	SubscribeSceneProfileCard         SubscribeScene = "ADD_SCENE_PROFILE_CARD"         // 名片分享
	SubscribeSceneQRCode              SubscribeScene = "ADD_SCENE_QR_CODE"              // 扫描二维码
	SubscribeSceneProfileLink         SubscribeScene = "ADD_SCENE_PROFILE_LINK"         // 图文页内名称点击
	SubscribeSceneProfileItem         SubscribeScene = "ADD_SCENE_PROFILE_ITEM"         // 图文页右上角菜单
	SubscribeScenePaid                SubscribeScene = "ADD_SCENE_PAID"                 // 支付后关注
	SubscribeSceneWeChatAdvertisement SubscribeScene = "ADD_SCENE_WECHAT_ADVERTISEMENT" // 微信广告
	SubscribeSceneReprint             SubscribeScene = "ADD_SCENE_REPRINT"              // 他人转载
	SubscribeSceneLivestream          SubscribeScene = "ADD_SCENE_LIVESTREAM"           // 视频号直播
	SubscribeSceneChannels            SubscribeScene = "ADD_SCENE_CHANNELS"             // 视频号
	SubscribeSceneMiniProgram         SubscribeScene = "ADD_SCENE_WXA"                  // 小程序关注
	SubscribeSceneOthers              SubscribeScene = "ADD_SCENE_OTHERS"               // 其他
)

// UserInfo is the profile of a user as the account sees it (用户基本信息).
//
// Since 2021-12-27 WeChat no longer returns the nickname, sex, avatar or
// region of a user; Nickname, Sex, City, Province, Country and HeadImgURL
// are decoded only from replies that still carry them.
type UserInfo struct {
	// Subscribed reports whether the user follows the account. When it is
	// false WeChat returns only OpenID and UnionID.
	Subscribed bool
	OpenID     string
	// Language is the language of the user's WeChat client, such as
	// "zh_CN".
	Language string
	// SubscribeTime is when the user last followed the account.
	SubscribeTime time.Time
	// UnionID is set only when the account is bound to a WeChat Open
	// Platform account. It is returned exactly as WeChat sent it.
	UnionID string
	// Remark is the account operator's note about the user.
	Remark string
	// GroupID is the user's legacy group (see ListGroups).
	GroupID int
	// TagIDs lists the user's tags (see ListTags).
	TagIDs []int
	// SubscribeScene is how the user came to follow the account.
	SubscribeScene SubscribeScene
	// QRScene and QRSceneStr are the scene of the parametric QR code the
	// user scanned to follow, when SubscribeScene is SubscribeSceneQRCode.
	QRScene    int
	QRSceneStr string

	// Fields WeChat stopped returning in 2021.
	Nickname string
	// Sex is 1 for male, 2 for female and 0 when unknown.
	Sex        int
	City       string
	Province   string
	Country    string
	HeadImgURL string
}

// userInfoReply is the wire form of a user profile. The numeric fields
// use lenient.Int: some replies send them as strings (sex as "1").
type userInfoReply struct {
	status
	Subscribe      lenient.Int   `json:"subscribe"`
	OpenID         string        `json:"openid"`
	Language       string        `json:"language"`
	SubscribeTime  lenient.Int   `json:"subscribe_time"`
	UnionID        string        `json:"unionid"`
	Remark         string        `json:"remark"`
	GroupID        lenient.Int   `json:"groupid"`
	TagIDList      []lenient.Int `json:"tagid_list"`
	SubscribeScene string        `json:"subscribe_scene"`
	QRScene        lenient.Int   `json:"qr_scene"`
	QRSceneStr     string        `json:"qr_scene_str"`
	Nickname       string        `json:"nickname"`
	Sex            lenient.Int   `json:"sex"`
	City           string        `json:"city"`
	Province       string        `json:"province"`
	Country        string        `json:"country"`
	HeadImgURL     string        `json:"headimgurl"`
}

func (r *userInfoReply) info() UserInfo {
	u := UserInfo{
		Subscribed:     r.Subscribe == 1,
		OpenID:         r.OpenID,
		Language:       r.Language,
		UnionID:        r.UnionID,
		Remark:         r.Remark,
		GroupID:        int(r.GroupID),
		SubscribeScene: SubscribeScene(r.SubscribeScene),
		QRScene:        int(r.QRScene),
		QRSceneStr:     r.QRSceneStr,
		Nickname:       r.Nickname,
		Sex:            int(r.Sex),
		City:           r.City,
		Province:       r.Province,
		Country:        r.Country,
		HeadImgURL:     r.HeadImgURL,
	}
	if r.SubscribeTime > 0 {
		u.SubscribeTime = time.Unix(int64(r.SubscribeTime), 0)
	}
	if r.TagIDList != nil {
		u.TagIDs = make([]int, len(r.TagIDList))
		for i, id := range r.TagIDList {
			u.TagIDs[i] = int(id)
		}
	}
	return u
}

// GetUserInfo returns the profile of the user openID (获取用户基本信息,
// [user/info]). lang picks the language of the region names; empty means
// WeChat's default, LangZhCN.
//
// User management (用户管理) is the followers (ListFollowers, Followers), their
// profiles and remarks (GetUserInfo, BatchGetUserInfo, UpdateUserRemark),
// the blacklist (Blacklist, ListBlacklist, BlacklistUsers,
// UnblacklistUsers), openid migration (ChangeOpenID), tags (CreateTag and
// the methods after it) and the legacy user groups (see Group). It is
// available to verified subscription and verified service accounts (认证订阅号,
// 认证服务号).
//
// [user/info]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo.html
func (c *Client) GetUserInfo(ctx context.Context, openID string, lang Lang) (*UserInfo, error) {
	if openID == "" {
		return nil, invalidArg("openid is empty")
	}
	r, err := call[userInfoReply](ctx, c, endpoint.UserInfo, query{{"openid", openID}, {"lang", string(lang)}}, nil)
	if err != nil {
		return nil, err
	}
	u := r.info()
	return &u, nil
}

type batchUserInfoRequest struct {
	UserList []batchUser `json:"user_list"`
}

type batchUser struct {
	OpenID string `json:"openid"`
	Lang   Lang   `json:"lang,omitempty"`
}

// BatchGetUserInfo returns the profiles of the users openIDs, in the order
// WeChat returns them (批量获取用户基本信息, [user/info/batchget]).
//
// WeChat accepts at most 100 openids per request; BatchGetUserInfo sends
// one request per 100 openids, one after another. If a request fails it
// returns the profiles of the earlier requests together with the error.
// The batch request only reads, so it is retried like a GET.
//
// [user/info/batchget]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_batchuserinfo.html
func (c *Client) BatchGetUserInfo(ctx context.Context, openIDs []string, lang Lang) ([]UserInfo, error) {
	// Any number of openids is fine here: they are split below.
	if err := checkOpenIDList(openIDs); err != nil {
		return nil, err
	}
	infos := make([]UserInfo, 0, len(openIDs))
	for start := 0; start < len(openIDs); start += maxBatchUserInfo {
		chunk := openIDs[start:min(start+maxBatchUserInfo, len(openIDs))]
		req := batchUserInfoRequest{UserList: make([]batchUser, len(chunk))}
		for i, id := range chunk {
			req.UserList[i] = batchUser{OpenID: id, Lang: lang}
		}
		r, err := call[struct {
			status
			UserInfoList []userInfoReply `json:"user_info_list"`
		}](ctx, c, endpoint.UserInfoBatchGet, nil, req)
		if err != nil {
			return infos, err
		}
		for i := range r.UserInfoList {
			infos = append(infos, r.UserInfoList[i].info())
		}
	}
	return infos, nil
}

// UpdateUserRemark sets the operator's note about the user openID
// (设置用户备注名, [user/info/updateremark]). WeChat documents a limit of 30
// bytes, not characters: ten Chinese characters at most, which take three
// bytes each in UTF-8. An empty remark clears the note.
//
// [user/info/updateremark]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_updateremark.html
func (c *Client) UpdateUserRemark(ctx context.Context, openID, remark string) error {
	if openID == "" {
		return invalidArg("openid is empty")
	}
	if len(remark) > maxRemarkBytes {
		return invalidArg("remark has %d bytes in UTF-8, more than %d", len(remark), maxRemarkBytes)
	}
	body := struct {
		OpenID string `json:"openid"`
		Remark string `json:"remark"`
	}{openID, remark}
	return exec(ctx, c, endpoint.UserUpdateRemark, nil, body)
}

// OpenIDPage is one page of a list of openids: followers, blacklisted
// users, or the users with a tag.
//
// WeChat has been seen to put an empty string in the list (an entry that
// is no user); such entries are dropped, so len(OpenIDs) can be less than
// Count.
type OpenIDPage struct {
	// Total is the size of the whole list. The members of a tag come
	// without it, and it is then zero.
	Total int
	// Count is the number of openids WeChat reported for this page.
	Count   int
	OpenIDs []string
	// NextOpenID is the cursor for the next page; it is empty when there
	// is none. WeChat returns the last openid of a full page here, so the
	// page after the last one is empty.
	NextOpenID string
}

// openIDList is the wire form of an OpenIDPage.
type openIDList struct {
	status
	Total lenient.Int `json:"total"`
	Count lenient.Int `json:"count"`
	Data  struct {
		OpenID []string `json:"openid"`
	} `json:"data"`
	NextOpenID string `json:"next_openid"`
}

// openIDPage returns the page of a fetched list, or the fetch's error.
func openIDPage(l *openIDList, err error) (*OpenIDPage, error) {
	if err != nil {
		return nil, err
	}
	p := &OpenIDPage{Total: int(l.Total), Count: int(l.Count), NextOpenID: l.NextOpenID, OpenIDs: []string{}}
	for _, id := range l.Data.OpenID {
		if id != "" {
			p.OpenIDs = append(p.OpenIDs, id)
		}
	}
	return p, nil
}

// openIDSeq iterates over every openid of a paged list, starting at the
// beginning each time it is ranged over. It stops when a page is empty,
// has no next cursor, or repeats the cursor it was asked for (which would
// otherwise loop forever), or when the counts reach the list's total.
func openIDSeq(ctx context.Context, fetch func(ctx context.Context, cursor string) (*openIDList, error)) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		seen := 0 // openids so far in this walk, by WeChat's counts
		pages := paginate(ctx, "", func(ctx context.Context, cursor string) ([]string, string, bool, error) {
			l, err := fetch(ctx, cursor)
			if err != nil {
				return nil, "", false, err
			}
			n := int(l.Count)
			if n == 0 {
				n = len(l.Data.OpenID)
			}
			seen += n
			// The last page still names a next_openid (its last openid);
			// where the list has a total, the counts say it is done
			// without asking for the empty page after it.
			next := l.NextOpenID
			more := next != "" && next != cursor && n > 0 && (l.Total == 0 || seen < int(l.Total))
			return l.Data.OpenID, next, more, nil
		})
		// Empty entries are skipped here rather than in fetch: a page
		// made only of empty entries must not end the walk early.
		for id, err := range pages {
			if err == nil && id == "" {
				continue
			}
			if !yield(id, err) {
				return
			}
		}
	}
}

func (c *Client) followers(ctx context.Context, nextOpenID string) (*openIDList, error) {
	return call[openIDList](ctx, c, endpoint.UserGet, query{{"next_openid", nextOpenID}}, nil)
}

// ListFollowers returns one page of up to 10000 followers of the account
// (获取用户列表, [user/get]), starting after nextOpenID, or at the beginning
// when nextOpenID is empty. Followers walks every page.
//
// [user/get]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_getfans.html
func (c *Client) ListFollowers(ctx context.Context, nextOpenID string) (*OpenIDPage, error) {
	return openIDPage(c.followers(ctx, nextOpenID))
}

// Followers iterates over the openids of every follower of the account,
// fetching pages of up to 10000 with [user/get] as the loop needs them. An
// error ends the iteration: it is yielded once, with an empty openid.
// Breaking out of the loop fetches no further page.
//
// [user/get]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_getfans.html
func (c *Client) Followers(ctx context.Context) iter.Seq2[string, error] {
	return openIDSeq(ctx, c.followers)
}

// checkOpenIDs rejects an empty list, a list longer than max (at least
// 1) and an empty openid.
func checkOpenIDs(openIDs []string, max int) error {
	if len(openIDs) > max {
		return invalidArg("%d openids, at most %d per request", len(openIDs), max)
	}
	return checkOpenIDList(openIDs)
}

// checkOpenIDList rejects an empty list and an empty openid, whatever the
// length of the list: for a caller that splits the list itself or checks
// its length against bounds of its own.
func checkOpenIDList(openIDs []string) error {
	if len(openIDs) == 0 {
		return invalidArg("openid list is empty")
	}
	for i, id := range openIDs {
		if id == "" {
			return invalidArg("openid %d of the list is empty", i)
		}
	}
	return nil
}

// Blacklist (黑名单管理).

func (c *Client) blacklist(ctx context.Context, beginOpenID string) (*openIDList, error) {
	body := struct {
		BeginOpenID string `json:"begin_openid"`
	}{beginOpenID}
	return call[openIDList](ctx, c, endpoint.BlacklistGet, nil, body)
}

// ListBlacklist returns one page of blacklisted users (获取公众号的黑名单列表,
// [tags/members/getblacklist]), starting at beginOpenID, or at the beginning
// when it is empty. Blacklist walks every page.
//
// [tags/members/getblacklist]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_getblacklist.html
func (c *Client) ListBlacklist(ctx context.Context, beginOpenID string) (*OpenIDPage, error) {
	return openIDPage(c.blacklist(ctx, beginOpenID))
}

// Blacklist iterates over the openids of every blacklisted user, fetching
// pages with [tags/members/getblacklist] as the loop needs them. An error
// ends the iteration: it is yielded once, with an empty openid.
//
// [tags/members/getblacklist]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_getblacklist.html
func (c *Client) Blacklist(ctx context.Context) iter.Seq2[string, error] {
	return openIDSeq(ctx, c.blacklist)
}

// BlacklistUsers adds up to 20 users to the blacklist (拉黑用户,
// [tags/members/batchblacklist]).
//
// [tags/members/batchblacklist]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_batchblacklist.html
func (c *Client) BlacklistUsers(ctx context.Context, openIDs []string) error {
	return c.execBlacklist(ctx, endpoint.BlacklistAdd, openIDs)
}

// UnblacklistUsers removes up to 20 users from the blacklist (取消拉黑用户,
// [tags/members/batchunblacklist]).
//
// [tags/members/batchunblacklist]: https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_batchunblacklist.html
func (c *Client) UnblacklistUsers(ctx context.Context, openIDs []string) error {
	return c.execBlacklist(ctx, endpoint.BlacklistRemove, openIDs)
}

type openIDListBody struct {
	OpenIDList []string `json:"openid_list"`
}

// execBlacklist calls the endpoint id, which adds up to 20 users to the
// blacklist or removes them from it.
func (c *Client) execBlacklist(ctx context.Context, id endpoint.ID, openIDs []string) error {
	if err := checkOpenIDs(openIDs, maxBlacklistIDs); err != nil {
		return err
	}
	return exec(ctx, c, id, nil, openIDListBody{openIDs})
}

// OpenIDChange is the outcome of converting one openid after an account
// migration.
type OpenIDChange struct {
	// OldOpenID is the openid under the old account (ori_openid).
	OldOpenID string
	// NewOpenID is the openid under this account; empty when the
	// conversion failed.
	NewOpenID string
	// Message is WeChat's per-openid status: "ok", or a reason such as
	// "ori_openid error" (the user does not follow the old account).
	Message string
}

// OK reports whether the openid was converted.
func (ch OpenIDChange) OK() bool { return ch.NewOpenID != "" && ch.Message == "ok" }

// ChangeOpenID converts up to 100 openids of the account fromAppID into
// openids of this account after the followers of fromAppID were migrated
// to it (openid转换, [changeopenid]). WeChat offers the conversion only once
// the migration is approved, and for 15 days after it.
//
// The call succeeds as a whole even when some openids cannot be
// converted: check each result with OpenIDChange.OK.
//
// [changeopenid]: https://developers.weixin.qq.com/doc/service/api/usermanage/changeopenid/api_changeopenid.html
func (c *Client) ChangeOpenID(ctx context.Context, fromAppID string, openIDs []string) ([]OpenIDChange, error) {
	if fromAppID == "" {
		return nil, invalidArg("from appid is empty")
	}
	if err := checkOpenIDs(openIDs, maxChangeOpenIDs); err != nil {
		return nil, err
	}
	body := struct {
		FromAppID  string   `json:"from_appid"`
		OpenIDList []string `json:"openid_list"`
	}{fromAppID, openIDs}
	r, err := call[struct {
		status
		ResultList []struct {
			OriOpenID string `json:"ori_openid"`
			NewOpenID string `json:"new_openid"`
			ErrMsg    string `json:"err_msg"`
		} `json:"result_list"`
	}](ctx, c, endpoint.ChangeOpenID, nil, body)
	if err != nil {
		return nil, err
	}
	out := make([]OpenIDChange, len(r.ResultList))
	for i, x := range r.ResultList {
		out[i] = OpenIDChange{OldOpenID: x.OriOpenID, NewOpenID: x.NewOpenID, Message: x.ErrMsg}
	}
	return out, nil
}

// Group is a legacy user group (用户分组管理).
//
// WeChat replaced groups with tags (用户标签管理, see Client.CreateTag) and
// keeps the group endpoints (Client.CreateGroup, ListGroups, GetUserGroup,
// UpdateGroup, MoveUserToGroup, MoveUsersToGroup, DeleteGroup) only for
// compatibility: its current reference no longer documents them, and the
// group of a user is still reported in UserInfo.GroupID. New code should
// use tags. Groups 0 (未分组), 1 (黑名单) and 2 (星标组) are built in and
// cannot be changed. Like the rest of user management, groups are
// available to verified subscription and verified service accounts (认证订阅号, 认证服务号).
type Group struct {
	ID   int
	Name string
	// Count is the number of users in the group; ListGroups fills it in.
	Count int
}

// CreateGroup creates a legacy user group named name, of at most 30
// characters (创建分组, groups/create). Groups are superseded by tags; see
// CreateTag.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use CreateTag.
func (c *Client) CreateGroup(ctx context.Context, name string) (*Group, error) {
	return createTag[Group](ctx, c, kindGroup, endpoint.GroupCreate, name)
}

// ListGroups returns every legacy user group with its number of users
// (查询所有分组, groups/get). Groups are superseded by tags; see ListTags.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use ListTags.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	return listTags[Group](ctx, c, kindGroup, endpoint.GroupGet)
}

// GetUserGroup returns the id of the legacy group of the user openID
// (查询用户所在分组, groups/getid). Groups are superseded by tags; see
// ListUserTags.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use ListUserTags.
func (c *Client) GetUserGroup(ctx context.Context, openID string) (int, error) {
	if openID == "" {
		return 0, invalidArg("openid is empty")
	}
	r, err := call[struct {
		status
		GroupID *lenient.Int `json:"groupid"`
	}](ctx, c, endpoint.GroupGetID, nil, openIDRef{openID})
	if err != nil {
		return 0, err
	}
	if r.GroupID == nil {
		return 0, badReply(endpoint.GroupGetID, "no groupid in reply")
	}
	return int(*r.GroupID), nil
}

// UpdateGroup renames the legacy group id to name, of at most 30
// characters (修改分组名, groups/update). Groups are superseded by tags;
// see UpdateTag.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use UpdateTag.
func (c *Client) UpdateGroup(ctx context.Context, id int, name string) error {
	return updateTag(ctx, c, kindGroup, endpoint.GroupUpdate, id, name)
}

// MoveUserToGroup moves the user openID to the legacy group groupID
// (移动用户分组, groups/members/update). Groups are superseded by tags;
// see TagUsers.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use TagUsers.
func (c *Client) MoveUserToGroup(ctx context.Context, openID string, groupID int) error {
	if openID == "" {
		return invalidArg("openid is empty")
	}
	body := struct {
		OpenID    string `json:"openid"`
		ToGroupID int    `json:"to_groupid"`
	}{openID, groupID}
	return exec(ctx, c, endpoint.GroupMemberUpdate, nil, body)
}

// MoveUsersToGroup moves up to 50 users to the legacy group groupID
// (批量移动用户分组, groups/members/batchupdate). Groups are superseded by
// tags; see TagUsers.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use TagUsers.
func (c *Client) MoveUsersToGroup(ctx context.Context, openIDs []string, groupID int) error {
	if err := checkOpenIDs(openIDs, maxGroupMoveIDs); err != nil {
		return err
	}
	body := struct {
		OpenIDList []string `json:"openid_list"`
		ToGroupID  int      `json:"to_groupid"`
	}{openIDs, groupID}
	return exec(ctx, c, endpoint.GroupMemberBatch, nil, body)
}

// DeleteGroup deletes the legacy group id; its users move back to group 0
// (删除分组, groups/delete). Groups are superseded by tags; see DeleteTag.
//
// Deprecated: WeChat replaced groups with tags (用户标签管理); use DeleteTag.
func (c *Client) DeleteGroup(ctx context.Context, id int) error {
	return exec(ctx, c, endpoint.GroupDelete, nil, map[tagKind]tagRef{kindGroup: {ID: id}})
}
