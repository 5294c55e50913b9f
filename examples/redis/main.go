// Command redis shows several processes sharing one WeChat access_token
// through Redis. Start it in two terminals: both print the same token
// fingerprint, and only one of them logs a fetch from WeChat, once per
// expiry.
//
// Configuration comes from the environment:
//
//	REDIS_ADDR        Redis address, default 127.0.0.1:6379 (comma-separated
//	                  addresses for a Cluster)
//	REDIS_PREFIX      prefix of the keys written, default "wechat-example:"
//	WECHAT_APPID      the official account's AppID
//	WECHAT_APPSECRET  its AppSecret
//	WECHAT_BASE_URL   API host, default https://api.weixin.qq.com
//
// With -fake-wechat ADDR it serves a fake token endpoint on ADDR instead,
// which issues short-lived tokens and logs every request, so the example
// runs without an official account: point WECHAT_BASE_URL at it.
//
// Tokens are secrets: the example prints a fingerprint, never the token.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() {
	every := flag.Duration("every", 5*time.Second, "how often to ask for the access token")
	fake := flag.String("fake-wechat", "", "serve a fake WeChat token endpoint on this address instead (for example 127.0.0.1:8099)")
	fakeLife := flag.Duration("fake-expires-in", 60*time.Second, "lifetime of the fake endpoint's tokens")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("pid", os.Getpid())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var err error
	if *fake != "" {
		err = serveFake(ctx, logger, *fake, *fakeLife)
	} else {
		err = run(ctx, logger, *every)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("exiting", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger, every time.Duration) error {
	// The options redisstore recommends: go-redis honours a call's
	// deadline only with ContextTimeoutEnabled.
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 strings.Split(env("REDIS_ADDR", "127.0.0.1:6379"), ","),
		ContextTimeoutEnabled: true,
		DialTimeout:           2 * time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		PoolTimeout:           2 * time.Second,
	})
	defer rdb.Close()

	store, err := redisstore.New(rdb, env("REDIS_PREFIX", "wechat-example:"), redisstore.WithLogger(logger))
	if err != nil {
		return err
	}
	opts := []wechat.Option{
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
		wechat.WithTokenStore(store),
		// Logs "wechat: fetched access token" when this process is the one
		// that refreshes.
		wechat.WithLogger(logger),
	}
	if base := os.Getenv("WECHAT_BASE_URL"); base != "" {
		opts = append(opts, wechat.WithBaseURL(base))
	}
	client, err := wechat.New(opts...)
	if err != nil {
		return err
	}

	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		tok, err := client.AccessToken(ctx)
		switch {
		case errors.Is(err, redisstore.ErrUnavailable):
			logger.Warn("Redis is unavailable; retrying", "error", err)
		case err != nil:
			logger.Warn("no access token", "error", err)
		default:
			logger.Info("access token", "fingerprint", fingerprint(tok.Value),
				"expires_in", time.Until(tok.ExpiresAt).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// fingerprint identifies a token without revealing it.
func fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// serveFake answers cgi-bin/token as WeChat does, with a new token of the
// given lifetime on every request.
func serveFake(ctx context.Context, logger *slog.Logger, addr string, life time.Duration) error {
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		logger.Info("fake WeChat: token request", "count", i, "appid", r.URL.Query().Get("appid"))
		// Slow, like a real round trip across the internet, so that the
		// other processes can be seen waiting for the lock holder.
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"fake-token-%d-%d","expires_in":%d}`, i, time.Now().Unix(), int(life.Seconds()))
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	logger.Info("fake WeChat listening", "base_url", "http://"+addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
