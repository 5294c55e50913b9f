package wechattest

import (
	"crypto/rand"
	"encoding/hex"
)

// errmsg returns the errmsg WeChat sends with code, from the global return
// code list (全局返回码说明) and the pages of each API.
func errmsg(code int) string {
	switch code {
	case -1:
		return "system error"
	case 0:
		return "ok"
	case 40001:
		return "invalid credential, access_token is invalid or not latest"
	case 40002:
		return "invalid grant_type"
	case 40003:
		return "invalid openid"
	case 40004:
		return "invalid media type"
	case 40005:
		return "invalid file type"
	case 40007:
		return "invalid media_id"
	case 40008:
		return "invalid message type"
	case 40009:
		return "invalid image size"
	case 40010:
		return "invalid voice size"
	case 40011:
		return "invalid video size"
	case 40012:
		return "invalid thumb size"
	case 40013:
		return "invalid appid"
	case 40014:
		return "invalid access_token"
	case 40016:
		return "invalid button size"
	case 40017:
		return "invalid button type"
	case 40018:
		return "invalid button name size"
	case 40019:
		return "invalid button key size"
	case 40020:
		return "invalid button url size"
	case 40023:
		return "invalid sub button size"
	case 40024:
		return "invalid sub button type"
	case 40025:
		return "invalid sub button name size"
	case 40026:
		return "invalid sub button key size"
	case 40027:
		return "invalid sub button url size"
	case 40029:
		return "invalid code"
	case 40030:
		return "invalid refresh_token"
	case 40032:
		return "invalid openid list size"
	case 40036:
		return "invalid template_id size"
	case 40037:
		return "invalid template_id"
	case 40050:
		return "invalid group id"
	case 40051:
		return "invalid group name"
	case 40053:
		return "invalid action info"
	case 40066:
		return "invalid url"
	case 40092:
		return "invalid remark name"
	case 40097:
		return "invalid args"
	case 40125:
		return "invalid appsecret"
	case 40130:
		return "invalid openid list size, at least two openid"
	case 40132:
		return "invalid username"
	case 40163:
		return "code been used"
	case 41001:
		return "access_token missing"
	case 41002:
		return "appid missing"
	case 41003:
		return "refresh_token missing"
	case 41004:
		return "appsecret missing"
	case 41005:
		return "media data missing"
	case 41006:
		return "media_id missing"
	case 41008:
		return "missing code"
	case 41009:
		return "missing openid"
	case 42001:
		return "access_token expired"
	case 42002:
		return "refresh_token expired"
	case 42003:
		return "code expired"
	case 43001:
		return "require GET method"
	case 43002:
		return "require POST method"
	case 43004:
		return "require subscribe"
	case 44002:
		return "empty post data"
	case 44003:
		return "empty news data"
	case 45003:
		return "title size out of limit"
	case 45008:
		return "article size out of limit"
	case 45009:
		return "reach max api daily quota limit"
	case 45015:
		return "response out of time limit or subscription is canceled"
	case 45047:
		return "out of response count limit"
	case 45026:
		return "template num exceeds limit"
	case 45056:
		return "too many tags now"
	case 45057:
		return "can't delete the tag that has too many fans"
	case 45058:
		return "can't modify sys tag"
	case 45059:
		return "too many tag now, no need to add"
	case 45065:
		return "clientmsgid exist"
	case 45083:
		return "the speed out of range"
	case 45084:
		return "No speed message"
	case 45157:
		return "invalid tag name"
	case 45158:
		return "tag name too long"
	case 45159:
		return "invalid tag id"
	case 46003:
		return "menu no exist"
	case 47001:
		return "data format error"
	case 47003:
		return "argument invalid!"
	case 48001:
		return "api unauthorized"
	case 48006:
		return "forbid to clear quota because of reaching the limit"
	case 43101:
		return "user refuse to accept the msg"
	case 61003:
		return "component is not authorized by this account"
	case 61005:
		return "component ticket is expired"
	case 61006:
		return "component ticket is invalid"
	case 61009:
		// 61009 and 61010 are what api_query_auth answers for a bad and
		// a stale authorization code, as replies posted on
		// developers.weixin.qq.com's community show them.
		return "code is invalid"
	case 61010:
		return "code is expired"
	case 61011:
		return "invalid component"
	case 61023:
		return "refresh_token is invalid"
	case 61500:
		return "date format error"
	case 61501:
		return "date range error"
	case 65400:
		return "please enable new custom service or wait for a while if you have enabled"
	case 65401:
		return "invalid custom service account"
	case 65402:
		return "the custom service account need to bind a wechat user"
	case 65403:
		return "客服昵称不合法"
	case 65404:
		return "客服账号不合法"
	case 65405:
		return "账号数目已达到上限，不能继续添加"
	case 65406:
		return "已经存在的客服账号"
	case 65409:
		return "无效的微信号"
	case 65411:
		return "该账号已经有一个等待确认的邀请"
	case 65412:
		return "该账号已经绑定微信号"
	case 65413:
		return "no effective session for the customer"
	case 65414:
		return "another worker is serving the customer"
	case 65415:
		return "the worker is not online"
	case 65416:
		return "查询参数不合法"
	case 65417:
		return "查询时间段超出限制"
	case 76001:
		return "rid not found"
	case 76002:
		return "rid is error"
	case 76021:
		return "cgi_path not found, please check"
	case 76022:
		return "could not use this cgi_path，no permission"
	case 88001:
		return "msg_data is not exists"
	case 88005:
		return "already reply"
	case 88007:
		return "reply content beyond max len or content len is zero"
	case 88008:
		return "comment is not exists"
	case 88010:
		return "count range error. cout <= 0 or count > 50" // sic, as documented
	case 89000:
		return "account has bound open"
	case 89002:
		return "open not exists"
	case 89004:
		return "open's relation reaches upper limit"
	case 101000:
		return "invalid image url"
	case 101001:
		return "certificate not found"
	case 101002:
		return "invalid image"
	case 200012:
		return "个人模版数已达上限，上限25个"
	case 200014:
		return "模版 tid 参数错误"
	case 200016:
		return "start 参数错误"
	case 200017:
		return "limit 参数错误"
	case 200018:
		return "类目 ids 缺失"
	case 200019:
		return "类目 ids 不合法"
	case 200020:
		return "关键词列表 kidList 参数错误"
	case 200021:
		return "场景描述 sceneDesc 参数错误"
	case 9410010:
		return "long_data too long"
	case 9410011:
		return "expire_seconds too long"
	case 9410012:
		return "short_key not found"
	case 53600:
		return "Article ID 无效"
	case 65301:
		return "no such conditional menu"
	case 65302:
		return "no such user"
	case 65303:
		return "there is no selfmenu, please create selfmenu first"
	case 65304:
		return "match rule empty"
	}
	return "error"
}

// The alphabets of the ids the fake makes up.
const (
	idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" // media ids, template ids, tokens
	base62     = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"   // short keys
)

// randomString returns n random characters of alphabet.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randomID returns n random characters of the URL-safe alphabet WeChat
// uses for media ids, template ids and tokens.
func randomID(n int) string { return randomString(idAlphabet, n) }

// randomHex returns n random hex digits.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
