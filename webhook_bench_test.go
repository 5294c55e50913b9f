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
	"strconv"
	"strings"
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
//	cd benchmarks && go test -bench . -benchmem  # against silenceper/wechat

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

// A benchmark cycles through a ring of pushes that differ in their MsgId,
// so that the webhook's deduplication sees each as new, as it would a
// stream of real messages: the ring is larger than the dedup store the
// benchmark gives the Client, so a push has been forgotten by the time the
// ring comes back to it.
const (
	benchRingSize     = 1024
	benchDedupEntries = benchRingSize / 2
)

// benchRing is the pushes a benchmark replays in turn.
type benchRing []*benchRequest

// benchMessages returns the text message with benchRingSize distinct MsgIds.
func benchMessages(b testing.TB) [][]byte {
	msg := string(fixture(b, "inbound/text.xml"))
	out := make([][]byte, benchRingSize)
	for i := range out {
		out[i] = []byte(strings.Replace(msg, "1234567890123456", strconv.Itoa(1234567890123456+i), 1))
	}
	return out
}

func benchClient(b testing.TB, opts ...Option) *Client {
	v := safeVector(b)
	base := []Option{WithServerToken(v.Token), WithAppID(v.AppID), benchClock(), WithDedupStore(NewMemoryDedupStore(benchDedupEntries, 0))}
	c, err := New(append(base, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func plainBench(b testing.TB, opts ...Option) (http.Handler, benchRing) {
	v := safeVector(b)
	var ring benchRing
	for _, m := range benchMessages(b) {
		ring = append(ring, newBenchRequest("/wechat?"+plainQuery(v.Token, benchTS, benchNonce), m))
	}
	return benchClient(b, opts...).Webhook(HandlerFunc(benchEcho)), ring
}

func safeBench(b testing.TB, opts ...Option) (http.Handler, benchRing, *MessageCipher) {
	v := safeVector(b)
	mc := newCipher(b, v)
	var ring benchRing
	for _, m := range benchMessages(b) {
		env, err := mc.Encrypt(m, benchTS, benchNonce)
		if err != nil {
			b.Fatal(err)
		}
		env.ToUserName = "toUser"
		q := url.Values{"signature": {Sign(v.Token, benchTS, benchNonce)}, "timestamp": {benchTS}, "nonce": {benchNonce},
			"openid": {"fromUser"}, "encrypt_type": {"aes"}, "msg_signature": {env.MsgSignature}}
		ring = append(ring, newBenchRequest("/wechat?"+q.Encode(), env.RequestXML()))
	}
	return benchClient(b, append(opts, WithEncodingAESKey(v.EncodingAESKey))...).Webhook(HandlerFunc(benchEcho)), ring, mc
}

func runWebhook(b *testing.B, h http.Handler, ring benchRing) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if rec := ring[i%len(ring)].serve(h); rec.Code != http.StatusOK || rec.Body.Len() < 100 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		i++
	}
}

func BenchmarkWebhookPlainText(b *testing.B) {
	h, r := plainBench(b)
	runWebhook(b, h, r)
}

// The cost of deduplication: the same pushes with it off.
func BenchmarkWebhookPlainTextNoDedup(b *testing.B) {
	h, r := plainBench(b, WithoutDedup())
	runWebhook(b, h, r)
}

func BenchmarkWebhookSafeText(b *testing.B) {
	h, r, _ := safeBench(b)
	runWebhook(b, h, r)
}

func BenchmarkWebhookSafeTextNoDedup(b *testing.B) {
	h, r, _ := safeBench(b, WithoutDedup())
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
	runWebhook(b, safeFloor(v.Token, v.AppID, mc.ring.keys[0].block, mc.ring.keys[0].iv), r)
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
	i := 0
	allocs := testing.AllocsPerRun(200, func() { r[i%len(r)].serve(h); i++ })
	fl := plainFloor(safeVector(t).Token)
	floor := testing.AllocsPerRun(200, func() { r[0].serve(fl) })
	t.Logf("plain: %.0f allocs/op (floor %.0f)", allocs, floor)
	if budget := 15.0 + raceAllocs; allocs > budget {
		t.Errorf("plain webhook path: %.0f allocs/op, want at most %.0f", allocs, budget)
	}
}

// The safe-mode path stays within its allocation budget: the reply is
// encrypted, encoded and signed in the buffer it is written from, and
// neither direction of AES-CBC copies the key schedule.
func TestWebhookSafeTextAllocations(t *testing.T) {
	h, r, _ := safeBench(t)
	i := 0
	allocs := testing.AllocsPerRun(200, func() { r[i%len(r)].serve(h); i++ })
	t.Logf("safe: %.0f allocs/op", allocs)
	if budget := 18.0 + raceAllocs; allocs > budget {
		t.Errorf("safe webhook path: %.0f allocs/op, want at most %.0f", allocs, budget)
	}
}
