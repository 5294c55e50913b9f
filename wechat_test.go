package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The EncodingAESKey of the official message-encryption sample.
const sampleAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		ok   bool
	}{
		{"valid AES key", WithEncodingAESKey(sampleAESKey), true},
		{"AES key too short", WithEncodingAESKey(sampleAESKey[:42]), false},
		{"AES key too long", WithEncodingAESKey(sampleAESKey + "A"), false},
		{"AES key not base64", WithEncodingAESKey("!bcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), false},
		{"previous AES key checked too", WithPreviousEncodingAESKey("short"), false},
		{"base URL", WithBaseURL("http://127.0.0.1:8080/"), true},
		{"relative base URL", WithBaseURL("/api"), false},
		{"base URL without scheme", WithBaseURL("api.weixin.qq.com"), false},
		{"nil HTTP client", WithHTTPClient(nil), false},
		{"nil store", WithTokenStore(nil), false},
		{"nil logger", WithLogger(nil), false},
		{"zero body cap", WithMaxBodyBytes(0), false},
		{"negative reply timeout", WithReplyTimeout(-time.Second), false},
		{"zero handler timeout", WithHandlerTimeout(0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opt)
			if tt.ok {
				require.NoError(t, err)
				assert.NotNil(t, c)
				return
			}
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.Nil(t, c)
			assert.NotContains(t, fmt.Sprint(err), "bcdefghijklmnopqrstuvwxyz", "the key must not be echoed")
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.baseURL.String())
	assert.Equal(t, DefaultTimeout, c.httpClient.Timeout, "the default HTTP client has a timeout")
	assert.NotNil(t, c.httpClient.CheckRedirect, "redirects are not followed")
	assert.IsType(t, &MemoryStore{}, c.store)
	assert.False(t, c.CheckSignature("x", "1", "2"), "no token configured: nothing verifies")
}

func TestWithClock(t *testing.T) {
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }
	c, err := New(WithClock(clock), WithAccessToken("seeded", now.Add(time.Hour)))
	require.NoError(t, err)
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "seeded", tok.Value)

	// The default store reads the Client's clock: an hour on, the seed
	// has expired and a fetch needs the AppID.
	now = now.Add(time.Hour)
	_, err = c.AccessToken(context.Background())
	assert.ErrorIs(t, err, ErrMissingConfig)

	// A store of the caller's keeps its own clock.
	own := NewMemoryStore()
	_, err = New(WithClock(clock), WithTokenStore(own))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), own.now(), time.Minute)

	c, err = New(WithClock(nil))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), c.now(), time.Minute)
}

func TestWithHTTPClientDoesNotModifyCallersClient(t *testing.T) {
	hc := &http.Client{}
	c, err := New(WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Nil(t, hc.CheckRedirect)
	assert.NotNil(t, c.httpClient.CheckRedirect)
}

func TestClientPrintsNoSecrets(t *testing.T) {
	c, err := New(WithAppID(testAppID), WithAppSecret(testSecret), WithServerToken("server-token-x"),
		WithEncodingAESKey(sampleAESKey), WithAccessToken(testToken, farFuture))
	require.NoError(t, err)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, *c} {
			out := fmt.Sprintf(format, v)
			for _, secret := range []string{testSecret, "server-token-x", testToken} {
				assert.NotContains(t, out, secret, format)
			}
		}
	}
	assert.Contains(t, c.String(), testAppID)
}

func TestAccessTokenErrorsAreContextErrors(t *testing.T) {
	c, _ := newTestClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := exec(ctx, c, endpoint.CallbackIP, nil, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

// A caller's CheckRedirect that follows redirects must not take the
// access_token (or, for cgi-bin/token, the app secret) to another host:
// the Client's copy of the HTTP client never follows them.
func TestWithHTTPClientNeverFollowsRedirects(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = io.WriteString(w, `{"access_token":"stolen","expires_in":7200,"ip_list":[]}`)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal?"+r.URL.RawQuery, http.StatusFound)
	}))
	defer api.Close()

	var asked atomic.Int64
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		asked.Add(1)
		return nil // follow every redirect
	}}
	for name, opts := range map[string][]Option{
		"API call":    {WithAccessToken(testToken, farFuture)},
		"token fetch": nil,
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(append([]Option{WithAppID(testAppID), WithAppSecret(testSecret), WithBaseURL(api.URL), WithHTTPClient(hc)}, opts...)...)
			require.NoError(t, err)
			c.retryBase = time.Millisecond
			_, err = c.ListCallbackIPs(context.Background())
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, http.StatusFound, he.StatusCode)
			assert.Zero(t, elsewhere.Load(), "the second host saw a request")
			assert.Zero(t, asked.Load(), "the caller's CheckRedirect was consulted")
		})
	}
	assert.NotNil(t, hc.CheckRedirect, "the caller's client is left as it was")
}

// A proxy's password in the base URL is a secret like any other: the
// Client prints the redacted form, and neither errors nor log lines carry
// it.
func TestBaseURLPasswordIsRedacted(t *testing.T) {
	const pass = "PROXY_PASS_do_not_leak"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newTestClient(t, WithBaseURL("https://user:"+pass+"@proxy.test/wx"), WithLogger(logger))

	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, *c} {
			out := fmt.Sprintf(format, v)
			assert.NotContains(t, out, pass, format)
			assert.Contains(t, out, "https://user:xxxxx@proxy.test/wx", format)
		}
	}

	// A network error, retried and logged; then an HTTP status error.
	mt.RegisterResponder("GET", "https://user:"+pass+"@proxy.test/wx/cgi-bin/getcallbackip",
		httpmock.NewErrorResponder(errors.New("proxy refused the connection")))
	mt.RegisterResponder("GET", "https://proxy.test/wx/cgi-bin/getcallbackip",
		httpmock.NewErrorResponder(errors.New("proxy refused the connection")))
	_, err := c.ListCallbackIPs(context.Background())
	require.Error(t, err)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.NotContains(t, err.Error(), pass)
	assert.NotContains(t, ue.URL, pass)
	assert.NotContains(t, err.Error(), testToken)
	assert.Contains(t, err.Error(), "proxy refused the connection")
	assert.Contains(t, logs.String(), "retrying")
	assert.NotContains(t, logs.String(), pass)

	// An invalid base URL is refused without echoing its password.
	for _, bad := range []string{"ftp://user:" + pass + "@proxy.test", "https://user:" + pass + "@/nohost", "https://user:" + pass + "@proxy.test/%zz"} {
		_, err := New(WithBaseURL(bad))
		require.ErrorIs(t, err, ErrInvalidConfig, bad)
		assert.NotContains(t, err.Error(), pass, bad)
	}
}

// redactURL hides the password of a URL's user info as well as secret
// query parameters.
func TestRedactURLUserInfo(t *testing.T) {
	assert.Equal(t, "https://u:xxxxx@h/p?x=1", redactURL("https://u:PASS@h/p?x=1"))
	assert.Equal(t, "https://u:xxxxx@h/p?access_token=REDACTED&x=1", redactURL("https://u:PASS@h/p?access_token=abc&x=1"))
	assert.Equal(t, "https://u@h/p", redactURL("https://u@h/p"))
}

// An option New refuses says which value it refused, and a valid one
// reaches the Client.
func TestOptionErrorsNameTheValue(t *testing.T) {
	for _, tt := range []struct {
		opt  Option
		want string
	}{
		{WithMaxBodyBytes(-1), "max body bytes -1 is not positive"},
		{WithReplyTimeout(0), "reply timeout 0s is not positive"},
		{WithHandlerTimeout(-time.Second), "handler timeout -1s is not positive"},
		{WithLogger(nil), "nil logger"},
		{WithTokenStore(nil), "nil TokenStore"},
		{WithPreviousEncodingAESKey("bad"), "EncodingAESKey must be 43 characters"},
	} {
		_, err := New(tt.opt)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		assert.ErrorContains(t, err, tt.want)
	}
	store := NewMemoryStore()
	c, err := New(WithMaxBodyBytes(7), WithReplyTimeout(time.Second), WithHandlerTimeout(time.Minute),
		WithTokenStore(store), WithAppID(" wx1 "), WithPreviousServerToken(" old "), WithPreviousEncodingAESKey(sampleAESKey))
	require.NoError(t, err)
	assert.EqualValues(t, 7, c.maxBodyBytes)
	assert.Equal(t, time.Second, c.replyTimeout)
	assert.Equal(t, time.Minute, c.handlerTimeout)
	assert.Same(t, store, c.store)
	assert.Equal(t, "wx1", c.appID)
	assert.Equal(t, "old", c.prevToken)
	assert.Len(t, c.prevAESKey, 32)
}

// An empty EncodingAESKey or token, as os.Getenv gives for a variable that
// is not set, means "not set": a plain-mode account builds its Client
// from the README's Quick start.
func TestEmptySettingsMeanUnset(t *testing.T) {
	c, err := New(WithAppID("wx1"), WithServerToken("t"), WithEncodingAESKey(""), WithPreviousEncodingAESKey(""))
	require.NoError(t, err)
	assert.Empty(t, c.aesKey)
	assert.Empty(t, c.prevAESKey)
	assert.Contains(t, c.String(), "EncodingAESKey:[unset]")

	// A plain push to it is accepted: it is in plain mode.
	c.now = func() time.Time { return webhookNow }
	h := echoHandler()
	rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery("t", nowTS, "2"), fixture(t, "inbound/text.xml"))
	assert.Equal(t, 200, rec.Code)
	assert.Len(t, h.calls(), 1)

	// Spaces around a key pasted from the console are not part of it.
	c, err = New(WithEncodingAESKey(" abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n"))
	require.NoError(t, err)
	assert.Len(t, c.aesKey, 32)
}
