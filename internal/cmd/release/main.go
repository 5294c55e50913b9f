// Command release tags a release of github.com/mpkit/wechat and its
// published nested modules (redisstore), after checking that the working
// tree is clean, that the tests pass and that the release installs from a
// module proxy the way users install it. It pushes nothing: it prints the
// git push commands to run. RELEASING.md describes the procedure.
//
// Usage, from the repository root:
//
//	go run ./internal/cmd/release [-dry-run] [-remote origin] vX.Y.Z
//
// With -dry-run it runs every check and prints the tags, the pinned go.mod
// files and the commit a release would make, and changes nothing.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/mpkit/wechat/internal/release"
)

func main() {
	dryRun := flag.Bool("dry-run", false, "run the checks and print what a release would do; tag and commit nothing")
	remote := flag.String("remote", "origin", "the git remote named in the printed push commands")
	release.Command("release", "[-dry-run] [-remote NAME] vX.Y.Z", func(n int) bool { return n == 1 }, func(ctx context.Context, args []string) error {
		return release.Release(ctx, ".", release.Options{
			Version: args[0],
			DryRun:  *dryRun,
			Remote:  *remote,
			Log:     os.Stdout,
		})
	})
}
