package release

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goCmd runs the go command the way a user's machine would see a release:
// modules of this repository come from a local module proxy, everything
// else from the user's module cache or their GOPROXY, with no workspace and
// no replace directives in reach.
type goCmd struct {
	env []string
}

// newGoCmd returns a goCmd whose GOPROXY tries proxy first, then the
// download cache of the user's module cache (itself a valid proxy, so
// third-party modules the repository already uses need no network), then
// fallback, or the user's GOPROXY when fallback is empty. Its module cache
// is modcache, a directory of its own: were it the user's, a zip built from
// a working tree would stay there under a version that a later check, or
// the real release, means to fill with other bytes.
func newGoCmd(ctx context.Context, proxy Proxy, modcache, fallback string) (*goCmd, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE", "GOPROXY").Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	userCache, userProxy, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if fallback == "" {
		fallback = userProxy
	}
	goproxy := proxy.URL()
	if userCache != "" {
		goproxy += "," + fileURL(filepath.Join(userCache, "cache", "download"))
	}
	if fallback != "" {
		goproxy += "," + fallback
	}
	env := append(os.Environ(),
		"GOWORK=off",
		"GOMODCACHE="+modcache,
		"GOPROXY="+goproxy,
		// This repository's modules are not in the checksum database until
		// a release is public; the rest still are checked against it.
		"GONOSUMDB="+CorePath,
		"GONOPROXY=",
		"GOPRIVATE=",
		// -modcacherw so that the temporary module cache can be removed.
		"GOFLAGS=-mod=mod -modcacherw",
		"GOTOOLCHAIN=local",
	)
	return &goCmd{env: env}, nil
}

// run runs go with args in dir and returns what it printed on stdout. Its
// error holds the command and everything it printed.
func (g *goCmd) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = g.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, indent(stdout.String()+stderr.String()))
	}
	return stdout.Bytes(), nil
}

// fileURL returns the file:// URL of the directory dir, as GOPROXY takes
// it (file:///C:/… on Windows).
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
