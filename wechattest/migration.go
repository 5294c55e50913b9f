package wechattest

import "maps"

// maxChangeOpenIDs is the documented limit of changeopenid.
const maxChangeOpenIDs = 100

// WithMigration records that the followers of the account fromAppID were
// migrated to this one (公众号迁移): openIDs maps each of their openids
// under fromAppID to their openid under this account. changeopenid
// converts the openids of the map and answers "ori_openid error" for any
// other; a from_appid without a migration is answered 40013 (invalid
// appid). The new openids need not be followers: seed them with
// WithFollowers when a test goes on to use them. A later call for the
// same fromAppID replaces the earlier one.
func WithMigration(fromAppID string, openIDs map[string]string) Option {
	return func(s *Server) {
		if fromAppID == "" {
			return
		}
		s.migrations[fromAppID] = maps.Clone(openIDs)
	}
}

// changeResult is one entry of the result_list of changeopenid; a failed
// entry has no new_openid.
type changeResult struct {
	OriOpenID string `json:"ori_openid"`
	NewOpenID string `json:"new_openid,omitempty"`
	ErrMsg    string `json:"err_msg"`
}

// handleChangeOpenID answers openid转换 (POST changeopenid,
// {"from_appid","openid_list"}, at most 100 openids) with
// {"errcode":0,"errmsg":"ok","result_list":[{"ori_openid","new_openid","err_msg":"ok"}]},
// one entry per openid in the order sent. The call succeeds as a whole
// when some openids cannot be converted: their entry says "ori_openid
// error".
func (s *Server) handleChangeOpenID(x *exchange) any {
	var req struct {
		FromAppID  string   `json:"from_appid"`
		OpenIDList []string `json:"openid_list"`
	}
	if e := x.decode(&req); e != nil {
		return e
	}
	if req.FromAppID == "" {
		return fail(41002)
	}
	m, ok := s.migrations[req.FromAppID]
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
