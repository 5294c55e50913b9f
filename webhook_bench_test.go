package wechat

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// The webhook benchmarks post a text message through the handler with
// httptest and get a text reply. Each has a floor: the same request
// through the same recorder, answered by a handler that does only the
// work that cannot be avoided (read the body, check the SHA-1 signature,
// find the few fields with bytes.Index, and in safe mode base64 and
// AES-CBC both ways) with no parsing, validation, routing or deadline.
//
//	go test -run '^$' -bench Webhook -benchmem .
//	WECHAT_BENCH_RATIOS=1 go test -run TestWebhookBenchmarkRatios -v .

// body is a request body that can be rewound without allocating.
type body struct{ bytes.Reader }

func (*body) Close() error { return nil }

// benchRequest is one request replayed by a benchmark.
type benchRequest struct {
	req  *http.Request
	body body
	data []byte
}

func newBenchRequest(target string, data []byte) *benchRequest {
	r := &benchRequest{req: httptest.NewRequest(http.MethodPost, target, nil), data: data}
	return r
}

func (r *benchRequest) serve(h http.Handler) *httptest.ResponseRecorder {
	r.body.Reset(r.data)
	r.req.Body = &r.body
	r.req.ContentLength = int64(len(r.data))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r.req)
	return rec
}

const benchTS, benchNonce = "1348831860", "1641605039"

// benchClock puts the Client's clock at benchTS, so that the replayed
// push is fresh.
func benchClock() Option { return WithClock(func() time.Time { return time.Unix(1348831860, 0) }) }

func benchEcho(_ context.Context, m *Message) (Reply, error) { return m.ReplyText(m.Content), nil }

func plainBench(b testing.TB) (http.Handler, *benchRequest) {
	v := safeVector(b)
	c, err := New(WithToken(v.Token), WithAppID(v.AppID), benchClock())
	if err != nil {
		b.Fatal(err)
	}
	return c.Webhook(HandlerFunc(benchEcho)), newBenchRequest("/wechat?"+plainQuery(v.Token, benchTS, benchNonce), fixture(b, "inbound/text.xml"))
}

func safeBench(b testing.TB) (http.Handler, *benchRequest, *MessageCipher) {
	v := safeVector(b)
	c, err := New(WithToken(v.Token), WithAppID(v.AppID), WithEncodingAESKey(v.EncodingAESKey), benchClock())
	if err != nil {
		b.Fatal(err)
	}
	mc := newCipher(b, v)
	env, err := mc.Encrypt(fixture(b, "inbound/text.xml"), benchTS, benchNonce)
	if err != nil {
		b.Fatal(err)
	}
	env.ToUserName = "toUser"
	q := url.Values{"signature": {Sign(v.Token, benchTS, benchNonce)}, "timestamp": {benchTS}, "nonce": {benchNonce},
		"openid": {"fromUser"}, "encrypt_type": {"aes"}, "msg_signature": {env.MsgSignature}}
	return c.Webhook(HandlerFunc(benchEcho)), newBenchRequest("/wechat?"+q.Encode(), env.RequestXML()), mc
}

func runWebhook(b *testing.B, h http.Handler, r *benchRequest) {
	b.ReportAllocs()
	for b.Loop() {
		if rec := r.serve(h); rec.Code != http.StatusOK || rec.Body.Len() < 100 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkWebhookPlainText(b *testing.B) {
	h, r := plainBench(b)
	runWebhook(b, h, r)
}

func BenchmarkWebhookSafeText(b *testing.B) {
	h, r, _ := safeBench(b)
	runWebhook(b, h, r)
}

// cdata returns the CDATA value of the first <tag> in doc, or nil: the
// least a reader of these fields can do.
func cdata(doc []byte, tag string) []byte {
	var open [64]byte
	o := append(append(append(open[:0], '<'), tag...), "><![CDATA["...)
	i := bytes.Index(doc, o)
	if i < 0 {
		return nil
	}
	doc = doc[i+len(o):]
	j := bytes.Index(doc, []byte("]]>"))
	if j < 0 {
		return nil
	}
	return doc[:j]
}

// floorReply appends the text reply the floor handlers write.
func floorReply(out, to, from, content []byte) []byte {
	out = append(out, "<xml><ToUserName><![CDATA["...)
	out = append(out, to...)
	out = append(out, "]]></ToUserName><FromUserName><![CDATA["...)
	out = append(out, from...)
	out = append(out, "]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA["...)
	out = append(out, content...)
	return append(out, "]]></Content></xml>"...)
}

func readAll(r *http.Request) []byte {
	in := make([]byte, r.ContentLength)
	_, _ = io.ReadFull(r.Body, in)
	return in
}

// floorContentType is shared by every answer of the floors, which skip
// even the webhook's per-response header values.
var floorContentType = []string{contentTypeXML}

// plainFloor is the unavoidable work of a plain-mode text message.
func plainFloor(token string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := parsePushQuery(r.URL.RawQuery)
		if !sigMatch(sortedSHA1(token, q.timestamp, q.nonce), q.signature) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		in := readAll(r)
		_ = cdata(in, "MsgType")
		out := floorReply(make([]byte, 0, 512), cdata(in, "FromUserName"), cdata(in, "ToUserName"), cdata(in, "Content"))
		w.Header()["Content-Type"] = floorContentType
		_, _ = w.Write(out)
	}
}

// safeFloor is the unavoidable work of a safe-mode text message.
func safeFloor(token, appID string, block cipher.Block, iv []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := parsePushQuery(r.URL.RawQuery)
		ts, nonce := q.timestamp, q.nonce
		in := readAll(r)
		enc := cdata(in, "Encrypt")
		if !sigMatch(sortedSHA1(token, ts, nonce, string(enc)), q.msgSignature) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		ct := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, _ := base64.StdEncoding.Decode(ct, enc)
		ct = ct[:n]
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(ct, ct)
		size := binary.BigEndian.Uint32(ct[16:20])
		msg := ct[20 : 20+size]
		_ = cdata(msg, "MsgType")

		plain := make([]byte, 20, 512)
		_, _ = rand.Read(plain[:16])
		plain = floorReply(plain, cdata(msg, "FromUserName"), cdata(msg, "ToUserName"), cdata(msg, "Content"))
		binary.BigEndian.PutUint32(plain[16:20], uint32(len(plain)-20))
		plain = append(plain, appID...)
		pad := 32 - len(plain)%32
		for range pad {
			plain = append(plain, byte(pad))
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(plain, plain)
		out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(plain))+200)
		out = append(out, "<xml><Encrypt><![CDATA["...)
		start := len(out)
		out = base64.StdEncoding.AppendEncode(out, plain)
		sig := hexSum(sortedSHA1(token, ts, nonce, string(out[start:])))
		out = append(out, "]]></Encrypt><MsgSignature><![CDATA["...)
		out = append(out, sig...)
		out = append(out, "]]></MsgSignature><TimeStamp>1348831860</TimeStamp><Nonce><![CDATA["...)
		out = append(out, nonce...)
		out = append(out, "]]></Nonce></xml>"...)
		w.Header()["Content-Type"] = floorContentType
		_, _ = w.Write(out)
	}
}

func BenchmarkWebhookPlainTextFloor(b *testing.B) {
	_, r := plainBench(b)
	runWebhook(b, plainFloor(safeVector(b).Token), r)
}

func BenchmarkWebhookSafeTextFloor(b *testing.B) {
	_, r, mc := safeBench(b)
	v := safeVector(b)
	runWebhook(b, safeFloor(v.Token, v.AppID, mc.key.block, mc.key.iv), r)
}

// Floors of the single steps, for reference.

func BenchmarkFloorSignature(b *testing.B) {
	sig := Sign("test_token", benchTS, benchNonce)
	b.ReportAllocs()
	for b.Loop() {
		if !sigMatch(sortedSHA1("test_token", benchTS, benchNonce), sig) {
			b.Fatal("mismatch")
		}
	}
}

func BenchmarkFloorReadFields(b *testing.B) {
	data := fixture(b, "inbound/text.xml")
	b.ReportAllocs()
	for b.Loop() {
		if cdata(data, "ToUserName") == nil || cdata(data, "FromUserName") == nil || cdata(data, "MsgType") == nil || cdata(data, "Content") == nil {
			b.Fatal("field missing")
		}
	}
}

func BenchmarkFloorDecrypt(b *testing.B) {
	v := loadVector(b, "official_sample.json")
	k, err := newAESKey(mustKey(b, v.EncodingAESKey))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ct, _ := base64.StdEncoding.DecodeString(v.Encrypt)
		cipher.NewCBCDecrypter(k.block, k.iv).CryptBlocks(ct, ct)
	}
}

func BenchmarkFloorEncrypt(b *testing.B) {
	v := loadVector(b, "official_sample.json")
	k, err := newAESKey(mustKey(b, v.EncodingAESKey))
	if err != nil {
		b.Fatal(err)
	}
	plain := make([]byte, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf := append([]byte(nil), plain...)
		_, _ = rand.Read(buf[:16])
		cipher.NewCBCEncrypter(k.block, k.iv).CryptBlocks(buf, buf)
		_ = base64.StdEncoding.EncodeToString(buf)
	}
}

func mustKey(b testing.TB, s string) []byte {
	k, err := decodeAESKey(s)
	if err != nil || len(k) != 32 {
		b.Fatal(err)
	}
	return k
}

// The choice of XML reader: this package's against encoding/xml on the
// same message.

func BenchmarkParseMessageText(b *testing.B) {
	data := fixture(b, "inbound/text.xml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessage(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMessageTextEncodingXML(b *testing.B) {
	data := fixture(b, "inbound/text.xml")
	b.ReportAllocs()
	for b.Loop() {
		var m struct {
			ToUserName, FromUserName, MsgType, Content string
			CreateTime                                 int64
			MsgID                                      int64 `xml:"MsgId"`
		}
		if err := xml.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// The plain path stays within its allocation budget.
func TestWebhookPlainTextAllocations(t *testing.T) {
	h, r := plainBench(t)
	allocs := testing.AllocsPerRun(200, func() { r.serve(h) })
	fl := plainFloor(safeVector(t).Token)
	floor := testing.AllocsPerRun(200, func() { r.serve(fl) })
	t.Logf("plain: %.0f allocs/op (floor %.0f)", allocs, floor)
	if allocs > 25 {
		t.Errorf("plain webhook path: %.0f allocs/op, want at most 25", allocs)
	}
}
