package wechat

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
