package release

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

func release(t *testing.T, repo string, opts Options) (string, error) {
	t.Helper()
	var log bytes.Buffer
	opts.Fallback = "off"
	opts.Log = &log
	err := Release(context.Background(), repo, opts)
	return log.String(), err
}

func TestReleaseTagsThePinnedModulesAndPushesNothing(t *testing.T) {
	repo, origin := newRepo(t, nil)
	start := runGit(t, repo, "rev-parse", "HEAD")

	log, err := release(t, repo, Options{Version: "v0.2.0"})
	require.NoError(t, err, log)

	assert.Equal(t, start, runGit(t, repo, "rev-parse", "v0.2.0^{commit}"), "the core is tagged where the release began")
	head := runGit(t, repo, "rev-parse", "HEAD")
	assert.Equal(t, head, runGit(t, repo, "rev-parse", "redisstore/v0.2.0^{commit}"))
	assert.Equal(t, start, runGit(t, repo, "rev-parse", "HEAD^"), "one commit pins redisstore")
	assert.Equal(t, "redisstore/go.mod\nredisstore/go.sum", runGit(t, repo, "diff", "--name-only", start, head))
	assert.Equal(t, "redisstore: require github.com/mpkit/wechat v0.2.0", runGit(t, repo, "log", "-1", "--format=%s"))
	assert.Equal(t, "github.com/mpkit/wechat/redisstore v0.2.0", runGit(t, repo, "tag", "-l", "--format=%(contents:subject)", "redisstore/v0.2.0"))
	assert.Empty(t, runGit(t, repo, "status", "--porcelain"))

	store := parseGoMod(t, []byte(runGit(t, repo, "show", "redisstore/v0.2.0:redisstore/go.mod")))
	assert.Equal(t, []string{"github.com/mpkit/wechat v0.2.0"}, requirements(store))
	assert.Empty(t, store.Replace)

	// The checksums pinned in go.sum are those of the tagged core, zipped
	// here by x/mod's own reading of the repository, as a proxy zips it.
	var zip bytes.Buffer
	core := module.Version{Path: CorePath, Version: "v0.2.0"}
	require.NoError(t, modzip.CreateFromVCS(&zip, core, repo, "v0.2.0", ""))
	zipFile := filepath.Join(t.TempDir(), "core.zip")
	require.NoError(t, os.WriteFile(zipFile, zip.Bytes(), 0o644))
	zipHash, err := dirhash.HashZip(zipFile, dirhash.Hash1)
	require.NoError(t, err)
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(sampleTree()["go.mod"])), nil
	})
	require.NoError(t, err)
	sum := runGit(t, repo, "show", "redisstore/v0.2.0:redisstore/go.sum")
	assert.Equal(t, "github.com/mpkit/wechat v0.2.0 "+zipHash+"\ngithub.com/mpkit/wechat v0.2.0/go.mod "+modHash, sum)

	assert.Empty(t, runGit(t, origin, "tag", "--list"), "nothing is pushed")
	assert.Equal(t, start, runGit(t, origin, "rev-parse", "main"))
	assert.Contains(t, log, "git push origin main\ngit push origin v0.2.0 redisstore/v0.2.0\n")
	assert.Contains(t, log, "== install check of v0.2.0, from the tagged commit")
}

func TestReleaseDryRunChangesNothing(t *testing.T) {
	repo, _ := newRepo(t, nil)
	start := runGit(t, repo, "rev-parse", "HEAD")

	log, err := release(t, repo, Options{Version: "v0.2.0", DryRun: true, Remote: "upstream"})
	require.NoError(t, err, log)

	assert.Empty(t, runGit(t, repo, "tag", "--list"))
	assert.Equal(t, start, runGit(t, repo, "rev-parse", "HEAD"))
	assert.Empty(t, runGit(t, repo, "status", "--porcelain"))
	for _, want := range []string{
		"== go test ./... (redisstore)",
		"== go test ./... (benchmarks)",
		`git tag -a v0.2.0 -m "github.com/mpkit/wechat v0.2.0"`,
		"# redisstore/go.mod becomes:\nmodule github.com/mpkit/wechat/redisstore\n\ngo 1.24.0\n\nrequire github.com/mpkit/wechat v0.2.0\n",
		`git commit -m "redisstore: require github.com/mpkit/wechat v0.2.0" -- redisstore/go.mod redisstore/go.sum`,
		`git tag -a redisstore/v0.2.0 -m "github.com/mpkit/wechat/redisstore v0.2.0"`,
		"git push upstream main\ngit push upstream v0.2.0 redisstore/v0.2.0\n",
	} {
		assert.Contains(t, log, want)
	}
}

func TestReleaseRefuses(t *testing.T) {
	tests := []struct {
		name    string
		version string
		prepare func(t *testing.T, repo string)
		want    string
	}{
		{name: "a version without a patch number", version: "v0.2", want: `version "v0.2": want vMAJOR.MINOR.PATCH`},
		{name: "a version without v", version: "0.2.0", want: "want vMAJOR.MINOR.PATCH"},
		{name: "a major version that needs a path suffix", version: "v2.0.0", want: "from v2 on the module paths need a /v2 suffix"},
		{name: "a pseudo-version", version: "v0.0.0-20250101000000-abcdefabcdef", want: "is a pseudo-version"},
		{name: "an untracked file", version: "v0.2.0", want: "the working tree is not clean", prepare: func(t *testing.T, repo string) {
			require.NoError(t, os.WriteFile(filepath.Join(repo, "notes.txt"), []byte("x"), 0o644))
		}},
		{name: "a tag that exists", version: "v0.2.0", want: "tag redisstore/v0.2.0 exists", prepare: func(t *testing.T, repo string) {
			runGit(t, repo, "tag", "redisstore/v0.2.0")
		}},
		{name: "a version below a release", version: "v0.2.0", want: "version v0.2.0 is not above the release v0.3.0", prepare: func(t *testing.T, repo string) {
			runGit(t, repo, "tag", "v0.3.0")
		}},
		{name: "no changelog section", version: "v0.2.1", want: `CHANGELOG.md has no section "## [0.2.1] - YYYY-MM-DD"`},
		{name: "a detached HEAD", version: "v0.2.0", want: "HEAD is detached", prepare: func(t *testing.T, repo string) {
			runGit(t, repo, "checkout", "-q", "--detach")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, _ := newRepo(t, nil)
			if tt.prepare != nil {
				tt.prepare(t, repo)
			}
			tags := runGit(t, repo, "tag", "--list")
			log, err := release(t, repo, Options{Version: tt.version})
			require.Error(t, err, log)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tags, runGit(t, repo, "tag", "--list"), "no tag is made")
		})
	}
}

func TestReleaseStopsWhenATestFails(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{
		"redisstore/store_test.go": "package redisstore\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { t.Fatal(\"broken\") }\n",
	})
	log, err := release(t, repo, Options{Version: "v0.2.0"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "go test ./... in redisstore")
	assert.Contains(t, log, "broken")
	assert.Empty(t, runGit(t, repo, "tag", "--list"))
}

// A failure after the core is tagged (here the pin commit, refused by a
// hook) undoes the release: no tags, the branch where it was.
func TestReleaseUndoesAFailedRelease(t *testing.T) {
	repo, _ := newRepo(t, nil)
	start := runGit(t, repo, "rev-parse", "HEAD")
	hook := filepath.Join(repo, ".git", "hooks", "pre-commit")
	require.NoError(t, os.WriteFile(hook, []byte("#!/bin/sh\necho refused by hook >&2\nexit 1\n"), 0o755))

	log, err := release(t, repo, Options{Version: "v0.2.0"})
	require.Error(t, err, log)
	assert.Contains(t, err.Error(), "refused by hook")
	assert.Contains(t, err.Error(), "the release was undone: tags [v0.2.0] deleted")
	assert.Contains(t, log, "tagged v0.2.0")
	assert.Empty(t, runGit(t, repo, "tag", "--list"))
	assert.Equal(t, start, runGit(t, repo, "rev-parse", "HEAD"))
	assert.Empty(t, runGit(t, repo, "status", "--porcelain"), "the pinned go.mod is put back")
}
