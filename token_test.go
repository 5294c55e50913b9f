package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTokenClient returns a Client with an empty cache, a stubbed clock and
// a token endpoint that issues "token-1", "token-2", … for 7200 s.
func newTokenClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport, *atomic.Int64, *clock) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	store := NewMemoryStore()
	clk := &clock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	store.now = clk.Now
	c, err := New(append([]Option{
		WithAppID(testAppID), WithAppSecret(testSecret),
		WithHTTPClient(&http.Client{Transport: mt}), WithBaseURL(testBase),
		WithTokenStore(store),
	}, opts...)...)
	require.NoError(t, err)
	c.now = clk.Now
	c.retryBase = time.Millisecond
	var n atomic.Int64
	mt.RegisterResponder("GET", testBase+"/cgi-bin/token", func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()
		if q.Get("grant_type") != "client_credential" || q.Get("appid") != testAppID || q.Get("secret") != testSecret {
			return httpmock.NewStringResponse(200, `{"errcode":40125,"errmsg":"invalid appsecret"}`), nil
		}
		i := n.Add(1)
		return httpmock.NewJsonResponse(200, map[string]any{"access_token": tokenN(i), "expires_in": 7200})
	})
	return c, mt, &n, clk
}

func tokenN(i int64) string { return "token-" + string(rune('0'+i)) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAccessTokenFetchThenCache(t *testing.T) {
	c, _, n, clk := newTokenClient(t)
	ctx := context.Background()

	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "token-1", tok.Value)
	// The expiry keeps a margin of 5 minutes plus up to 75 s of jitter.
	life := tok.ExpiresAt.Sub(clk.Now())
	assert.LessOrEqual(t, life, 7200*time.Second-5*time.Minute)
	assert.GreaterOrEqual(t, life, 7200*time.Second-5*time.Minute-75*time.Second)

	tok2, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "token-1", tok2.Value)
	assert.EqualValues(t, 1, n.Load(), "second call must be served from cache")
}

func TestAccessTokenExpiry(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		want    string
	}{
		{"well before expiry", time.Hour, "token-1"},
		{"inside the safety margin", 7200*time.Second - 4*time.Minute, "token-2"},
		{"after expiry", 3 * time.Hour, "token-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _, clk := newTokenClient(t)
			_, err := c.AccessToken(context.Background())
			require.NoError(t, err)
			clk.Advance(tt.advance)
			tok, err := c.AccessToken(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, tok.Value)
		})
	}
}

func TestAccessTokenConcurrentCallersShareOneFetch(t *testing.T) {
	c, mt, _, _ := newTokenClient(t)
	release := make(chan struct{})
	rec := stubWith(mt, "GET", "/cgi-bin/token", func(*http.Request) (*http.Response, error) {
		<-release
		return httpmock.NewJsonResponse(200, map[string]any{"access_token": "shared", "expires_in": 7200})
	})
	const n = 100
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.AccessToken(context.Background())
			got[i], errs[i] = tok.Value, err
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the callers pile up behind the fetch
	close(release)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, "shared", got[i])
	}
	assert.Len(t, rec.Calls(), 1, "upstream token requests")
}

func TestAccessTokenCancelledCallerDoesNotAbortSharedFetch(t *testing.T) {
	c, mt, _, _ := newTokenClient(t)
	started := make(chan struct{})
	release := make(chan struct{})
	rec := stubWith(mt, "GET", "/cgi-bin/token", func(req *http.Request) (*http.Response, error) {
		close(started)
		select {
		case <-release:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		return httpmock.NewJsonResponse(200, map[string]any{"access_token": "survivor", "expires_in": 7200})
	})

	ctx1, cancel1 := context.WithCancel(context.Background())
	err1 := make(chan error, 1)
	go func() {
		_, err := c.AccessToken(ctx1)
		err1 <- err
	}()
	<-started
	got2 := make(chan string, 1)
	go func() {
		tok, _ := c.AccessToken(context.Background())
		got2 <- tok.Value
	}()
	cancel1()
	select {
	case err := <-err1:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(2 * time.Second):
		t.Fatal("cancelled caller did not return promptly")
	}
	close(release)
	assert.Equal(t, "survivor", <-got2)
	assert.Len(t, rec.Calls(), 1)
}

func TestAccessTokenCancelledContext(t *testing.T) {
	c, mt, _, _ := newTokenClient(t)
	mt.RegisterResponder("GET", testBase+"/cgi-bin/token", func(req *http.Request) (*http.Response, error) {
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := c.AccessToken(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), time.Second)

	_, err = c.AccessToken(ctx) // already cancelled
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAccessTokenEndpointError(t *testing.T) {
	c, err := New(WithAppID(testAppID), WithAppSecret("wrong"), WithBaseURL(testBase))
	require.NoError(t, err)
	mt := httpmock.NewMockTransport()
	c.httpClient = &http.Client{Transport: mt}
	mt.RegisterResponder("GET", testBase+"/cgi-bin/token",
		httpmock.NewStringResponder(200, `{"errcode":40125,"errmsg":"invalid appsecret, rid: 6645a1b2-1c2d3e4f-5a6b7c8d"}`))

	_, err = c.AccessToken(context.Background())
	apiErr := assertAPIError(t, err, CodeInvalidAppSecret, "/cgi-bin/token")
	assert.Equal(t, "6645a1b2-1c2d3e4f-5a6b7c8d", apiErr.RID)
	assert.NotContains(t, err.Error(), "wrong", "the secret must not appear in the error")
}

func TestAccessTokenMissingConfig(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"no app id", []Option{WithAppSecret("s")}, "WithAppID"},
		{"no secret", []Option{WithAppID("wx")}, "WithAppSecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts...)
			require.NoError(t, err)
			_, err = c.AccessToken(context.Background())
			require.ErrorIs(t, err, ErrMissingConfig)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAPICallRefreshesOnceOnTokenError(t *testing.T) {
	for _, code := range []int{CodeInvalidCredential, CodeInvalidAccessToken, CodeAccessTokenExpired} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			c, mt, n, _ := newTokenClient(t)
			errBody, _ := json.Marshal(map[string]any{"errcode": code, "errmsg": "token rejected"})
			rec := stubSeq(mt, "GET", "/cgi-bin/get_api_domain_ip", errBody, []byte(`{"ip_list":["1.2.3.4"]}`))

			ips, err := c.ListAPIDomainIPs(context.Background())
			require.NoError(t, err)
			assert.Equal(t, []string{"1.2.3.4"}, ips)
			calls := rec.Calls()
			require.Len(t, calls, 2)
			assert.Equal(t, "token-1", calls[0].Query.Get("access_token"))
			assert.Equal(t, "token-2", calls[1].Query.Get("access_token"))
			assert.EqualValues(t, 2, n.Load())
		})
	}
}

// The resend after a token rejection is not one of the retries: a read
// rejected once and then met by two 5xx still gets its two retries.
func TestTokenResendIsNotARetry(t *testing.T) {
	c, mt, n, _ := newTokenClient(t)
	rec := stubWith(mt, "GET", "/cgi-bin/getcallbackip", inTurn(
		httpmock.NewStringResponder(200, `{"errcode":40001,"errmsg":"invalid credential"}`),
		httpmock.NewStringResponder(502, "bad gateway"),
		httpmock.NewStringResponder(503, "unavailable"),
		httpmock.NewStringResponder(200, `{"ip_list":["1.2.3.4"]}`)))
	ips, err := c.ListCallbackIPs(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"1.2.3.4"}, ips)
	calls := rec.Calls()
	require.Len(t, calls, 4, "the rejected attempt, the resend and two retries")
	assert.Equal(t, "token-1", calls[0].Query.Get("access_token"))
	for _, w := range calls[1:] {
		assert.Equal(t, "token-2", w.Query.Get("access_token"))
	}
	assert.EqualValues(t, 2, n.Load(), "one refresh")
}

func TestAPICallTokenErrorTwiceDoesNotLoop(t *testing.T) {
	c, mt, n, _ := newTokenClient(t)
	rec := stub(mt, "POST", "/cgi-bin/message/custom/send", fixture(t, "api/errors/40001_invalid_credential_rid.json"))

	err := exec(context.Background(), c, endpoint.CustomSend, nil, map[string]string{"touser": "o1"})
	apiErr := assertAPIError(t, err, CodeInvalidCredential, "/cgi-bin/message/custom/send")
	assert.ErrorIs(t, err, ErrTokenInvalid)
	assert.Equal(t, "60a47f32-6c752146-08923d1f", apiErr.RID)
	assert.Len(t, rec.Calls(), 2, "one call and one retry")
	assert.EqualValues(t, 2, n.Load(), "one refresh")
	// The retry carries the same body.
	assert.Equal(t, rec.Calls()[0].Body, rec.Calls()[1].Body)
}

func TestConcurrentTokenErrorsCauseOneRefresh(t *testing.T) {
	c, mt, n, _ := newTokenClient(t)
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("access_token") == "token-1" {
			return httpmock.NewStringResponse(200, `{"errcode":40001,"errmsg":"invalid credential"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"ip_list":[]}`), nil
	})
	_, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, exec(context.Background(), c, endpoint.CallbackIP, nil, nil))
		}()
	}
	wg.Wait()
	// Invalidate only removes token-1 while it is still cached, so the
	// burst of 40001s leads to a single new token.
	assert.EqualValues(t, 2, n.Load())
}

func TestMemoryStoreInvalidateKeepsNewerToken(t *testing.T) {
	s := NewMemoryStore()
	ctx := context.Background()
	fetch := func(v string) FetchFunc {
		return func(context.Context) (Token, error) {
			return Token{Value: v, ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
	}
	_, err := s.Token(ctx, "k", fetch("new"))
	require.NoError(t, err)
	require.NoError(t, s.Invalidate(ctx, "k", "old")) // a stale failure report
	tok, err := s.Token(ctx, "k", fetch("unwanted"))
	require.NoError(t, err)
	assert.Equal(t, "new", tok.Value)

	require.NoError(t, s.Invalidate(ctx, "k", "new"))
	tok, err = s.Token(ctx, "k", fetch("newer"))
	require.NoError(t, err)
	assert.Equal(t, "newer", tok.Value)
}

func TestMemoryStoreFetchError(t *testing.T) {
	s := NewMemoryStore()
	boom := errors.New("boom")
	_, err := s.Token(context.Background(), "k", func(context.Context) (Token, error) { return Token{}, boom })
	assert.ErrorIs(t, err, boom)
}

func TestMemoryStoreWithClock(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	s := NewMemoryStoreWithClock(clk.Now)
	n := 0
	fetch := func(context.Context) (Token, error) {
		n++
		return Token{Value: "t", ExpiresAt: clk.Now().Add(time.Hour)}, nil
	}
	_, err := s.Token(ctx, "k", fetch)
	require.NoError(t, err)
	_, err = s.Token(ctx, "k", fetch)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	clk.Advance(time.Hour)
	_, err = s.Token(ctx, "k", fetch)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "fetched again once the store's clock passed the expiry")
	assert.NotNil(t, NewMemoryStoreWithClock(nil).now)
}

func TestSeededAccessToken(t *testing.T) {
	c, mt, n, clk := newTokenClient(t, WithAccessToken("seeded", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)))
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "seeded", tok.Value)
	assert.EqualValues(t, 0, n.Load())

	// Once WeChat rejects the seed it never comes back.
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("access_token") == "seeded" {
			return httpmock.NewStringResponse(200, `{"errcode":42001,"errmsg":"access_token expired"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"ip_list":[]}`), nil
	})
	require.NoError(t, exec(context.Background(), c, endpoint.CallbackIP, nil, nil))
	assert.EqualValues(t, 1, n.Load())

	// An expired seed is ignored.
	c2, _, n2, _ := newTokenClient(t, WithAccessToken("old", clk.Now().Add(-time.Minute)))
	tok, err = c2.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "token-1", tok.Value)
	assert.EqualValues(t, 1, n2.Load())
}

func TestRefreshAccessToken(t *testing.T) {
	c, _, n, _ := newTokenClient(t)
	ctx := context.Background()
	tok, err := c.RefreshAccessToken(ctx) // empty cache: one fetch, not two
	require.NoError(t, err)
	assert.Equal(t, "token-1", tok.Value)
	assert.EqualValues(t, 1, n.Load())

	tok, err = c.RefreshAccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "token-2", tok.Value)
	tok, err = c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "token-2", tok.Value, "the refreshed token is cached")
}

func TestStableToken(t *testing.T) {
	c, mt, _, _ := newTokenClient(t, WithStableToken())
	rec := stub(mt, "POST", "/cgi-bin/stable_token", fixture(t, "api/token.json"))
	ctx := context.Background()

	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "HoVFaIslbrofqJgkR0Svcx2d4za0RJKa3H6A_NjzhBbm96Wtg_a3ifUYQvOfJmV76QTcCpNubcsnOLmDopu2hjWfFeQSCE4c8QrsxwE_N3w", tok.Value)
	_, err = c.RefreshAccessToken(ctx)
	require.NoError(t, err)

	calls := rec.Calls()
	require.Len(t, calls, 2)
	for i, force := range []bool{false, true} {
		assert.Empty(t, calls[i].Query.Get("secret"), "the secret travels in the body")
		assert.JSONEq(t, `{"grant_type":"client_credential","appid":"`+testAppID+`","secret":"`+testSecret+`","force_refresh":`+map[bool]string{false: "false", true: "true"}[force]+`}`, string(calls[i].Body))
	}
}

func TestJSAPITicket(t *testing.T) {
	c, rec := newStubClient(t, "GET", "/cgi-bin/ticket/getticket", fixture(t, "api/ticket_getticket_jsapi.json"))
	for range 2 {
		tok, err := c.JSAPITicket(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA", tok.Value)
	}
	w := rec.only(t)
	assertWire(t, w, "GET", "/cgi-bin/ticket/getticket", "")
	assert.Equal(t, "jsapi", w.Query.Get("type"))

	tok, err := c.RefreshJSAPITicket(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, tok.Value)
	assert.Len(t, rec.Calls(), 2)
}

func TestSeededJSAPITicket(t *testing.T) {
	c, _ := newTestClient(t, WithJSAPITicket("seeded-ticket", time.Now().Add(time.Hour)))
	tok, err := c.JSAPITicket(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "seeded-ticket", tok.Value)
}

// A hostile or broken endpoint (or a proxy in front of it) can answer any
// expires_in. Lifetimes beyond WeChat's documented 7200 s are clamped to it,
// and a lifetime of zero or less is refused: nothing panics, nothing absurd
// is cached. Each path that turns an expires_in into an expiry is tried.
func TestTokenLifetimeFromHostileEndpoint(t *testing.T) {
	paths := []struct {
		name, method, path, reply string // reply is completed by the lifetime
		fetch                     func(c *Client) (Token, error)
		opts                      []Option
	}{
		{
			name: "access token", method: "GET", path: "/cgi-bin/token", reply: `{"access_token":"tok"`,
			fetch: func(c *Client) (Token, error) { return c.AccessToken(context.Background()) },
		},
		{
			name: "stable token", method: "POST", path: "/cgi-bin/stable_token", reply: `{"access_token":"tok"`,
			fetch: func(c *Client) (Token, error) { return c.AccessToken(context.Background()) },
			opts:  []Option{WithStableToken()},
		},
		{
			name: "jsapi ticket", method: "GET", path: "/cgi-bin/ticket/getticket", reply: `{"errcode":0,"errmsg":"ok","ticket":"tok"`,
			fetch: func(c *Client) (Token, error) { return c.JSAPITicket(context.Background()) },
		},
	}
	const documented = 7200 * time.Second
	lifetimes := []struct {
		name string
		json string // the expires_in member, if any
		ok   bool
		life time.Duration // the lifetime the expiry is computed from
	}{
		{"documented", `,"expires_in":7200`, true, documented},
		{"short", `,"expires_in":300`, true, 300 * time.Second},
		{"a day", `,"expires_in":86400`, true, documented},
		{"first to overflow a Duration", `,"expires_in":9223372037`, true, documented},
		{"max int64", `,"expires_in":9223372036854775807`, true, documented},
		{"zero", `,"expires_in":0`, false, 0},
		{"negative", `,"expires_in":-1`, false, 0},
		{"min int64", `,"expires_in":-9223372036854775808`, false, 0},
		{"missing", ``, false, 0},
	}
	for _, p := range paths {
		for _, lt := range lifetimes {
			t.Run(p.name+"/"+lt.name, func(t *testing.T) {
				// The ticket path gets its access token from the
				// endpoint newTokenClient sets up.
				c, mt, _, clk := newTokenClient(t, p.opts...)
				rec := stub(mt, p.method, p.path, []byte(p.reply+lt.json+`}`))

				tok, err := p.fetch(c)
				if !lt.ok {
					require.ErrorIs(t, err, ErrUnexpectedResponse)
					assert.Contains(t, err.Error(), p.path)
					assert.Contains(t, err.Error(), "expires_in")
					assert.Empty(t, tok.Value)
					// Nothing was cached: the next call asks again.
					_, err = p.fetch(c)
					require.ErrorIs(t, err, ErrUnexpectedResponse)
					assert.Len(t, rec.Calls(), 2)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, "tok", tok.Value)
				margin := min(lt.life/10, 5*time.Minute)
				got := tok.ExpiresAt.Sub(clk.Now())
				assert.LessOrEqual(t, got, lt.life-margin)
				assert.GreaterOrEqual(t, got, lt.life-margin-margin/4)
			})
		}
	}
}

func tokenEndpoints() map[endpoint.ID]endpointCase {
	value := func(tok Token, err error) (any, error) { return tok.Value, err }
	const fetched = "HoVFaIslbrofqJgkR0Svcx2d4za0RJKa3H6A_NjzhBbm96Wtg_a3ifUYQvOfJmV76QTcCpNubcsnOLmDopu2hjWfFeQSCE4c8QrsxwE_N3w"
	return map[endpoint.ID]endpointCase{
		endpoint.Token: {
			call:   func(ctx context.Context, c *Client) (any, error) { return value(c.RefreshAccessToken(ctx)) },
			query:  url.Values{"grant_type": {"client_credential"}, "appid": {testAppID}, "secret": {testSecret}},
			reply:  "api/token.json",
			want:   fetched,
			noArgs: true,
		},
		endpoint.StableToken: {
			opts:   []Option{WithStableToken()},
			call:   func(ctx context.Context, c *Client) (any, error) { return value(c.RefreshAccessToken(ctx)) },
			body:   `{"grant_type":"client_credential","appid":"` + testAppID + `","secret":"` + testSecret + `","force_refresh":true}`,
			reply:  "api/token.json",
			want:   fetched,
			noArgs: true,
		},
		endpoint.Ticket: {
			call:   func(ctx context.Context, c *Client) (any, error) { return value(c.RefreshJSAPITicket(ctx)) },
			query:  url.Values{"type": {"jsapi"}},
			reply:  "api/ticket_getticket_jsapi.json",
			want:   "bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA",
			noArgs: true,
		},
	}
}

// A token served from the cache costs no allocation: it is looked up on
// every API call.
func TestAccessTokenCachedLookupAllocatesNothing(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	_, err := c.AccessToken(ctx)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := c.AccessToken(ctx); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// The tokens of WithAccessTokenFunc.

// tokenFunc counts its calls and returns "func-token-<n>" with life.
type tokenFunc struct {
	calls atomic.Int64
	life  time.Duration
	err   error
}

func (f *tokenFunc) fetch(context.Context) (string, time.Duration, error) {
	n := f.calls.Add(1)
	if f.err != nil {
		return "", 0, f.err
	}
	return "func-token-" + string(rune('0'+n)), f.life, nil
}

// newFuncClient is a Client without an AppSecret whose tokens come from
// f, with the clock clk.
func newFuncClient(t *testing.T, f *tokenFunc, clk *clock) (*Client, *recorderTransport) {
	t.Helper()
	rt := &recorderTransport{}
	c, err := New(WithAppID(testAppID), WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: rt}),
		WithClock(clk.Now), WithAccessTokenFunc(f.fetch))
	require.NoError(t, err)
	return c, rt
}

// recorderTransport fails the test's expectations if anything is sent:
// the token comes from the func, never from cgi-bin/token.
type recorderTransport struct{ requests atomic.Int64 }

func (t *recorderTransport) RoundTrip(*http.Request) (*http.Response, error) {
	t.requests.Add(1)
	return nil, errors.New("no request expected")
}

// Concurrent callers share one call of the func; the token is used until
// the usual margin before the lifetime the func gave, then fetched again;
// nothing goes to cgi-bin/token, and no AppSecret is needed.
func TestAccessTokenFunc(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	f := &tokenFunc{life: 2 * time.Hour}
	c, rt := newFuncClient(t, f, clk)

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.AccessToken(ctx)
			assert.NoError(t, err)
			assert.Equal(t, "func-token-1", tok.Value)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, f.calls.Load())
	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	// A tenth of the lifetime early, at most five minutes, plus up to a
	// quarter of that again.
	end := clk.Now().Add(2 * time.Hour)
	assert.True(t, !tok.ExpiresAt.After(end.Add(-5*time.Minute)) && tok.ExpiresAt.After(end.Add(-5*time.Minute-75*time.Second)),
		"expires at %v, lifetime ends %v", tok.ExpiresAt, end)

	clk.Advance(2*time.Hour - 4*time.Minute)
	tok, err = c.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, "func-token-2", tok.Value)
	assert.Zero(t, rt.requests.Load(), "requests to WeChat")

	_, err = c.RefreshAccessToken(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 3, f.calls.Load(), "RefreshAccessToken calls the func")
}

// The func's error reaches the caller unchanged, so that errors.Is and
// errors.As see it; a token without value or lifetime is an unexpected
// response.
func TestAccessTokenFuncErrors(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	errGone := errors.New("authorization revoked")
	_, err := mustFuncClient(t, &tokenFunc{err: errGone}, clk).AccessToken(ctx)
	assert.ErrorIs(t, err, errGone)

	_, err = mustFuncClient(t, &tokenFunc{life: 0}, clk).AccessToken(ctx)
	assert.ErrorIs(t, err, ErrUnexpectedResponse)

	c, err := New(WithAccessTokenFunc(func(context.Context) (string, time.Duration, error) { return "", time.Hour, nil }))
	require.NoError(t, err)
	_, err = c.AccessToken(ctx)
	assert.ErrorIs(t, err, ErrUnexpectedResponse)

	_, err = New(WithAccessTokenFunc(nil))
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func mustFuncClient(t *testing.T, f *tokenFunc, clk *clock) *Client {
	c, _ := newFuncClient(t, f, clk)
	return c
}

// A lifetime over MaxTokenLifetime is clamped to it.
func TestAccessTokenFuncClampsLifetime(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	c := mustFuncClient(t, &tokenFunc{life: 1000 * time.Hour}, clk)
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	assert.False(t, tok.ExpiresAt.After(clk.Now().Add(MaxTokenLifetime)))
}

// A token rejected by WeChat is dropped and the func called again.
func TestAccessTokenFuncRejectedToken(t *testing.T) {
	ctx := context.Background()
	f := &tokenFunc{life: 2 * time.Hour}
	c, mt := newTestClient(t, WithAccessToken("", farFuture), WithAccessTokenFunc(f.fetch))
	rec := stubSeq(mt, http.MethodGet, "/cgi-bin/getcallbackip",
		[]byte(`{"errcode":40001,"errmsg":"invalid credential"}`), fixture(t, "api/getcallbackip.json"))
	_, err := c.CallbackIPs(ctx)
	require.NoError(t, err)
	calls := rec.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "func-token-1", calls[0].Query.Get("access_token"))
	assert.Equal(t, "func-token-2", calls[1].Query.Get("access_token"))
}

// A store with a clock of its own expires tokens by that clock.

// renderings returns v as a user might print, log or marshal it: through
// fmt with every verb, through slog's JSON and text handlers (as the
// attribute itself, as a pointer and nested in a struct), and through
// encoding/json and encoding/xml.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	type wrapper struct {
		Name string
		Cred any
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var b bytes.Buffer
		logger := slog.New(h(&b))
		logger.Info("direct", "cred", v)
		logger.Info("group", slog.Group("g", "cred", v))
		logger.Info("nested", "w", wrapper{Name: "n", Cred: v})
		logger.With("cred", v).Info("with")
		out[name] = b.String()
	}
	j, err := json.Marshal(v)
	require.NoError(t, err)
	out["json"] = string(j)
	j, err = json.Marshal(struct{ Cred any }{v})
	require.NoError(t, err)
	out["json nested"] = string(j)
	type doc struct {
		XMLName xml.Name `xml:"doc"`
		Cred    any
	}
	x, err := xml.Marshal(doc{Cred: v})
	require.NoError(t, err)
	out["xml"] = string(x)
	return out
}

func TestTokenLogsAndMarshalsNoValue(t *testing.T) {
	exp := time.Date(2026, 11, 25, 9, 55, 0, 0, time.UTC)
	tok := Token{Value: "ACCESS_TOKEN_do_not_leak", ExpiresAt: exp}
	for _, v := range []any{tok, &tok} {
		for how, s := range renderings(t, v) {
			assert.NotContains(t, s, "do_not_leak", "%s of %T", how, v)
			if how != "fmt %x" && how != "fmt %q" && how != "fmt %d" {
				assert.Contains(t, s, "2026-11-25T09:55:00", "%s of %T: the expiry is shown", how, v)
			}
		}
	}
	j, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ExpiresAt":"2026-11-25T09:55:00Z"}`, string(j))
}

// The default token store holds the access tokens themselves: printed or
// logged, it shows how many it holds and none of them.
func TestMemoryStorePrintsNoToken(t *testing.T) {
	s := NewMemoryStore()
	_, err := s.Token(t.Context(), "wechat:access_token:wx1", func(context.Context) (Token, error) {
		return Token{Value: "ACCESS_TOKEN_do_not_leak", ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	for how, out := range renderings(t, s) {
		assert.NotContains(t, out, "do_not_leak", how)
	}
	assert.Equal(t, "wechat.MemoryStore{tokens:1}", fmt.Sprint(s))
}
