package release

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
)

// CheckOptions says what Check publishes.
type CheckOptions struct {
	// Version is the version the modules are published at, such as
	// v0.0.0-ci or the version a release is about to tag.
	Version string
	// AsCommitted publishes the nested modules' go.mod files as the tree
	// has them, without pinning: what tagging the tree alone would publish.
	AsCommitted bool
	// Fallback is the GOPROXY list that third-party modules come from when
	// the user's module cache lacks them; empty means `go env GOPROXY`,
	// "off" means none.
	Fallback string
	// Log receives a line for each step; nil discards them.
	Log io.Writer
}

// Check publishes the published modules of the tree at src to a module
// proxy in a temporary directory at opts.Version, the nested ones pinned as
// [Release] pins them. Then, in new modules, it does what users do: go get
// of each module at that version, and a build of a program that imports
// every package of them but the internal ones and the commands, and of the
// commands. It leaves src as it was, and returns the go.mod
// that each published module was published with, by directory.
func Check(ctx context.Context, src string, opts CheckOptions) (map[string][]byte, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	tmp, err := os.MkdirTemp("", "wechat-installcheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, "tree")
	if err := CopyTree(src, tree); err != nil {
		return nil, err
	}
	mods, err := Modules(tree)
	if err != nil {
		return nil, err
	}
	skipped, err := Unpublished(tree)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		fmt.Fprintf(log, "not published, skipped: %s\n", strings.Join(skipped, ", "))
	}
	proxy := Proxy{Dir: filepath.Join(tmp, "proxy")}
	g, err := newGoCmd(ctx, proxy, filepath.Join(tmp, "modcache"), opts.Fallback)
	if err != nil {
		return nil, err
	}
	if err := publish(ctx, g, proxy, tree, mods, opts.Version, !opts.AsCommitted, time.Now(), log); err != nil {
		return nil, err
	}
	published := make(map[string][]byte)
	for _, m := range mods {
		data, err := os.ReadFile(filepath.Join(tree, filepath.FromSlash(m.Dir), "go.mod"))
		if err != nil {
			return nil, err
		}
		published[m.Dir] = data
	}
	if err := install(ctx, g, tree, filepath.Join(tmp, "user"), mods, opts.Version, log); err != nil {
		return nil, fmt.Errorf("installing as a user would: %w", err)
	}
	return published, nil
}

// publish adds mods, from the tree at root, to proxy at version, pinning
// the nested ones first when pinning is asked for. A nested module without
// a LICENSE gets the root's, as the go command gives it when it zips a
// nested module from a repository.
func publish(ctx context.Context, g *goCmd, proxy Proxy, root string, mods []Module, version string, pinning bool, t time.Time, log io.Writer) error {
	for _, m := range mods {
		dir := filepath.Join(root, filepath.FromSlash(m.Dir))
		if m.Dir != "." {
			if pinning {
				requires, err := pin(ctx, g, root, m, version)
				if err != nil {
					return fmt.Errorf("pinning %s/go.mod to %s: %w", m.Dir, version, err)
				}
				if requires {
					fmt.Fprintf(log, "pinned %s/go.mod: require %s %s\n", m.Dir, CorePath, version)
				}
			}
			if err := inheritLicense(root, dir); err != nil {
				return err
			}
		}
		if err := proxy.Add(module.Version{Path: m.Path, Version: version}, dir, t); err != nil {
			return err
		}
		fmt.Fprintf(log, "proxy serves %s@%s\n", m.Path, version)
	}
	return nil
}

// install does in new modules under dir what users do with mods: go get
// of each module at version in a module of its own, as a user who needs
// only that one does (in a module that had the core already, the core's
// version could hide a nested module's requirement of one that does not
// exist); then, in one module, go get of them all and go build of every
// package they export.
func install(ctx context.Context, g *goCmd, root, dir string, mods []Module, version string, log io.Writer) error {
	for i, m := range mods {
		user, err := newUserModule(root, filepath.Join(dir, fmt.Sprint(i)), mods)
		if err != nil {
			return err
		}
		if err := get(ctx, g, user, []Module{m}, mods, version, log); err != nil {
			return err
		}
	}
	user, err := newUserModule(root, filepath.Join(dir, "all"), mods)
	if err != nil {
		return err
	}
	if err := get(ctx, g, user, mods, mods, version, log); err != nil {
		return err
	}
	out, err := g.run(ctx, user, "list", "-f", "{{.Name}} {{.ImportPath}}", CorePath+"/...")
	if err != nil {
		return err
	}
	var libs, cmds []string
	for line := range strings.Lines(string(out)) {
		name, p, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch {
		case slices.Contains(strings.Split(p, "/"), "internal"):
		case name == "main":
			cmds = append(cmds, p)
		default:
			libs = append(libs, p)
		}
	}
	var prog strings.Builder
	prog.WriteString("// Command user imports every package that a user of the published modules can import.\npackage main\n\nimport (\n")
	for _, p := range libs {
		fmt.Fprintf(&prog, "\t_ %q\n", p)
	}
	prog.WriteString(")\n\nfunc main() {}\n")
	if err := os.WriteFile(filepath.Join(user, "main.go"), []byte(prog.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "go build: a program importing %s; and %s\n", strings.Join(libs, ", "), strings.Join(cmds, ", "))
	// -trimpath keeps the module cache's temporary path out of the build
	// cache's keys, so a second check compiles nothing that has not changed.
	bin := filepath.Join(user, "bin") + string(filepath.Separator)
	_, err = g.run(ctx, user, append([]string{"build", "-trimpath", "-o", bin, "."}, cmds...)...)
	return err
}

// newUserModule makes an empty module in dir, as a user's new program, with
// the go version of the core and the checksums the published modules know
// (so that it need not ask the checksum database for each third-party
// module).
func newUserModule(root, dir string, mods []Module) (string, error) {
	core, err := readGoMod(root, ".")
	if err != nil {
		return "", err
	}
	goVersion := "1.24"
	if core.Go != nil {
		goVersion = core.Go.Version
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gomod := fmt.Sprintf("module example.com/user\n\ngo %s\n", goVersion)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return "", err
	}
	sums, err := goSumLines(root, mods)
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "go.sum"), []byte(strings.Join(sums, "\n")+"\n"), 0o644)
}

// get runs go get of each of mods at version in the module at dir, and
// checks that every published module in the build list is then at version.
func get(ctx context.Context, g *goCmd, dir string, mods, published []Module, version string, log io.Writer) error {
	for _, m := range mods {
		fmt.Fprintf(log, "go get %s@%s (in %s)\n", m.Path, version, filepath.Base(dir))
		if _, err := g.run(ctx, dir, "get", m.Path+"@"+version); err != nil {
			return err
		}
	}
	out, err := g.run(ctx, dir, "list", "-m", "-f", "{{.Path}} {{.Version}}", "all")
	if err != nil {
		return err
	}
	for line := range strings.Lines(string(out)) {
		p, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		isPublished := slices.ContainsFunc(published, func(m Module) bool { return m.Path == p })
		if isPublished && v != version {
			return fmt.Errorf("after go get in %s, the build list has %s %s, not %s: a published module requires another version of it", dir, p, v, version)
		}
	}
	return nil
}

// goSumLines returns the lines of the go.sum files of mods, sorted, without
// duplicates.
func goSumLines(root string, mods []Module) ([]string, error) {
	var lines []string
	for _, m := range mods {
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(m.Dir), "go.sum"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				lines = append(lines, line)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(lines)
	return slices.Compact(lines), nil
}

// inheritLicense copies the LICENSE at root into dir unless dir has one.
func inheritLicense(root, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "LICENSE")); err == nil {
		return nil
	}
	src := filepath.Join(root, "LICENSE")
	if _, err := os.Stat(src); err != nil {
		return nil // nothing to inherit
	}
	return copyFile(src, filepath.Join(dir, "LICENSE"))
}
