package golden

import (
	"os"
	"path/filepath"
	"testing"
)

type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.golden")
	Check(t, path, []byte("one"), true)
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("update wrote %q", b)
	}
	Check(t, path, []byte("one"), false)
	r := &recorder{TB: t}
	Check(r, path, []byte("two"), false)
	if !r.failed {
		t.Fatal("a different output passed")
	}
}
