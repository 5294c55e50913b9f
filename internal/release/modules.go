// Package release tags the modules of this repository and checks that what
// a release publishes installs the way a user installs it.
//
// The repository holds the core module github.com/mpkit/wechat at its root
// and nested modules below it. The published ones (see [Published]) are
// tagged with their directory as prefix: v0.2.0 for the core,
// redisstore/v0.2.0 for redisstore. Between releases a nested module builds
// against the working tree, through go.work or a replace directive; but
// users' builds ignore both, so a released nested module must require a core
// version that the module proxy serves. [Release] tags the core, pins the
// nested modules' requirements to that tag and tags them; [Check]
// publishes a tree to a module proxy in a temporary directory, pins it as a
// release would and installs it into a new module, so that a tree whose
// release would not install fails CI rather than its users.
package release

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"golang.org/x/mod/modfile"
)

// CorePath is the module path of the repository's root module. A nested
// module's path is CorePath, a slash and its directory: that is how the go
// command finds the directory, and the tag prefix, of a module path.
const CorePath = "github.com/mpkit/wechat"

// Published returns the directories, relative to the repository root, of
// the modules a release tags, the core first. A nested module may require
// the core, not another nested module. Every other module of the tree
// (examples/redis, benchmarks) is never published: it keeps its replace
// directives, and Release and Check skip it. To publish a new nested
// module, add its directory here.
func Published() []string { return []string{".", "redisstore"} }

// A Module is a published module of the tree.
type Module struct {
	Dir  string // slash-separated and relative to the root; "." for the core
	Path string // the module path, as its go.mod declares it
}

// Tag returns the git tag that publishes m at version: the version for the
// core, the directory and the version for a nested module.
func (m Module) Tag(version string) string {
	if m.Dir == "." {
		return version
	}
	return m.Dir + "/" + version
}

// Modules reads the go.mod of every published module of the tree at root
// and returns them in the order of [Published]. It fails if a module's path
// does not match its directory, if a nested module requires another one,
// or if a go.mod has a directive that users' builds ignore (replace,
// exclude) other than a nested module's replace of the core, which a
// release drops: a module that needs one builds in this repository and nowhere
// else.
func Modules(root string) ([]Module, error) {
	nested := make(map[string]bool)
	var mods []Module
	for _, dir := range Published() {
		mods = append(mods, Module{Dir: dir, Path: modulePath(dir)})
		nested[modulePath(dir)] = dir != "."
	}
	var errs []error
	for _, m := range mods {
		f, err := readGoMod(root, m.Dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name := path.Join(m.Dir, "go.mod")
		if f.Module == nil || f.Module.Mod.Path != m.Path {
			errs = append(errs, fmt.Errorf("%s: the module path must be %s, the path of its directory", name, m.Path))
		}
		for _, r := range f.Require {
			if nested[r.Mod.Path] {
				errs = append(errs, fmt.Errorf("%s: require %s: a nested module may require the core, not another nested module", name, r.Mod.Path))
			}
		}
		for _, r := range f.Replace {
			if m.Dir == "." || r.Old.Path != CorePath {
				errs = append(errs, fmt.Errorf("%s: replace %s: users' builds ignore replace directives", name, r.Old.Path))
			}
		}
		for _, x := range f.Exclude {
			errs = append(errs, fmt.Errorf("%s: exclude %s %s: users' builds ignore exclude directives", name, x.Mod.Path, x.Mod.Version))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return mods, nil
}

// Unpublished returns the directories of the modules of the tree at root
// that are not published: every directory below root with a go.mod that
// [Published] does not list, sorted.
func Unpublished(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Name() != "go.mod" || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); !slices.Contains(Published(), rel) {
			dirs = append(dirs, rel)
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

func readGoMod(root, dir string) (*modfile.File, error) {
	name := filepath.Join(root, filepath.FromSlash(dir), "go.mod")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return modfile.Parse(path.Join(dir, "go.mod"), data, nil)
}

// modulePath returns the module path of the published module in dir.
func modulePath(dir string) string {
	if dir == "." {
		return CorePath
	}
	return path.Join(CorePath, dir)
}
