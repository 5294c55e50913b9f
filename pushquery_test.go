package wechat

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// parsePushQuery reads what url.ParseQuery reads, for random queries
// made of the parameters it knows, others, and the bytes that matter to
// it: separators, escapes good and bad, and '+'.
func TestParsePushQueryMatchesURL(t *testing.T) {
	keys := []string{"signature", "msg_signature", "timestamp", "nonce", "echostr", "encrypt_type", "openid", "time%73tamp", "non%63e", "x"}
	bits := []string{"a", "0", "=", "%2B", "%3D", "%26", "+", "%zz", "%", "%4", "&", "ü"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for i := range 1 + rng.IntN(5) {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(keys[rng.IntN(len(keys))])
			if rng.IntN(8) > 0 {
				b.WriteByte('=')
			}
			for range rng.IntN(4) {
				b.WriteString(bits[rng.IntN(len(bits))])
			}
		}
		raw := b.String()
		want, _ := url.ParseQuery(raw)
		q := parsePushQuery(raw)
		got := map[string]string{"signature": q.signature, "msg_signature": q.msgSignature, "timestamp": q.timestamp,
			"nonce": q.nonce, "echostr": q.echostr, "encrypt_type": q.encryptType}
		// A parameter given twice, whether or not its values unescape, is
		// reported: the webhook refuses the request, whatever it read.
		seen := map[string]int{}
		for pair := range strings.SplitSeq(raw, "&") {
			k, _, _ := strings.Cut(pair, "=")
			if k, err := url.QueryUnescape(k); err == nil {
				if _, ok := got[k]; ok {
					seen[k]++
				}
			}
		}
		repeated := false
		for _, n := range seen {
			repeated = repeated || n > 1
		}
		if q.repeated != repeated {
			t.Fatalf("%q: repeated %v, want %v", raw, q.repeated, repeated)
		}
		if repeated {
			continue
		}
		for key, v := range got {
			if w := want.Get(key); w != v {
				t.Fatalf("%q: %s is %q, url.ParseQuery reads %q", raw, key, v, w)
			}
		}
	}
}
