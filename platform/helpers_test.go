package platform_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

// env is a platform against the fake: the fake WeChat, its clock, the
// platform Client, and the events its EventHandler was told of.
type env struct {
	t      *testing.T
	fake   *wechattest.Platform
	clock  *wechattest.Clock
	c      *platform.Client
	events *eventRecorder
}

// eventRecorder is an EventHandler that keeps the events.
type eventRecorder struct {
	mu     sync.Mutex
	events []*platform.Event
	err    error // returned by ServeEvent
}

func (r *eventRecorder) ServeEvent(_ context.Context, e *platform.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return r.err
}

func (r *eventRecorder) last(t *testing.T) *platform.Event {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.events, "events")
	return r.events[len(r.events)-1]
}

// newEnv starts a fake and a platform Client for it, the Client's Events
// handler receiving the fake's pushes, and the Messages handler h (nil
// for none).
func newEnv(t *testing.T, h wechat.Handler, opts ...platform.Option) *env {
	t.Helper()
	clock := wechattest.NewClock(time.Unix(1_700_000_000, 0))
	fake := wechattest.NewPlatform(wechattest.WithClock(clock.Now))
	t.Cleanup(fake.Close)
	c, err := fake.Client(opts...)
	require.NoError(t, err)
	e := &env{t: t, fake: fake, clock: clock, c: c, events: &eventRecorder{}}
	fake.SetReceiver(wechattest.Receiver{Events: c.Events(e.events), Messages: c.Messages(h)})
	return e
}

// ticket has the fake push a ticket.
func (e *env) ticket() {
	e.t.Helper()
	_, err := e.fake.PushTicket(context.Background())
	require.NoError(e.t, err)
}

// authorize has an account authorize the platform, and returns its
// Client.
func (e *env) authorize(appID string, opts ...wechattest.Option) *wechat.Client {
	e.t.Helper()
	_, err := e.fake.Authorize(context.Background(), appID, opts...)
	require.NoError(e.t, err)
	ac, err := e.c.Authorizer(appID)
	require.NoError(e.t, err)
	return ac
}

// authorized is newEnv, without a Messages handler, once WeChat has
// pushed a ticket and the account appID has authorized the platform, and
// that account's Client.
func authorized(t *testing.T, appID string, opts ...platform.Option) (*env, *wechat.Client) {
	t.Helper()
	e := newEnv(t, nil, opts...)
	e.ticket()
	return e, e.authorize(appID)
}

// fixture reads a file of testdata/ (see testdata/SOURCES.md), or of the
// core's testdata for a name starting with "../../testdata/".
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	return b
}

// noRedirect is an HTTP client of the fake that reports redirects
// instead of following them.
func noRedirect(fake *wechattest.Platform) *http.Client {
	hc := *fake.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}
