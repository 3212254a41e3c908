// Package inputs turns command-line arguments (files, directories, globs and
// "-" for stdin) into a list of named inputs, in the order the user gave.
package inputs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
)

// Stdin is the argument that means standard input.
const Stdin = "-"

// Input is one document to read: a path, or Stdin.
type Input struct {
	// Name is what messages call it: the path as the user would type it,
	// or "<stdin>".
	Name string
	Path string // "" for stdin
	// Regular is set when Expand saw that Path is a regular file (not a
	// FIFO or device, where a short read does not mean the end).
	Regular bool
}

// IsStdin reports whether the input is standard input.
func (in Input) IsStdin() bool { return in.Path == "" }

// Read reads the whole input into a new slice; stdin is read from stdin.
// The error says why, not which input: callers put the name in front.
func (in Input) Read(stdin io.Reader) ([]byte, error) {
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	b, err := in.ReadAppend((*bp)[:0], stdin)
	if err != nil {
		return nil, err
	}
	if cap(b) > cap(*bp) {
		return b, nil // outgrew the buffer: b is already the caller's own
	}
	return bytes.Clone(b), nil
}

// ReadAppend is Read into dst's spare capacity, growing it only when the
// input does not fit: a caller that reads many inputs one after another
// can reuse one buffer and allocate nothing.
func (in Input) ReadAppend(dst []byte, stdin io.Reader) ([]byte, error) {
	if in.IsStdin() {
		b, err := appendAll(dst, stdin)
		if err != nil {
			return nil, fmt.Errorf("cannot read: %w", err)
		}
		return b, nil
	}
	b, err := appendFile(dst, in.Path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", plainError(err))
	}
	return b, nil
}

var readBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendAll is io.ReadAll appending to dst.
func appendAll(dst []byte, r io.Reader) ([]byte, error) {
	for {
		dst = spare(dst)
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// spare returns b with room to read into, never nil.
func spare(b []byte) []byte {
	if len(b) < cap(b) {
		return b
	}
	return slices.Grow(b, max(512, cap(b)))
}

// Expand resolves args: a file is itself, a directory is every *.json under
// it in name order (so a capture directory comes back in arrival order), a
// glob (with ** for any depth) is expanded, sorted, and "-" is stdin.
// Directories and globs skip hidden files and directories, as a shell does.
// Files named twice are kept once. An argument that matches nothing is an
// error, so a typo never passes silently.
func Expand(args []string) ([]Input, error) {
	var out []Input
	var seen map[string]bool // one argument names each file once
	if len(args) > 1 {
		seen = map[string]bool{}
	}
	add := func(path string, regular bool) {
		if !seen[path] {
			if seen != nil {
				seen[path] = true
			}
			out = append(out, Input{Name: path, Path: path, Regular: regular})
		}
	}
	addAll := func(files []file) {
		out = slices.Grow(out, len(files))
		for _, f := range files {
			add(f.path, f.regular)
		}
	}
	for _, arg := range args {
		if arg == Stdin {
			out = append(out, Input{Name: "<stdin>"})
			continue
		}
		info, err := os.Stat(arg)
		switch {
		case err == nil && info.IsDir():
			files, err := jsonFilesUnder(arg)
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no *.json files in this directory", arg)
			}
			addAll(files)
		case err == nil:
			add(arg, info.Mode().IsRegular())
		case hasMeta(arg):
			files, err := glob(arg)
			if err != nil {
				return nil, fmt.Errorf("%s: bad glob pattern: %w", arg, err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no files match this pattern (check it; nothing was read)", arg)
			}
			addAll(files)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file or directory (check the path; nothing was read)", arg)
		default:
			return nil, fmt.Errorf("%s: %w", arg, plainError(err))
		}
	}
	return out, nil
}

// jsonFilesUnder lists the *.json files under dir in the order
// filepath.WalkDir visits them (each directory's entries by name, depth
// first), skipping hidden files and directories. It is WalkDir without the
// work validate does not need: no callback, no path cleaning per entry, no
// sorting of entries it then drops, which halves the walk of a large
// capture directory.
func jsonFilesUnder(dir string) ([]file, error) {
	var files []file
	var walk func(dir, prefix string) error
	walk = func(dir, prefix string) error {
		ents, err := readDir(dir, func(name string, typ fs.FileMode) bool {
			return !strings.HasPrefix(name, ".") && // .git and friends
				(typ.IsDir() || strings.EqualFold(filepath.Ext(name), ".json"))
		})
		if err != nil {
			return err
		}
		files = slices.Grow(files, len(ents))
		for _, e := range ents {
			path := prefix + e.name
			if !e.typ.IsDir() {
				files = append(files, file{path, e.typ.IsRegular()})
			} else if err := walk(path, path+string(filepath.Separator)); err != nil {
				return err
			}
		}
		return nil
	}
	dir = filepath.Clean(dir)
	return files, walk(dir, joinPrefix(dir))
}

// joinPrefix is what goes before a name to make a path in the clean
// directory dir, as filepath.Join would write it.
func joinPrefix(dir string) string {
	switch {
	case dir == ".":
		return ""
	case os.IsPathSeparator(dir[len(dir)-1]): // the root
		return dir
	}
	return dir + string(filepath.Separator)
}

// entry is a directory entry: its name and type bits.
type entry struct {
	name string
	typ  fs.FileMode
}

// readDir lists the entries of dir that keep accepts, sorted by name.
// Filtering before sorting is what makes it cheaper than os.ReadDir.
func readDir(dir string, keep func(name string, typ fs.FileMode) bool) ([]entry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("read directory %s: %w", dir, plainError(err))
	}
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read directory %s: %w", dir, plainError(err))
	}
	kept := make([]entry, 0, len(ents))
	for _, e := range ents {
		if name, typ := e.Name(), e.Type(); keep(name, typ) {
			kept = append(kept, entry{name, typ})
		}
	}
	slices.SortFunc(kept, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return kept, nil
}

type file struct {
	path    string
	regular bool
}

// glob expands pattern (** for any depth) to the files it matches, sorted.
// Like a shell, it skips hidden files and directories (.git, .cache)
// unless the pattern names them, and does not even descend into them.
func glob(pattern string) ([]file, error) {
	pattern = filepath.ToSlash(filepath.Clean(pattern))
	base, rest := doublestar.SplitPattern(pattern)
	if rest == "" || rest == "." || rest == ".." { // no meta after all: escaped
		matches, err := doublestar.FilepathGlob(pattern, doublestar.WithFilesOnly())
		files := make([]file, len(matches))
		for i, m := range matches {
			files[i] = file{path: m}
		}
		return files, err
	}
	if files, ok := globOneDir(base, rest); ok {
		return files, nil
	}
	var files []file
	err := doublestar.GlobWalk(os.DirFS(base), rest, func(match string, d fs.DirEntry) error {
		files = append(files, file{filepath.FromSlash(path.Join(base, match)), d.Type().IsRegular()})
		return nil
	}, doublestar.WithFilesOnly(), doublestar.WithNoHidden())
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.path, b.path) })
	return files, err
}

// globOneDir is glob's answer, faster, for the commonest pattern: names in
// one directory ("fixtures/*.json"). It does what doublestar does with
// WithFilesOnly and WithNoHidden, without sorting every entry and joining
// every path twice; TestGlobOneDirMatchesDoublestar holds it to that. It
// declines (ok false) any other pattern, outside Unix, and on any error,
// so that doublestar answers those.
func globOneDir(base, pattern string) (files []file, ok bool) {
	if filepath.Separator != '/' || strings.Contains(pattern, "/") || strings.Contains(pattern, "**") ||
		!doublestar.ValidatePattern(pattern) {
		return nil, false
	}
	noHidden := pattern[0] == '*' || pattern[0] == '?' // doublestar's rule for WithNoHidden
	var matchErr error
	ents, err := readDir(base, func(name string, _ fs.FileMode) bool {
		if noHidden && name[0] == '.' {
			return false
		}
		m, err := doublestar.Match(pattern, name)
		matchErr = cmp.Or(matchErr, err)
		return m
	})
	if err != nil || matchErr != nil {
		return nil, false
	}
	prefix := joinPrefix(base)
	files = make([]file, 0, len(ents))
	for _, e := range ents {
		isDir := e.typ.IsDir()
		if e.typ&(fs.ModeSymlink|fs.ModeIrregular) != 0 { // as doublestar: follow it
			info, err := os.Stat(prefix + e.name)
			isDir = err == nil && info.IsDir()
		}
		if !isDir {
			files = append(files, file{prefix + e.name, e.typ.IsRegular()})
		}
	}
	return files, true
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[{") }

// plainError drops the path that os errors repeat, keeping the reason:
// "no such file or directory", "permission denied".
func plainError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
