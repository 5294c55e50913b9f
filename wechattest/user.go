package wechattest

import (
	"slices"
	"sort"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Follower is a user of the account, as user/info describes them.
type Follower struct {
	OpenID  string
	UnionID string // omitted from replies when empty
	// Language defaults to "zh_CN".
	Language string
	// SubscribeTime defaults to the server's clock when the follower is
	// added.
	SubscribeTime time.Time
	// SubscribeScene defaults to "ADD_SCENE_OTHERS".
	SubscribeScene string
	QRScene        int64
	QRSceneStr     string
	Remark         string
	GroupID        int
	TagIDs         []int
	// Nickname and HeadImgURL are shared through web authorization
	// (sns/userinfo) only: user/info no longer returns them.
	Nickname   string
	HeadImgURL string
	// Unsubscribed users are known to user/info (subscribe 0) but are not
	// listed by user/get and cannot receive messages.
	Unsubscribed bool
	// Blacklisted users (黑名单) are listed by tags/members/getblacklist.
	// They stay followers, listed by user/get, but a blacklisted user
	// cannot message the account, so no customer-service window is ever
	// open: message/custom/send to them fails with 45015. Template and
	// mass messages are not affected.
	Blacklisted bool
}

func (f *Follower) language() string {
	if f.Language == "" {
		return "zh_CN"
	}
	return f.Language
}

// Documented limits of the user APIs.
const (
	maxBatchOpenIDs  = 50  // batchtagging, batchuntagging, groups batchupdate
	maxBatchGetUsers = 100 // user/info/batchget
	maxTags          = 100
	maxTagsPerUser   = 20
	maxLabelName     = 30 // bytes, of a tag or a group
	maxRemarkBytes   = 30 // bytes in UTF-8, of user/info/updateremark's remark
	maxChangeOpenIDs = 100
	// 一次拉黑最多允许20个: batchblacklist, batchunblacklist.
	maxBlacklistOpenIDs = 20
)

// userAPI keeps the followers of the account with their tags, groups and
// blacklist (用户管理), and the openid migrations (changeopenid).
type userAPI struct {
	group
	followers  map[string]*Follower
	order      []string // openids in subscription order
	tags       *labelSet
	groups     *labelSet
	migrations map[string]map[string]string // from_appid → old openid → new openid
}

func newUserAPI(s *Server, now time.Time) *userAPI {
	g := &userAPI{
		group:      group{s: s},
		followers:  make(map[string]*Follower),
		tags:       newTags(),
		groups:     newGroups(),
		migrations: s.cfg.migrations,
	}
	for _, f := range s.cfg.followers {
		g.addFollower(f, now)
	}
	return g
}

func (g *userAPI) routes() []route {
	return []route{
		g.route(endpoint.UserInfo, g.handleUserInfo),
		g.route(endpoint.UserInfoBatchGet, decoding(g.handleUserInfoBatch)),
		g.route(endpoint.UserUpdateRemark, decoding(g.handleUpdateRemark)),
		g.route(endpoint.UserGet, g.handleUserGet),
		g.route(endpoint.TagCreate, g.handleTagCreate),
		g.route(endpoint.TagGet, g.handleTagGet),
		g.route(endpoint.TagUpdate, g.handleTagUpdate),
		g.route(endpoint.TagDelete, g.handleTagDelete),
		g.route(endpoint.TagBatchTag, decoding(g.handleBatchTagging)),
		g.route(endpoint.TagBatchUntag, decoding(g.handleBatchUntagging)),
		g.route(endpoint.TagMembers, decoding(g.handleTagUsers)),
		g.route(endpoint.TagIDList, decoding(g.handleTagIDList)),
		g.route(endpoint.GroupCreate, g.handleGroupCreate),
		g.route(endpoint.GroupGet, g.handleGroupGet),
		g.route(endpoint.GroupGetID, decoding(g.handleGroupGetID)),
		g.route(endpoint.GroupUpdate, g.handleGroupUpdate),
		g.route(endpoint.GroupMemberUpdate, decoding(g.handleGroupMemberUpdate)),
		g.route(endpoint.GroupMemberBatch, decoding(g.handleGroupMemberBatchUpdate)),
		g.route(endpoint.GroupDelete, g.handleGroupDelete),
		g.route(endpoint.BlacklistGet, g.handleGetBlacklist),
		g.route(endpoint.BlacklistAdd, decoding(g.handleBatchBlacklist)),
		g.route(endpoint.BlacklistRemove, decoding(g.handleBatchUnblacklist)),
		g.route(endpoint.ChangeOpenID, decoding(g.handleChangeOpenID)),
	}
}

// follower returns a copy of a follower and whether the openid is known.
// For other groups.
func (g *userAPI) follower(openID string) (Follower, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.followers[openID]
	if f == nil {
		return Follower{}, false
	}
	out := *f
	out.TagIDs = slices.Clone(f.TagIDs)
	return out, true
}

// check returns a copy of the follower with openid if they follow the
// account, or the error of subscribed. For other groups.
func (g *userAPI) check(openID string) (Follower, *apiError) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f, e := g.subscribed(openID)
	if e != nil {
		return Follower{}, e
	}
	out := *f
	out.TagIDs = slices.Clone(f.TagIDs)
	return out, nil
}

// tagExists reports whether a tag exists. For other groups.
func (g *userAPI) tagExists(id int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tags.has(id)
}

// addFollower stores a copy of f with its defaults filled in. Called with
// g.mu held, or before the server starts.
func (g *userAPI) addFollower(f Follower, now time.Time) {
	if f.OpenID == "" {
		return
	}
	f.Language = f.language()
	if f.SubscribeTime.IsZero() {
		f.SubscribeTime = now
	}
	if f.SubscribeScene == "" {
		f.SubscribeScene = "ADD_SCENE_OTHERS"
	}
	f.TagIDs = slices.Clone(f.TagIDs)
	if _, ok := g.followers[f.OpenID]; !ok {
		g.order = append(g.order, f.OpenID)
	}
	g.followers[f.OpenID] = &f
}

// AddFollower adds a follower, or replaces the one with the same OpenID,
// as when a user subscribes while a test runs. A new follower is listed
// last by user/get.
func (s *Server) AddFollower(f Follower) {
	g := s.users
	g.mu.Lock()
	defer g.mu.Unlock()
	g.addFollower(f, s.now())
}

// Follower returns the current state of a follower as the API calls left
// it (remark, group, tags), and whether the openid is known.
func (s *Server) Follower(openID string) (Follower, bool) {
	return s.users.follower(openID)
}

// subscribed returns the follower with openid if they follow the account:
// the errcode is 40003 for an unknown openid and 43004 for a user who
// unsubscribed.
func (g *userAPI) subscribed(openID string) (*Follower, *apiError) {
	f := g.followers[openID]
	if f == nil {
		return nil, fail(40003)
	}
	if f.Unsubscribed {
		return nil, fail(43004)
	}
	return f, nil
}

// userInfo is the user/info document of a subscribed follower.
type userInfo struct {
	Subscribe      int    `json:"subscribe"`
	OpenID         string `json:"openid"`
	Language       string `json:"language"`
	SubscribeTime  int64  `json:"subscribe_time"`
	UnionID        string `json:"unionid,omitempty"`
	Remark         string `json:"remark"`
	GroupID        int    `json:"groupid"`
	TagIDList      []int  `json:"tagid_list"`
	SubscribeScene string `json:"subscribe_scene"`
	QRScene        int64  `json:"qr_scene"`
	QRSceneStr     string `json:"qr_scene_str"`
}

// unsubscribedInfo is all user/info tells about a user who left.
type unsubscribedInfo struct {
	Subscribe int    `json:"subscribe"`
	OpenID    string `json:"openid"`
	UnionID   string `json:"unionid,omitempty"`
}

func infoOf(f *Follower) any {
	if f.Unsubscribed {
		return unsubscribedInfo{OpenID: f.OpenID, UnionID: f.UnionID}
	}
	tags := slices.Clone(f.TagIDs)
	if tags == nil {
		tags = []int{}
	}
	return userInfo{
		Subscribe: 1, OpenID: f.OpenID, Language: f.language(),
		SubscribeTime: f.SubscribeTime.Unix(), UnionID: f.UnionID, Remark: f.Remark,
		GroupID: f.GroupID, TagIDList: tags, SubscribeScene: f.SubscribeScene,
		QRScene: f.QRScene, QRSceneStr: f.QRSceneStr,
	}
}

// handleUserInfo answers 获取用户基本信息 (GET user/info?openid=&lang=).
func (g *userAPI) handleUserInfo(x *exchange) any {
	openID := x.r.URL.Query().Get("openid")
	if openID == "" {
		return fail(41009)
	}
	f := g.followers[openID]
	if f == nil {
		return fail(40003)
	}
	return infoOf(f)
}

// userInfoBatchRequest is the body of user/info/batchget.
type userInfoBatchRequest struct {
	UserList []struct {
		OpenID string `json:"openid"`
	} `json:"user_list"`
}

// handleUserInfoBatch answers 批量获取用户基本信息 (POST
// user/info/batchget, {"user_list":[{"openid","lang"}]}, at most 100).
func (g *userAPI) handleUserInfoBatch(_ *exchange, req userInfoBatchRequest) any {
	if len(req.UserList) == 0 || len(req.UserList) > maxBatchGetUsers {
		return fail(40032)
	}
	list := make([]any, 0, len(req.UserList))
	for _, u := range req.UserList {
		f := g.followers[u.OpenID]
		if f == nil {
			return fail(40003)
		}
		list = append(list, infoOf(f))
	}
	return map[string]any{"user_info_list": list}
}

// updateRemarkRequest is the body of user/info/updateremark.
type updateRemarkRequest struct {
	OpenID string `json:"openid"`
	Remark string `json:"remark"`
}

// handleUpdateRemark answers 设置用户备注名 (POST user/info/updateremark).
// A remark of more than 30 bytes fails with 40092: the page says "长度必须
// 小于30字节", and WeChat takes ten Chinese characters (30 bytes in UTF-8)
// but not eleven.
func (g *userAPI) handleUpdateRemark(_ *exchange, req updateRemarkRequest) any {
	f, e := g.subscribed(req.OpenID)
	if e != nil {
		return e
	}
	if len(req.Remark) > maxRemarkBytes {
		return fail(40092)
	}
	f.Remark = req.Remark
	return okReply()
}

// page returns the openids after next (from the start when next is
// empty) among those accepted by keep, at most pageSize of them. The
// error is 40003 when next is not a known openid.
func (g *userAPI) page(next string, keep func(*Follower) bool) (total int, ids []string, e *apiError) {
	start := 0
	if next != "" {
		i := slices.Index(g.order, next)
		if i < 0 {
			return 0, nil, fail(40003)
		}
		start = i + 1
	}
	for i, id := range g.order {
		f := g.followers[id]
		if !keep(f) {
			continue
		}
		total++
		if i >= start && len(ids) < g.s.cfg.pageSize {
			ids = append(ids, id)
		}
	}
	return total, ids, nil
}

// pageReply builds the paging document of user/get and user/tag/get:
// next_openid is the last openid of the page, and a page past the end has
// count 0, no data and an empty next_openid.
func pageReply(ids []string) map[string]any {
	if len(ids) == 0 {
		return map[string]any{"count": 0, "next_openid": ""}
	}
	return map[string]any{
		"count":       len(ids),
		"data":        map[string]any{"openid": ids},
		"next_openid": ids[len(ids)-1],
	}
}

// handleUserGet answers 获取用户列表 (GET user/get?next_openid=).
func (g *userAPI) handleUserGet(x *exchange) any {
	total, ids, e := g.page(x.r.URL.Query().Get("next_openid"), func(f *Follower) bool { return !f.Unsubscribed })
	if e != nil {
		return e
	}
	out := pageReply(ids)
	out["total"] = total
	return out
}

// tagCount counts the subscribed followers that carry a tag.
func (g *userAPI) tagCount(id int) int {
	n := 0
	for _, f := range g.followers {
		if !f.Unsubscribed && slices.Contains(f.TagIDs, id) {
			n++
		}
	}
	return n
}

// handleTagCreate answers 创建标签 (POST tags/create).
func (g *userAPI) handleTagCreate(x *exchange) any { return g.tags.create(x) }

// handleTagGet answers 获取公众号已创建的标签 (GET tags/get).
func (g *userAPI) handleTagGet(*exchange) any { return g.tags.list(g.tagCount) }

// handleTagUpdate answers 编辑标签 (POST tags/update).
func (g *userAPI) handleTagUpdate(x *exchange) any { return g.tags.rename(x) }

// handleTagDelete answers 删除标签 (POST tags/delete); the tag is removed
// from its followers.
func (g *userAPI) handleTagDelete(x *exchange) any {
	return g.tags.remove(x, func(id int) {
		for _, f := range g.followers {
			f.TagIDs = slices.DeleteFunc(f.TagIDs, func(t int) bool { return t == id })
		}
	})
}

type batchTagRequest struct {
	OpenIDList []string `json:"openid_list"`
	TagID      int      `json:"tagid"`
}

// batchTargets validates a batch tag request and returns its followers.
func (g *userAPI) batchTargets(req batchTagRequest) ([]*Follower, *apiError) {
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxBatchOpenIDs {
		return nil, fail(40032)
	}
	if !g.tags.has(req.TagID) {
		return nil, fail(45159)
	}
	return g.all(req.OpenIDList, true)
}

// handleBatchTagging answers 批量为用户打标签 (POST
// tags/members/batchtagging): at most 50 openids, at most 20 tags per user.
// Nothing changes unless every openid is valid.
func (g *userAPI) handleBatchTagging(_ *exchange, req batchTagRequest) any {
	fs, e := g.batchTargets(req)
	if e != nil {
		return e
	}
	for _, f := range fs {
		if !slices.Contains(f.TagIDs, req.TagID) && len(f.TagIDs) >= maxTagsPerUser {
			return fail(45059)
		}
	}
	for _, f := range fs {
		if !slices.Contains(f.TagIDs, req.TagID) {
			f.TagIDs = append(f.TagIDs, req.TagID)
		}
	}
	return okReply()
}

// handleBatchUntagging answers 批量为用户取消标签 (POST
// tags/members/batchuntagging).
func (g *userAPI) handleBatchUntagging(_ *exchange, req batchTagRequest) any {
	fs, e := g.batchTargets(req)
	if e != nil {
		return e
	}
	for _, f := range fs {
		f.TagIDs = slices.DeleteFunc(f.TagIDs, func(t int) bool { return t == req.TagID })
	}
	return okReply()
}

// tagUsersRequest is the body of user/tag/get.
type tagUsersRequest struct {
	TagID      int    `json:"tagid"`
	NextOpenID string `json:"next_openid"`
}

// handleTagUsers answers 获取标签下粉丝列表 (POST user/tag/get,
// {"tagid","next_openid"}), paged like user/get.
func (g *userAPI) handleTagUsers(_ *exchange, req tagUsersRequest) any {
	if !g.tags.has(req.TagID) {
		return fail(45159)
	}
	_, ids, e := g.page(req.NextOpenID, func(f *Follower) bool {
		return !f.Unsubscribed && slices.Contains(f.TagIDs, req.TagID)
	})
	if e != nil {
		return e
	}
	return pageReply(ids)
}

// member returns the follower with openid for the APIs of their tags and
// group, which answer 40003 unless they follow the account.
func (g *userAPI) member(openID string) (*Follower, *apiError) {
	f, e := g.subscribed(openID)
	if e != nil {
		return nil, fail(40003)
	}
	return f, nil
}

// openIDRequest is the {"openid"} body of tags/getidlist and groups/getid.
type openIDRequest struct {
	OpenID string `json:"openid"`
}

// handleTagIDList answers 获取用户身上的标签列表 (POST tags/getidlist).
func (g *userAPI) handleTagIDList(_ *exchange, req openIDRequest) any {
	f, e := g.member(req.OpenID)
	if e != nil {
		return e
	}
	ids := slices.Clone(f.TagIDs)
	if ids == nil {
		ids = []int{}
	}
	return map[string]any{"tagid_list": ids}
}

// handleGroupCreate answers 创建分组 (POST groups/create) with
// {"group":{"id","name"}}.
func (g *userAPI) handleGroupCreate(x *exchange) any { return g.groups.create(x) }

// handleGroupGet answers 查询所有分组 (GET groups/get).
func (g *userAPI) handleGroupGet(*exchange) any {
	return g.groups.list(func(id int) int {
		n := 0
		for _, f := range g.followers {
			if !f.Unsubscribed && f.GroupID == id {
				n++
			}
		}
		return n
	})
}

// handleGroupGetID answers 查询用户所在分组 (POST groups/getid).
func (g *userAPI) handleGroupGetID(_ *exchange, req openIDRequest) any {
	f, e := g.member(req.OpenID)
	if e != nil {
		return e
	}
	return map[string]any{"groupid": f.GroupID}
}

// handleGroupUpdate answers 修改分组名 (POST groups/update); the default
// groups 0, 1 and 2 cannot be renamed.
func (g *userAPI) handleGroupUpdate(x *exchange) any { return g.groups.rename(x) }

// groupMemberRequest is the body of groups/members/update.
type groupMemberRequest struct {
	OpenID    string `json:"openid"`
	ToGroupID int    `json:"to_groupid"`
}

// handleGroupMemberUpdate answers 移动用户分组 (POST groups/members/update).
func (g *userAPI) handleGroupMemberUpdate(_ *exchange, req groupMemberRequest) any {
	f, e := g.member(req.OpenID)
	if e != nil {
		return e
	}
	if !g.groups.has(req.ToGroupID) {
		return fail(40050)
	}
	f.GroupID = req.ToGroupID
	return okReply()
}

// groupMemberBatchRequest is the body of groups/members/batchupdate.
type groupMemberBatchRequest struct {
	OpenIDList []string `json:"openid_list"`
	ToGroupID  int      `json:"to_groupid"`
}

// handleGroupMemberBatchUpdate answers 批量移动用户分组 (POST
// groups/members/batchupdate, at most 50 openids).
func (g *userAPI) handleGroupMemberBatchUpdate(_ *exchange, req groupMemberBatchRequest) any {
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxBatchOpenIDs {
		return fail(40032)
	}
	if !g.groups.has(req.ToGroupID) {
		return fail(40050)
	}
	fs, e := g.all(req.OpenIDList, true)
	if e != nil {
		return e
	}
	for _, f := range fs {
		f.GroupID = req.ToGroupID
	}
	return okReply()
}

// handleGroupDelete answers 删除分组 (POST groups/delete); its members
// move back to group 0.
func (g *userAPI) handleGroupDelete(x *exchange) any {
	return g.groups.remove(x, func(id int) {
		for _, f := range g.followers {
			if f.GroupID == id {
				f.GroupID = 0
			}
		}
	})
}

// handleGetBlacklist answers 获取公众号的黑名单列表 (POST
// tags/members/getblacklist, {"begin_openid":"..."}) with
// {"total","count","data":{"openid":[...]},"next_openid"}, paged like
// user/get: begin_openid is the next_openid of the previous page, and the
// page starts after it. Blacklisted users are listed in subscription
// order, whether or not they still follow the account.
func (g *userAPI) handleGetBlacklist(x *exchange) any {
	var req struct {
		BeginOpenID string `json:"begin_openid"`
	}
	// The body is optional: without it the list starts at the beginning.
	if len(x.body) > 0 {
		if e := x.decode(&req); e != nil {
			return e
		}
	}
	total, ids, e := g.page(req.BeginOpenID, func(f *Follower) bool { return f.Blacklisted })
	if e != nil {
		return e
	}
	out := pageReply(ids)
	out["total"] = total
	return out
}

// blacklistRequest is the body of batchblacklist and batchunblacklist.
type blacklistRequest struct {
	OpenIDList []string `json:"openid_list"`
}

// blacklist answers batchblacklist and batchunblacklist,
// {"openid_list":[...]}: one to 20 openids (40032 otherwise), each known
// to the account (40003 otherwise), whether or not they still follow it.
// Nothing changes unless every openid is valid; blacklisting twice, or
// unblacklisting a user who is not blacklisted, is not an error.
func (g *userAPI) blacklist(req blacklistRequest, blacklisted bool) any {
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxBlacklistOpenIDs {
		return fail(40032)
	}
	fs, e := g.all(req.OpenIDList, false)
	if e != nil {
		return e
	}
	for _, f := range fs {
		f.Blacklisted = blacklisted
	}
	return okReply()
}

// handleBatchBlacklist answers 拉黑用户 (POST tags/members/batchblacklist).
func (g *userAPI) handleBatchBlacklist(_ *exchange, req blacklistRequest) any {
	return g.blacklist(req, true)
}

// handleBatchUnblacklist answers 取消拉黑用户 (POST
// tags/members/batchunblacklist).
func (g *userAPI) handleBatchUnblacklist(_ *exchange, req blacklistRequest) any {
	return g.blacklist(req, false)
}

// changeResult is one entry of the result_list of changeopenid; a failed
// entry has no new_openid.
type changeResult struct {
	OriOpenID string `json:"ori_openid"`
	NewOpenID string `json:"new_openid,omitempty"`
	ErrMsg    string `json:"err_msg"`
}

// changeOpenIDRequest is the body of changeopenid.
type changeOpenIDRequest struct {
	FromAppID  string   `json:"from_appid"`
	OpenIDList []string `json:"openid_list"`
}

// handleChangeOpenID answers openid转换 (POST changeopenid,
// {"from_appid","openid_list"}, at most 100 openids) with
// {"errcode":0,"errmsg":"ok","result_list":[{"ori_openid","new_openid","err_msg":"ok"}]},
// one entry per openid in the order sent. The call succeeds as a whole
// when some openids cannot be converted: their entry says "ori_openid
// error".
func (g *userAPI) handleChangeOpenID(_ *exchange, req changeOpenIDRequest) any {
	if req.FromAppID == "" {
		return fail(41002)
	}
	m, ok := g.migrations[req.FromAppID]
	if !ok {
		return fail(40013)
	}
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxChangeOpenIDs {
		return fail(40032)
	}
	list := make([]changeResult, 0, len(req.OpenIDList))
	for _, old := range req.OpenIDList {
		if id, ok := m[old]; ok && id != "" {
			list = append(list, changeResult{OriOpenID: old, NewOpenID: id, ErrMsg: "ok"})
		} else {
			list = append(list, changeResult{OriOpenID: old, ErrMsg: "ori_openid error"})
		}
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "result_list": list}
}

// all returns the followers of the openids of a batch API, or 40003 if
// one is not known to the account or, with subscribedOnly, does not
// follow it. Nothing is returned unless every openid is valid, so that a
// batch changes all its followers or none.
func (g *userAPI) all(openIDs []string, subscribedOnly bool) ([]*Follower, *apiError) {
	fs := make([]*Follower, 0, len(openIDs))
	for _, id := range openIDs {
		f := g.followers[id]
		if f == nil || subscribedOnly && f.Unsubscribed {
			return nil, fail(40003)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// label is a tag or a group as the APIs send it.
type label struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// labelSet holds the account's tags (标签) or its groups (分组). WeChat
// keeps the two alike: numbered names of at most 30 bytes, ids 0 to 2
// reserved, and the same create, get, update and delete APIs with bodies
// such as {"tag":{"id","name"}}. They differ in the key of those bodies,
// in their errcodes and in the limit on how many there may be.
type labelSet struct {
	key   string // "tag" or "group"
	read  func(*exchange) (label, *apiError)
	names map[int]string
	next  int // the id of the next one created
	max   int // how many there may be, 0 for no limit
	codes labelCodes
}

// labelCodes are the errcodes of a labelSet's APIs.
type labelCodes struct {
	badName  int // an empty name, or one another id has
	longName int // a name over 30 bytes
	tooMany  int // a create past the limit
	reserved int // an update or delete of ids 0 to 2
	unknown  int // an id that does not exist
}

func newTags() *labelSet {
	return &labelSet{
		key: "tag", read: readTag, names: map[int]string{2: "星标组"}, next: 100, max: maxTags,
		codes: labelCodes{badName: 45157, longName: 45158, tooMany: 45056, reserved: 45058, unknown: 45159},
	}
}

func newGroups() *labelSet {
	return &labelSet{
		key: "group", read: readGroup, names: map[int]string{0: "未分组", 1: "黑名单", 2: "星标组"}, next: 100,
		codes: labelCodes{badName: 40051, longName: 40051, reserved: 40050, unknown: 40050},
	}
}

// has reports whether the id exists.
func (l *labelSet) has(id int) bool {
	_, ok := l.names[id]
	return ok
}

// readTag reads the {"tag":{"id","name"}} body of the tag APIs.
func readTag(x *exchange) (label, *apiError) {
	var req struct {
		Tag label `json:"tag"`
	}
	e := x.decode(&req)
	return req.Tag, e
}

// readGroup reads the {"group":{"id","name"}} body of the group APIs.
func readGroup(x *exchange) (label, *apiError) {
	var req struct {
		Group label `json:"group"`
	}
	e := x.decode(&req)
	return req.Group, e
}

// checkName checks the name for the label with id self, -1 for a new one.
func (l *labelSet) checkName(name string, self int) *apiError {
	if len(name) > maxLabelName {
		return fail(l.codes.longName)
	}
	if name == "" {
		return fail(l.codes.badName)
	}
	for id, n := range l.names {
		if n == name && id != self {
			return fail(l.codes.badName)
		}
	}
	return nil
}

// checkID checks that id exists and may be changed.
func (l *labelSet) checkID(id int) *apiError {
	if id >= 0 && id <= 2 {
		return fail(l.codes.reserved)
	}
	if !l.has(id) {
		return fail(l.codes.unknown)
	}
	return nil
}

// create answers tags/create and groups/create with the new label.
func (l *labelSet) create(x *exchange) any {
	req, e := l.read(x)
	if e != nil {
		return e
	}
	if e := l.checkName(req.Name, -1); e != nil {
		return e
	}
	if l.max > 0 && len(l.names) >= l.max {
		return fail(l.codes.tooMany)
	}
	id := l.next
	l.next++
	l.names[id] = req.Name
	return map[string]any{l.key: label{ID: id, Name: req.Name}}
}

// list answers tags/get and groups/get: every label in id order with the
// number of followers count finds for it.
func (l *labelSet) list(count func(id int) int) any {
	ids := make([]int, 0, len(l.names))
	for id := range l.names {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	list := []any{}
	for _, id := range ids {
		list = append(list, map[string]any{"id": id, "name": l.names[id], "count": count(id)})
	}
	return map[string]any{l.key + "s": list}
}

// rename answers tags/update and groups/update.
func (l *labelSet) rename(x *exchange) any {
	req, e := l.read(x)
	if e != nil {
		return e
	}
	if e := l.checkID(req.ID); e != nil {
		return e
	}
	if e := l.checkName(req.Name, req.ID); e != nil {
		return e
	}
	l.names[req.ID] = req.Name
	return okReply()
}

// remove answers tags/delete and groups/delete; removed takes the label
// off the followers that had it.
func (l *labelSet) remove(x *exchange, removed func(id int)) any {
	req, e := l.read(x)
	if e != nil {
		return e
	}
	if e := l.checkID(req.ID); e != nil {
		return e
	}
	delete(l.names, req.ID)
	removed(req.ID)
	return okReply()
}
