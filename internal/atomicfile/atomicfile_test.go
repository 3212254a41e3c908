package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "event.json")
	if err := WriteFile(path, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "two" {
		t.Fatalf("read back %q, %v; want two", got, err)
	}
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", info.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileErrorNamesThePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "event.json") // a file where a directory should be
	err := WriteFile(path, []byte("x"), 0o644)
	if err == nil || !strings.HasPrefix(err.Error(), "write "+path+": ") || strings.Contains(err.Error(), ".tmp-") {
		t.Fatalf("err = %v, want it to name %s and not the temporary file", err, path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestWriteFileSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "event.json")
	if err := WriteFileSync(path, []byte("synced"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "synced" {
		t.Fatalf("read back %q, %v", got, err)
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".event.json.tmp-2841093": true, // as os.CreateTemp names them
		".ready.tmp-1":            true,
		"event.json":              false,
		".hidden.json":            false,
		"event.json.tmp-1":        false, // not hidden: not ours
		"events.ndjson":           false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHint(t *testing.T) {
	type hinted struct {
		err  error
		want string
	}
	var cases []hinted
	for _, e := range diskFull {
		cases = append(cases, hinted{fmt.Errorf("write x: %w", &fs.PathError{Op: "write", Path: "x", Err: e}),
			" (the disk is full: free some space, or write elsewhere)"})
	}
	for _, e := range diskReadOnly {
		cases = append(cases, hinted{&fs.PathError{Op: "open", Path: "x", Err: e}, " (the disk is read-only: write elsewhere)"})
	}
	cases = append(cases,
		hinted{fs.ErrPermission, ""},
		hinted{errors.New("no space left on device"), ""}, // the words alone are not the error
	)
	for _, tt := range cases {
		if got := Hint(tt.err, "write elsewhere"); got != tt.want {
			t.Errorf("Hint(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
