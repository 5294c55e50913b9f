// Package webserver is what the server examples (examples/echo,
// examples/slowbot, examples/platform) have in common: an HTTP server with
// the timeouts of one open to the internet, served until a signal, then
// shut down gracefully. A copy of one of those examples takes this file
// along.
package webserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// ShutdownGrace is how long a shutdown waits for the requests in flight.
const ShutdownGrace = 10 * time.Second

// DefaultWriteTimeout bounds writing a response when Server.WriteTimeout
// is zero.
const DefaultWriteTimeout = 10 * time.Second

// A Server serves an example's routes.
type Server struct {
	Handler http.Handler
	Logger  *slog.Logger
	// Path is logged after the listening address: where to point WeChat.
	Path string
	// WriteTimeout bounds writing a response, DefaultWriteTimeout when
	// zero. A handler answering on WeChat's retries outlives the
	// attempt it started on, and wants longer.
	WriteTimeout time.Duration
}

// Serve serves on ln until ctx is done, then shuts down gracefully.
func (s Server) Serve(ctx context.Context, ln net.Listener) error {
	write := s.WriteTimeout
	if write == 0 {
		write = DefaultWriteTimeout
	}
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      write,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.Logger.Info("listening", "url", "http://"+ln.Addr().String()+s.Path)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.Logger.Info("stopped")
	return nil
}

// Main runs the server example called name until SIGINT or SIGTERM, with
// the process's environment and its log on stderr, and exits 1 if run
// fails.
func Main(name string, run func(ctx context.Context, getenv func(string) string, logOut io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
