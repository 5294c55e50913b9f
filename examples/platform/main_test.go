package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/examples/internal/exampletest"
	"github.com/mpkit/wechat/wechattest"
)

// newTestService is the service on its fake, with the fake's pushes
// delivered to its routes in process.
func newTestService(t *testing.T) (*service, http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	s, err := newService(configFromEnv(func(string) string { return "" }), "https://platform.example", logger)
	require.NoError(t, err)
	t.Cleanup(s.close)
	h := s.routes()
	s.fake.SetReceiver(wechattest.Receiver{Events: h, EventURL: eventsPath, Messages: h, MessageURL: messagesPath + "$APPID$"})
	_, err = s.fake.PushTicket(context.Background())
	require.NoError(t, err)
	return s, h, logs
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// An administrator follows the authorization link; the account is then
// listed, and its users get their messages echoed.
func TestAuthorizeThenEcho(t *testing.T) {
	ctx := context.Background()
	s, h, logs := newTestService(t)

	rec := get(t, h, authorizePath)
	require.Equal(t, http.StatusFound, rec.Code, rec.Body.String())
	link := rec.Header().Get("Location")
	assert.True(t, strings.HasPrefix(link, s.fake.URL+"/cgi-bin/componentloginpage?"), link)
	assert.Contains(t, link, url.QueryEscape("https://platform.example"+authorizedPath))

	// The fake's consent page authorizes a new account and sends the
	// browser back with its code.
	hc := *s.fake.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	rec = get(t, h, back.RequestURI())
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "Authorized")

	var appID string
	for a, err := range s.c.Authorizers(ctx) {
		require.NoError(t, err)
		appID = a.AppID
	}
	require.NotEmpty(t, appID)
	assert.Contains(t, get(t, h, "/").Body.String(), "<li>"+appID+"</li>")
	assert.Contains(t, logs.String(), "info_type=authorized account="+appID)

	s.fake.Account(appID).AddFollower(wechattest.Follower{OpenID: wechattest.DefaultOpenID})
	reply, err := s.fake.Webhook(appID).Send(ctx, wechattest.Text("你好"))
	require.NoError(t, err)
	require.IsType(t, &wechat.TextReply{}, reply)
	assert.Equal(t, "你好", reply.(*wechat.TextReply).Content)
	reply, err = s.fake.Webhook(appID).Send(ctx, wechattest.Event(wechat.EventClick, "K"))
	require.NoError(t, err)
	assert.Equal(t, "Got a CLICK event", reply.(*wechat.TextReply).Content)
}

// The home page shows both links; the redirect page wants a code.
func TestHomeAndAuthorized(t *testing.T) {
	_, h, _ := newTestService(t)
	body := get(t, h, "/").Body.String()
	assert.Contains(t, body, "/cgi-bin/componentloginpage?")
	assert.Contains(t, body, "/safe/bindcomponent?action=bindcomponent&amp;no_scan=1")
	assert.Contains(t, body, "none yet")
	assert.Equal(t, http.StatusBadRequest, get(t, h, authorizedPath).Code)
	assert.Equal(t, http.StatusNotFound, get(t, h, "/nowhere").Code)
}

// The service passes WeChat's release checks.
func TestReleaseChecks(t *testing.T) {
	s, _, _ := newTestService(t)
	require.NoError(t, s.fake.RunReleaseChecks(context.Background()))
}

// Without a ticket there is no link, and the page says why.
func TestNoTicketNoLink(t *testing.T) {
	s, err := newService(configFromEnv(func(string) string { return "" }), "https://platform.example", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.close()
	h := s.routes()
	assert.Equal(t, http.StatusServiceUnavailable, get(t, h, authorizePath).Code)
	assert.Contains(t, get(t, h, "/").Body.String(), "component_verify_ticket")
}

func TestConfig(t *testing.T) {
	env := map[string]string{"PLATFORM_COMPONENT_APPID": "wx1234567890abcdef", "ADDR": "127.0.0.1:0", "PUBLIC_URL": "https://p.example/"}
	cfg := configFromEnv(func(k string) string { return env[k] })
	assert.False(t, cfg.fake())
	assert.Equal(t, "https://p.example", cfg.publicURL)
	_, err := newService(cfg, cfg.publicURL, slog.New(slog.DiscardHandler))
	assert.ErrorContains(t, err, "PLATFORM_COMPONENT_SECRET")
	assert.Error(t, run(context.Background(), func(k string) string { return env[k] }, io.Discard))

	env["PLATFORM_COMPONENT_SECRET"], env["PLATFORM_TOKEN"], env["PLATFORM_ENCODING_AES_KEY"] = "s", "t", wechattest.DefaultComponentEncodingAESKey
	s, err := newService(configFromEnv(func(k string) string { return env[k] }), "https://p.example", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.Nil(t, s.fake, "against WeChat")
	assert.Equal(t, defaultAddr, configFromEnv(func(string) string { return "" }).addr)
}

// run on its fake, over the network: the fake pushes its ticket to the
// listening service, whose link then works; it stops with its context.
func TestRunOnTheFake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	logs := &exampletest.Logs{}
	_, stop := exampletest.Start(t, func(ctx context.Context) error {
		return run(ctx, func(k string) string {
			if k == "ADDR" {
				return addr
			}
			return ""
		}, logs)
	})
	deadline := time.Now().Add(10 * time.Second)
	var resp *http.Response
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for time.Now().Before(deadline) {
		resp, err = noFollow.Get("http://" + addr + authorizePath)
		if err == nil && resp.StatusCode == http.StatusFound {
			break
		}
		if resp != nil {
			resp.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, logs.String())
	assert.Contains(t, resp.Header.Get("Location"), "/cgi-bin/componentloginpage?")
	stop()
	assert.Contains(t, logs.String(), "running against a fake WeChat")
	assert.Contains(t, logs.String(), "info_type=component_verify_ticket")
}
