package wechat_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// The account of the webhook fuzz target.
const (
	fuzzToken  = "fuzz-token"
	fuzzAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	fuzzAppID  = "wx00000000000f0220"
)

var fuzzNow = time.Unix(1700000000, 0)

// FuzzWebhookRequest sends the webhook requests made from signed pushes
// and URL checks, in plain, compatible and safe mode, mutated anyhow, to
// a webhook with and without an EncodingAESKey. Whatever comes, the
// webhook does not panic, answers with one of its documented statuses
// and a short body, and runs the handler, answers a URL check with its
// echostr, or reports a server error (an encrypted push to a webhook
// without the key), only for a request that is signed: its signature is
// the SHA-1 of the token, its timestamp and nonce, or its msg_signature
// that of those and a base64 run of its body. A mutation cannot forge
// SHA-1, so that is what the webhook must have checked.
func FuzzWebhookRequest(f *testing.F) {
	add := func(safe bool, req *http.Request) {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				f.Fatal(err)
			}
			body = b
		}
		f.Add(safe, req.Method, req.URL.RawQuery, body)
	}
	ctx := context.Background()
	for mode := range 3 {
		wh := &wechattest.Webhook{Handler: http.NotFoundHandler(), URL: "/wechat", Token: fuzzToken, Mode: wechattest.Mode(mode), EncodingAESKey: fuzzAESKey,
			AppID: fuzzAppID, Now: func() time.Time { return fuzzNow }}
		for _, msg := range []*wechat.Message{wechattest.Text("hello"), wechattest.Event(wechat.EventSubscribe, "")} {
			req, err := wh.NewMessageRequest(ctx, msg)
			if err != nil {
				f.Fatal(err)
			}
			for _, safe := range []bool{false, true} {
				add(safe, req.Clone(ctx))
				req.Body, _ = req.GetBody()
			}
		}
		req, err := wh.NewVerifyRequest(ctx, "echo-1700000000")
		if err != nil {
			f.Fatal(err)
		}
		add(mode == int(wechattest.ModeSafe), req)
	}

	f.Fuzz(func(t *testing.T, safe bool, method, query string, body []byte) {
		opts := []wechat.Option{wechat.WithServerToken(fuzzToken), wechat.WithAppID(fuzzAppID),
			wechat.WithClock(func() time.Time { return fuzzNow }), wechat.WithLogger(slog.New(slog.DiscardHandler))}
		if safe {
			opts = append(opts, wechat.WithEncodingAESKey(fuzzAESKey))
		}
		c, err := wechat.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		var runs atomic.Int32
		h := c.Webhook(wechat.HandlerFunc(func(_ context.Context, m *wechat.Message) (wechat.Reply, error) {
			runs.Add(1)
			return m.ReplyText("ok"), nil
		}))
		if !validMethod(method) {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/wechat", bytes.NewReader(body))
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusMethodNotAllowed,
			http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
		default:
			t.Fatalf("status %d for %s ?%s", rec.Code, method, query)
		}
		if rec.Body.Len() > 16<<10 {
			t.Fatalf("an answer of %d bytes", rec.Body.Len())
		}
		if rec.Code == http.StatusInternalServerError && !fuzzSigned(query, body) {
			t.Fatalf("a server error for a request not signed: %s ?%s", method, query)
		}
		if runs.Load() > 0 && !fuzzSigned(query, body) {
			t.Fatalf("the handler ran for a request not signed: %s ?%s", method, query)
		}
		q, _ := url.ParseQuery(query)
		if echo := q.Get("echostr"); echo != "" && rec.Code == http.StatusOK && rec.Body.String() == echo && !fuzzSigned(query, nil) {
			t.Fatalf("a URL check not signed was answered: ?%s", query)
		}
	})
}

// fuzzSigned reports whether some value of the query's signature is
// Sign of the token and some timestamp and nonce it carries, or some
// msg_signature that of those and a base64 run of body, in either case
// of hex (the webhook reads both): a superset of what the webhook may
// take for signed.
func fuzzSigned(query string, body []byte) bool {
	q, _ := url.ParseQuery(query)
	runs := base64Run.FindAll(body, -1)
	runs = append(runs, encryptTexts(body)...)
	for _, ts := range q["timestamp"] {
		for _, nonce := range q["nonce"] {
			for _, sig := range q["signature"] {
				if strings.EqualFold(sig, wechat.Sign(fuzzToken, ts, nonce)) {
					return true
				}
			}
			for _, sig := range q["msg_signature"] {
				for _, r := range runs {
					if strings.EqualFold(sig, wechat.Sign(fuzzToken, ts, nonce, string(r))) {
						return true
					}
				}
			}
		}
	}
	return false
}

// encryptTexts returns the text of each Encrypt element of body as an XML
// reader decodes it (entities and CDATA sections read), as far as body
// reads as XML.
func encryptTexts(body []byte) [][]byte {
	var texts [][]byte
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	var in bool
	var text []byte
	for {
		tok, err := d.Token()
		if err != nil {
			return texts
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			in, text = tok.Name.Local == "Encrypt", nil
		case xml.CharData:
			if in {
				text = append(text, tok...)
			}
		case xml.EndElement:
			if in {
				texts = append(texts, text)
			}
			in = false
		}
	}
}

// base64Run matches what may be a ciphertext in a body.
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/=]+`)

// validMethod reports whether method is one httptest.NewRequest takes.
func validMethod(method string) bool {
	if method == "" || strings.ContainsAny(method, " \t\r\n") {
		return false
	}
	for _, r := range method {
		if r < '!' || r > '~' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
