package wechattest

// maxChangeOpenIDs is the documented limit of changeopenid.
const maxChangeOpenIDs = 100

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
func (g *userAPI) handleChangeOpenID(x *exchange) any {
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
