package wechat

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// Sign returns WeChat's signature of values: the hex SHA-1 of their
// lexically sorted concatenation. It is the signature of the server URL
// check (token, timestamp, nonce) and, with the ciphertext added, the
// msg_signature of safe mode.
func Sign(values ...string) string {
	sorted := make([]string, len(values))
	copy(sorted, values)
	slices.Sort(sorted)
	h := sha1.New()
	for _, v := range sorted {
		h.Write([]byte(v))
	}
	var sum [sha1.Size]byte
	var out [2 * sha1.Size]byte
	hex.Encode(out[:], h.Sum(sum[:0]))
	return string(out[:])
}

// CheckSignature reports whether signature is WeChat's signature of
// timestamp and nonce under the server token (验证消息来自微信服务器): the
// check of the GET URL verification and of every plain-mode POST,
// compared in constant time, the hex in either case. During a token
// rotation (WithPreviousServerToken) either token is accepted. It is false
// when no server token is configured. It does not check that timestamp
// is recent: Webhook and OpenPush do (WithTimestampWindow).
func (c *Client) CheckSignature(signature, timestamp, nonce string) bool {
	return c.keys.verify(signature, timestamp, nonce, "") >= 0
}

// JSAPISignature returns the JS-SDK signature (JS-SDK 使用权限签名算法): the
// hex SHA-1 of "jsapi_ticket=…&noncestr=…&timestamp=…&url=…" with raw,
// unescaped values. The URL is the page's full URL without its #fragment.
func JSAPISignature(ticket, nonceStr, timestamp, url string) string {
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url = url[:i]
	}
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonceStr + "&timestamp=" + timestamp + "&url=" + url
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// JSSDKConfig is what the page passes to wx.config. It marshals to the
// JSON field names wx.config expects.
type JSSDKConfig struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// JSSDKConfig returns the values wx.config needs for the page at url,
// signed with a fresh nonce, the current time and the cached jsapi_ticket.
// url is the page's full URL (location.href.split('#')[0] in the page);
// a #fragment is left out, as WeChat signs without it, so that pages
// with hash routes get a signature that works. An empty or relative URL
// is an ErrInvalidArgument. The signature is the one of appendix 1 of the
// [JS-SDK guide] (JS-SDK使用权限签名算法).
//
// [JS-SDK guide]: https://developers.weixin.qq.com/doc/service/guide/h5/jssdk.html
func (c *Client) JSSDKConfig(ctx context.Context, url string) (*JSSDKConfig, error) {
	if err := c.requireAppID(); err != nil {
		return nil, err
	}
	page, _, _ := strings.Cut(strings.TrimSpace(url), "#")
	if err := checkHTTPURL("JS-SDK page URL", page); err != nil {
		return nil, err
	}
	url = page
	t, err := c.JSAPITicket(ctx)
	if err != nil {
		return nil, err
	}
	ts := c.now().Unix()
	nonce := randomString(16)
	return &JSSDKConfig{
		AppID:     c.appID,
		Timestamp: ts,
		NonceStr:  nonce,
		Signature: JSAPISignature(t.Value, nonce, strconv.FormatInt(ts, 10), url),
	}, nil
}

const nonceAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n random letters and digits from crypto/rand.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = nonceAlphabet[int(b[i])%len(nonceAlphabet)]
	}
	return string(b)
}
