package benchmarks

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/mpkit/wechat"
	silenceper "github.com/silenceper/wechat/v2"
	"github.com/silenceper/wechat/v2/cache"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// The webhook benchmarks post the text message, signed (and in safe mode
// encrypted) as WeChat does, through each SDK's server handler, which
// answers with a text reply echoing the content.

// webhookInput is a ring of pushes as they cross the wire: every
// contender is given these bytes. The pushes differ in their MsgId only,
// so that a webhook that deduplicates (this SDK's does, by default) sees
// each as new, as it would a stream of real messages: the ring is larger
// than the dedup store the benchmark gives it, so a push has been
// forgotten by the time the ring comes back to it.
type webhookInput struct {
	acc    account
	pushes []wirePush
	safe   bool
}

// wirePush is one push: its URL and body.
type wirePush struct {
	target string
	body   []byte
}

// ringSize is how many distinct pushes a benchmark cycles through, and
// dedupEntries what the dedup store of this SDK's webhook keeps.
const (
	ringSize     = 1024
	dedupEntries = ringSize / 2
)

// messages returns the text message with ringSize distinct MsgIds.
func messages(tb testing.TB) [][]byte {
	msg := string(textMessage(tb))
	id := strconv.Itoa(textMsgID)
	out := make([][]byte, ringSize)
	for i := range out {
		out[i] = []byte(strings.Replace(msg, id, strconv.Itoa(textMsgID+i), 1))
	}
	return out
}

func plainInput(tb testing.TB) webhookInput {
	acc := loadAccount(tb)
	q := url.Values{
		"signature": {wechat.Sign(acc.Token, pushTimestamp, pushNonce)},
		"timestamp": {pushTimestamp}, "nonce": {pushNonce}, "openid": {userOpenID},
	}
	in := webhookInput{acc: acc}
	for _, m := range messages(tb) {
		in.pushes = append(in.pushes, wirePush{target: "/wechat?" + q.Encode(), body: m})
	}
	return in
}

// safeInput encrypts the text messages once, so that every contender
// decrypts the same ciphertexts.
func safeInput(tb testing.TB) webhookInput {
	acc := loadAccount(tb)
	mc, err := wechat.NewMessageCipher(acc.Token, acc.EncodingAESKey, acc.AppID)
	if err != nil {
		tb.Fatal(err)
	}
	in := webhookInput{acc: acc, safe: true}
	for _, m := range messages(tb) {
		env, err := mc.Encrypt(m, pushTimestamp, pushNonce)
		if err != nil {
			tb.Fatal(err)
		}
		env.ToUserName = accountID
		q := url.Values{
			"signature": {wechat.Sign(acc.Token, pushTimestamp, pushNonce)},
			"timestamp": {pushTimestamp}, "nonce": {pushNonce}, "openid": {userOpenID},
			"encrypt_type": {"aes"}, "msg_signature": {env.MsgSignature},
		}
		in.pushes = append(in.pushes, wirePush{target: "/wechat?" + q.Encode(), body: env.RequestXML()})
	}
	return in
}

// contender is one way of answering a push.
type contender struct {
	name    string
	handler http.Handler
}

func webhookContenders(tb testing.TB, in webhookInput) []contender {
	floor := plainFloor(in.acc.Token)
	if in.safe {
		floor = safeFloor(tb, in.acc)
	}
	return []contender{
		{"mpkit", mpkitWebhook(tb, in.acc, in.safe)},
		{"silenceper", silenceperWebhook(in.acc, in.safe)},
		{"floor", floor},
	}
}

// mpkitWebhook is the handler as this SDK's README mounts it, its
// deduplication on. The plain one has no EncodingAESKey: a Client with
// one refuses plaintext pushes.
func mpkitWebhook(tb testing.TB, acc account, safe bool) http.Handler {
	opts := []wechat.Option{
		wechat.WithAppID(acc.AppID), wechat.WithServerToken(acc.Token),
		wechat.WithClock(pushTime), wechat.WithDedupStore(wechat.NewMemoryDedupStore(dedupEntries, 0)),
	}
	if safe {
		opts = append(opts, wechat.WithEncodingAESKey(acc.EncodingAESKey))
	}
	c, err := wechat.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c.Webhook(wechat.HandlerFunc(func(_ context.Context, m *wechat.Message) (wechat.Reply, error) {
		return m.ReplyText(m.Content), nil
	}))
}

// silenceperWebhook is the handler as silenceper's README writes it: one
// Server per request from GetServer, a message handler, Serve, Send.
func silenceperWebhook(acc account, safe bool) http.Handler {
	cfg := &offconfig.Config{AppID: acc.AppID, Token: acc.Token, Cache: cache.NewMemory()}
	if safe {
		cfg.EncodingAESKey = acc.EncodingAESKey
	}
	oa := silenceper.NewWechat().GetOfficialAccount(cfg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := oa.GetServer(r, w)
		srv.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
			return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText(m.Content)}
		})
		// Its README prints the error and returns, which answers 200
		// with no body; a status tells the checks what went wrong.
		if err := srv.Serve(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := srv.Send(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

// runPush replays the ring of in through h. The cheap check in the loop
// makes sure the benchmark never measures an error path.
func runPush(b *testing.B, h http.Handler, in webhookInput) {
	ring := make([]*push, len(in.pushes))
	for i, p := range in.pushes {
		ring[i] = newPush(p.target, p.body)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if rec := ring[i%len(ring)].serve(h); rec.Code != http.StatusOK || rec.Body.Len() < 100 {
			b.Fatalf("answer %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}

func BenchmarkWebhookPlain(b *testing.B) {
	in := plainInput(b)
	for _, c := range webhookContenders(b, in) {
		b.Run(c.name, func(b *testing.B) { runPush(b, c.handler, in) })
	}
}

func BenchmarkWebhookSafe(b *testing.B) {
	in := safeInput(b)
	for _, c := range webhookContenders(b, in) {
		b.Run(c.name, func(b *testing.B) { runPush(b, c.handler, in) })
	}
}

// Every contender, the floors too, answers the benchmark's push with the
// echoed text reply: status 200, XML, and the reply decodes (and in safe
// mode verifies and decrypts) to the expected fields.
func TestWebhookAnswers(t *testing.T) {
	for _, in := range []webhookInput{plainInput(t), safeInput(t)} {
		mode := "plain"
		if in.safe {
			mode = "safe"
		}
		for _, c := range webhookContenders(t, in) {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				// Twice round the ring, as the benchmark loop goes.
				for i := range 2 * len(in.pushes) {
					p := in.pushes[i%len(in.pushes)]
					rec := newPush(p.target, p.body).serve(c.handler)
					if rec.Code != http.StatusOK {
						t.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
					if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
						t.Errorf("Content-Type %q, want application/xml", ct)
					}
					plain := rec.Body.Bytes()
					if in.safe {
						plain = openReply(t, in.acc, plain)
					}
					checkTextReply(t, plain)
				}
			})
		}
	}
}

// openReply checks a safe-mode reply's envelope (timestamp and nonce of
// the push, msg_signature, AppID) and returns its plaintext.
func openReply(t *testing.T, acc account, body []byte) []byte {
	t.Helper()
	if strings.Contains(string(body), textContent) {
		t.Fatalf("safe-mode reply carries the content in the clear: %s", body)
	}
	env, err := wechat.ParseEnvelope(body)
	if err != nil {
		t.Fatalf("reply envelope: %v\n%s", err, body)
	}
	if env.Timestamp != pushTimestamp || env.Nonce != pushNonce {
		t.Errorf("envelope TimeStamp %q Nonce %q, want %q and %q", env.Timestamp, env.Nonce, pushTimestamp, pushNonce)
	}
	mc, err := wechat.NewMessageCipher(acc.Token, acc.EncodingAESKey, acc.AppID)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := mc.Decrypt(env)
	if err != nil {
		t.Fatalf("decrypting the reply: %v", err)
	}
	return plain
}

// checkTextReply checks that data is a text reply from the account to
// the sender echoing the content.
func checkTextReply(t *testing.T, data []byte) {
	t.Helper()
	r, err := wechat.ParseReply(data)
	if err != nil {
		t.Fatalf("reply: %v\n%s", err, data)
	}
	text, ok := r.(*wechat.TextReply)
	if !ok {
		t.Fatalf("reply is a %T, want a text reply:\n%s", r, data)
	}
	if text.ToUserName != userOpenID || text.FromUserName != accountID || text.Content != textContent {
		t.Errorf("reply to %q from %q saying %q, want to %q from %q saying %q",
			text.ToUserName, text.FromUserName, text.Content, userOpenID, accountID, textContent)
	}
	if text.CreateTime <= 0 {
		t.Errorf("reply CreateTime %d", text.CreateTime)
	}
}
