package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lateBodyTransport answers an upload before reading its body, as a
// gateway that checks the token first may, and reads the body only when
// told to: http.RoundTripper allows a transport to go on reading a
// request body after RoundTrip has returned, and net/http's Transport
// does when a server answers early. The first upload is answered with
// first, every later one is read whole and answered with ok.
type lateBodyTransport struct {
	first string
	// readLate is closed when the first body is to be read.
	readLate chan struct{}
	// lateDone is closed once the first body has been read and closed.
	lateDone chan struct{}

	mu     sync.Mutex
	n      int
	bodies [][]byte // of the later uploads
}

func newLateBodyTransport(first string) *lateBodyTransport {
	return &lateBodyTransport{first: first, readLate: make(chan struct{}), lateDone: make(chan struct{})}
}

func (t *lateBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	reply := func(body string) *http.Response {
		return &http.Response{
			StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
		}
	}
	if req.URL.Path == "/cgi-bin/token" {
		return reply(`{"access_token":"fresh","expires_in":7200}`), nil
	}
	t.mu.Lock()
	t.n++
	n := t.n
	t.mu.Unlock()
	if n == 1 {
		go func() {
			defer close(t.lateDone)
			<-t.readLate
			_, _ = io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}()
		return reply(t.first), nil
	}
	// The second upload arrives while the first body is still unread:
	// let the first be read now, and give it a head start on this one.
	close(t.readLate)
	time.Sleep(20 * time.Millisecond)
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.bodies = append(t.bodies, data)
	t.mu.Unlock()
	return reply(`{"type":"image","media_id":"MEDIA","created_at":1}`), nil
}

// An upload resent after a token rejection sends the whole file again,
// even when the transport is still reading the first attempt's body: the
// first attempt's writer must not keep reading the file the resend
// rewinds.
func TestUploadResendWhileFirstBodyIsStillRead(t *testing.T) {
	lt := newLateBodyTransport(`{"errcode":40001,"errmsg":"invalid credential"}`)
	c, err := New(WithAppID(testAppID), WithAppSecret(testSecret), WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: lt}))
	require.NoError(t, err)
	file := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	err = exec(context.Background(), c, endpoint.MediaUpload, nil, newUpload("media", "a.jpg", bytes.NewReader(file), nil))
	require.NoError(t, err)
	<-lt.lateDone
	require.Len(t, lt.bodies, 1)
	_, _, _, _, data := parseUpload(t, wire{Header: http.Header{"Content-Type": {lastUploadType(t, lt)}}, Body: lt.bodies[0]})
	assert.Equal(t, len(file), len(data), "bytes of the file in the resent upload")
	assert.True(t, bytes.Equal(file, data), "the resent upload carries the file as it is")
}

// lastUploadType recovers the multipart boundary of the recorded body:
// the transport keeps bodies only.
func lastUploadType(t *testing.T, lt *lateBodyTransport) string {
	t.Helper()
	b := lt.bodies[len(lt.bodies)-1]
	line, _, ok := bytes.Cut(b, []byte("\r\n"))
	require.True(t, ok)
	return "multipart/form-data; boundary=" + strings.TrimPrefix(string(line), "--")
}

// countingReader counts the reads made of it after returned is set.
type countingReader struct {
	r         *bytes.Reader
	returned  *atomic.Bool
	lateReads *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	if r.returned.Load() {
		r.lateReads.Add(1)
	}
	return r.r.Read(p)
}

func (r countingReader) Seek(off int64, whence int) (int64, error) { return r.r.Seek(off, whence) }

// Once an upload method has returned, the caller's reader is the
// caller's again: nothing of the Client reads it behind the caller's
// back, even when the transport reads the request body late.
func TestUploadReaderNotReadAfterReturn(t *testing.T) {
	lt := newLateBodyTransport(`{"type":"image","media_id":"MEDIA","created_at":1}`)
	c, err := New(WithAppID(testAppID), WithAppSecret(testSecret), WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: lt}))
	require.NoError(t, err)
	var returned atomic.Bool
	var lateReads atomic.Int64
	r := countingReader{r: bytes.NewReader(make([]byte, 1<<20)), returned: &returned, lateReads: &lateReads}
	err = exec(context.Background(), c, endpoint.MediaUpload, nil, newUpload("media", "a.jpg", r, nil))
	require.NoError(t, err)
	returned.Store(true)
	close(lt.readLate)
	<-lt.lateDone
	assert.Zero(t, lateReads.Load(), "reads of the caller's reader after the call returned")
}

// A RoundTripper that delegates to an http.Client (retry wrappers do)
// returns that client's *url.Error, whose URL holds the access_token, or
// an error of its own that prints the URL: the Client wraps either in a
// *url.Error of its own, and hiding only that one's URL would leave the
// token, or the app secret of cgi-bin/token, in the text of the error,
// of the log line and of the observed attempt.
func TestTransportErrorQuotingTheURLIsRedacted(t *testing.T) {
	inner := map[string]transportFunc{
		"url.Error": func(req *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: "Get", URL: req.URL.String(), Err: timeoutError{}}
		},
		"wrapped": func(req *http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("%s %s giving up after 3 attempt(s): %w", req.Method, req.URL, timeoutError{})
		},
	}
	for name, rt := range inner {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			var attempts []Attempt
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, _ := newTestClient(t, WithHTTPClient(&http.Client{Transport: rt}), WithLogger(logger),
				WithObserver(func(_ context.Context, a Attempt) { attempts = append(attempts, a) }))
			err := exec(t.Context(), c, endpoint.CallbackIP, nil, nil)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
			assert.Contains(t, err.Error(), "REDACTED")
			var ue *url.Error
			require.ErrorAs(t, err, &ue, "still a *url.Error for callers")
			if name == "url.Error" {
				assert.True(t, ue.Timeout(), "Timeout still reports the transport's timeout")
			}
			var te timeoutError
			assert.ErrorAs(t, err, &te, "the transport's error is still in the chain")
			assert.NotContains(t, logs.String(), testToken)
			require.NotEmpty(t, attempts)
			for _, a := range attempts {
				assert.NotContains(t, a.Err.Error(), testToken)
			}

			c2, err := New(WithAppID(testAppID), WithAppSecret(testSecret), WithBaseURL(testBase),
				WithHTTPClient(&http.Client{Transport: rt}), WithLogger(logger))
			require.NoError(t, err)
			c2.retryBase = time.Millisecond
			_, err = c2.AccessToken(t.Context())
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testSecret)
			assert.NotContains(t, logs.String(), testSecret)
		})
	}
}

// timeoutError is a network timeout, as net reports one.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// The password of a base URL is hidden as the token is, when a
// transport's error quotes the URL it was given.
func TestTransportErrorQuotingTheURLHidesBaseURLPassword(t *testing.T) {
	rt := transportFunc(func(req *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("%s %s giving up after 3 attempt(s): %w", req.Method, req.URL, timeoutError{})
	})
	c, _ := newTestClient(t, WithHTTPClient(&http.Client{Transport: rt}), WithBaseURL("https://relay:s3cret@api.test"))
	err := exec(t.Context(), c, endpoint.CallbackIP, nil, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
	assert.NotContains(t, err.Error(), testToken)
}

// A read whose upload cannot be sent again (OCR of an image read from a
// stream) and whose first attempt failed in a way that is retried (-1, a
// 5xx) returns that failure, which the caller can inspect: not only the
// body that could not be sent again, which hides what WeChat said.
func TestRetryOfUnreplayableBodyKeepsTheFailure(t *testing.T) {
	for name, first := range map[string]httpmock.Responder{
		"system busy": httpmock.NewBytesResponder(200, systemBusy),
		"HTTP 503":    httpmock.NewStringResponder(503, "busy"),
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := newTestClient(t)
			rec := stubWith(mt, "POST", "/cv/ocr/comm", first)
			err := exec(t.Context(), c, endpoint.OCRPrintedText, nil, &onceBody{})
			assert.ErrorIs(t, err, errBodyNotReplayable)
			var apiErr *APIError
			var httpErr *HTTPError
			assert.True(t, errors.As(err, &apiErr) && apiErr.Temporary() || errors.As(err, &httpErr) && httpErr.StatusCode == 503,
				"the failure that asked for the retry is in %v", err)
			assert.Len(t, rec.Calls(), 1)
		})
	}
}
