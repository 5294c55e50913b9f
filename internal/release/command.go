package release

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Command is the main function of the command name in internal/cmd, whose
// flags are defined on flag.CommandLine. It parses the command line; when
// nargs refuses the number of arguments, it prints the usage ("usage: go
// run ./internal/cmd/NAME" with synopsis, then the flags) and exits 2.
// Otherwise it calls run with the arguments and a context that SIGINT
// cancels, and exits 1, printing "name: error", when run fails.
func Command(name, synopsis string, nargs func(int) bool, run func(ctx context.Context, args []string) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := command(ctx, flag.CommandLine, os.Args[1:], os.Stderr, name, synopsis, nargs, run)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}

// command is Command on fs and args, writing to stderr; it returns the
// exit code.
func command(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer, name, synopsis string, nargs func(int) bool, run func(ctx context.Context, args []string) error) int {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./internal/cmd/%s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	// flag.CommandLine exits itself on -h (0) and on a wrong flag (2);
	// a FlagSet that continues on errors returns them.
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if !nargs(fs.NArg()) {
		fs.Usage()
		return 2
	}
	if err := run(ctx, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
