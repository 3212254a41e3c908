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
	"unsafe"

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
		{[]string{"d/*.json"}, []string{"d/a.json", "d/b.json"}},
		{[]string{"**/*.json"}, []string{"d/a.json", "d/b.json", "e/deep/er/z.json", "one.json"}},
		{[]string{"./d/../d/{b,a}.json"}, []string{"d/a.json", "d/b.json"}},
		{[]string{"d/.git/*.json"}, []string{"d/.git/x.json"}}, // hidden, but named
		{[]string{"d/.*.json"}, []string{"d/.a.json"}},
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
		for _, in := range got {
			if !in.IsStdin() && !in.Regular {
				t.Errorf("Expand(%q): %s not marked regular", tc.args, in.Path)
			}
		}
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

func TestReadStdin(t *testing.T) {
	b, err := Input{Name: "<stdin>"}.Read(strings.NewReader("{}"))
	if err != nil || string(b) != "{}" {
		t.Fatalf("got %q, %v", b, err)
	}
	_, err = Input{Name: "x", Path: filepath.Join(t.TempDir(), "x")}.Read(nil)
	if err == nil || err.Error() != "cannot read: no such file or directory" {
		t.Fatalf("missing file: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	for _, size := range []int{0, 1, 511, 512, 64<<10 - 1, 64 << 10, 200 << 10} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte(i % 251)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dst := range [][]byte{nil, make([]byte, 0, 100), make([]byte, 0, 64<<10)} {
			got, err := appendFile(dst, path)
			if err != nil || string(got) != string(want) || got == nil {
				t.Fatalf("size %d into cap %d: got %d bytes, %v", size, cap(dst), len(got), err)
			}
			if size < cap(dst) && unsafe.SliceData(got) != unsafe.SliceData(dst) {
				t.Errorf("size %d into cap %d: allocated though it fitted", size, cap(dst))
			}
		}
		got, err := Input{Name: "f", Path: path}.Read(nil)
		if err != nil || string(got) != string(want) || got == nil {
			t.Fatalf("Read, size %d: got %d bytes, %v", size, len(got), err)
		}
	}
	if _, err := appendFile(nil, dir); err == nil {
		t.Fatal("reading a directory succeeded")
	}
	if _, err := appendFile(nil, filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// Read hands out a copy: reading the next input into the pooled buffer
// must not change what an earlier Read returned.
func TestReadReturnsItsOwnBytes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("aaaa"), 0o644)
	os.WriteFile(b, []byte("bbbb"), 0o644)
	first, _ := Input{Path: a}.Read(nil)
	Input{Path: b}.Read(nil)
	if string(first) != "aaaa" {
		t.Fatalf("first read became %q", first)
	}
}

// jsonFilesUnder must list what filepath.WalkDir would, in its order, for
// the spellings of a directory users type.
func TestJSONFilesUnderWalksLikeWalkDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	touch(t, ".", "d/b.json", "d/a-b.json", "d/a/z.json", "d/a/y.txt", "d/a.json", "d/A.JSON",
		"d/.hidden.json", "d/.git/x.json", "d/sub/deeper/c.json", "d/sub/.cache/c.json", "d/é.json", "top.json")
	walkDir := func(root string) []string {
		var files []string
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") {
				files = append(files, path)
			}
			return nil
		})
		return files
	}
	for _, root := range []string{"d", "d/", "./d", "d/sub/..", ".", dir, dir + "/d"} {
		files, err := jsonFilesUnder(root)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.path)
			if !f.regular {
				t.Errorf("%s: not marked regular", f.path)
			}
		}
		if want := walkDir(root); !reflect.DeepEqual(got, want) {
			t.Errorf("jsonFilesUnder(%q) =\n%q\nwant\n%q", root, got, want)
		}
	}
}

func BenchmarkExpand(b *testing.B) {
	dir := b.TempDir()
	for i := range 10000 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d-event.json", i)), nil, 0o644)
	}
	for b.Loop() {
		if ins, err := Expand([]string{dir}); err != nil || len(ins) != 10000 {
			b.Fatal(len(ins), err)
		}
	}
}

// globOneDir must answer exactly as doublestar does, for every pattern it
// does not decline, on a directory with the awkward cases: hidden files,
// a directory and symlinks whose names match, names with glob syntax.
func TestGlobOneDirMatchesDoublestar(t *testing.T) {
	if filepath.Separator != '/' {
		t.Skip("globOneDir declines outside Unix")
	}
	dir := t.TempDir()
	touch(t, dir, "a.json", "b.JSON", ".hidden.json", "dir.json/x.json", "x y.json", "[a].json", "{c}.json", "sub/d.json", "ab")
	os.Symlink(filepath.Join(dir, "dir.json"), filepath.Join(dir, "to-dir.json"))
	os.Symlink(filepath.Join(dir, "a.json"), filepath.Join(dir, "to-file.json"))
	os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling.json"))
	declined := 0
	for _, pattern := range []string{"*.json", "*.JSON", "?.json", ".*.json", "[ab].json", "{a,b}.json", "*", "a*", `\[a\].json`,
		"*.{json,JSON}", "[!a]*.json", "nomatch*", "{c}.json", "*/x.json", "**/*.json", "[a-", "*y.json", "to-*"} {
		want, wantErr := doublestar.FilepathGlob(filepath.Join(dir, pattern), doublestar.WithFilesOnly(), doublestar.WithNoHidden())
		slices.Sort(want)
		files, ok := globOneDir(filepath.ToSlash(dir), pattern)
		if !ok {
			declined++
			continue
		}
		var got []string
		for _, f := range files {
			got = append(got, f.path)
		}
		if wantErr != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, doublestar %q (%v)", pattern, got, want, wantErr)
		}
	}
	if declined != 3 { // */x.json, **/*.json, [a-
		t.Errorf("declined %d patterns, want 3", declined)
	}
}
