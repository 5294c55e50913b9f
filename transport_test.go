package wechat

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
