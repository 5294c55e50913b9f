package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attempts collects what an observer is shown.
type attempts struct {
	mu  sync.Mutex
	got []Attempt
	ctx []context.Context
}

func (a *attempts) observe(ctx context.Context, at Attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, at)
	a.ctx = append(a.ctx, ctx)
}

func (a *attempts) all() []Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Attempt(nil), a.got...)
}

// assertAttemptsHide fails if any attempt, printed with every field, shows
// one of the secrets.
func assertAttemptsHide(t *testing.T, got []Attempt, secrets ...string) {
	t.Helper()
	for i, a := range got {
		out := fmt.Sprintf("%+v %#v %v", a, a, a.Err)
		for _, s := range secrets {
			assert.NotContains(t, out, s, "attempt %d", i+1)
		}
	}
}

type ctxKey struct{}

func TestObserverRetriedCall(t *testing.T) {
	var obs attempts
	c, mt := newTestClient(t, WithObserver(obs.observe))
	stubWith(mt, "GET", "/cgi-bin/getcallbackip", inTurn(
		httpmock.NewStringResponder(200, `{"errcode":-1,"errmsg":"system error"}`),
		func(*http.Request) (*http.Response, error) {
			time.Sleep(5 * time.Millisecond)
			return httpmock.NewStringResponse(200, `{"ip_list":["127.0.0.1"]}`), nil
		}))
	ctx := context.WithValue(context.Background(), ctxKey{}, "trace-1")
	ips, err := c.ListCallbackIPs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1"}, ips)

	got := obs.all()
	require.Len(t, got, 2, "one report per attempt")
	wantURL := testBase + "/cgi-bin/getcallbackip?access_token=REDACTED"
	first, second := got[0], got[1]
	assert.Equal(t, "GET", first.Method)
	assert.Equal(t, "/cgi-bin/getcallbackip", first.Path)
	assert.Equal(t, wantURL, first.URL)
	assert.Equal(t, 1, first.Number)
	assert.Equal(t, 200, first.StatusCode)
	assert.Equal(t, CodeSystemBusy, first.ErrCode)
	var apiErr *APIError
	require.ErrorAs(t, first.Err, &apiErr)
	assert.Equal(t, CodeSystemBusy, apiErr.Code)
	assert.Positive(t, first.Duration)

	assert.Equal(t, Attempt{Method: "GET", Path: "/cgi-bin/getcallbackip", URL: wantURL, Number: 2, StatusCode: 200,
		Duration: second.Duration}, second)
	assert.GreaterOrEqual(t, second.Duration, 5*time.Millisecond, "the duration covers the reply")

	for _, ctx := range obs.ctx {
		assert.Equal(t, "trace-1", ctx.Value(ctxKey{}), "the observer gets the call's context")
	}
	assertAttemptsHide(t, got, testToken, testSecret)
}

func TestObserverTokenFetch(t *testing.T) {
	var obs attempts
	for _, stable := range []bool{false, true} {
		t.Run(fmt.Sprintf("stable %v", stable), func(t *testing.T) {
			obs = attempts{}
			opts := []Option{WithObserver(obs.observe)}
			if stable {
				opts = append(opts, WithStableToken())
			}
			c, mt, _, _ := newTokenClient(t, opts...)
			mt.RegisterResponder("POST", testBase+"/cgi-bin/stable_token", httpmock.NewStringResponder(200, `{"access_token":"token-1","expires_in":7200}`))
			// The first call is rejected: the token is refreshed and
			// the call sent again.
			stubSeq(mt, "GET", "/cgi-bin/get_api_domain_ip", []byte(`{"errcode":40001,"errmsg":"invalid credential"}`), []byte(`{"ip_list":[]}`))
			_, err := c.ListAPIDomainIPs(context.Background())
			require.NoError(t, err)

			got := obs.all()
			tokenPath, tokenMethod := "/cgi-bin/token", "GET"
			tokenURL := testBase + "/cgi-bin/token?appid=" + testAppID + "&grant_type=client_credential&secret=REDACTED"
			if stable {
				tokenPath, tokenMethod, tokenURL = "/cgi-bin/stable_token", "POST", testBase+"/cgi-bin/stable_token"
			}
			var paths []string
			for _, a := range got {
				paths = append(paths, fmt.Sprintf("%s %s #%d %d", a.Method, a.Path, a.Number, a.ErrCode))
			}
			assert.Equal(t, []string{
				tokenMethod + " " + tokenPath + " #1 0",
				"GET /cgi-bin/get_api_domain_ip #1 40001",
				tokenMethod + " " + tokenPath + " #1 0",
				"GET /cgi-bin/get_api_domain_ip #2 0",
			}, paths)
			assert.Equal(t, tokenURL, got[0].URL)
			assert.Equal(t, 200, got[0].StatusCode)
			assert.NoError(t, got[0].Err)
			assert.ErrorIs(t, got[1].Err, ErrTokenInvalid)
			assertAttemptsHide(t, got, testSecret, "token-1", "token-2")
		})
	}
}

func TestObserverNetworkError(t *testing.T) {
	var obs attempts
	const pass = "PROXY_PASS_x"
	c, mt := newTestClient(t, WithObserver(obs.observe), WithBaseURL("https://u:"+pass+"@proxy.test"))
	mt.RegisterResponder("POST", "https://u:"+pass+"@proxy.test/cgi-bin/message/custom/send",
		httpmock.NewErrorResponder(errors.New("connection reset by peer")))
	err := exec(context.Background(), c, endpoint.CustomSend, nil, map[string]string{"touser": "o1"})
	require.Error(t, err)

	got := obs.all()
	require.Len(t, got, 1, "a send is not retried")
	a := got[0]
	assert.Equal(t, "POST", a.Method)
	assert.Equal(t, "/cgi-bin/message/custom/send", a.Path)
	assert.Equal(t, "https://u:xxxxx@proxy.test/cgi-bin/message/custom/send?access_token=REDACTED", a.URL)
	assert.Equal(t, 1, a.Number)
	assert.Zero(t, a.StatusCode, "no response")
	assert.Zero(t, a.ErrCode)
	var ue *url.Error
	require.ErrorAs(t, a.Err, &ue)
	assert.Contains(t, a.Err.Error(), "connection reset by peer")
	assertAttemptsHide(t, got, testToken, pass)

	// A GET is retried after a network error: every attempt is reported.
	obs = attempts{}
	mt.RegisterResponder("GET", "https://u:"+pass+"@proxy.test/cgi-bin/getcallbackip",
		httpmock.NewErrorResponder(errors.New("i/o timeout")))
	_, err = c.ListCallbackIPs(context.Background())
	require.Error(t, err)
	got = obs.all()
	require.Len(t, got, maxRetries+1)
	for i, a := range got {
		assert.Equal(t, i+1, a.Number)
		assert.Error(t, a.Err)
	}
}

func TestObserverOtherOutcomes(t *testing.T) {
	var obs attempts
	c, mt := newTestClient(t, WithObserver(obs.observe))
	mt.RegisterResponder("GET", testBase+"/cgi-bin/menu/get", httpmock.NewStringResponder(404, "not found"))
	mt.RegisterResponder("GET", testBase+"/cgi-bin/get_current_selfmenu_info", httpmock.NewStringResponder(200, "<html>proxy</html>"))
	mt.RegisterResponder("GET", testBase+"/cgi-bin/media/get", func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, "\xff\xd8JPEG")
		resp.Header.Set("Content-Type", "image/jpeg")
		return resp, nil
	})
	ctx := context.Background()

	err := exec(ctx, c, endpoint.MenuGet, nil, nil)
	require.Error(t, err)
	err = exec(ctx, c, endpoint.SelfMenuInfo, nil, nil)
	require.ErrorIs(t, err, ErrUnexpectedResponse)
	res, err := c.DownloadMedia(ctx, "m1")
	require.NoError(t, err)
	res.Body.Close()

	got := obs.all()
	require.Len(t, got, 3)
	var he *HTTPError
	require.ErrorAs(t, got[0].Err, &he)
	assert.Equal(t, 404, got[0].StatusCode)
	assert.ErrorIs(t, got[1].Err, ErrUnexpectedResponse)
	assert.Equal(t, 200, got[1].StatusCode)
	assert.Equal(t, Attempt{Method: "GET", Path: "/cgi-bin/media/get", Number: 1, StatusCode: 200,
		URL: testBase + "/cgi-bin/media/get?access_token=REDACTED&media_id=m1", Duration: got[2].Duration}, got[2])
}

// Each WithObserver adds one: a user can feed tracing and metrics apart.
func TestObserversChain(t *testing.T) {
	var a, b attempts
	c, mt := newTestClient(t, WithObserver(a.observe), WithObserver(b.observe))
	stub(mt, "GET", "/cgi-bin/getcallbackip", []byte(`{"ip_list":[]}`))
	_, err := c.ListCallbackIPs(context.Background())
	require.NoError(t, err)
	assert.Len(t, a.all(), 1)
	assert.Equal(t, a.all(), b.all())

	_, err = New(WithObserver(nil))
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

// With no observer, an attempt costs no clock reads or URL redaction.
func BenchmarkCallWithoutObserver(b *testing.B) {
	c, mt := newTestClient(b)
	mt.RegisterResponder("GET", testBase+"/cgi-bin/getcallbackip", httpmock.NewStringResponder(200, `{"ip_list":[]}`))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = exec(ctx, c, endpoint.CallbackIP, nil, nil)
	}
}
