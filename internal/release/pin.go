package release

import (
	"context"
	"os"
	"path/filepath"
)

// pin makes the go.mod of the published nested module m, in the tree at
// root, read as a release publishes it: if it requires the core, it
// requires it at version, with no replace directive for it (users' builds
// ignore them). Then go get records the requirement, and the core's
// checksums in go.sum, fetching the core through g's proxy, which must
// serve it at version. pin reports whether m requires the core.
func pin(ctx context.Context, g *goCmd, root string, m Module, version string) (bool, error) {
	f, err := readGoMod(root, m.Dir)
	if err != nil {
		return false, err
	}
	requires := false
	for _, r := range f.Require {
		requires = requires || r.Mod.Path == CorePath
	}
	for _, r := range f.Replace {
		if r.Old.Path == CorePath {
			if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
				return false, err
			}
		}
	}
	if requires {
		if err := f.AddRequire(CorePath, version); err != nil {
			return false, err
		}
	}
	f.Cleanup()
	data, err := f.Format()
	if err != nil {
		return false, err
	}
	dir := filepath.Join(root, filepath.FromSlash(m.Dir))
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), data, 0o644); err != nil {
		return false, err
	}
	if !requires {
		return false, nil
	}
	_, err = g.run(ctx, dir, "get", CorePath+"@"+version)
	return true, err
}
