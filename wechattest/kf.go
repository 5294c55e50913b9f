package wechattest

import (
	"bytes"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
)

// KFAccount is a customer-service account (客服帐号) to seed with
// WithKFAccounts.
type KFAccount struct {
	// Account is the full account, "prefix@official-account-wechat-id".
	Account  string
	Nickname string
	// WeChatID is the WeChat ID of the person bound to the account; empty
	// while none is, and then the account cannot take sessions.
	WeChatID string
	// Online says whether the person is logged in to the
	// customer-service client; sessions need it.
	Online bool
}

// Documented limits of customer service (客服管理).
const (
	maxKFAccounts     = 100
	maxKFPrefix       = 10
	maxKFSuffix       = 30
	maxKFNickname     = 16 // characters
	maxKFAvatar       = 5 << 20
	maxKFWaitList     = 100
	maxKFRecordPage   = 10000
	maxKFRecordSpan   = 24 * time.Hour
	kfInviteLifetime  = 7 * 24 * time.Hour // the fake's choice: WeChat does not document it
	kfOperSend        = 2002
	kfOperReceive     = 2003
	kfAvatarPath      = "/wechattest/kfavatar"
	firstKFID         = 1001
	kfRecordTextRunes = 1000
	kfInviteWaiting   = "waiting"
	kfInviteExpired   = "expired"
	kfAccountOnline   = 1
)

// WithKFAccounts seeds customer-service accounts. Each needs an Account
// of the documented form and a Nickname of at most 16 characters.
func WithKFAccounts(a ...KFAccount) Option {
	return func(c *config) error {
		for _, acc := range a {
			if checkKFAccountName(acc.Account) != 0 {
				return &optionError{"WithKFAccounts", "account " + strconv.Quote(acc.Account) + " is not prefix@wechat-id"}
			}
			if checkKFNickname(acc.Nickname) != 0 {
				return &optionError{"WithKFAccounts", "nickname " + strconv.Quote(acc.Nickname) + " of " + acc.Account + " is empty or longer than 16 characters"}
			}
		}
		c.kfAccounts = append(c.kfAccounts, a...)
		return nil
	}
}

// optionError is an invalid option value.
type optionError struct{ option, msg string }

func (e *optionError) Error() string { return e.option + ": " + e.msg }

// kfAccount is a customer-service account as the fake keeps it.
type kfAccount struct {
	KFAccount
	id           int
	avatar       []byte
	avatarType   string
	inviteWX     string
	inviteExpire time.Time
}

// kfSession is a user being served by a customer-service account.
type kfSession struct {
	account string
	created time.Time
}

// kfRecord is one message of the chat history.
type kfRecord struct {
	id     int64
	openID string
	oper   int
	text   string
	at     time.Time
	worker string
}

// kfAPI keeps the customer-service accounts, the sessions, the users
// waiting for one, and the chat history (客服管理, 会话控制, 获取聊天记录).
type kfAPI struct {
	group
	accounts map[string]*kfAccount
	order    []string // accounts in the order added
	nextID   int
	sessions map[string]*kfSession // by openid
	waiting  []waitCase
	records  []kfRecord
}

// waitCase is a user waiting for a customer-service account.
type waitCase struct {
	openID string
	latest time.Time
}

func newKFAPI(s *Server, now time.Time) *kfAPI {
	g := &kfAPI{group: group{s: s}, accounts: make(map[string]*kfAccount), nextID: firstKFID, sessions: make(map[string]*kfSession)}
	for _, a := range s.cfg.kfAccounts {
		g.add(a)
	}
	return g
}

func (g *kfAPI) routes() []route {
	return []route{
		g.route(endpoint.KFList, g.handleList),
		g.route(endpoint.KFOnlineList, g.handleOnlineList),
		g.route(endpoint.KFAccountAdd, decoding(g.handleAdd)),
		g.route(endpoint.KFAccountInvite, decoding(g.handleInvite)),
		g.route(endpoint.KFAccountUpdate, decoding(g.handleUpdate)),
		g.route(endpoint.KFAccountDel, g.handleDelete),
		g.route(endpoint.KFAccountAvatar, g.handleUploadAvatar),
		g.download(kfAvatarPath, g.handleAvatar), // kf_headimgurl
		g.route(endpoint.KFSessionCreate, decoding(g.handleCreateSession)),
		g.route(endpoint.KFSessionClose, decoding(g.handleCloseSession)),
		g.route(endpoint.KFSessionGet, g.handleGetSession),
		g.route(endpoint.KFSessionList, g.handleSessionList),
		g.route(endpoint.KFSessionWaiting, g.handleWaitCases),
		g.route(endpoint.KFMsgRecords, decoding(g.handleRecords)),
	}
}

// add stores a new account. Called with g.mu held, or before the server
// starts.
func (g *kfAPI) add(a KFAccount) *kfAccount {
	acc := &kfAccount{KFAccount: a, id: g.nextID}
	g.nextID++
	if _, ok := g.accounts[a.Account]; !ok {
		g.order = append(g.order, a.Account)
	}
	g.accounts[a.Account] = acc
	return acc
}

// checkKFAccountName returns 65404 unless account is
// "prefix@wechat-id" with a prefix of at most 10 letters, digits or
// underscores and a WeChat ID of at most 30 characters.
func checkKFAccountName(account string) int {
	prefix, suffix, ok := strings.Cut(account, "@")
	if !ok || prefix == "" || suffix == "" || len(prefix) > maxKFPrefix || len(suffix) > maxKFSuffix {
		return 65404
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return 65404
		}
	}
	return 0
}

// checkKFNickname returns 65403 for an empty nickname or one over 16
// characters.
func checkKFNickname(nickname string) int {
	if strings.TrimSpace(nickname) == "" || utf8.RuneCountInString(nickname) > maxKFNickname {
		return 65403
	}
	return 0
}

type kfAccountBody struct {
	Account  string `json:"kf_account"`
	Nickname string `json:"nickname"`
	InviteWX string `json:"invite_wx"`
}

// account returns the account of a request: 65401 if there is none.
func (g *kfAPI) account(name string) (*kfAccount, *apiError) {
	a := g.accounts[name]
	if a == nil {
		return nil, fail(65401)
	}
	return a, nil
}

func (g *kfAPI) avatarURL(a *kfAccount) string {
	if a.avatar == nil {
		return ""
	}
	return g.s.URL + kfAvatarPath + "?kf_account=" + url.QueryEscape(a.Account)
}

// handleList answers 获取客服基本信息 (GET customservice/getkflist):
// {"kf_list":[{"kf_account","kf_nick","kf_id","kf_headimgurl"}]} plus
// kf_wx for a bound account, or invite_wx, invite_expire_time and
// invite_status ("waiting", "expired") while an invitation is pending.
func (g *kfAPI) handleList(x *exchange) any {
	list := []map[string]any{}
	for _, name := range g.order {
		a := g.accounts[name]
		it := map[string]any{"kf_account": a.Account, "kf_nick": a.Nickname, "kf_id": strconv.Itoa(a.id), "kf_headimgurl": g.avatarURL(a)}
		switch {
		case a.WeChatID != "":
			it["kf_wx"] = a.WeChatID
		case a.inviteWX != "":
			it["invite_wx"] = a.inviteWX
			it["invite_expire_time"] = a.inviteExpire.Unix()
			it["invite_status"] = kfInviteWaiting
			if !x.now.Before(a.inviteExpire) {
				it["invite_status"] = kfInviteExpired
			}
		}
		list = append(list, it)
	}
	return map[string]any{"kf_list": list}
}

// handleOnlineList answers 获取在线客服 (GET customservice/getonlinekflist):
// the bound accounts that are online, with the sessions each serves.
func (g *kfAPI) handleOnlineList(*exchange) any {
	list := []map[string]any{}
	for _, name := range g.order {
		a := g.accounts[name]
		if a.WeChatID == "" || !a.Online {
			continue
		}
		list = append(list, map[string]any{
			"kf_account": a.Account, "status": kfAccountOnline, "kf_id": strconv.Itoa(a.id),
			"accepted_case": g.served(a.Account),
		})
	}
	return map[string]any{"kf_online_list": list}
}

// served counts the sessions of an account.
func (g *kfAPI) served(account string) int {
	n := 0
	for _, s := range g.sessions {
		if s.account == account {
			n++
		}
	}
	return n
}

// handleAdd answers 添加客服帐号 (POST customservice/kfaccount/add,
// {"kf_account","nickname"}): 65404 for an account not of the form
// prefix@wechat-id, 65403 for a bad nickname, 65406 for one that exists,
// 65405 past 100 accounts.
func (g *kfAPI) handleAdd(_ *exchange, req kfAccountBody) any {
	if code := checkKFAccountName(req.Account); code != 0 {
		return fail(code)
	}
	if code := checkKFNickname(req.Nickname); code != 0 {
		return fail(code)
	}
	if g.accounts[req.Account] != nil {
		return fail(65406)
	}
	if len(g.accounts) >= maxKFAccounts {
		return fail(65405)
	}
	g.add(KFAccount{Account: req.Account, Nickname: req.Nickname})
	return okReply()
}

// handleInvite answers 邀请绑定客服帐号 (POST
// customservice/kfaccount/inviteworker, {"kf_account","invite_wx"}): the
// invitation waits until AcceptKFInvite stands in for the person
// accepting it in WeChat. 65401 for an unknown account, 65412 for one
// already bound, 65411 while an invitation waits, 65409 for a WeChat ID
// that cannot exist.
func (g *kfAPI) handleInvite(x *exchange, req kfAccountBody) any {
	a, e := g.account(req.Account)
	if e != nil {
		return e
	}
	switch {
	case a.WeChatID != "":
		return fail(65412)
	case a.inviteWX != "" && x.now.Before(a.inviteExpire):
		return fail(65411)
	case !isWeChatID(req.InviteWX):
		return fail(65409)
	}
	a.inviteWX, a.inviteExpire = req.InviteWX, x.now.Add(kfInviteLifetime)
	return okReply()
}

// AcceptKFInvite stands in for the person invited with
// customservice/kfaccount/inviteworker accepting in WeChat: the account
// is bound to their WeChat ID and goes online. It reports false if the
// account has no invitation that is still valid.
func (s *Server) AcceptKFInvite(account string) bool {
	g := s.kf
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.accounts[account]
	if a == nil || a.inviteWX == "" || !s.now().Before(a.inviteExpire) {
		return false
	}
	a.WeChatID, a.inviteWX, a.Online = a.inviteWX, "", true
	return true
}

// SetKFOnline logs the person of a customer-service account in to the
// customer-service client or out of it. Going offline does not close
// sessions. It reports false for an unknown account or one no person is
// bound to.
func (s *Server) SetKFOnline(account string, online bool) bool {
	g := s.kf
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.accounts[account]
	if a == nil || a.WeChatID == "" {
		return false
	}
	a.Online = online
	return true
}

// handleUpdate answers 设置客服信息 (POST customservice/kfaccount/update,
// {"kf_account","nickname"}).
func (g *kfAPI) handleUpdate(_ *exchange, req kfAccountBody) any {
	a, e := g.account(req.Account)
	if e != nil {
		return e
	}
	if code := checkKFNickname(req.Nickname); code != 0 {
		return fail(code)
	}
	a.Nickname = req.Nickname
	return okReply()
}

// handleDelete answers 删除客服帐号 (POST customservice/kfaccount/del, the
// account in the body, or in the query as the earlier reference has it).
// The account's sessions end.
func (g *kfAPI) handleDelete(x *exchange) any {
	var req kfAccountBody
	if len(bytes.TrimSpace(x.body)) > 0 {
		if e := x.decode(&req); e != nil {
			return e
		}
	}
	if req.Account == "" {
		req.Account = x.r.URL.Query().Get("kf_account")
	}
	if _, e := g.account(req.Account); e != nil {
		return e
	}
	delete(g.accounts, req.Account)
	g.order = slices.DeleteFunc(g.order, func(v string) bool { return v == req.Account })
	for id, s := range g.sessions {
		if s.account == req.Account {
			delete(g.sessions, id)
		}
	}
	return okReply()
}

// handleUploadAvatar answers 上传客服头像 (POST
// customservice/kfaccount/uploadheadimg?kf_account=, the image in the
// multipart field "media"): a JPG or PNG under 5 MB (40005 for another
// type, 40009 for a larger file), which kf_headimgurl then serves.
func (g *kfAPI) handleUploadAvatar(x *exchange) any {
	a, e := g.account(x.r.URL.Query().Get("kf_account"))
	if e != nil {
		return e
	}
	data, contentType, e := readImage(x, maxKFAvatar)
	if e != nil {
		return e
	}
	a.avatar, a.avatarType = data, contentType
	return okReply()
}

// handleAvatar serves kf_headimgurl, standing in for WeChat's CDN.
func (g *kfAPI) handleAvatar(x *exchange) any {
	a := g.accounts[x.r.URL.Query().Get("kf_account")]
	if a == nil || a.avatar == nil {
		return statusNotFound
	}
	return &fileReply{contentType: a.avatarType, data: bytes.Clone(a.avatar)}
}

type kfSessionBody struct {
	Account string `json:"kf_account"`
	OpenID  string `json:"openid"`
}

// sessionAccount checks the {"kf_account","openid"} of the session APIs
// and returns the account: 40003 for a user who does not follow the
// account, 65401 for an unknown account.
func (g *kfAPI) sessionAccount(req kfSessionBody) (*kfAccount, *apiError) {
	if _, e := g.s.users.check(req.OpenID); e != nil {
		return nil, fail(40003)
	}
	return g.account(req.Account)
}

// handleCreateSession answers 创建会话 (POST customservice/kfsession/create,
// {"kf_account","openid"}). The user must follow the account (40003); the
// account must exist (65401), be bound to a person (65402) and be online
// (65415); a user served by another account fails with 65414, one served
// by this account already succeeds. The user leaves the waiting list.
func (g *kfAPI) handleCreateSession(x *exchange, req kfSessionBody) any {
	a, e := g.sessionAccount(req)
	if e != nil {
		return e
	}
	switch {
	case a.WeChatID == "":
		return fail(65402)
	case !a.Online:
		return fail(65415)
	}
	if s := g.sessions[req.OpenID]; s != nil {
		if s.account != a.Account {
			return fail(65414)
		}
		return okReply()
	}
	g.startSession(req.OpenID, a.Account, x.now)
	return okReply()
}

// startSession starts a session and takes the user off the waiting list. Called
// with g.mu held.
func (g *kfAPI) startSession(openID, account string, now time.Time) {
	g.sessions[openID] = &kfSession{account: account, created: now}
	g.waiting = slices.DeleteFunc(g.waiting, func(w waitCase) bool { return w.openID == openID })
}

// handleCloseSession answers 关闭会话 (POST customservice/kfsession/close):
// 40003 for a user who does not follow, 65413 for one without a session,
// 65414 for one served by another account.
func (g *kfAPI) handleCloseSession(_ *exchange, req kfSessionBody) any {
	if _, e := g.sessionAccount(req); e != nil {
		return e
	}
	s := g.sessions[req.OpenID]
	switch {
	case s == nil:
		return fail(65413)
	case s.account != req.Account:
		return fail(65414)
	}
	delete(g.sessions, req.OpenID)
	return okReply()
}

// handleGetSession answers 获取客户会话状态 (GET
// customservice/kfsession/getsession?openid=) with {"kf_account",
// "createtime"}, both empty for a user without a session.
func (g *kfAPI) handleGetSession(x *exchange) any {
	openID := x.r.URL.Query().Get("openid")
	if _, e := g.s.users.check(openID); e != nil {
		return fail(40003)
	}
	out := map[string]any{"errcode": 0, "errmsg": "ok", "kf_account": "", "createtime": 0}
	if s := g.sessions[openID]; s != nil {
		out["kf_account"], out["createtime"] = s.account, s.created.Unix()
	}
	return out
}

// handleSessionList answers 获取客服会话列表 (GET
// customservice/kfsession/getsessionlist?kf_account=) with
// {"sessionlist":[{"createtime","openid"}]}, oldest first.
func (g *kfAPI) handleSessionList(x *exchange) any {
	a, e := g.account(x.r.URL.Query().Get("kf_account"))
	if e != nil {
		return e
	}
	type item struct {
		CreateTime int64  `json:"createtime"`
		OpenID     string `json:"openid"`
	}
	list := []item{}
	for id, s := range g.sessions {
		if s.account == a.Account {
			list = append(list, item{CreateTime: s.created.Unix(), OpenID: id})
		}
	}
	slices.SortFunc(list, func(a, b item) int {
		if a.CreateTime != b.CreateTime {
			return int(a.CreateTime - b.CreateTime)
		}
		return strings.Compare(a.OpenID, b.OpenID)
	})
	return map[string]any{"sessionlist": list}
}

// handleWaitCases answers 获取未接入会话列表 (GET
// customservice/kfsession/getwaitcase) with {"count","waitcaselist":
// [{"latest_time","openid"}]}: at most 100 users, earliest first. Users
// wait once a linked Webhook's reply transferred their message to
// customer service without naming an online account.
func (g *kfAPI) handleWaitCases(*exchange) any {
	type item struct {
		LatestTime int64  `json:"latest_time"`
		OpenID     string `json:"openid"`
	}
	list := []item{}
	for _, w := range g.waiting[:min(len(g.waiting), maxKFWaitList)] {
		list = append(list, item{LatestTime: w.latest.Unix(), OpenID: w.openID})
	}
	return map[string]any{"count": len(g.waiting), "waitcaselist": list}
}

// kfRecordsRequest is the body of customservice/msgrecord/getmsglist.
type kfRecordsRequest struct {
	StartTime int64 `json:"starttime"`
	EndTime   int64 `json:"endtime"`
	MsgID     int64 `json:"msgid"`
	Number    int   `json:"number"`
}

// handleRecords answers 获取聊天记录 (POST customservice/msgrecord/getmsglist,
// {"starttime","endtime","msgid","number"}): the records of the period
// from msgid on, at most number of them, and in "msgid" the id the next
// page starts at. 65416 for an invalid query (number outside 1 to 10000,
// an end not after the start), 65417 for a period over 24 hours.
func (g *kfAPI) handleRecords(_ *exchange, req kfRecordsRequest) any {
	if req.Number < 1 || req.Number > maxKFRecordPage || req.EndTime <= req.StartTime || req.StartTime <= 0 {
		return fail(65416)
	}
	// Compared in seconds: as a Duration a span of centuries overflows.
	if req.EndTime-req.StartTime > int64(maxKFRecordSpan/time.Second) {
		return fail(65417)
	}
	type item struct {
		OpenID   string `json:"openid"`
		OperCode int    `json:"opercode"`
		Text     string `json:"text"`
		Time     int64  `json:"time"`
		Worker   string `json:"worker"`
	}
	list := []item{}
	next := req.MsgID
	for _, r := range g.records {
		t := r.at.Unix()
		if r.id < req.MsgID || t < req.StartTime || t > req.EndTime {
			continue
		}
		if len(list) == req.Number {
			break
		}
		list = append(list, item{OpenID: r.openID, OperCode: r.oper, Text: r.text, Time: t, Worker: r.worker})
		next = r.id + 1
	}
	return map[string]any{"recordlist": list, "number": len(list), "msgid": next}
}

// record appends a message to the chat history. Called with g.mu held.
func (g *kfAPI) record(openID string, oper int, text, worker string, now time.Time) {
	if utf8.RuneCountInString(text) > kfRecordTextRunes {
		text = string([]rune(text)[:kfRecordTextRunes])
	}
	g.records = append(g.records, kfRecord{id: int64(len(g.records) + 1), openID: openID, oper: oper, text: text, at: now, worker: worker})
}

// sent records a customer-service message to openID in the chat history
// when it was sent as account, or while the user was in a session. For
// the message group.
func (g *kfAPI) sent(openID, account, text string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if account == "" {
		if s := g.sessions[openID]; s != nil {
			account = s.account
		}
	}
	if account != "" {
		g.record(openID, kfOperSend, text, account, now)
	}
}

// pushed follows a push a linked Webhook delivered: a message from a user
// in a session enters the chat history, and a reply that transfers the
// message to customer service starts a session with the named account if
// it is bound and online, or puts the user on the waiting list.
func (g *kfAPI) pushed(m *wechat.Message, reply wechat.Reply, now time.Time) {
	if m.MsgType == wechat.MsgTypeEvent {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	openID := m.FromUserName
	if tr, ok := reply.(*wechat.TransferCustomerServiceReply); ok && g.sessions[openID] == nil {
		if a := g.accounts[tr.KfAccount]; a != nil && a.WeChatID != "" && a.Online {
			g.startSession(openID, a.Account, now)
		} else {
			i := slices.IndexFunc(g.waiting, func(w waitCase) bool { return w.openID == openID })
			if i < 0 {
				g.waiting = append(g.waiting, waitCase{openID: openID, latest: now})
			} else {
				g.waiting[i].latest = now
			}
		}
	}
	if s := g.sessions[openID]; s != nil {
		g.record(openID, kfOperReceive, recordText(m), s.account, now)
	}
}

// recordText is how the chat history shows a message from a user.
func recordText(m *wechat.Message) string {
	if m.MsgType == wechat.MsgTypeText {
		return m.Content
	}
	return "[" + string(m.MsgType) + "]"
}
