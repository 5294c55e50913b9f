// Package cli is what the command-line examples (examples/menu,
// examples/template) have in common: the account read from the
// environment, flags parsed without the flag package printing anything
// itself, and a main that exits 2 for a usage error and 1 for any other.
// A copy of one of those examples takes this file along.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mpkit/wechat"
)

// UsageError is a mistake in the command line or the environment; Main
// exits 2 for it.
type UsageError struct{ msg string }

// Error implements error.
func (e UsageError) Error() string { return e.msg }

// Usagef returns a UsageError with the message of format and args.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Sprintf(format, args...)}
}

// environment is the part of the usage text that describes what
// NewClient reads.
const environment = `
Environment:
  WECHAT_APPID      the account's AppID
  WECHAT_APPSECRET  the account's AppSecret
  WECHAT_BASE_URL   API base URL (default https://api.weixin.qq.com)

Flags:
`

// Parse parses args into fs. With -h it writes usage, the environment
// NewClient reads and the flags' defaults to stderr and returns
// flag.ErrHelp; any other parse error is a UsageError, which Main prints
// like every other usage error (the flag package would print it itself).
func Parse(fs *flag.FlagSet, args []string, usage string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage+environment)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return err
	}
	if err != nil {
		return UsageError{err.Error()}
	}
	return nil
}

// NewClient builds the account's client from the environment:
// WECHAT_APPID and WECHAT_APPSECRET, which it needs, and WECHAT_BASE_URL.
// A missing or wrong setting is a UsageError.
func NewClient(getenv func(string) string) (*wechat.Client, error) {
	appID, secret := getenv("WECHAT_APPID"), getenv("WECHAT_APPSECRET")
	if appID == "" || secret == "" {
		return nil, Usagef("set WECHAT_APPID and WECHAT_APPSECRET to the account's AppID and AppSecret")
	}
	opts := []wechat.Option{wechat.WithAppID(appID), wechat.WithAppSecret(secret)}
	if base := getenv("WECHAT_BASE_URL"); base != "" {
		opts = append(opts, wechat.WithBaseURL(base))
	}
	client, err := wechat.New(opts...)
	if err != nil {
		return nil, UsageError{err.Error()}
	}
	return client, nil
}

// RunFunc is a command: it parses args (without the program name), reads
// its settings through getenv, and writes its results to stdout and its
// usage text to stderr.
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs the command called name until it returns or a signal stops
// it, and exits as the command's documentation says: 0 on success (and
// after -h), 2 on a usage error and 1 on any other.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	var usage UsageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintf(os.Stderr, "%s: %v\nRun '%s -h' for usage.\n", name, err, name)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
