package wechattest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
)

const ticketPath = "/cgi-bin/ticket/getticket"

// A -1 on a GET is retried by the Client.
func TestFailNextSystemBusyRetried(t *testing.T) {
	srv, c := startClient(t)
	srv.FailNext(ticketPath, 1, -1)
	_, err := c.JSAPITicket(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Calls(ticketPath))
}

// Past its retries the Client returns the -1 as an *APIError.
func TestFailNextSystemBusyExhaustsRetries(t *testing.T) {
	srv, c := startClient(t)
	srv.FailNext(ticketPath, 10, wechat.CodeSystemBusy)
	_, err := c.JSAPITicket(context.Background())
	var apiErr *wechat.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, wechat.CodeSystemBusy, apiErr.Code)
	assert.Equal(t, "system error", strings.SplitN(apiErr.Message, ",", 2)[0])
	assert.True(t, apiErr.Temporary())
	assert.Equal(t, 3, srv.Calls(ticketPath), "one call and two retries")

	// The remaining failures are still pending; FailNext with n=0 cancels them.
	srv.FailNext(ticketPath, 0, 0)
	_, err = c.JSAPITicket(context.Background())
	require.NoError(t, err)
}

// An injected 40001 makes the Client refresh its token and retry once.
func TestFailNextInvalidCredential(t *testing.T) {
	srv, c := startClient(t)
	ctx := context.Background()
	_, err := c.AccessToken(ctx)
	require.NoError(t, err)
	srv.FailNext(ticketPath, 1, wechat.CodeInvalidCredential)
	_, err = c.JSAPITicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Calls("/cgi-bin/token"))
	assert.Equal(t, 2, srv.Calls(ticketPath))

	// Twice in a row is not retried again.
	srv.FailNext(ticketPath, 2, wechat.CodeInvalidCredential)
	_, err = c.RefreshJSAPITicket(ctx)
	assert.ErrorIs(t, err, wechat.ErrTokenInvalid)
}

func TestFailNextAppliesToTokenEndpoint(t *testing.T) {
	srv, c := startClient(t)
	srv.FailNext("/cgi-bin/token", 1, -1)
	_, err := c.AccessToken(context.Background())
	require.NoError(t, err, "cgi-bin/token is a GET and is retried")
	assert.Equal(t, 2, srv.Calls("/cgi-bin/token"))
}

// A dropped GET is retried and succeeds.
func TestDropNextGET(t *testing.T) {
	srv, c := startClient(t)
	ctx := context.Background()
	_, err := c.AccessToken(ctx) // open a connection that the drop will kill
	require.NoError(t, err)
	srv.DropNext(ticketPath, 1)
	_, err = c.JSAPITicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Calls(ticketPath))
}

// A dropped POST is not acted on: the message is not recorded.
func TestDropNextPOST(t *testing.T) {
	srv, a := startAPI(t, withFollower("o1"))
	srv.DropNext("/cgi-bin/message/custom/send", 1)
	u := srv.URL + "/cgi-bin/message/custom/send?access_token=" + url.QueryEscape(a.tok)
	body := `{"touser":"o1","msgtype":"text","text":{"content":"hi"}}`
	resp, err := srv.HTTPClient().Post(u, "application/json", strings.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the connection is closed without a reply")
	assert.Empty(t, srv.SentMessages())
	assert.Equal(t, 1, srv.Calls("/cgi-bin/message/custom/send"))

	a.ok(a.post("/cgi-bin/message/custom/send", body))
	assert.Len(t, srv.SentMessages(), 1)
}

func TestSetLatency(t *testing.T) {
	srv, a := startAPI(t)
	srv.SetLatency("/cgi-bin/getcallbackip", 2*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/cgi-bin/getcallbackip?access_token="+url.QueryEscape(a.tok), nil)
	require.NoError(t, err)
	began := time.Now()
	_, err = srv.HTTPClient().Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(began), time.Second)

	// Other paths are not delayed; the empty path delays all of them.
	srv.SetLatency("", 100*time.Millisecond)
	began = time.Now()
	assert.Equal(t, 0, a.get("/cgi-bin/get_api_domain_ip", nil).errcode(t))
	assert.GreaterOrEqual(t, time.Since(began), 100*time.Millisecond)

	srv.SetLatency("", 0)
	srv.SetLatency("/cgi-bin/getcallbackip", 0)
	began = time.Now()
	assert.Equal(t, 0, a.get("/cgi-bin/getcallbackip", nil).errcode(t))
	assert.Less(t, time.Since(began), time.Second)
}

// The Client sees its own context deadline while the fake delays.
func TestLatencyAndClientDeadline(t *testing.T) {
	srv, c := startClient(t)
	srv.SetLatency("/cgi-bin/token", time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.AccessToken(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCloseEndsLatency(t *testing.T) {
	srv := start(t)
	srv.SetLatency("/cgi-bin/token", time.Minute)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := srv.HTTPClient().Get(srv.URL + "/cgi-bin/token")
		if err == nil {
			resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return srv.Calls("/cgi-bin/token") == 1 }, 5*time.Second, 5*time.Millisecond)
	began := time.Now()
	srv.Close()
	<-done
	assert.Less(t, time.Since(began), 10*time.Second)
}

func TestUnknownPathAndMethod(t *testing.T) {
	srv, a := startAPI(t)
	// The errmsg says that the fake, not the caller, lacks the API.
	fails(t, a.get("/cgi-bin/no/such/api", nil), 40066,
		"invalid url: /cgi-bin/no/such/api is not modelled by wechattest (Server.Handle can serve it)")
	fails(t, raw(t, srv, "GET", "/sns/no/such/api", nil, "", nil), 40066,
		"invalid url: /sns/no/such/api is not modelled by wechattest (Server.Handle can serve it)")
	fails(t, a.get("/cgi-bin/menu/create", nil), 43002, "require POST method")
	fails(t, a.post("/cgi-bin/menu/get", `{}`), 43001, "require GET method")
	assert.Equal(t, 1, srv.Calls("/cgi-bin/no/such/api"))
}
