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

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// randomID returns n random characters of the URL-safe alphabet WeChat
// uses for media ids, template ids and tokens.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// randomHex returns n random hex digits.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
