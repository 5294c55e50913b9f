package webserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/examples/internal/exampletest"
)

// Serve answers with its handler, logs where WeChat should push, and
// returns nil once its context ends.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	logs := &exampletest.Logs{}
	s := Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hi "+r.URL.Path) }),
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
		Path:    "/wechat",
	}
	_, stop := exampletest.Start(t, func(ctx context.Context) error { return s.Serve(ctx, ln) })

	resp, err := http.Get("http://" + ln.Addr().String() + "/wechat")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "hi /wechat", string(body))

	stop()
	assert.Contains(t, logs.String(), "msg=listening url=http://"+ln.Addr().String()+"/wechat")
	assert.Contains(t, logs.String(), "msg=stopped")
}

// A listener that fails ends Serve with its error.
func TestServeReturnsTheListenersError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	err = Server{Handler: http.NotFoundHandler(), Logger: slog.New(slog.DiscardHandler)}.Serve(context.Background(), ln)
	assert.ErrorIs(t, err, net.ErrClosed)
}
