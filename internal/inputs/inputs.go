// Package inputs turns command-line arguments (files, directories, globs and
// "-" for stdin) into a list of named inputs, in the order the user gave.
package inputs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
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
			out = slices.Grow(out, len(files))
			for _, f := range files {
				add(f.path, f.regular)
			}
		case err == nil:
			add(arg, info.Mode().IsRegular())
		case hasMeta(arg):
			matches, err := doublestar.FilepathGlob(arg, doublestar.WithFilesOnly())
			if err != nil {
				return nil, fmt.Errorf("%s: bad glob pattern: %w", arg, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%s: no files match this pattern (check it; nothing was read)", arg)
			}
			sort.Strings(matches)
			for _, m := range matches {
				if !hidden(m) || hidden(arg) {
					add(m, false)
				}
			}
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
		f, err := os.Open(dir)
		if err != nil {
			return fmt.Errorf("read directory %s: %w", dir, plainError(err))
		}
		ents, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return fmt.Errorf("read directory %s: %w", dir, plainError(err))
		}
		type entry struct {
			name    string
			dir     bool
			regular bool
		}
		keep := make([]entry, 0, len(ents))
		for _, e := range ents {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, "."): // .git and friends
			case e.IsDir():
				keep = append(keep, entry{name, true, false})
			case strings.EqualFold(filepath.Ext(name), ".json"):
				keep = append(keep, entry{name, false, e.Type().IsRegular()})
			}
		}
		slices.SortFunc(keep, func(a, b entry) int { return strings.Compare(a.name, b.name) })
		files = slices.Grow(files, len(keep))
		for _, e := range keep {
			path := prefix + e.name
			if !e.dir {
				files = append(files, file{path, e.regular})
			} else if err := walk(path, path+string(filepath.Separator)); err != nil {
				return err
			}
		}
		return nil
	}
	dir = filepath.Clean(dir)
	prefix := dir + string(filepath.Separator)
	switch {
	case dir == ".":
		prefix = ""
	case os.IsPathSeparator(dir[len(dir)-1]): // the root
		prefix = dir
	}
	return files, walk(dir, prefix)
}

type file struct {
	path    string
	regular bool
}

// hidden reports whether a path goes through a dot-file or dot-directory
// (.git, .cache): like a shell, globs skip them unless the pattern names one.
func hidden(path string) bool {
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		if len(part) > 1 && part[0] == '.' && part != ".." {
			return true
		}
	}
	return false
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
