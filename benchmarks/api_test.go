package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	silenceper "github.com/silenceper/wechat/v2"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

// The API benchmarks send one template message (message/template/send)
// through each SDK with its access token already cached, so that the
// loop makes exactly one request per send. The answer is canned; it
// comes from an in-memory RoundTripper (the SDK's own cost) or from a
// server on the loopback interface (with the HTTP stack's cost).

// sendAnswer is WeChat's documented answer to a template send.
const sendAnswer = `{"errcode":0,"errmsg":"ok","msgid":200228332}`

const sentMsgID = 200228332

// seededToken is the access token both SDKs start with.
const seededToken = "benchmark-access-token"

const (
	templatePath = "/cgi-bin/message/template/send"
	templateID   = "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY"
	templateURL  = "http://weixin.qq.com/download"
)

// templateField is one placeholder of the template message of WeChat's
// documentation: both SDKs send these values.
type templateField struct{ name, value, color string }

func templateFields() []templateField {
	return []templateField{
		{"first", "恭喜你购买成功！", "#173177"},
		{"keyword1", "巧克力", "#173177"},
		{"keyword2", "39.8元", "#173177"},
		{"keyword3", "2014年9月22日", "#173177"},
		{"remark", "欢迎再次购买！", "#173177"},
	}
}

// cannedTransport answers every request with sendAnswer, as small an
// in-memory transport as can be: it reads and closes the request body
// and allocates only the response.
type cannedTransport struct {
	// seen, if set, is given every request and its body (tests).
	seen func(r *http.Request, body []byte)
}

func (t *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if t.seen != nil {
			body, err = io.ReadAll(r.Body)
		} else {
			_, err = io.Copy(io.Discard, r.Body)
		}
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	if t.seen != nil {
		t.seen(r, body)
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json; encoding=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(sendAnswer)),
		ContentLength: int64(len(sendAnswer)),
		Request:       r,
	}, nil
}

// cannedServer is a loopback server answering sendAnswer. seen, if not
// nil, is given every request and its body (tests).
func cannedServer(tb testing.TB, seen func(r *http.Request, body []byte)) *httptest.Server {
	contentType := []string{"application/json; encoding=utf-8"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			body, _ := io.ReadAll(r.Body)
			seen(r, body)
		} else {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		w.Header()["Content-Type"] = contentType
		_, _ = io.WriteString(w, sendAnswer)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// sender sends the template message through one SDK.
type sender struct {
	name string
	send func() (msgID int64, err error)
}

// templateSenders returns both SDKs set up to send through hc (each its
// own copy), with the API at base ("" for WeChat's host).
func templateSenders(tb testing.TB, hc func() *http.Client, base string) []sender {
	acc := loadAccount(tb)
	return []sender{mpkitSender(tb, acc, hc(), base), silenceperSender(tb, acc, hc(), base)}
}

func mpkitSender(tb testing.TB, acc account, hc *http.Client, base string) sender {
	opts := []wechat.Option{
		wechat.WithAppID(acc.AppID), wechat.WithAppSecret(appSecret),
		wechat.WithHTTPClient(hc),
		wechat.WithAccessToken(seededToken, time.Now().Add(2*time.Hour)),
	}
	if base != "" {
		opts = append(opts, wechat.WithBaseURL(base))
	}
	c, err := wechat.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	msg := &wechat.TemplateMessage{ToUser: userOpenID, TemplateID: templateID, URL: templateURL, Data: map[string]wechat.TemplateField{}}
	for _, f := range templateFields() {
		msg.Data[f.name] = wechat.TemplateField{Value: f.value, Color: f.color}
	}
	ctx := context.Background()
	return sender{"mpkit", func() (int64, error) { return c.SendTemplateMessage(ctx, msg) }}
}

// silenceperSender sets silenceper up as its documentation does. Its
// HTTP client and its URL rewriting (SetURIModifier, the way to reach
// another host: its API URLs are constants) are process-wide, so they
// are put back when the test ends.
func silenceperSender(tb testing.TB, acc account, hc *http.Client, base string) sender {
	wc := silenceper.NewWechat()
	wc.SetHTTPClient(hc)
	tb.Cleanup(func() { util.DefaultHTTPClient = http.DefaultClient })
	if base != "" {
		util.SetURIModifier(func(uri string) string { return strings.Replace(uri, "https://api.weixin.qq.com", base, 1) })
		tb.Cleanup(func() { util.SetURIModifier(nil) })
	}
	mem := cache.NewMemory()
	// The key under which its DefaultAccessToken caches the token.
	key := credential.CacheKeyOfficialAccountPrefix + "_access_token_" + acc.AppID
	if err := mem.Set(key, seededToken, 2*time.Hour); err != nil {
		tb.Fatal(err)
	}
	oa := wc.GetOfficialAccount(&config.Config{AppID: acc.AppID, AppSecret: appSecret, Token: acc.Token, Cache: mem})
	msg := &message.TemplateMessage{ToUser: userOpenID, TemplateID: templateID, URL: templateURL, Data: map[string]*message.TemplateDataItem{}}
	for _, f := range templateFields() {
		msg.Data[f.name] = &message.TemplateDataItem{Value: f.value, Color: f.color}
	}
	tpl := oa.GetTemplate()
	return sender{"silenceper", func() (int64, error) { return tpl.Send(msg) }}
}

func runSend(b *testing.B, s sender) {
	b.ReportAllocs()
	for b.Loop() {
		if id, err := s.send(); err != nil || id != sentMsgID {
			b.Fatalf("msgid %d, error %v", id, err)
		}
	}
}

func BenchmarkTemplateSendRoundTripper(b *testing.B) {
	rt := &cannedTransport{}
	for _, s := range templateSenders(b, func() *http.Client { return &http.Client{Transport: rt} }, "") {
		b.Run(s.name, func(b *testing.B) { runSend(b, s) })
	}
}

func BenchmarkTemplateSendLoopback(b *testing.B) {
	srv := cannedServer(b, nil)
	for _, s := range templateSenders(b, loopbackClient(b), srv.URL) {
		b.Run(s.name, func(b *testing.B) { runSend(b, s) })
	}
}

// loopbackClient returns a maker of HTTP clients, each with a transport
// (and so a keep-alive connection) of its own.
func loopbackClient(tb testing.TB) func() *http.Client {
	return func() *http.Client {
		tr := &http.Transport{}
		tb.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr}
	}
}

// sentRequest is a request as the fake WeChat received it.
type sentRequest struct {
	method, host, path string
	query              url.Values
	body               []byte
}

// recorder collects the requests that reach a fake WeChat.
type recorder struct {
	mu   sync.Mutex
	sent []sentRequest
}

func (rec *recorder) seen(r *http.Request, body []byte) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	rec.sent = append(rec.sent, sentRequest{r.Method, host, r.URL.Path, r.URL.Query(), bytes.Clone(body)})
}

func (rec *recorder) take() []sentRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.sent
	rec.sent = nil
	return s
}

// Both SDKs, through either transport, send each benchmark's template
// message as one request carrying the seeded token and the same message,
// and return the msgid of the answer: no token request, no error path.
func TestTemplateSend(t *testing.T) {
	t.Run("RoundTripper", func(t *testing.T) {
		rec := &recorder{}
		rt := &cannedTransport{seen: rec.seen}
		for _, s := range templateSenders(t, func() *http.Client { return &http.Client{Transport: rt} }, "") {
			t.Run(s.name, func(t *testing.T) { checkSends(t, s, rec, "api.weixin.qq.com") })
		}
	})
	t.Run("Loopback", func(t *testing.T) {
		rec := &recorder{}
		srv := cannedServer(t, rec.seen)
		for _, s := range templateSenders(t, loopbackClient(t), srv.URL) {
			t.Run(s.name, func(t *testing.T) { checkSends(t, s, rec, srv.Listener.Addr().String()) })
		}
	})
}

// checkSends sends twice through s and checks what rec saw: each
// request must go to host.
func checkSends(t *testing.T, s sender, rec *recorder, host string) {
	t.Helper()
	for range 2 {
		id, err := s.send()
		if err != nil || id != sentMsgID {
			t.Fatalf("msgid %d, error %v; want %d", id, err, sentMsgID)
		}
	}
	sent := rec.take()
	if len(sent) != 2 {
		for _, r := range sent {
			t.Logf("%s %s%s", r.method, r.host, r.path)
		}
		t.Fatalf("%d requests for 2 sends", len(sent))
	}
	for _, r := range sent {
		if r.method != http.MethodPost || r.host != host || r.path != templatePath {
			t.Errorf("%s %s%s, want POST %s%s", r.method, r.host, r.path, host, templatePath)
		}
		if len(r.query) != 1 || r.query.Get("access_token") != seededToken {
			t.Errorf("query has %d parameters and another access_token than the seeded one", len(r.query))
		}
		checkTemplateBody(t, r.body)
	}
}

// checkTemplateBody checks the JSON of a template send. silenceper also
// sends an empty "miniprogram" object, which WeChat ignores.
func checkTemplateBody(t *testing.T, body []byte) {
	t.Helper()
	var got struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		URL        string `json:"url"`
		Data       map[string]struct {
			Value string `json:"value"`
			Color string `json:"color"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if got.ToUser != userOpenID || got.TemplateID != templateID || got.URL != templateURL {
		t.Errorf("touser %q, template_id %q, url %q", got.ToUser, got.TemplateID, got.URL)
	}
	fields := templateFields()
	if len(got.Data) != len(fields) {
		t.Errorf("%d data fields, want %d: %s", len(got.Data), len(fields), body)
	}
	for _, f := range fields {
		if d := got.Data[f.name]; d.Value != f.value || d.Color != f.color {
			t.Errorf("data %s = %+v, want %q %q", f.name, d, f.value, f.color)
		}
	}
}
