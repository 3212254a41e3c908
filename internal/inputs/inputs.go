// Package inputs turns command-line arguments (files, directories, globs and
// "-" for stdin) into the documents they name, in the order the user gave.
package inputs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Stdin is the argument that means standard input, and stdinName what
// messages call it.
const (
	Stdin     = "-"
	stdinName = "<stdin>"
)

// Input is one document an argument names.
type Input struct {
	// Name is what messages call it: the path as the user would type it,
	// or "<stdin>".
	Name string
	Path string // "" for stdin
	// Found says the file was found in a directory or by a glob, rather
	// than named: a command may pass over some of those that a file named
	// on purpose would be an error for.
	Found bool
	// Err is set for a directory under an argument that could not be
	// read: what it holds is unknown, and the rest is listed all the same.
	Err error
}

// IsStdin reports whether the input is standard input.
func (in Input) IsStdin() bool { return in.Path == "" && in.Err == nil }

// Arg is the input as a command-line argument: its path, or "-".
func (in Input) Arg() string {
	if in.IsStdin() {
		return Stdin
	}
	return in.Path
}

// FromArg is the input one expanded argument names: a path, or "-".
func FromArg(arg string) Input {
	if arg == Stdin {
		return Input{Name: stdinName}
	}
	return Input{Name: arg, Path: arg}
}

// Read reads the whole input; stdin is read from stdin. The error says
// why, not which input: callers put the name in front.
func (in Input) Read(stdin io.Reader) ([]byte, error) {
	if in.Err != nil {
		return nil, in.Err
	}
	var b []byte
	var err error
	if in.IsStdin() {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(in.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", Reason(err))
	}
	return b, nil
}

// Expand resolves args: a file is itself, a directory is every *.json under
// it in name order (so a capture directory comes back in arrival order), a
// glob (with ** for any depth) is expanded, sorted, and "-" is stdin.
// Directories and globs skip hidden files and directories, as a shell does.
// Files named twice are kept once. An argument that matches nothing is an
// error, so a typo never passes silently; a directory under it that cannot
// be read is an Input with Err set.
func Expand(args []string) ([]Input, error) {
	var out []Input
	seen := map[string]bool{}
	add := func(ins ...Input) {
		for _, in := range ins {
			if !seen[in.Path] {
				seen[in.Path] = true
				out = append(out, in)
			}
		}
	}
	for _, arg := range args {
		if arg == Stdin {
			out = append(out, FromArg(arg))
			continue
		}
		info, err := os.Stat(arg)
		switch {
		case err == nil && info.IsDir():
			found := walk(os.DirFS(arg), arg, func(rel string, isDir bool) (bool, bool) {
				return true, isDir || strings.EqualFold(filepath.Ext(rel), ".json")
			}, false)
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no *.json files in this directory", arg)
			}
			add(found...)
		case err == nil:
			add(Input{Name: arg, Path: arg})
		case hasMeta(arg):
			found, err := glob(arg)
			if err != nil {
				return nil, fmt.Errorf("%s: bad glob pattern: %w", arg, err)
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no files match this pattern (check it; nothing was read)", arg)
			}
			add(found...)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file or directory (check the path; nothing was read)", arg)
		default:
			return nil, fmt.Errorf("%s: %w", arg, Reason(err))
		}
	}
	return out, nil
}

// walk lists the files in fsys, the directory root, that want takes, in
// the order fs.WalkDir visits them (each directory's entries by name).
// want gets each entry's path in fsys and says whether to descend into it
// (a directory) and whether to take it (a file). Hidden entries are
// skipped unless hidden is set. A directory that cannot be read is listed
// with its error, and the walk goes on.
func walk(fsys fs.FS, root string, want func(rel string, isDir bool) (descend, take bool), hidden bool) []Input {
	var found []Input
	fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err != nil {
			found = append(found, Input{Name: p, Path: p, Err: fmt.Errorf("cannot read directory: %w", Reason(err))})
			return nil // WalkDir goes on with the next entry
		}
		if rel == "." {
			return nil
		}
		if !hidden && strings.HasPrefix(d.Name(), ".") { // .git and friends
			return skip(d)
		}
		descend, take := want(rel, d.IsDir())
		switch {
		case d.IsDir() && !descend:
			return fs.SkipDir
		case !d.IsDir() && take:
			in := Input{Name: p, Path: p, Found: true}
			if what := special(fsys, rel, d); what != "" {
				in.Err = fmt.Errorf("cannot read: it is %s, not a file (in a directory or a glob, only files are read)", what)
			}
			found = append(found, in)
		}
		return nil
	})
	return found
}

// special says what a directory entry is when it is neither a regular
// file nor a link to one ("a named pipe"), and "" when it is one. Reading
// a named pipe that nobody writes to would wait forever.
func special(fsys fs.FS, rel string, d fs.DirEntry) string {
	mode := d.Type()
	if mode&fs.ModeSymlink != 0 {
		info, err := fs.Stat(fsys, rel)
		if err != nil {
			return "" // a dangling link: Read says so
		}
		mode = info.Mode().Type()
	}
	switch {
	case mode.IsRegular():
		return ""
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode.IsDir():
		return "a directory"
	}
	return "not a regular file"
}

func skip(d fs.DirEntry) error {
	if d.IsDir() {
		return fs.SkipDir
	}
	return nil
}

// glob expands pattern (** for any depth) to the files it matches, sorted.
// Like a shell, it skips hidden files and directories (.git, .cache)
// unless the pattern names some, and it reads only the directories that
// the pattern can reach.
func glob(pattern string) ([]Input, error) {
	pattern = filepath.ToSlash(filepath.Clean(pattern))
	if !doublestar.ValidatePattern(pattern) {
		return nil, doublestar.ErrBadPattern
	}
	base, rest := doublestar.SplitPattern(pattern)
	segs := strings.Split(rest, "/")
	hidden := strings.HasPrefix(rest, ".") || strings.Contains(rest, "/.")
	root := filepath.FromSlash(base)
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return nil, nil // nothing there to match
	}
	found := walk(os.DirFS(root), root, func(rel string, isDir bool) (bool, bool) {
		if !isDir {
			ok, _ := doublestar.Match(rest, rel)
			return false, ok
		}
		// A directory is worth reading while the segments before ** match.
		depth := strings.Count(rel, "/") + 1
		for i, s := range segs[:min(depth, len(segs))] {
			if s == "**" {
				return true, false
			}
			if ok, _ := doublestar.Match(s, strings.Split(rel, "/")[i]); !ok {
				return false, false
			}
		}
		return depth < len(segs), false
	}, hidden)
	slices.SortFunc(found, func(a, b Input) int { return strings.Compare(a.Path, b.Path) })
	return found, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[{") }

// Reason drops the operation and path that os errors repeat (an
// *fs.PathError, or the *os.LinkError of a rename or link), keeping why a
// file could not be read or written: "no such file or directory",
// "permission denied", for a message that names the file itself.
func Reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
