package release

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// check runs Check on tree at v0.0.0-ci with no network: third-party
// modules may come only from the user's module cache.
func check(t *testing.T, tree string, asCommitted bool) (map[string][]byte, string, error) {
	t.Helper()
	var log bytes.Buffer
	gomods, err := Check(context.Background(), tree, CheckOptions{
		Version:     "v0.0.0-ci",
		AsCommitted: asCommitted,
		Fallback:    "off",
		Log:         &log,
	})
	return gomods, log.String(), err
}

func TestCheckInstallsThePinnedTree(t *testing.T) {
	needTools(t, "go")
	t.Parallel()
	tree := writeTree(t, nil)
	gomods, log, err := check(t, tree, false)
	require.NoError(t, err, log)

	store := parseGoMod(t, gomods["redisstore"])
	assert.Equal(t, []string{"github.com/mpkit/wechat v0.0.0-ci"}, requirements(store))
	assert.Empty(t, store.Replace, "a published go.mod keeps no replace")
	assert.Contains(t, log, "not published, skipped: benchmarks, examples/redis")
	assert.Contains(t, log, "go get github.com/mpkit/wechat/redisstore@v0.0.0-ci (in 1)")
	assert.Contains(t, log, "a program importing github.com/mpkit/wechat, github.com/mpkit/wechat/redisstore, github.com/mpkit/wechat/wechattest; and github.com/mpkit/wechat/cmd/tool")
	assert.NotContains(t, log, "internal/x")

	committed, err := os.ReadFile(filepath.Join(tree, "redisstore", "go.mod"))
	require.NoError(t, err)
	assert.Equal(t, sampleTree()["redisstore/go.mod"], string(committed), "Check pins a copy, never the tree")
}

// The committed redisstore/go.mod requires a core version that no proxy
// serves, behind a replace that users' builds ignore: tagged as it is, it
// cannot be installed.
func TestCheckFailsOnTheCommittedRequire(t *testing.T) {
	needTools(t, "go")
	t.Parallel()
	_, log, err := check(t, writeTree(t, nil), true)
	require.Error(t, err, log)
	assert.Contains(t, err.Error(), "go get github.com/mpkit/wechat/redisstore@v0.0.0-ci")
	assert.Contains(t, err.Error(), "github.com/mpkit/wechat v0.0.0-00010101000000-000000000000")
}

func TestCheckFailsOnWhatPinningCannotMend(t *testing.T) {
	needTools(t, "go")
	t.Parallel()
	const storeMod = "module github.com/mpkit/wechat/redisstore\n\ngo 1.24.0\n\nrequire github.com/mpkit/wechat v0.0.0-00010101000000-000000000000\n\nreplace github.com/mpkit/wechat => ../\n"
	tests := []struct {
		name  string
		edits map[string]string
		want  string
	}{{
		name:  "a requirement no proxy serves",
		edits: map[string]string{"redisstore/go.mod": storeMod + "\nrequire example.com/missing v1.0.0\n"},
		want:  "example.com/missing",
	}, {
		name:  "a replace of a third-party module",
		edits: map[string]string{"redisstore/go.mod": storeMod + "\nreplace example.com/fork => ../fork\n"},
		want:  "redisstore/go.mod: replace example.com/fork: users' builds ignore replace directives",
	}, {
		name:  "an exclude",
		edits: map[string]string{"redisstore/go.mod": storeMod + "\nexclude example.com/old v1.0.0\n"},
		want:  "redisstore/go.mod: exclude example.com/old v1.0.0: users' builds ignore exclude directives",
	}, {
		name:  "a replace in the core",
		edits: map[string]string{"go.mod": "module github.com/mpkit/wechat\n\ngo 1.24.0\n\nreplace example.com/x => ./x\n"},
		want:  "go.mod: replace example.com/x: users' builds ignore replace directives",
	}, {
		name:  "a module path that is not its directory's",
		edits: map[string]string{"redisstore/go.mod": "module github.com/mpkit/redisstore\n\ngo 1.24.0\n"},
		want:  "redisstore/go.mod: the module path must be github.com/mpkit/wechat/redisstore",
	}, {
		name:  "a published module that is missing",
		edits: map[string]string{"redisstore/go.mod": "", "redisstore/store.go": ""},
		want:  "redisstore/go.mod: no such file",
	}, {
		name: "a nested module that uses what the core does not have",
		edits: map[string]string{
			"redisstore/store.go": "package redisstore\n\nimport \"github.com/mpkit/wechat\"\n\nfunc Name() string { return wechat.Missing() }\n",
		},
		want: "undefined: wechat.Missing",
	}, {
		name:  "a file name no module zip may hold",
		edits: map[string]string{"testdata/a:b.txt": "colon\n"},
		want:  "a:b.txt",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, log, err := check(t, writeTree(t, tt.edits), false)
			require.Error(t, err, log)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestUnpublishedListsEveryOtherModule(t *testing.T) {
	tree := writeTree(t, map[string]string{"tools/deep/go.mod": "module example.com/tools\n"})
	require.NoError(t, os.MkdirAll(filepath.Join(tree, ".git", "x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tree, ".git", "x", "go.mod"), []byte("module x\n"), 0o644))
	dirs, err := Unpublished(tree)
	require.NoError(t, err)
	assert.Equal(t, []string{"benchmarks", "examples/redis", "tools/deep"}, dirs)
}
