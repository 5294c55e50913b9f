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

	"github.com/mpkit/wechat/internal/release"
)

func main() {
	version := flag.String("version", "v0.0.0-ci", "the provisional `version` to publish the modules at")
	asCommitted := flag.Bool("as-committed", false, "publish the nested modules' go.mod files as committed, without pinning them")
	release.Command("installcheck", "[-version V] [-as-committed] [DIR]", func(n int) bool { return n <= 1 }, func(ctx context.Context, args []string) error {
		root := "."
		if len(args) == 1 {
			root = args[0]
		}
		_, err := release.Check(ctx, root, release.CheckOptions{
			Version:     *version,
			AsCommitted: *asCommitted,
			Log:         os.Stdout,
		})
		if err != nil {
			return err
		}
		fmt.Printf("installcheck: every published module installs at %s\n", *version)
		return nil
	})
}
