// Package exampletest is what the examples' tests have in common: servers
// started and stopped, a log their goroutines may write to, and runs of
// the command-line examples against a fake WeChat.
package exampletest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mpkit/wechat/examples/internal/cli"
	"github.com/mpkit/wechat/wechattest"
)

// Logs is a buffer that several goroutines may write to, for the logger of
// a server under test.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns what has been written.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Start runs serve in a goroutine, on a context that stop cancels. stop
// then waits for serve to return, and fails t unless it returns nil
// within 15 seconds.
func Start(t testing.TB, serve func(ctx context.Context) error) (ctx context.Context, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	return ctx, func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Fatal("did not stop")
		}
	}
}

// Vars is the environment of a command run against srv: its AppID,
// AppSecret and URL.
func Vars(srv *wechattest.Server) map[string]string {
	return map[string]string{
		"WECHAT_APPID":     srv.AppID(),
		"WECHAT_APPSECRET": srv.AppSecret(),
		"WECHAT_BASE_URL":  srv.URL,
	}
}

// Run runs the command run with args against srv, and returns what it
// wrote to stdout and stderr.
func Run(t testing.TB, run cli.RunFunc, srv *wechattest.Server, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return RunWith(t, run, Vars(srv), args...)
}

// RunWith runs the command run with args in the environment vars, and
// returns what it wrote to stdout and stderr.
func RunWith(t testing.TB, run cli.RunFunc, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return vars[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}
