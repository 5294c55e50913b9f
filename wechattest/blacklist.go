package wechattest

// maxBlacklistOpenIDs is the documented limit of batchblacklist and
// batchunblacklist: 一次拉黑最多允许20个.
const maxBlacklistOpenIDs = 20

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

// blacklistTargets validates a batchblacklist or batchunblacklist body,
// {"openid_list":[...]}: one to 20 openids (40032 otherwise), each known
// to the account (40003 otherwise).
func (g *userAPI) blacklistTargets(x *exchange) ([]*Follower, *apiError) {
	var req struct {
		OpenIDList []string `json:"openid_list"`
	}
	if e := x.decode(&req); e != nil {
		return nil, e
	}
	if len(req.OpenIDList) == 0 || len(req.OpenIDList) > maxBlacklistOpenIDs {
		return nil, fail(40032)
	}
	fs := make([]*Follower, 0, len(req.OpenIDList))
	for _, id := range req.OpenIDList {
		f := g.followers[id]
		if f == nil {
			return nil, fail(40003)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// handleBatchBlacklist answers 拉黑用户 (POST tags/members/batchblacklist).
// Nothing changes unless every openid is valid.
func (g *userAPI) handleBatchBlacklist(x *exchange) any {
	fs, e := g.blacklistTargets(x)
	if e != nil {
		return e
	}
	for _, f := range fs {
		f.Blacklisted = true
	}
	return okReply()
}

// handleBatchUnblacklist answers 取消拉黑用户 (POST
// tags/members/batchunblacklist). Nothing changes unless every openid is
// valid; unblacklisting a user who is not blacklisted is not an error.
func (g *userAPI) handleBatchUnblacklist(x *exchange) any {
	fs, e := g.blacklistTargets(x)
	if e != nil {
		return e
	}
	for _, f := range fs {
		f.Blacklisted = false
	}
	return okReply()
}
