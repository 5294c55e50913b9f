package release

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
)

// needTools skips a test that runs the go command or git when they are not
// on PATH.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
}

// sampleTree is the layout of this repository in miniature, with no
// third-party modules so that checking it needs no network: the core with
// a library package, a test helper package, a command and an internal
// package; redisstore, published, requiring the core as the committed
// redisstore/go.mod does (a placeholder version and a replace); and two
// modules that are never published.
func sampleTree() map[string]string {
	return map[string]string{
		"go.mod":             "module github.com/mpkit/wechat\n\ngo 1.24.0\n",
		"LICENSE":            "sample licence\n",
		"CHANGELOG.md":       "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2025-01-02\n\n### Added\n\n- Version.\n",
		"wechat.go":          "// Package wechat stands for the core.\npackage wechat\n\n// Version is what the other packages use.\nfunc Version() string { return \"sample\" }\n",
		"wechat_test.go":     "package wechat\n\nimport \"testing\"\n\nfunc TestVersion(t *testing.T) {\n\tif Version() == \"\" {\n\t\tt.Fatal(\"empty\")\n\t}\n}\n",
		"wechattest/fake.go": "// Package wechattest stands for the fake.\npackage wechattest\n\nimport \"github.com/mpkit/wechat\"\n\n// Version is the core's.\nfunc Version() string { return wechat.Version() }\n",
		"cmd/tool/main.go":   "package main\n\nimport \"github.com/mpkit/wechat\"\n\nfunc main() { println(wechat.Version()) }\n",
		"internal/x/x.go":    "// Package x is internal.\npackage x\n",
		"redisstore/go.mod": "module github.com/mpkit/wechat/redisstore\n\ngo 1.24.0\n\n" +
			"require github.com/mpkit/wechat v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/mpkit/wechat => ../\n",
		"redisstore/store.go": "// Package redisstore stands for the Redis store.\npackage redisstore\n\nimport \"github.com/mpkit/wechat\"\n\n// Name uses the core.\nfunc Name() string { return wechat.Version() }\n",
		"examples/redis/go.mod": "module github.com/mpkit/wechat/examples/redis\n\ngo 1.24.0\n\n" +
			"require (\n\tgithub.com/mpkit/wechat v0.0.0-00010101000000-000000000000\n\tgithub.com/mpkit/wechat/redisstore v0.0.0-00010101000000-000000000000\n)\n\n" +
			"replace (\n\tgithub.com/mpkit/wechat => ../..\n\tgithub.com/mpkit/wechat/redisstore => ../../redisstore\n)\n",
		"examples/redis/main.go": "package main\n\nimport \"github.com/mpkit/wechat/redisstore\"\n\nfunc main() { println(redisstore.Name()) }\n",
		"benchmarks/go.mod":      "module github.com/mpkit/wechat/benchmarks\n\ngo 1.24.0\n\nrequire github.com/mpkit/wechat v0.0.0-00010101000000-000000000000\n\nreplace github.com/mpkit/wechat => ../\n",
		"benchmarks/bench.go":    "// Package benchmarks is never published.\npackage benchmarks\n\nimport _ \"github.com/mpkit/wechat\"\n",
	}
}

// writeTree writes the sample tree, changed by edits (an empty string
// deletes a file), into a new directory and returns it.
func writeTree(t *testing.T, edits map[string]string) string {
	t.Helper()
	files := sampleTree()
	maps.Copy(files, edits)
	dir := t.TempDir()
	for name, content := range files {
		if content == "" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// parseGoMod parses a go.mod that a test reads back.
func parseGoMod(t *testing.T, data []byte) *modfile.File {
	t.Helper()
	f, err := modfile.Parse("go.mod", data, nil)
	require.NoError(t, err)
	return f
}

// requirements returns the requirements of f as "path version" strings.
func requirements(f *modfile.File) []string {
	var reqs []string
	for _, r := range f.Require {
		reqs = append(reqs, r.Mod.Path+" "+r.Mod.Version)
	}
	return reqs
}

// newRepo makes a git repository of the sample tree, changed by edits, with
// one commit on branch main, pushed to a bare repository as origin. It
// isolates git from the user's configuration (hooks, signing) and so
// cannot run in parallel.
func newRepo(t *testing.T, edits map[string]string) (repo, origin string) {
	t.Helper()
	needTools(t, "go", "git")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(t.TempDir(), "gitconfig"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	repo = writeTree(t, edits)
	origin = t.TempDir()
	runGit(t, origin, "init", "-q", "--bare")
	runGit(t, repo, "init", "-q", "-b", "main")
	runGit(t, repo, "config", "user.name", "Release Test")
	runGit(t, repo, "config", "user.email", "release@example.com")
	runGit(t, repo, "add", ".")
	runGit(t, repo, "commit", "-q", "-m", "sample")
	runGit(t, repo, "remote", "add", "origin", origin)
	runGit(t, repo, "push", "-q", "origin", "main")
	return repo, origin
}

// runGit runs git in dir and returns its output, trimmed; it fails the
// test if git fails.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}
