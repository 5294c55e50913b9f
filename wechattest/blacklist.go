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

// blacklist answers batchblacklist and batchunblacklist,
// {"openid_list":[...]}: one to 20 openids (40032 otherwise), each known
// to the account (40003 otherwise), whether or not they still follow it.
// Nothing changes unless every openid is valid; blacklisting twice, or
// unblacklisting a user who is not blacklisted, is not an error.
func (g *userAPI) blacklist(x *exchange, blacklisted bool) any {
	var req struct {
		OpenIDList []string `json:"openid_list"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
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
func (g *userAPI) handleBatchBlacklist(x *exchange) any { return g.blacklist(x, true) }

// handleBatchUnblacklist answers 取消拉黑用户 (POST
// tags/members/batchunblacklist).
func (g *userAPI) handleBatchUnblacklist(x *exchange) any { return g.blacklist(x, false) }
