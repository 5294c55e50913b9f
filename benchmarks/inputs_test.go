package benchmarks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// TestMain quiets silenceper's logger. Importing its root package sets
// logrus, a process-wide logger, to the debug level on stdout, so every
// push would print three lines into the benchmark output. A service in
// production runs at the info level, where nothing is logged on the
// paths measured here.
func TestMain(m *testing.M) {
	logrus.SetLevel(logrus.InfoLevel)
	os.Exit(m.Run())
}

// account is the Official Account every benchmark uses: the one of the
// real safe-mode capture in the repository's test data.
type account struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	AppID          string `json:"appid"`
}

// appSecret is set on the API clients only because both SDKs expect one;
// with the access token seeded, neither sends it.
const appSecret = "benchmark-app-secret"

func testdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", filepath.FromSlash(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func loadAccount(tb testing.TB) account {
	tb.Helper()
	var a account
	if err := json.Unmarshal(testdata(tb, "crypto/doraemonext_safe_mode.json"), &a); err != nil {
		tb.Fatal(err)
	}
	return a
}

// textMessage is the inbound text message of the test data. The
// constants below are what it says.
func textMessage(tb testing.TB) []byte { return testdata(tb, "inbound/text.xml") }

const (
	accountID   = "toUser"   // ToUserName: the account's original ID
	userOpenID  = "fromUser" // FromUserName: the sender
	textContent = "this is a test"
	textCreated = 1348831860
	textMsgID   = 1234567890123456
)

// Every push is signed with this timestamp and nonce, and the SDK's
// clock is pinned to the timestamp so that the push is fresh.
const (
	pushTimestamp = "1348831860"
	pushNonce     = "1641605039"
)

func pushTime() time.Time { return time.Unix(textCreated, 0) }

// push is one webhook request, replayed: the same *http.Request with its
// body rewound, so that the loop measures the handler and not the
// building of requests.
type push struct {
	req  *http.Request
	body rewindable
	data []byte
}

type rewindable struct{ bytes.Reader }

func (*rewindable) Close() error { return nil }

// newPush returns a POST to target with data as its body and the
// Content-Type WeChat sends. Each handler gets its own push, built from
// the same target and bytes.
func newPush(target string, data []byte) *push {
	p := &push{req: httptest.NewRequest(http.MethodPost, target, nil), data: data}
	p.req.Header.Set("Content-Type", "text/xml")
	return p
}

func (p *push) serve(h http.Handler) *httptest.ResponseRecorder {
	p.body.Reset(p.data)
	p.req.Body = &p.body
	p.req.ContentLength = int64(len(p.data))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, p.req)
	return rec
}
