package wechat_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesHaveOutput checks that every Example of the module (this
// package, wechattest, the commands and the example programs; the nested
// modules redisstore, benchmarks and examples/redis are their own) has an
// output comment, so that go test runs it and checks what it prints: an
// example without one is only compiled, and can rot.
func TestExamplesHaveOutput(t *testing.T) {
	var total, withOutput int
	var missing []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != "." {
				return filepath.SkipDir // a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, ex := range doc.Examples([]*ast.File{f}...) {
			total++
			if ex.Output != "" || ex.EmptyOutput {
				withOutput++
			} else {
				missing = append(missing, path+": Example"+prefixed(ex.Name))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatal("no examples found")
	}
	t.Logf("%d examples, %d with an output comment", total, withOutput)
	for _, m := range missing {
		t.Errorf("%s has no // Output: comment, so go test never runs it", m)
	}
}

func prefixed(name string) string {
	if name == "" {
		return ""
	}
	return "_" + name
}
