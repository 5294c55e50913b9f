package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestJSONBodyIsNotHTMLEscaped(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/message/custom/send", fixture(t, "api/ok.json"))
	body := map[string]any{"text": map[string]string{"content": `你好 <a href="https://example.com/?a=1&b=2">link</a>`}}
	require.NoError(t, exec(context.Background(), c, endpoint.CustomSend, nil, body))
	w := rec.only(t)
	assertWire(t, w, "POST", "/cgi-bin/message/custom/send", `{"text":{"content":"你好 <a href=\"https://example.com/?a=1&b=2\">link</a>"}}`)
	assert.Contains(t, string(w.Body), `<a href=\"https://example.com/?a=1&b=2\">`, "raw bytes, no \\u003c escapes")
	assert.Equal(t, userAgent, w.Header.Get("User-Agent"))
}

func TestRequestBaseURLWithPath(t *testing.T) {
	c, mt := newTestClient(t, WithBaseURL(testBase+"/proxy/"))
	rec := stubWith(mt, "GET", "/proxy/cgi-bin/getcallbackip", httpmock.NewBytesResponder(200, fixture(t, "api/getcallbackip.json")))
	require.NoError(t, exec(context.Background(), c, endpoint.CallbackIP, query{{"x", "a b"}}, nil))
	w := rec.only(t)
	assert.Equal(t, "a b", w.Query.Get("x"))
	assert.Equal(t, testToken, w.Query.Get("access_token"))
}

func TestRequestErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		check    func(t *testing.T, err error)
		attempts int
	}{
		{
			name: "errcode", status: 200, body: `{"errcode":45009,"errmsg":"api freq out of limit"}`, attempts: 1,
			check: func(t *testing.T, err error) {
				var e *APIError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, CodeAPIFreqOutOfLimit, e.Code)
				assert.Equal(t, "api freq out of limit", e.Message)
				assert.False(t, e.Temporary(), "only system busy is temporary")
				assert.Equal(t, "/cgi-bin/menu/get", e.Path)
				assert.True(t, errors.Is(err, &APIError{Code: CodeAPIFreqOutOfLimit}))
				assert.False(t, errors.Is(err, &APIError{Code: CodeAPIUnauthorized}))
				assert.False(t, errors.Is(err, ErrTokenInvalid))
				assert.Equal(t, "wechat: /cgi-bin/menu/get: errcode 45009: api freq out of limit", err.Error())
			},
		},
		{
			name: "errcode as a string", status: 200, body: `{"errcode":"48001","errmsg":"api unauthorized"}`, attempts: 1,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, &APIError{Code: CodeAPIUnauthorized})
			},
		},
		{
			name: "system busy is retried on GET", status: 200, body: `{"errcode":-1,"errmsg":"system error"}`, attempts: 3,
			check: func(t *testing.T, err error) {
				var e *APIError
				require.ErrorAs(t, err, &e)
				assert.True(t, e.Temporary())
			},
		},
		{
			name: "5xx is retried on GET", status: 502, body: `bad gateway`, attempts: 3,
			check: func(t *testing.T, err error) {
				var e *HTTPError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 502, e.StatusCode)
				assert.ErrorIs(t, err, ErrUnexpectedResponse)
			},
		},
		{
			name: "4xx", status: 404, body: `not found`, attempts: 1,
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrUnexpectedResponse) },
		},
		{
			name: "not JSON", status: 200, body: `<html>proxy error</html>`, attempts: 1,
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrUnexpectedResponse) },
		},
		{
			name: "wrong JSON type", status: 200, body: `{"menu":"not an object"}`, attempts: 1,
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrUnexpectedResponse) },
		},
	}
	// A reply type that embeds status is decoded in one pass, another
	// after the status: both come to the same verdict.
	decoders := map[string]func(ctx context.Context, c *Client) error{
		"one pass": func(ctx context.Context, c *Client) error {
			_, err := call[struct {
				status
				Menu struct{} `json:"menu"`
			}](ctx, c, endpoint.MenuGet, nil, nil)
			return err
		},
		"status first": func(ctx context.Context, c *Client) error {
			_, err := call[struct {
				Menu struct{} `json:"menu"`
			}](ctx, c, endpoint.MenuGet, nil, nil)
			return err
		},
	}
	for _, tt := range tests {
		for name, decode := range decoders {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				c, mt := newTestClient(t)
				rec := stubWith(mt, "GET", "/cgi-bin/menu/get", httpmock.NewStringResponder(tt.status, tt.body))
				err := decode(context.Background(), c)
				require.Error(t, err)
				tt.check(t, err)
				assert.Len(t, rec.Calls(), tt.attempts, "attempts")
			})
		}
	}
}

func TestRequestGETRetriesThenSucceeds(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stubWith(mt, "GET", "/cgi-bin/getcallbackip", inTurn(
		httpmock.NewErrorResponder(errors.New("connection reset by peer")),
		httpmock.NewBytesResponder(200, fixture(t, "api/getcallbackip.json"))))
	ips, err := c.ListCallbackIPs(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, ips)
	assert.Len(t, rec.Calls(), 2)
}

// A send is never repeated after a failure that may have delivered it.
func TestRequestSendIsNotRetried(t *testing.T) {
	for _, tt := range []struct {
		name      string
		responder httpmock.Responder
	}{
		{"network error", httpmock.NewErrorResponder(errors.New("connection reset by peer"))},
		{"system busy", httpmock.NewStringResponder(200, `{"errcode":-1,"errmsg":"system error"}`)},
		{"5xx", httpmock.NewStringResponder(503, ``)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			rec := stubWith(mt, "POST", "/cgi-bin/message/template/send", tt.responder)
			err := exec(context.Background(), c, endpoint.TemplateSend, nil, map[string]string{"touser": "o"})
			require.Error(t, err)
			assert.Len(t, rec.Calls(), 1)
		})
	}
}

func TestRequestBackoffHonoursContext(t *testing.T) {
	c, mt := newTestClient(t)
	c.retryBase = time.Hour
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", httpmock.NewStringResponder(503, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := exec(ctx, c, endpoint.CallbackIP, nil, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
}

// A body that cannot be encoded fails the same way every time: the call
// returns at once, even on an endpoint that is retried, and nothing is
// sent or reported as an attempt.
func TestRequestUnencodableBodyIsNotRetried(t *testing.T) {
	var logs bytes.Buffer
	var obs attempts
	c := newOfflineClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), WithObserver(obs.observe))
	err := exec(context.Background(), c, endpoint.CallbackCheck, nil, map[string]any{"action": func() {}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "encoding request")
	assert.NotContains(t, logs.String(), "retrying")
	assert.Empty(t, obs.all())
}

func TestRequestTransportErrorIsRedacted(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newTestClient(t, WithLogger(logger))
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", httpmock.NewErrorResponder(errors.New("dial tcp: i/o timeout")))

	err := exec(context.Background(), c, endpoint.CallbackIP, nil, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testToken)
	assert.Contains(t, err.Error(), "access_token=REDACTED")
	assert.Contains(t, err.Error(), "i/o timeout")
	var ue *url.Error
	assert.ErrorAs(t, err, &ue, "still a *url.Error for callers")
	assert.NotContains(t, logs.String(), testToken)
	assert.Contains(t, logs.String(), "retrying")

	// The token fetch carries the app secret in its query string.
	c2, mt2, _, _ := newTokenClient(t, WithLogger(logger))
	mt2.RegisterResponder("GET", testBase+"/cgi-bin/token", httpmock.NewErrorResponder(errors.New("connection refused")))
	_, err = c2.AccessToken(context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testSecret)
	assert.NotContains(t, logs.String(), testSecret)
}

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "https://h/p?access_token=REDACTED&x=1", redactURL("https://h/p?access_token=abc&x=1"))
	assert.Equal(t, "https://h/p?x=1", redactURL("https://h/p?x=1"))
	assert.Equal(t, "[unparsable URL]", redactURL("https://h/p?\x00access_token=abc"))
	// A secret's name in another case is a secret too, as isSecretParam
	// says: a Call query written "Code=" must not show the code.
	assert.Equal(t, "https://h/p?Code=REDACTED&x=1", redactURL("https://h/p?Code=abc&x=1"))
	assert.Equal(t, "https://h/p?ACCESS_TOKEN=REDACTED", redactURL("https://h/p?ACCESS_TOKEN=abc"))
}

func TestRequestResponseTooLarge(t *testing.T) {
	c, mt := newTestClient(t)
	big := `{"errcode":0,"pad":"` + strings.Repeat("x", maxResponseBytes) + `"}`
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", httpmock.NewStringResponder(200, big))
	err := exec(context.Background(), c, endpoint.CallbackIP, nil, nil)
	assert.ErrorIs(t, err, ErrResponseTooLarge)
}

func TestRequestDoesNotFollowRedirects(t *testing.T) {
	c, mt := newTestClient(t)
	var followed atomic.Bool
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(302, "")
		resp.Header.Set("Location", "https://elsewhere.test/steal")
		return resp, nil
	})
	mt.RegisterResponder("GET", "https://elsewhere.test/steal", func(*http.Request) (*http.Response, error) {
		followed.Store(true)
		return httpmock.NewStringResponse(200, "{}"), nil
	})
	err := exec(context.Background(), c, endpoint.CallbackIP, nil, nil)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 302, he.StatusCode)
	assert.False(t, followed.Load())
}

func TestStream(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		wantBody    string
		wantJSON    string
		wantCode    int
	}{
		{name: "binary", contentType: "image/jpeg", body: "\xff\xd8\xff\xe0JPEG", wantBody: "\xff\xd8\xff\xe0JPEG"},
		{name: "JSON error", contentType: "application/json", body: `{"errcode":40007,"errmsg":"invalid media_id"}`, wantCode: 40007},
		{name: "JSON error as text/plain", contentType: "text/plain", body: `{"errcode":40007,"errmsg":"invalid media_id"}`, wantCode: 40007},
		{name: "JSON success", contentType: "text/plain", body: `{"video_url":"http://example.com/v.mp4"}`, wantJSON: `{"video_url":"http://example.com/v.mp4"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			mt.RegisterResponder("GET", testBase+"/cgi-bin/media/get", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(200, tt.body)
				resp.Header.Set("Content-Type", tt.contentType)
				resp.Header.Set("Content-Disposition", `attachment; filename="a.jpg"`)
				return resp, nil
			})
			res, doc, err := download(context.Background(), c, endpoint.MediaGet, nil, nil)
			if tt.wantCode != 0 {
				var e *APIError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tt.wantCode, e.Code)
				return
			}
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantBody, string(b))
			if tt.wantJSON != "" {
				assert.JSONEq(t, tt.wantJSON, string(doc))
			} else {
				assert.Nil(t, doc)
				assert.Equal(t, "a.jpg", res.Filename)
				assert.Equal(t, tt.contentType, res.ContentType)
			}
		})
	}
}

func TestStreamBodyNotReplayable(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stubWith(mt, "POST", "/cgi-bin/media/upload", httpmock.NewStringResponder(200, `{"errcode":40001,"errmsg":"invalid credential"}`))
	mt.RegisterResponder("GET", testBase+"/cgi-bin/token", httpmock.NewStringResponder(200, `{"access_token":"fresh","expires_in":7200}`))
	err := exec(context.Background(), c, endpoint.MediaUpload, nil, &onceBody{})
	assert.ErrorIs(t, err, errBodyNotReplayable)
	assert.ErrorIs(t, err, ErrTokenInvalid, "the rejection that needed the resend")
	assert.Len(t, rec.Calls(), 1)
}

// onceBody is a streamed body that cannot be sent a second time.
type onceBody struct{ used bool }

func (b *onceBody) open() (io.Reader, string, error) {
	if b.used {
		return nil, "", errBodyNotReplayable
	}
	b.used = true
	return strings.NewReader("data"), "application/octet-stream", nil
}

// Every WeChat JSON reply is an object. A reply that is valid JSON but not
// an object (a proxy's null, an empty array) is not a success, whether or
// not the caller decodes a result; a download of such a document is a file.
func TestRequestNonObjectJSONIsUnexpected(t *testing.T) {
	for _, body := range []string{`null`, ` null `, `[]`, `[{"errcode":0}]`, `"x"`, `5`, `true`, `false`} {
		t.Run(body, func(t *testing.T) {
			c, mt := newTestClient(t)
			stub(mt, "GET", "/cgi-bin/getcallbackip", []byte(body))
			stub(mt, "POST", "/cgi-bin/menu/create", []byte(body))

			_, err := c.ListCallbackIPs(context.Background())
			require.ErrorIs(t, err, ErrUnexpectedResponse, "with a result to decode")
			assert.Contains(t, err.Error(), "/cgi-bin/getcallbackip")
			err = exec(context.Background(), c, endpoint.MenuCreate, nil, map[string]string{})
			require.ErrorIs(t, err, ErrUnexpectedResponse, "without a result")

			// A media download whose body happens to be this JSON
			// text is returned as it is.
			mt.RegisterResponder("GET", testBase+"/cgi-bin/media/get", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(200, body)
				resp.Header.Set("Content-Type", "text/plain")
				return resp, nil
			})
			res, doc, err := download(context.Background(), c, endpoint.MediaGet, nil, nil)
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, body, string(b))
			assert.Nil(t, doc)
		})
	}
}

// API calls go to the http.Client's Transport without Client.Do when Do
// would add nothing (Client.roundTrip). These tests hold that path to
// what Do does: its Timeout, its cookie Jar, basic authentication from
// the base URL, and its handling of a misbehaving RoundTripper.

// transportFunc is an http.RoundTripper.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func okReply(r *http.Request, body io.ReadCloser) *http.Response {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Request: r}
}

// ctxBody is a reply body that blocks until its request's context ends.
type ctxBody struct{ ctx context.Context }

func (b ctxBody) Read([]byte) (int, error) { <-b.ctx.Done(); return 0, b.ctx.Err() }
func (b ctxBody) Close() error             { return nil }

// The http.Client's Timeout bounds each attempt, whether WeChat stalls
// before its headers or in the middle of its body, and an attempt that
// timed out is retried where the endpoint allows it.
func TestHTTPClientTimeoutBoundsAttempt(t *testing.T) {
	stalls := map[string]transportFunc{
		"headers": func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		},
		"body": func(r *http.Request) (*http.Response, error) {
			return okReply(r, ctxBody{r.Context()}), nil
		},
	}
	for name, stall := range stalls {
		t.Run(name, func(t *testing.T) {
			var attempts atomic.Int64
			rt := transportFunc(func(r *http.Request) (*http.Response, error) {
				attempts.Add(1)
				return stall(r)
			})
			c, _ := newTestClient(t, WithHTTPClient(&http.Client{Transport: rt, Timeout: 20 * time.Millisecond}))
			// The guard only keeps a broken build from hanging.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := exec(ctx, c, endpoint.CallbackIP, nil, nil)
			assert.Less(t, time.Since(start), 5*time.Second)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			if name == "headers" {
				var ue *url.Error
				require.ErrorAs(t, err, &ue)
				assert.True(t, ue.Timeout())
				assert.Equal(t, "Get", ue.Op)
				assert.NotContains(t, ue.URL, testToken)
			}
			if name == "headers" {
				assert.EqualValues(t, 1+maxRetries, attempts.Load(), "an attempt without an answer is retried")
			}
		})
	}
}

// A cookie Jar on the http.Client is honoured: its cookies go out.
func TestHTTPClientJarIsHonoured(t *testing.T) {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	base, _ := url.Parse(testBase)
	jar.SetCookies(base, []*http.Cookie{{Name: "route", Value: "b7"}})
	var cookie string
	rt := transportFunc(func(r *http.Request) (*http.Response, error) {
		cookie = r.Header.Get("Cookie")
		return okReply(r, io.NopCloser(strings.NewReader(`{"ip_list":["1.2.3.4"]}`))), nil
	})
	c, _ := newTestClient(t, WithHTTPClient(&http.Client{Transport: rt, Jar: jar}))
	_, err = c.ListCallbackIPs(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "route=b7", cookie)
}

// A password in the base URL is sent as basic authentication, and never
// shown.
func TestBaseURLPasswordIsBasicAuth(t *testing.T) {
	var user, pass string
	var ok bool
	rt := transportFunc(func(r *http.Request) (*http.Response, error) {
		user, pass, ok = r.BasicAuth()
		return nil, errors.New("proxy down")
	})
	c, _ := newTestClient(t, WithHTTPClient(&http.Client{Transport: rt}), WithBaseURL("https://relay:s3cret@proxy.example.com/wx"))
	err := c.SendText(t.Context(), "o", "hi")
	require.Error(t, err)
	assert.True(t, ok, "basic authentication sent")
	assert.Equal(t, "relay", user)
	assert.Equal(t, "s3cret", pass)
	assert.NotContains(t, err.Error(), "s3cret")
	assert.NotContains(t, err.Error(), testToken)
}

// A RoundTripper that returns neither a response nor an error, or a
// response without a body, is an error of the call, not a panic.
func TestMisbehavingRoundTripper(t *testing.T) {
	for name, rt := range map[string]transportFunc{
		"nil response": func(*http.Request) (*http.Response, error) { return nil, nil },
		"nil body":     func(r *http.Request) (*http.Response, error) { return okReply(r, nil), nil },
		"both": func(r *http.Request) (*http.Response, error) {
			return okReply(r, io.NopCloser(strings.NewReader("{}"))), errors.New("broken")
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, WithHTTPClient(&http.Client{Transport: rt}))
			_, err := c.SendTemplateMessage(t.Context(), &TemplateMessage{ToUser: "o", TemplateID: "t"})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
		})
	}
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
