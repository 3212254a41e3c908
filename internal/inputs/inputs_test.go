package inputs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bmatcuk/doublestar/v4"
)

func touch(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(root, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func names(ins []Input) []string {
	var out []string
	for _, in := range ins {
		out = append(out, filepath.ToSlash(in.Name))
	}
	return out
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	touch(t, ".", "d/b.json", "d/a.json", "d/notes.txt", "d/sub/c.JSON", "d/.git/x.json", "d/.a.json", "e/deep/er/z.json", "one.json")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"one.json"}, []string{"one.json"}},
		{[]string{"d"}, []string{"d/a.json", "d/b.json", "d/sub/c.JSON"}},
		{[]string{"./d/"}, []string{"d/a.json", "d/b.json", "d/sub/c.JSON"}},
		{[]string{"d/*.json"}, []string{"d/a.json", "d/b.json"}},
		{[]string{"**/*.json"}, []string{"d/a.json", "d/b.json", "e/deep/er/z.json", "one.json"}},
		{[]string{"./d/../d/{b,a}.json"}, []string{"d/a.json", "d/b.json"}},
		{[]string{"d/.git/*.json"}, []string{"d/.git/x.json"}}, // hidden, but named
		{[]string{"d/.*.json"}, []string{"d/.a.json"}},
		{[]string{"d/[!b]*.json"}, []string{"d/a.json"}}, // as in a shell, [!b] does not match the dot of .a.json
		{[]string{filepath.Join(dir, "e", "**", "*.json")}, []string{filepath.ToSlash(filepath.Join(dir, "e/deep/er/z.json"))}},
		{[]string{"-", "one.json", "d/a.json", "one.json"}, []string{"<stdin>", "one.json", "d/a.json"}},
	} {
		got, err := Expand(tc.args)
		if err != nil {
			t.Errorf("Expand(%q): %v", tc.args, err)
			continue
		}
		if !reflect.DeepEqual(names(got), tc.want) {
			t.Errorf("Expand(%q) = %q, want %q", tc.args, names(got), tc.want)
		}
	}
}

func TestExpandSaysWhatWasFound(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	touch(t, ".", "d/a.json", "one.json")
	got, err := Expand([]string{"one.json", "d", "*.json", "-"})
	if err != nil {
		t.Fatal(err)
	}
	var found []bool
	for _, in := range got {
		found = append(found, in.Found)
	}
	// one.json is named first, so the glob's match of it is the same input.
	if want := []bool{false, true, false}; !slices.Equal(found, want) {
		t.Errorf("%q found %v, want %v", names(got), found, want)
	}
}

func TestExpandSaysWhatMatchedNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	touch(t, ".", "empty/readme.txt")
	for arg, want := range map[string]string{
		"missing.json":   "missing.json: no such file or directory",
		"nothing/*.json": "nothing/*.json: no files match this pattern",
		"empty":          "empty: no *.json files in this directory",
		"[.json":         "[.json: bad glob pattern",
	} {
		_, err := Expand([]string{arg})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Expand(%q) error = %v, want %q", arg, err, want)
		}
	}
}

func TestRead(t *testing.T) {
	b, err := FromArg(Stdin).Read(strings.NewReader("{}"))
	if err != nil || string(b) != "{}" {
		t.Fatalf("stdin: got %q, %v", b, err)
	}
	path := filepath.Join(t.TempDir(), "x")
	if _, err := FromArg(path).Read(nil); err == nil || err.Error() != "cannot read: no such file or directory" {
		t.Fatalf("missing file: %v", err)
	}
	os.WriteFile(path, []byte("[1]"), 0o644)
	if b, err := FromArg(path).Read(nil); err != nil || string(b) != "[1]" {
		t.Fatalf("file: got %q, %v", b, err)
	}
	locked := Input{Name: "d/locked", Path: "d/locked", Err: errors.New("cannot read directory: permission denied")}
	if _, err := locked.Read(nil); err != locked.Err || locked.IsStdin() {
		t.Fatalf("an unreadable directory: %v", err)
	}
}

// lockedFS is a file system one directory of which cannot be read.
type lockedFS struct {
	fstest.MapFS
	locked string
}

func (l lockedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == l.locked {
		return nil, &fs.PathError{Op: "readdirent", Path: name, Err: fs.ErrPermission}
	}
	return l.MapFS.ReadDir(name)
}

// One directory that cannot be read is listed with its error, in its
// place, and the others are walked all the same.
func TestWalkListsWhatItCannotRead(t *testing.T) {
	fsys := lockedFS{fstest.MapFS{
		"a.json": {}, "b/locked/x.json": {}, "b/z.json": {}, "c.json": {}, "c.txt": {},
		"p.json": {Mode: fs.ModeNamedPipe}, "s.json": {Mode: fs.ModeSocket},
	}, "b/locked"}
	got := walk(fsys, "fixtures", func(rel string, isDir bool) (bool, bool) {
		return true, isDir || strings.HasSuffix(rel, ".json")
	}, false)
	var lines []string
	for _, in := range got {
		lines = append(lines, fmt.Sprintf("%s %v", filepath.ToSlash(in.Name), in.Err))
	}
	want := []string{
		"fixtures/a.json <nil>",
		"fixtures/b/locked cannot read directory: permission denied",
		"fixtures/b/z.json <nil>",
		"fixtures/c.json <nil>",
		"fixtures/p.json cannot read: it is a named pipe, not a file (in a directory or a glob, only files are read)",
		"fixtures/s.json cannot read: it is a socket, not a file (in a directory or a glob, only files are read)",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// glob answers as doublestar does with WithFilesOnly and WithNoHidden, on
// a tree with the awkward cases: hidden files and directories, a directory
// whose name matches, names with glob syntax in them. (Where a pattern
// starts with [, doublestar lets it match a hidden name; glob does as a
// shell does, and TestExpand holds it to that.)
func TestGlobMatchesDoublestar(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.json", "b.JSON", ".hidden.json", "dir.json/x.json", "x y.json", "[a].json", "{c}.json",
		"sub/d.json", "sub/deeper/e.json", "sub/.git/f.json", "ab", "other/sub/d.json")
	os.Symlink(filepath.Join(dir, "a.json"), filepath.Join(dir, "to-file.json"))
	for _, pattern := range []string{"*.json", "*.JSON", "?.json", "[ab].json", "{a,b}.json", "*", "a*", `\[a\].json`,
		"*.{json,JSON}", "nomatch*", "{c}.json", "*/x.json", "**/*.json", "*y.json", "to-*",
		"sub/**", "**/d.json", "*/sub/*.json", "sub/*/*.json", "s*/**/e.json"} {
		want, err := doublestar.FilepathGlob(filepath.Join(dir, pattern), doublestar.WithFilesOnly(), doublestar.WithNoHidden())
		if err != nil {
			t.Fatal(pattern, err)
		}
		slices.Sort(want)
		found, err := glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(pattern, err)
		}
		if got := names(found); !reflect.DeepEqual(got, slashed(want)) {
			t.Errorf("%q: got %q, doublestar %q", pattern, got, slashed(want))
		}
	}
}

func slashed(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.ToSlash(p))
	}
	return out
}

func BenchmarkExpand(b *testing.B) {
	dir := b.TempDir()
	for i := range 10000 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d-event.json", i)), nil, 0o644)
	}
	for _, arg := range []string{dir, filepath.Join(dir, "*.json")} {
		b.Run(filepath.Base(arg), func(b *testing.B) {
			for b.Loop() {
				if ins, err := Expand([]string{arg}); err != nil || len(ins) != 10000 {
					b.Fatal(len(ins), err)
				}
			}
		})
	}
}

func TestReasonKeepsOnlyWhy(t *testing.T) {
	dir := t.TempDir()
	_, openErr := os.Open(filepath.Join(dir, "nope.json"))
	renameErr := os.Rename(filepath.Join(dir, "nope.json"), filepath.Join(dir, "x.json"))
	other := errors.New("other")
	for _, tt := range []struct {
		err, want error
	}{
		{openErr, fs.ErrNotExist},
		{renameErr, fs.ErrNotExist},
		{fmt.Errorf("wrapped: %w", openErr), fs.ErrNotExist},
		{other, other},
	} {
		got := Reason(tt.err)
		if !errors.Is(got, tt.want) || strings.Contains(got.Error(), dir) {
			t.Errorf("Reason(%v) = %v, want %v without the path", tt.err, got, tt.want)
		}
	}
}
