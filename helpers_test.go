package wechat

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Values shared by the tests. testBase is where the mock transport answers.
const (
	testBase   = "https://api.test"
	testAppID  = "wx1234567890abcdef"
	testSecret = "app-secret-do-not-leak"
	testToken  = "ACCESS_TOKEN_do_not_leak"
)

var farFuture = time.Now().Add(24 * time.Hour)

// newTestClient returns a Client whose HTTP goes to a fresh mock transport
// (one per test, so tests may run in parallel) and whose cache is seeded
// with testToken, so API tests see no token request.
func newTestClient(t testing.TB, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	base := []Option{
		WithAppID(testAppID),
		WithAppSecret(testSecret),
		WithHTTPClient(&http.Client{Transport: mt}),
		WithBaseURL(testBase),
		WithAccessToken(testToken, time.Now().Add(time.Hour)),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	c.retryBase = time.Millisecond
	return c, mt
}

// fixture reads a file from testdata/ (see testdata/SOURCES.md).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	return b
}

// wire is one request as it crossed the wire.
type wire struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// recorder keeps the requests a responder saw.
type recorder struct {
	mu    sync.Mutex
	calls []wire
}

func (r *recorder) record(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, wire{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(), Header: req.Header.Clone(), Body: body})
}

// Calls returns a copy of the recorded requests.
func (r *recorder) Calls() []wire {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wire(nil), r.calls...)
}

// only asserts that exactly one request was recorded and returns it.
func (r *recorder) only(t *testing.T) wire {
	t.Helper()
	calls := r.Calls()
	require.Len(t, calls, 1, "requests sent")
	return calls[0]
}

// stubWith answers method and path on mt with respond and records the
// requests it receives.
func stubWith(mt *httpmock.MockTransport, method, path string, respond httpmock.Responder) *recorder {
	rec := &recorder{}
	mt.RegisterResponder(method, testBase+path, func(req *http.Request) (*http.Response, error) {
		rec.record(req)
		return respond(req)
	})
	return rec
}

// jsonResponder answers with body, of the Content-Type contentType.
func jsonResponder(body []byte, contentType string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(http.StatusOK, body)
		resp.Header.Set("Content-Type", contentType)
		return resp, nil
	}
}

// stub answers method and path on mt with body (JSON) and records the
// requests it receives.
func stub(mt *httpmock.MockTransport, method, path string, body []byte) *recorder {
	return stubWith(mt, method, path, jsonResponder(body, "application/json; encoding=utf-8"))
}

// newStubClient is newTestClient with one stub: method and path answered
// with body, whose requests the recorder keeps.
func newStubClient(t *testing.T, method, path string, body []byte) (*Client, *recorder) {
	t.Helper()
	c, mt := newTestClient(t)
	return c, stub(mt, method, path, body)
}

// stubSeq answers successive requests with successive bodies; the last one
// repeats.
func stubSeq(mt *httpmock.MockTransport, method, path string, bodies ...[]byte) *recorder {
	responders := make([]httpmock.Responder, len(bodies))
	for i, body := range bodies {
		responders[i] = jsonResponder(body, "application/json")
	}
	return stubWith(mt, method, path, inTurn(responders...))
}

// newStubSeqClient is newTestClient with one stubSeq: method and path
// answered with successive bodies, whose requests the recorder keeps.
func newStubSeqClient(t *testing.T, method, path string, bodies ...[]byte) (*Client, *recorder) {
	t.Helper()
	c, mt := newTestClient(t)
	return c, stubSeq(mt, method, path, bodies...)
}

// systemBusy is WeChat's errcode -1, after which a read is sent again.
var systemBusy = []byte(`{"errcode":-1,"errmsg":"system error"}`)

// inTurn answers successive requests with successive responders; the last
// one repeats, up to maxRepeats times. Past that every request fails, so
// that an iterator whose loop never ends fails its test at once rather
// than running until go test's timeout.
func inTurn(responders ...httpmock.Responder) httpmock.Responder {
	var n atomic.Int64
	return func(req *http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		if i >= len(responders)+maxRepeats {
			return nil, errTooManyRequests
		}
		return responders[min(i, len(responders)-1)](req)
	}
}

// maxRepeats is how often inTurn repeats its last answer: more than any
// retry loop sends.
const maxRepeats = 100

var errTooManyRequests = errors.New("stub: the last answer was given too often; does a loop never end?")

// assertWire checks the method, path and access_token of a request and,
// when wantJSON is not empty, that its body is that JSON document.
func assertWire(t *testing.T, w wire, method, path, wantJSON string) {
	t.Helper()
	assert.Equal(t, method, w.Method, "method")
	assert.Equal(t, path, w.Path, "path")
	assert.Equal(t, testToken, w.Query.Get("access_token"), "access_token")
	if wantJSON != "" {
		assert.JSONEq(t, wantJSON, string(w.Body), "JSON body")
		assert.Contains(t, w.Header.Get("Content-Type"), "application/json")
	}
}

// forbidRequests fails the test if any request reaches mt that no stub
// answers: arguments that are rejected must be rejected before any I/O.
func forbidRequests(t *testing.T, mt *httpmock.MockTransport) {
	t.Helper()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", req.Method, req.URL.Path)
		return nil, errors.New("no request expected")
	})
}

// newOfflineClient is newTestClient for the checks of arguments: any
// request it sends fails the test (see forbidRequests).
func newOfflineClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, mt := newTestClient(t, opts...)
	forbidRequests(t, mt)
	return c
}

// assertAPIError checks that err is an *APIError with code for path, and
// returns it for the checks of its other fields.
func assertAPIError(t *testing.T, err error, code int, path string) *APIError {
	t.Helper()
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, code, apiErr.Code)
	assert.Equal(t, path, apiErr.Path)
	return apiErr
}
