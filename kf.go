package wechat

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// KFInviteStatus is the state of an invitation to bind a WeChat user to a
// customer-service account.
type KFInviteStatus string

// Invitation states reported by ListKFAccounts.
const (
	KFInviteWaiting  KFInviteStatus = "waiting"  // 等待确认
	KFInviteRejected KFInviteStatus = "rejected" // 被拒绝
	KFInviteExpired  KFInviteStatus = "expired"  // 过期
)

// KFAccount is a customer-service account (客服帐号).
type KFAccount struct {
	// Account is the full account, "prefix@official-account-wechat-id".
	Account string `json:"kf_account"`
	// Nickname is the name users see.
	Nickname string `json:"kf_nick"`
	// ID is the account's number (客服编号).
	ID string `json:"kf_id"`
	// HeadImgURL is the avatar.
	HeadImgURL string `json:"kf_headimgurl"`
	// WeChatID is the WeChat ID of the person bound to the account, empty
	// while none is.
	WeChatID string `json:"kf_wx"`
	// InviteWeChatID is the WeChat ID invited to bind the account, while
	// an invitation is pending or has failed.
	InviteWeChatID string `json:"invite_wx"`
	// InviteExpireTime is when the invitation expires, in Unix seconds.
	InviteExpireTime int64 `json:"invite_expire_time"`
	// InviteStatus is the state of the invitation.
	InviteStatus KFInviteStatus `json:"invite_status"`
}

// UnmarshalJSON accepts kf_id and invite_expire_time as strings or
// numbers: the documentation shows both.
func (a *KFAccount) UnmarshalJSON(b []byte) error {
	type plain KFAccount
	*a = KFAccount{}
	return json.Unmarshal(b, &struct {
		*plain
		ID               *lenient.String `json:"kf_id"`
		InviteExpireTime *lenient.Int    `json:"invite_expire_time"`
	}{(*plain)(a), (*lenient.String)(&a.ID), (*lenient.Int)(&a.InviteExpireTime)})
}

// OnlineKFAccount is a customer-service account that is online, with its
// current load.
type OnlineKFAccount struct {
	// Account is the full account, "prefix@official-account-wechat-id".
	Account string `json:"kf_account"`
	// Status is the online status: 0 offline, 1 online on the web client
	// (older replies use 1 PC, 2 mobile, 3 both).
	Status int `json:"status"`
	// ID is the account's number (客服编号).
	ID string `json:"kf_id"`
	// AutoAccept is the maximum number of sessions the account accepts
	// automatically, where WeChat reports it.
	AutoAccept int `json:"auto_accept"`
	// AcceptedCases is the number of sessions the account is serving now.
	AcceptedCases int `json:"accepted_case"`
}

// UnmarshalJSON accepts kf_id as a string or a number.
func (a *OnlineKFAccount) UnmarshalJSON(b []byte) error {
	type plain OnlineKFAccount
	*a = OnlineKFAccount{}
	return json.Unmarshal(b, &struct {
		*plain
		ID *lenient.String `json:"kf_id"`
	}{(*plain)(a), (*lenient.String)(&a.ID)})
}

// ListKFAccounts returns every customer-service account (获取客服基本信息,
// [customservice/getkflist]).
//
// Customer service (客服) is the accounts people answer users with
// (ListKFAccounts, ListOnlineKFAccounts, AddKFAccount, InviteKFWorker,
// UpdateKFAccount, DeleteKFAccount, UploadKFAvatar), their sessions with
// users (CreateKFSession, CloseKFSession, GetKFSession, ListKFSessions,
// ListKFWaitCases) and the chat history (KFMessageRecords). The messages
// themselves are sent with SendText and the other customer-service messages,
// in the name of an account with AsKFAccount.
//
// [customservice/getkflist]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_getkflist.html
func (c *Client) ListKFAccounts(ctx context.Context) ([]KFAccount, error) {
	resp, err := call[struct {
		status
		List []KFAccount `json:"kf_list"`
	}](ctx, c, endpoint.KFList, nil, nil)
	if err != nil {
		return nil, err
	}
	return resp.List, nil
}

// ListOnlineKFAccounts returns the customer-service accounts that are
// online and how many sessions each serves (获取在线客服,
// [customservice/getonlinekflist]).
//
// [customservice/getonlinekflist]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_getonlinekflist.html
func (c *Client) ListOnlineKFAccounts(ctx context.Context) ([]OnlineKFAccount, error) {
	resp, err := call[struct {
		status
		List []OnlineKFAccount `json:"kf_online_list"`
	}](ctx, c, endpoint.KFOnlineList, nil, nil)
	if err != nil {
		return nil, err
	}
	return resp.List, nil
}

type kfAccountRequest struct {
	Account  string `json:"kf_account"`
	Nickname string `json:"nickname,omitempty"`
	InviteWX string `json:"invite_wx,omitempty"`
}

// AddKFAccount adds a customer-service account (添加客服帐号,
// [customservice/kfaccount/add]). account is "prefix@official-account-wechat-id"
// with a prefix of at most 10 letters, digits or underscores; nickname has
// at most 16 characters. The account is usable once a person is bound to
// it with InviteKFWorker.
//
// [customservice/kfaccount/add]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_addkfaccount.html
func (c *Client) AddKFAccount(ctx context.Context, account, nickname string) error {
	return c.execKFNickname(ctx, endpoint.KFAccountAdd, account, nickname)
}

// InviteKFWorker invites the WeChat user wechatID to bind account
// (邀请绑定客服帐号, [customservice/kfaccount/inviteworker]). The user must
// accept in the WeChat app; ListKFAccounts shows the invitation's state.
//
// [customservice/kfaccount/inviteworker]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_invitekfworker.html
func (c *Client) InviteKFWorker(ctx context.Context, account, wechatID string) error {
	if err := checkKFAccount(account); err != nil {
		return err
	}
	if strings.TrimSpace(wechatID) == "" {
		return invalidArg("WeChat ID to invite is empty")
	}
	return exec(ctx, c, endpoint.KFAccountInvite, nil, kfAccountRequest{Account: account, InviteWX: wechatID})
}

// UpdateKFAccount changes the nickname of a customer-service account
// (设置客服信息, [customservice/kfaccount/update]).
//
// [customservice/kfaccount/update]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_updatekfaccount.html
func (c *Client) UpdateKFAccount(ctx context.Context, account, nickname string) error {
	return c.execKFNickname(ctx, endpoint.KFAccountUpdate, account, nickname)
}

// execKFNickname calls the endpoint id, whose body names account and
// the nickname it is given.
func (c *Client) execKFNickname(ctx context.Context, id endpoint.ID, account, nickname string) error {
	if err := checkKFAccount(account); err != nil {
		return err
	}
	if err := checkKFNickname(nickname); err != nil {
		return err
	}
	return exec(ctx, c, id, nil, kfAccountRequest{Account: account, Nickname: nickname})
}

// DeleteKFAccount deletes a customer-service account (删除客服帐号,
// [customservice/kfaccount/del]).
//
// [customservice/kfaccount/del]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_delkfaccount.html
func (c *Client) DeleteKFAccount(ctx context.Context, account string) error {
	if err := checkKFAccount(account); err != nil {
		return err
	}
	// The current reference documents a POST with the account in the
	// body; the earlier one a GET with it in the query. Sending both is
	// understood by either reading.
	return exec(ctx, c, endpoint.KFAccountDel, query{{"kf_account", account}}, kfAccountRequest{Account: account})
}

// UploadKFAvatar sets the avatar of a customer-service account from an
// image (上传客服头像, [customservice/kfaccount/uploadheadimg]). The image is
// streamed, not read into memory; WeChat takes its type from filename's
// extension (.jpg is recommended, 640×640, under 5 MB). If r is an
// io.Seeker the upload can be repeated after a token refresh.
//
// [customservice/kfaccount/uploadheadimg]: https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_uploadkfheadimg.html
func (c *Client) UploadKFAvatar(ctx context.Context, account, filename string, r io.Reader) error {
	if err := checkKFAccount(account); err != nil {
		return err
	}
	if r == nil {
		return invalidArg("avatar reader is nil")
	}
	if filename == "" {
		return invalidArg("avatar filename is empty")
	}
	return exec(ctx, c, endpoint.KFAccountAvatar, query{{"kf_account", account}}, newUpload("media", filename, r, nil))
}

// checkKFAccount rejects an account that is not "prefix@wechat-id" with a
// documented prefix (at most 10 letters, digits or underscores).
func checkKFAccount(account string) error {
	prefix, suffix, ok := strings.Cut(account, "@")
	if !ok || prefix == "" || suffix == "" {
		return invalidArg("customer-service account %q is not prefix@wechat-id", account)
	}
	if len(prefix) > 10 {
		return invalidArg("customer-service account prefix %q is longer than 10 characters", prefix)
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return invalidArg("customer-service account prefix %q may hold only letters, digits and underscores", prefix)
		}
	}
	return nil
}

func checkKFNickname(nickname string) error {
	if strings.TrimSpace(nickname) == "" {
		return invalidArg("customer-service nickname is empty")
	}
	if n := utf8.RuneCountInString(nickname); n > 16 {
		return invalidArg("customer-service nickname has %d characters, at most 16 are allowed", n)
	}
	return nil
}

// Sessions (会话控制).

type kfSessionRequest struct {
	Account string `json:"kf_account"`
	OpenID  string `json:"openid"`
}

// CreateKFSession starts a session between a customer-service account and
// a user (创建会话, [customservice/kfsession/create]). The account must be
// bound to a person and online.
//
// [customservice/kfsession/create]: https://developers.weixin.qq.com/doc/service/api/customer/messctrl/api_createkfsession.html
func (c *Client) CreateKFSession(ctx context.Context, account, openID string) error {
	return c.execKFSession(ctx, endpoint.KFSessionCreate, account, openID)
}

// CloseKFSession ends the session between a customer-service account and a
// user (关闭会话, [customservice/kfsession/close]).
//
// [customservice/kfsession/close]: https://developers.weixin.qq.com/doc/service/api/customer/messctrl/api_closesession.html
func (c *Client) CloseKFSession(ctx context.Context, account, openID string) error {
	return c.execKFSession(ctx, endpoint.KFSessionClose, account, openID)
}

// execKFSession calls the endpoint id on the session between the
// customer-service account account and the user openID.
func (c *Client) execKFSession(ctx context.Context, id endpoint.ID, account, openID string) error {
	if err := checkKFAccount(account); err != nil {
		return err
	}
	if openID == "" {
		return invalidArg("openid is empty")
	}
	return exec(ctx, c, id, nil, kfSessionRequest{Account: account, OpenID: openID})
}

// KFSession is a user's session with a customer-service account.
type KFSession struct {
	// Account is the customer-service account serving the user; empty
	// when the user has no session.
	Account string `json:"kf_account"`
	// OpenID is the user, set in the lists returned by ListKFSessions.
	OpenID string `json:"openid"`
	// CreateTime is when the session started, in Unix seconds.
	CreateTime int64 `json:"createtime"`
}

// GetKFSession returns the session of a user (获取客户会话状态,
// [customservice/kfsession/getsession]). A user without a session gets a
// KFSession with an empty Account.
//
// [customservice/kfsession/getsession]: https://developers.weixin.qq.com/doc/service/api/customer/messctrl/api_getkfsession.html
func (c *Client) GetKFSession(ctx context.Context, openID string) (*KFSession, error) {
	if openID == "" {
		return nil, invalidArg("openid is empty")
	}
	r, err := call[KFSession](ctx, c, endpoint.KFSessionGet, query{{"openid", openID}}, nil)
	if err != nil {
		return nil, err
	}
	r.OpenID = openID
	return r, nil
}

// ListKFSessions returns the sessions a customer-service account is serving
// (获取客服会话列表, [customservice/kfsession/getsessionlist]).
//
// [customservice/kfsession/getsessionlist]: https://developers.weixin.qq.com/doc/service/api/customer/messctrl/api_getkfsessionlist.html
func (c *Client) ListKFSessions(ctx context.Context, account string) ([]KFSession, error) {
	if err := checkKFAccount(account); err != nil {
		return nil, err
	}
	resp, err := call[struct {
		status
		List []KFSession `json:"sessionlist"`
	}](ctx, c, endpoint.KFSessionList, query{{"kf_account", account}}, nil)
	if err != nil {
		return nil, err
	}
	for i := range resp.List {
		resp.List[i].Account = account
	}
	return resp.List, nil
}

// KFWaitCase is a user waiting for a customer-service account.
type KFWaitCase struct {
	OpenID string `json:"openid"`
	// LatestTime is when the user last sent a message, in Unix seconds.
	LatestTime int64 `json:"latest_time"`
}

// KFWaitCases is the queue of users no customer-service account has taken.
type KFWaitCases struct {
	// Count is the number of waiting users, which may exceed len(Cases).
	Count int `json:"count"`
	// Cases lists at most 100 waiting users, earliest first.
	Cases []KFWaitCase `json:"waitcaselist"`
}

// ListKFWaitCases returns the users waiting for a customer-service account
// (获取未接入会话列表, [customservice/kfsession/getwaitcase]).
//
// [customservice/kfsession/getwaitcase]: https://developers.weixin.qq.com/doc/service/api/customer/messctrl/api_getwaitcase.html
func (c *Client) ListKFWaitCases(ctx context.Context) (*KFWaitCases, error) {
	return call[KFWaitCases](ctx, c, endpoint.KFSessionWaiting, nil, nil)
}

// Chat history (获取聊天记录).

// KFOperCode says which way a chat record went.
type KFOperCode int

// Operation codes of chat records.
const (
	KFOperSend    KFOperCode = 2002 // the account sent the message
	KFOperReceive KFOperCode = 2003 // the account received the message
)

// KFMessageRecord is one message of the customer-service chat history.
// Images, voice and video appear as the text "[image]", "[voice]" and
// "[video]".
type KFMessageRecord struct {
	OpenID   string     `json:"openid"`
	OperCode KFOperCode `json:"opercode"`
	Text     string     `json:"text"`
	// Time is when the message was sent, in Unix seconds.
	Time int64 `json:"time"`
	// Worker is the customer-service account.
	Worker string `json:"worker"`
}

// KFRecordQuery selects chat history by time.
type KFRecordQuery struct {
	// Start and End bound the period; WeChat serves at most 24 hours per
	// query.
	Start, End time.Time
	// PageSize is the number of records fetched per request, 1 to
	// MaxKFRecordPage; 0 means MaxKFRecordPage.
	PageSize int
}

// MaxKFRecordPage is the largest page customservice/msgrecord/getmsglist
// serves.
const MaxKFRecordPage = 10000

// maxKFRecordSpan is the longest period one chat-history query may cover.
const maxKFRecordSpan = 24 * time.Hour

type kfRecordRequest struct {
	StartTime int64 `json:"starttime"`
	EndTime   int64 `json:"endtime"`
	MsgID     int64 `json:"msgid"`
	Number    int   `json:"number"`
}

type kfRecordPage struct {
	status
	Records []KFMessageRecord `json:"recordlist"`
	Number  int               `json:"number"`
	MsgID   int64             `json:"msgid"`
}

// KFMessageRecords iterates over the chat history of a period (获取聊天记录,
// [customservice/msgrecord/getmsglist]). Pages are fetched as the loop needs
// them: each starts at the msgid the previous one returned, and a page
// shorter than PageSize is the last. The period must not exceed 24 hours;
// an invalid query is yielded as an error wrapping ErrInvalidArgument
// before any request.
//
//	for rec, err := range c.KFMessageRecords(ctx, q) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(rec.Worker, rec.Text)
//	}
//
// [customservice/msgrecord/getmsglist]: https://developers.weixin.qq.com/doc/service/api/customer/message/api_getmsglist.html
func (c *Client) KFMessageRecords(ctx context.Context, q KFRecordQuery) iter.Seq2[KFMessageRecord, error] {
	size := q.PageSize
	if size == 0 {
		size = MaxKFRecordPage
	}
	if err := q.check(size); err != nil {
		return failedSeq[KFMessageRecord](err)
	}
	fetch := func(ctx context.Context, msgID int64) ([]KFMessageRecord, int64, bool, error) {
		body := kfRecordRequest{StartTime: q.Start.Unix(), EndTime: q.End.Unix(), MsgID: msgID, Number: size}
		page, err := call[kfRecordPage](ctx, c, endpoint.KFMsgRecords, nil, body)
		if err != nil {
			return nil, 0, false, err
		}
		more := len(page.Records) >= size && page.MsgID > msgID
		return page.Records, page.MsgID, more, nil
	}
	return paginate(ctx, 1, fetch)
}

func (q KFRecordQuery) check(size int) error {
	switch {
	case q.Start.IsZero() || q.End.IsZero():
		return invalidArg("chat history query needs both Start and End")
	case !q.End.After(q.Start):
		return invalidArg("chat history query ends (%s) before it starts (%s)", q.End.Format(time.RFC3339), q.Start.Format(time.RFC3339))
	case q.End.Sub(q.Start) > maxKFRecordSpan:
		return invalidArg("chat history query spans %s, WeChat serves at most 24h per query", q.End.Sub(q.Start))
	case size < 1 || size > MaxKFRecordPage:
		return invalidArg("chat history page size %d is outside 1..%d", size, MaxKFRecordPage)
	}
	return nil
}
