package wechat_test

// Every endpoint the Client calls is modelled by wechattest: the paths
// are read from the package's own source, so a new endpoint without a
// model fails here.

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiPathPattern matches the API paths among the package's string
// literals.
var apiPathPattern = regexp.MustCompile(`^/(cgi-bin|customservice|cv|datacube|sns|wxaapi)/[a-z0-9_/]+$`)

// clientPaths returns the API paths that appear as string literals in
// the package's non-test files.
func clientPaths(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if v, err := strconv.Unquote(lit.Value); err == nil && apiPathPattern.MatchString(v) {
					seen[v] = true
				}
				return true
			})
		}
	}
	paths := make([]string, 0, len(seen))
	for p := range seen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func TestIntegrationEveryEndpointModelled(t *testing.T) {
	srv, c := startFake(t)
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	paths := clientPaths(t)
	require.GreaterOrEqual(t, len(paths), 131, "the scan found the client's endpoints")
	served := 0
	for _, p := range paths {
		resp, err := srv.HTTPClient().Get(srv.URL + p + "?access_token=" + url.QueryEscape(tok.Value))
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		// Method, token and argument errors are fine: the fake
		// knows the API.
		if assert.True(t, srv.Modelled(p), "%s is not modelled", p) &&
			assert.NotContains(t, string(body), "not modelled by wechattest", "%s", p) {
			served++
		}
	}
	t.Logf("wechattest serves %d of the %d endpoints the Client calls", served, len(paths))
}
