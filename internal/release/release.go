package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Options says what Release does.
type Options struct {
	// Version is the version to release, such as v0.2.0.
	Version string
	// DryRun runs every check and prints what a release would do, without
	// tagging or committing anything.
	DryRun bool
	// Remote is the git remote named in the push commands printed at the
	// end; empty means origin.
	Remote string
	// Fallback is as in [CheckOptions].
	Fallback string
	// Log receives the progress and the push commands; nil discards them.
	Log io.Writer
}

// Release releases the modules of the git repository at repo at
// opts.Version. It checks that the version is new and that CHANGELOG.md
// has a section for it, that the working tree is clean, that the tests of
// every module pass and that the release would install ([Check]). Then it
// tags the core (vX.Y.Z) at HEAD, pins the published nested modules to that
// tag in a commit of its own, tags them on that commit
// (redisstore/vX.Y.Z), and checks that the tagged commits install. It
// never pushes: it prints the git push commands to run. If a step after
// the first tag fails, it deletes the tags it made and resets the branch
// to where it was.
func Release(ctx context.Context, repo string, opts Options) (err error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	remote := opts.Remote
	if remote == "" {
		remote = "origin"
	}
	v := opts.Version
	if err := checkVersion(v); err != nil {
		return err
	}
	root, err := git(ctx, repo, "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	branch, err := git(ctx, root, "symbolic-ref", "--short", "-q", "HEAD")
	if err != nil {
		return errors.New("HEAD is detached: check out the branch to release from")
	}
	if status, err := git(ctx, root, "status", "--porcelain"); err != nil {
		return err
	} else if status != "" {
		return fmt.Errorf("the working tree is not clean; commit or stash first:\n%s", indent(status))
	}
	mods, err := Modules(root)
	if err != nil {
		return err
	}
	if err := checkTags(ctx, root, mods, v); err != nil {
		return err
	}
	if err := checkChangelog(root, v); err != nil {
		return err
	}
	if err := testAll(ctx, root, log); err != nil {
		return err
	}
	fmt.Fprintf(log, "== install check of %s, from the working tree\n", v)
	gomods, err := Check(ctx, root, CheckOptions{Version: v, Fallback: opts.Fallback, Log: log})
	if err != nil {
		return err
	}

	nested := mods[1:]
	var tags, files []string
	for _, m := range mods {
		tags = append(tags, m.Tag(v))
	}
	for _, m := range nested {
		files = append(files, path.Join(m.Dir, "go.mod"), path.Join(m.Dir, "go.sum"))
	}
	commitMsg := pinMessage(nested, v)
	if opts.DryRun {
		fmt.Fprintf(log, "== dry run: nothing was tagged or committed; a release would run\n")
		fmt.Fprintf(log, "git tag -a %s -m %q\n", mods[0].Tag(v), tagMessage(mods[0], v))
		for _, m := range nested {
			fmt.Fprintf(log, "# %s/go.mod becomes:\n%s", m.Dir, gomods[m.Dir])
		}
		fmt.Fprintf(log, "git commit -m %q -- %s\n", commitMsg, strings.Join(files, " "))
		for _, m := range nested {
			fmt.Fprintf(log, "git tag -a %s -m %q\n", m.Tag(v), tagMessage(m, v))
		}
		printPush(log, remote, branch, tags)
		return nil
	}

	start, err := git(ctx, root, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	var made []string
	defer func() {
		if err == nil {
			return
		}
		for _, t := range made {
			if _, derr := git(context.WithoutCancel(ctx), root, "tag", "-d", t); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		if _, rerr := git(context.WithoutCancel(ctx), root, "reset", "--hard", "-q", start); rerr != nil {
			err = errors.Join(err, rerr)
		}
		err = fmt.Errorf("%w\nthe release was undone: tags %v deleted, %s reset to %.12s", err, made, branch, start)
	}()
	tag := func(m Module) error {
		if _, err := git(ctx, root, "tag", "-a", m.Tag(v), "-m", tagMessage(m, v)); err != nil {
			return err
		}
		made = append(made, m.Tag(v))
		fmt.Fprintf(log, "tagged %s\n", m.Tag(v))
		return nil
	}

	if err := tag(mods[0]); err != nil {
		return err
	}
	if len(nested) > 0 {
		if err := pinTree(ctx, root, mods, v, opts.Fallback, log); err != nil {
			return err
		}
		var changed []string // a module that does not require the core may have no go.sum
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(f))); err == nil {
				changed = append(changed, f)
			}
		}
		if _, err := git(ctx, root, append([]string{"add", "--"}, changed...)...); err != nil {
			return err
		}
		if _, err := git(ctx, root, "diff", "--cached", "--quiet"); err != nil {
			// There are staged changes (or git failed, and commit will say why).
			if _, err := git(ctx, root, "commit", "-q", "-m", commitMsg); err != nil {
				return err
			}
			fmt.Fprintf(log, "committed %q\n", commitMsg)
		}
		for _, m := range nested {
			if err := tag(m); err != nil {
				return err
			}
		}
	}

	fmt.Fprintf(log, "== install check of %s, from the tagged commit\n", v)
	tmp, err := os.MkdirTemp("", "wechat-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := ExportGit(ctx, root, "HEAD", tmp); err != nil {
		return err
	}
	if _, err := Check(ctx, tmp, CheckOptions{Version: v, AsCommitted: true, Fallback: opts.Fallback, Log: log}); err != nil {
		return err
	}
	printPush(log, remote, branch, tags)
	return nil
}

// pinTree pins the published nested modules of the repository at root to
// the core's tag v, through a proxy that serves the tagged core as a module
// proxy will once it is pushed, and so records in go.sum the checksums the
// checksum database will have for it.
func pinTree(ctx context.Context, root string, mods []Module, v, fallback string, log io.Writer) error {
	tmp, err := os.MkdirTemp("", "wechat-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	core := filepath.Join(tmp, "core")
	if err := ExportGit(ctx, root, v, core); err != nil {
		return err
	}
	when, err := git(ctx, root, "log", "-1", "--format=%cI", v)
	if err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, when)
	if err != nil {
		return err
	}
	proxy := Proxy{Dir: filepath.Join(tmp, "proxy")}
	if err := proxy.Add(module.Version{Path: mods[0].Path, Version: v}, core, t); err != nil {
		return err
	}
	g, err := newGoCmd(ctx, proxy, filepath.Join(tmp, "modcache"), fallback)
	if err != nil {
		return err
	}
	for _, m := range mods[1:] {
		requires, err := pin(ctx, g, root, m, v)
		if err != nil {
			return fmt.Errorf("pinning %s/go.mod to %s: %w", m.Dir, v, err)
		}
		if requires {
			fmt.Fprintf(log, "pinned %s/go.mod: require %s %s\n", m.Dir, CorePath, v)
		}
	}
	return nil
}

// checkVersion refuses a version that is not vMAJOR.MINOR.PATCH (with an
// optional pre-release), and major versions from v2 on, whose module paths
// would need a /v2 suffix.
func checkVersion(v string) error {
	if !semver.IsValid(v) || semver.Canonical(v) != v {
		return fmt.Errorf("version %q: want vMAJOR.MINOR.PATCH, such as v0.2.0 (or v0.2.0-rc.1)", v)
	}
	if module.IsPseudoVersion(v) {
		return fmt.Errorf("version %q is a pseudo-version", v)
	}
	if major := semver.Major(v); major != "v0" && major != "v1" {
		return fmt.Errorf("version %q: from v2 on the module paths need a /%s suffix", v, major)
	}
	return nil
}

// checkTags refuses a version whose tags exist, or that is not above every
// release of the core: go get @latest takes the highest.
func checkTags(ctx context.Context, root string, mods []Module, v string) error {
	out, err := git(ctx, root, "tag", "--list")
	if err != nil {
		return err
	}
	existing := strings.Fields(out)
	for _, t := range existing {
		for _, m := range mods {
			if t == m.Tag(v) {
				return fmt.Errorf("tag %s exists", t)
			}
		}
		if semver.IsValid(t) && semver.Compare(t, v) > 0 {
			return fmt.Errorf("version %s is not above the release %s", v, t)
		}
	}
	return nil
}

// checkChangelog refuses a version that CHANGELOG.md has no section for.
func checkChangelog(root, v string) error {
	data, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return err
	}
	heading := regexp.MustCompile(`(?m)^## \[` + regexp.QuoteMeta(strings.TrimPrefix(v, "v")) + `\]`)
	if !heading.Match(data) {
		return fmt.Errorf("CHANGELOG.md has no section \"## [%s] - YYYY-MM-DD\": move the Unreleased entries into one and commit it", strings.TrimPrefix(v, "v"))
	}
	return nil
}

// testAll runs go test ./... in every module of the tree at root, published
// or not, through the tree's go.work if it has one.
func testAll(ctx context.Context, root string, log io.Writer) error {
	others, err := Unpublished(root)
	if err != nil {
		return err
	}
	for _, dir := range append(Published(), others...) {
		fmt.Fprintf(log, "== go test ./... (%s)\n", dir)
		cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "./...")
		cmd.Dir = filepath.Join(root, filepath.FromSlash(dir))
		cmd.Stdout = log
		cmd.Stderr = log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go test ./... in %s: %w", dir, err)
		}
	}
	return nil
}

func tagMessage(m Module, v string) string { return m.Path + " " + v }

func pinMessage(nested []Module, v string) string {
	var dirs []string
	for _, m := range nested {
		dirs = append(dirs, m.Dir)
	}
	return fmt.Sprintf("%s: require %s %s", strings.Join(dirs, ", "), CorePath, v)
}

func printPush(log io.Writer, remote, branch string, tags []string) {
	fmt.Fprintf(log, "== nothing was pushed; to publish, run\n")
	fmt.Fprintf(log, "git push %s %s\n", remote, branch)
	fmt.Fprintf(log, "git push %s %s\n", remote, strings.Join(tags, " "))
}

// git runs git with args in dir and returns its output, trimmed.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, indent(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
