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
	maxTagNameBytes  = 30
	maxGroupName     = 30
)

// userAPI keeps the followers of the account with their tags, groups and
// blacklist (用户管理), and the openid migrations (changeopenid).
type userAPI struct {
	group
	followers  map[string]*Follower
	order      []string // openids in subscription order
	tags       map[int]string
	nextTag    int
	groups     map[int]string
	nextGroup  int
	migrations map[string]map[string]string // from_appid → old openid → new openid
}

func newUserAPI(s *Server, now time.Time) *userAPI {
	g := &userAPI{
		group:      group{s: s},
		followers:  make(map[string]*Follower),
		tags:       map[int]string{2: "星标组"},
		nextTag:    100,
		groups:     map[int]string{0: "未分组", 1: "黑名单", 2: "星标组"},
		nextGroup:  100,
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
		g.route(endpoint.UserInfoBatchGet, g.handleUserInfoBatch),
		g.route(endpoint.UserUpdateRemark, g.handleUpdateRemark),
		g.route(endpoint.UserGet, g.handleUserGet),
		g.route(endpoint.TagCreate, g.handleTagCreate),
		g.route(endpoint.TagGet, g.handleTagGet),
		g.route(endpoint.TagUpdate, g.handleTagUpdate),
		g.route(endpoint.TagDelete, g.handleTagDelete),
		g.route(endpoint.TagBatchTag, g.handleBatchTagging),
		g.route(endpoint.TagBatchUntag, g.handleBatchUntagging),
		g.route(endpoint.TagMembers, g.handleTagUsers),
		g.route(endpoint.TagIDList, g.handleTagIDList),
		g.route(endpoint.GroupCreate, g.handleGroupCreate),
		g.route(endpoint.GroupGet, g.handleGroupGet),
		g.route(endpoint.GroupGetID, g.handleGroupGetID),
		g.route(endpoint.GroupUpdate, g.handleGroupUpdate),
		g.route(endpoint.GroupMemberUpdate, g.handleGroupMemberUpdate),
		g.route(endpoint.GroupMemberBatch, g.handleGroupMemberBatchUpdate),
		g.route(endpoint.GroupDelete, g.handleGroupDelete),
		g.route(endpoint.BlacklistGet, g.handleGetBlacklist),
		g.route(endpoint.BlacklistAdd, g.handleBatchBlacklist),
		g.route(endpoint.BlacklistRemove, g.handleBatchUnblacklist),
		g.route(endpoint.ChangeOpenID, g.handleChangeOpenID),
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
	_, ok := g.tags[id]
	return ok
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

// handleUserInfoBatch answers 批量获取用户基本信息 (POST
// user/info/batchget, {"user_list":[{"openid","lang"}]}, at most 100).
func (g *userAPI) handleUserInfoBatch(x *exchange) any {
	var req struct {
		UserList []struct {
			OpenID string `json:"openid"`
		} `json:"user_list"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
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

// handleUpdateRemark answers 设置用户备注名 (POST user/info/updateremark).
func (g *userAPI) handleUpdateRemark(x *exchange) any {
	var req struct {
		OpenID string `json:"openid"`
		Remark string `json:"remark"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	f, e := g.subscribed(req.OpenID)
	if e != nil {
		return e
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

type tagBody struct {
	Tag struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"tag"`
}

// checkTagName returns 45157 for an empty or duplicate name and 45158 for
// one over 30 bytes.
func (g *userAPI) checkTagName(name string, self int) *apiError {
	if len(name) > maxTagNameBytes {
		return fail(45158)
	}
	if name == "" {
		return fail(45157)
	}
	for id, n := range g.tags {
		if n == name && id != self {
			return fail(45157)
		}
	}
	return nil
}

// handleTagCreate answers 创建标签 (POST tags/create).
func (g *userAPI) handleTagCreate(x *exchange) any {
	var req tagBody
	if e := x.decode(&req); e != nil {
		return e
	}
	if e := g.checkTagName(req.Tag.Name, -1); e != nil {
		return e
	}
	if len(g.tags) >= maxTags {
		return fail(45056)
	}
	id := g.nextTag
	g.nextTag++
	g.tags[id] = req.Tag.Name
	return map[string]any{"tag": map[string]any{"id": id, "name": req.Tag.Name}}
}

func sortedIDs(m map[int]string) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// handleTagGet answers 获取公众号已创建的标签 (GET tags/get).
func (g *userAPI) handleTagGet(*exchange) any {
	list := []any{}
	for _, id := range sortedIDs(g.tags) {
		list = append(list, map[string]any{"id": id, "name": g.tags[id], "count": g.tagCount(id)})
	}
	return map[string]any{"tags": list}
}

// isSystemTag reports the ids 0, 1 and 2 that WeChat reserves.
func isSystemTag(id int) bool { return id >= 0 && id <= 2 }

// handleTagUpdate answers 编辑标签 (POST tags/update).
func (g *userAPI) handleTagUpdate(x *exchange) any {
	var req tagBody
	if e := x.decode(&req); e != nil {
		return e
	}
	if isSystemTag(req.Tag.ID) {
		return fail(45058)
	}
	if _, ok := g.tags[req.Tag.ID]; !ok {
		return fail(45159)
	}
	if e := g.checkTagName(req.Tag.Name, req.Tag.ID); e != nil {
		return e
	}
	g.tags[req.Tag.ID] = req.Tag.Name
	return okReply()
}

// handleTagDelete answers 删除标签 (POST tags/delete); the tag is removed
// from its followers.
func (g *userAPI) handleTagDelete(x *exchange) any {
	var req tagBody
	if e := x.decode(&req); e != nil {
		return e
	}
	if isSystemTag(req.Tag.ID) {
		return fail(45058)
	}
	if _, ok := g.tags[req.Tag.ID]; !ok {
		return fail(45159)
	}
	delete(g.tags, req.Tag.ID)
	for _, f := range g.followers {
		f.TagIDs = slices.DeleteFunc(f.TagIDs, func(t int) bool { return t == req.Tag.ID })
	}
	return okReply()
}

type batchTagRequest struct {
	OpenIDList []string `json:"openid_list"`
	TagID      int      `json:"tagid"`
}

// batchTargets validates a batch tag request and returns its followers.
func (g *userAPI) batchTargets(x *exchange) (*batchTagRequest, []*Follower, *apiError) {
	var req batchTagRequest
	if e := x.decode(&req); e != nil {
		return nil, nil, e
	}
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxBatchOpenIDs {
		return nil, nil, fail(40032)
	}
	if _, ok := g.tags[req.TagID]; !ok {
		return nil, nil, fail(45159)
	}
	fs := make([]*Follower, 0, len(req.OpenIDList))
	for _, id := range req.OpenIDList {
		f, e := g.subscribed(id)
		if e != nil {
			return nil, nil, fail(40003)
		}
		fs = append(fs, f)
	}
	return &req, fs, nil
}

// handleBatchTagging answers 批量为用户打标签 (POST
// tags/members/batchtagging): at most 50 openids, at most 20 tags per user.
// Nothing changes unless every openid is valid.
func (g *userAPI) handleBatchTagging(x *exchange) any {
	req, fs, e := g.batchTargets(x)
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
func (g *userAPI) handleBatchUntagging(x *exchange) any {
	req, fs, e := g.batchTargets(x)
	if e != nil {
		return e
	}
	for _, f := range fs {
		f.TagIDs = slices.DeleteFunc(f.TagIDs, func(t int) bool { return t == req.TagID })
	}
	return okReply()
}

// handleTagUsers answers 获取标签下粉丝列表 (POST user/tag/get,
// {"tagid","next_openid"}), paged like user/get.
func (g *userAPI) handleTagUsers(x *exchange) any {
	var req struct {
		TagID      int    `json:"tagid"`
		NextOpenID string `json:"next_openid"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	if _, ok := g.tags[req.TagID]; !ok {
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

// handleTagIDList answers 获取用户身上的标签列表 (POST tags/getidlist).
func (g *userAPI) handleTagIDList(x *exchange) any {
	var req struct {
		OpenID string `json:"openid"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	f, e := g.subscribed(req.OpenID)
	if e != nil {
		return fail(40003)
	}
	ids := slices.Clone(f.TagIDs)
	if ids == nil {
		ids = []int{}
	}
	return map[string]any{"tagid_list": ids}
}

type groupBody struct {
	Group struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"group"`
}

func (g *userAPI) checkGroupName(name string, self int) *apiError {
	if name == "" || len(name) > maxGroupName {
		return fail(40051)
	}
	for id, n := range g.groups {
		if n == name && id != self {
			return fail(40051)
		}
	}
	return nil
}

// handleGroupCreate answers 创建分组 (POST groups/create) with
// {"group":{"id","name"}}.
func (g *userAPI) handleGroupCreate(x *exchange) any {
	var req groupBody
	if e := x.decode(&req); e != nil {
		return e
	}
	if e := g.checkGroupName(req.Group.Name, -1); e != nil {
		return e
	}
	id := g.nextGroup
	g.nextGroup++
	g.groups[id] = req.Group.Name
	return map[string]any{"group": map[string]any{"id": id, "name": req.Group.Name}}
}

// handleGroupGet answers 查询所有分组 (GET groups/get).
func (g *userAPI) handleGroupGet(*exchange) any {
	list := []any{}
	for _, id := range sortedIDs(g.groups) {
		n := 0
		for _, f := range g.followers {
			if !f.Unsubscribed && f.GroupID == id {
				n++
			}
		}
		list = append(list, map[string]any{"id": id, "name": g.groups[id], "count": n})
	}
	return map[string]any{"groups": list}
}

// handleGroupGetID answers 查询用户所在分组 (POST groups/getid).
func (g *userAPI) handleGroupGetID(x *exchange) any {
	var req struct {
		OpenID string `json:"openid"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	f, e := g.subscribed(req.OpenID)
	if e != nil {
		return fail(40003)
	}
	return map[string]any{"groupid": f.GroupID}
}

// handleGroupUpdate answers 修改分组名 (POST groups/update); the default
// groups 0, 1 and 2 cannot be renamed.
func (g *userAPI) handleGroupUpdate(x *exchange) any {
	var req groupBody
	if e := x.decode(&req); e != nil {
		return e
	}
	if _, ok := g.groups[req.Group.ID]; !ok || isSystemTag(req.Group.ID) {
		return fail(40050)
	}
	if e := g.checkGroupName(req.Group.Name, req.Group.ID); e != nil {
		return e
	}
	g.groups[req.Group.ID] = req.Group.Name
	return okReply()
}

// handleGroupMemberUpdate answers 移动用户分组 (POST groups/members/update).
func (g *userAPI) handleGroupMemberUpdate(x *exchange) any {
	var req struct {
		OpenID    string `json:"openid"`
		ToGroupID int    `json:"to_groupid"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	f, e := g.subscribed(req.OpenID)
	if e != nil {
		return fail(40003)
	}
	if _, ok := g.groups[req.ToGroupID]; !ok {
		return fail(40050)
	}
	f.GroupID = req.ToGroupID
	return okReply()
}

// handleGroupMemberBatchUpdate answers 批量移动用户分组 (POST
// groups/members/batchupdate, at most 50 openids).
func (g *userAPI) handleGroupMemberBatchUpdate(x *exchange) any {
	var req struct {
		OpenIDList []string `json:"openid_list"`
		ToGroupID  int      `json:"to_groupid"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxBatchOpenIDs {
		return fail(40032)
	}
	if _, ok := g.groups[req.ToGroupID]; !ok {
		return fail(40050)
	}
	fs := make([]*Follower, 0, len(req.OpenIDList))
	for _, id := range req.OpenIDList {
		f, e := g.subscribed(id)
		if e != nil {
			return fail(40003)
		}
		fs = append(fs, f)
	}
	for _, f := range fs {
		f.GroupID = req.ToGroupID
	}
	return okReply()
}

// handleGroupDelete answers 删除分组 (POST groups/delete); its members
// move back to group 0.
func (g *userAPI) handleGroupDelete(x *exchange) any {
	var req groupBody
	if e := x.decode(&req); e != nil {
		return e
	}
	if _, ok := g.groups[req.Group.ID]; !ok || isSystemTag(req.Group.ID) {
		return fail(40050)
	}
	delete(g.groups, req.Group.ID)
	for _, f := range g.followers {
		if f.GroupID == req.Group.ID {
			f.GroupID = 0
		}
	}
	return okReply()
}
