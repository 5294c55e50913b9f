package wechattest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// newClock returns a clock for WithClock at a fixed instant.
func newClock() *wechattest.Clock { return wechattest.NewClock(time.Unix(1700000000, 0)) }

// start runs a server for the test.
func start(t *testing.T, opts ...wechattest.Option) *wechattest.Server {
	t.Helper()
	srv := wechattest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// client returns a wechat.Client pointed at srv (Server.Client), with
// opts.
func client(t *testing.T, srv *wechattest.Server, opts ...wechat.Option) *wechat.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	require.NoError(t, err)
	return c
}

// startClient runs a server for the test, as start does, and returns it
// with a Client of it.
func startClient(t *testing.T, opts ...wechattest.Option) (*wechattest.Server, *wechat.Client) {
	t.Helper()
	srv := start(t, opts...)
	return srv, client(t, srv)
}

// reply is an HTTP answer of the fake.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v.
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// JSON decodes the body as a generic document.
func (r reply) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// errcode returns the errcode of the body, 0 when absent.
func (r reply) errcode(t *testing.T) int {
	t.Helper()
	var st status
	r.decode(t, &st)
	return st.ErrCode
}

// status is the errcode and errmsg of a reply; the documents the tests
// decode embed it.
type status struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// succeeded asserts errcode 0 and errmsg "ok".
func (st status) succeeded(t *testing.T) {
	t.Helper()
	assert.Zero(t, st.ErrCode)
	assert.Equal(t, "ok", st.ErrMsg)
}

// raw sends a request exactly as given.
func raw(t *testing.T, srv *wechattest.Server, method, path string, query url.Values, contentType string, body []byte) reply {
	t.Helper()
	u := srv.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, srv, req)
}

// fetch downloads a URL the fake handed out, as whoever holds it does:
// with a GET and no access token.
func fetch(t *testing.T, srv *wechattest.Server, u string) reply {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	require.NoError(t, err)
	return do(t, srv, req)
}

// do sends req to srv and reads the answer.
func do(t *testing.T, srv *wechattest.Server, req *http.Request) reply {
	t.Helper()
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// token fetches an access token with cgi-bin/token.
func token(t *testing.T, srv *wechattest.Server) string {
	t.Helper()
	r := raw(t, srv, "GET", "/cgi-bin/token", url.Values{
		"grant_type": {"client_credential"}, "appid": {srv.AppID()}, "secret": {srv.AppSecret()},
	}, "", nil)
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	r.decode(t, &tr)
	require.NotEmpty(t, tr.AccessToken, "body: %s", r.Body)
	return tr.AccessToken
}

// api sends documented API requests with an access token.
type api struct {
	t   *testing.T
	srv *wechattest.Server
	tok string
}

func newAPI(t *testing.T, srv *wechattest.Server) *api {
	return &api{t: t, srv: srv, tok: token(t, srv)}
}

// startAPI runs a server for the test, as start does, and returns it
// with an api holding one of its access tokens.
func startAPI(t *testing.T, opts ...wechattest.Option) (*wechattest.Server, *api) {
	t.Helper()
	srv := start(t, opts...)
	return srv, newAPI(t, srv)
}

func (a *api) get(path string, query url.Values) reply {
	a.t.Helper()
	q := url.Values{"access_token": {a.tok}}
	for k, v := range query {
		q[k] = v
	}
	return raw(a.t, a.srv, "GET", path, q, "", nil)
}

func (a *api) post(path, body string) reply {
	a.t.Helper()
	return raw(a.t, a.srv, "POST", path, url.Values{"access_token": {a.tok}}, "application/json", []byte(body))
}

// ok asserts a plain {"errcode":0,"errmsg":"ok"} reply.
func (a *api) ok(r reply) {
	a.t.Helper()
	assert.JSONEq(a.t, `{"errcode":0,"errmsg":"ok"}`, string(r.Body))
}

// fails asserts an error reply with code and WeChat's ", rid: " suffix.
func fails(t *testing.T, r reply, code int, msg string) {
	t.Helper()
	assert.Equal(t, http.StatusOK, r.Status, "WeChat answers errors with HTTP 200")
	var st status
	r.decode(t, &st)
	assert.Equal(t, code, st.ErrCode, "body: %s", r.Body)
	if msg != "" {
		assert.True(t, strings.HasPrefix(st.ErrMsg, msg+", rid: "), "errmsg %q", st.ErrMsg)
	}
}

// upload posts a file to media/upload in the multipart field field.
func (a *api) upload(typ, field, filename, contentType string, data []byte) reply {
	a.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+filename+`"`)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	w, err := mw.CreatePart(h)
	require.NoError(a.t, err)
	_, _ = w.Write(data)
	require.NoError(a.t, mw.Close())
	return raw(a.t, a.srv, "POST", "/cgi-bin/media/upload",
		url.Values{"access_token": {a.tok}, "type": {typ}}, mw.FormDataContentType(), buf.Bytes())
}

// fixture reads a file of the module's testdata/ (see testdata/SOURCES.md).
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// withFollower seeds subscribed followers with the given openids.
func withFollower(openIDs ...string) wechattest.Option {
	fs := make([]wechattest.Follower, len(openIDs))
	for i, id := range openIDs {
		fs[i] = wechattest.Follower{OpenID: id}
	}
	return wechattest.WithFollowers(fs...)
}
