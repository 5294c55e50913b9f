package benchmarks

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The floors answer the same pushes with only the work no webhook can
// skip: read the query and the body, check the SHA-1 signature, find the
// four fields by searching the bytes, write the reply; in safe mode also
// base64 and AES-CBC both ways, with a fresh random prefix. They parse,
// validate and route nothing, set no deadline and cannot answer anything
// else. A webhook's time over its floor is what its design costs.

// pushParams are the query parameters a floor reads.
type pushParams struct{ signature, msgSignature, timestamp, nonce string }

// readParams scans a raw query whose values need no unescaping, as
// WeChat's do.
func readParams(raw string) pushParams {
	var p pushParams
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(pair, "=")
		switch k {
		case "signature":
			p.signature = v
		case "msg_signature":
			p.msgSignature = v
		case "timestamp":
			p.timestamp = v
		case "nonce":
			p.nonce = v
		}
	}
	return p
}

// sortedSum is the SHA-1 of the sorted, concatenated parts: the
// signature WeChat puts on a push and on a safe-mode reply.
func sortedSum(parts ...string) [sha1.Size]byte {
	var sorted [4]string
	p := append(sorted[:0], parts...)
	slices.Sort(p)
	var stack [1024]byte
	joined := stack[:0]
	for _, s := range p {
		joined = append(joined, s...)
	}
	return sha1.Sum(joined)
}

// signed reports whether sig is the hex sortedSum of parts, comparing in
// constant time.
func signed(sig string, parts ...string) bool {
	var hexSig [2 * sha1.Size]byte
	var want [sha1.Size]byte
	if len(sig) != len(hexSig) {
		return false
	}
	copy(hexSig[:], sig)
	if _, err := hex.Decode(want[:], hexSig[:]); err != nil {
		return false
	}
	sum := sortedSum(parts...)
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// field returns the CDATA text of the first <tag> of doc.
func field(doc []byte, tag string) []byte {
	var stack [64]byte
	open := append(append(append(stack[:0], '<'), tag...), "><![CDATA["...)
	i := bytes.Index(doc, open)
	if i < 0 {
		return nil
	}
	doc = doc[i+len(open):]
	if j := bytes.Index(doc, []byte("]]>")); j >= 0 {
		return doc[:j]
	}
	return nil
}

func readBody(r *http.Request) []byte {
	b := make([]byte, r.ContentLength)
	_, _ = io.ReadFull(r.Body, b)
	return b
}

// appendTextReply appends the text reply to a message with the given
// fields: sender and receiver swapped.
func appendTextReply(b, from, to, content []byte, timestamp string) []byte {
	b = append(b, "<xml><ToUserName><![CDATA["...)
	b = append(b, from...)
	b = append(b, "]]></ToUserName><FromUserName><![CDATA["...)
	b = append(b, to...)
	b = append(b, "]]></FromUserName><CreateTime>"...)
	b = append(b, timestamp...)
	b = append(b, "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA["...)
	b = append(b, content...)
	return append(b, "]]></Content></xml>"...)
}

// plainFloor answers a plaintext push.
func plainFloor(token string) http.Handler {
	contentType := []string{"application/xml; charset=utf-8"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := readParams(r.URL.RawQuery)
		if !signed(q.signature, token, q.timestamp, q.nonce) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		msg := readBody(r)
		_ = field(msg, "MsgType")
		out := appendTextReply(make([]byte, 0, 512), field(msg, "FromUserName"), field(msg, "ToUserName"), field(msg, "Content"), q.timestamp)
		w.Header()["Content-Type"] = contentType
		_, _ = w.Write(out)
	})
}

// safeFloor answers an encrypted push. The AES key schedule is made once:
// it belongs to the account, not to the push.
func safeFloor(tb testing.TB, acc account) http.Handler {
	key, err := base64.StdEncoding.DecodeString(acc.EncodingAESKey + "=")
	if err != nil {
		tb.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		tb.Fatal(err)
	}
	iv := key[:aes.BlockSize]
	contentType := []string{"application/xml; charset=utf-8"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := readParams(r.URL.RawQuery)
		enc := field(readBody(r), "Encrypt")
		if !signed(q.msgSignature, acc.Token, q.timestamp, q.nonce, string(enc)) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		ct := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, err := base64.StdEncoding.Decode(ct, enc)
		if err != nil || n < 20 || n%aes.BlockSize != 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ct = ct[:n]
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(ct, ct)
		size := int(binary.BigEndian.Uint32(ct[16:20]))
		if size > n-20 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		msg := ct[20 : 20+size]
		_ = field(msg, "MsgType")

		// random(16) | length(4) | reply | AppID | PKCS#7 padding to 32
		plain := make([]byte, 20, 512)
		_, _ = rand.Read(plain[:16])
		plain = appendTextReply(plain, field(msg, "FromUserName"), field(msg, "ToUserName"), field(msg, "Content"), q.timestamp)
		binary.BigEndian.PutUint32(plain[16:20], uint32(len(plain)-20))
		plain = append(plain, acc.AppID...)
		pad := 32 - len(plain)%32
		for range pad {
			plain = append(plain, byte(pad))
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(plain, plain)

		out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(plain))+192)
		out = append(out, "<xml><Encrypt><![CDATA["...)
		start := len(out)
		out = base64.StdEncoding.AppendEncode(out, plain)
		encrypted := string(out[start:])
		out = append(out, "]]></Encrypt><MsgSignature><![CDATA["...)
		out = appendSignature(out, acc.Token, q.timestamp, q.nonce, encrypted)
		out = append(out, "]]></MsgSignature><TimeStamp>"...)
		out = append(out, q.timestamp...)
		out = append(out, "</TimeStamp><Nonce><![CDATA["...)
		out = append(out, q.nonce...)
		out = append(out, "]]></Nonce></xml>"...)
		w.Header()["Content-Type"] = contentType
		_, _ = w.Write(out)
	})
}

// appendSignature appends the hex sortedSum of parts.
func appendSignature(b []byte, parts ...string) []byte {
	sum := sortedSum(parts...)
	return hex.AppendEncode(b, sum[:])
}
