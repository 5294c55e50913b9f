// Command installcheck checks that a release of this tree would install:
// it publishes the published modules of the working tree (the core and
// redisstore) to a module proxy in a temporary directory at a provisional
// version, with the nested modules' requirements pinned as a release pins
// them, and then, in new modules, runs go get of each and builds a program
// importing every package they export, as a user would. CI runs it; it
// exits 1 when a module would not install.
//
// Usage, from the repository root:
//
//	go run ./internal/cmd/installcheck [-version v0.0.0-ci] [-as-committed] [DIR]
//
// With -as-committed the nested modules are published with their go.mod
// files as committed, unpinned: what tagging the tree as it is would
// publish.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/mpkit/wechat/internal/release"
)

func main() {
	version := flag.String("version", "v0.0.0-ci", "the provisional `version` to publish the modules at")
	asCommitted := flag.Bool("as-committed", false, "publish the nested modules' go.mod files as committed, without pinning them")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./internal/cmd/installcheck [-version V] [-as-committed] [DIR]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	root := "."
	switch flag.NArg() {
	case 0:
	case 1:
		root = flag.Arg(0)
	default:
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_, err := release.Check(ctx, root, release.CheckOptions{
		Version:     *version,
		AsCommitted: *asCommitted,
		Log:         os.Stdout,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "installcheck: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("installcheck: every published module installs at %s\n", *version)
}
