package capture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/atomicfile"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

func TestFileNamesSortInArrivalOrderAndStayUnique(t *testing.T) {
	var c clock
	var names []string
	for range 2000 {
		seq, at := c.next()
		names = append(names, journal.FileName(at, seq, fixtures.DocumentsCreated, "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f"))
	}
	if !slices.IsSorted(names) {
		t.Error("names do not sort in arrival order")
	}
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Error("the same eventId twice gave the same name")
	}
}

func TestClockNeverGoesBackwards(t *testing.T) {
	var c clock
	c.last = time.Now().Add(time.Hour) // as if the wall clock stepped back an hour
	seq, at := c.next()
	if seq != 1 || !at.Equal(c.last) {
		t.Errorf("next() = %d, %v; want 1 and the last time %v", seq, at, c.last)
	}
}

// Both ways of saving: an unnamed temporary file linked into place (Linux)
// and a named one renamed (elsewhere, or where O_TMPFILE is refused).
var saveModes = []struct {
	name    string
	unnamed bool
}{{"unnamed", true}, {"renamed", false}}

func TestStoreSavesAtomicallyByteForByte(t *testing.T) {
	for _, mode := range saveModes {
		for _, fsync := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s fsync=%v", mode.name, fsync), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "new", "events")
				s, err := openStore(dir, fsync)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				s.noUnnamed.Store(!mode.unnamed)
				defer func() {
					if mode.unnamed && s.noUnnamed.Load() {
						t.Log("this filesystem refuses O_TMPFILE: the rename was tested instead")
					}
				}()
				body := []byte("{\"a\":1}\r\n\x00\xff not even JSON")
				if err := s.Save("x.json", body); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(dir, "x.json"))
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("saved %q, %v; want %q", got, err, body)
				}
				info, err := os.Stat(filepath.Join(dir, "x.json"))
				if err != nil || info.Mode().Perm()&0o044 == 0 {
					t.Errorf("saved file mode %v, %v: want it readable like any fixture", info.Mode(), err)
				}
				assertNoTemps(t, dir)
			})
		}
	}
}

func TestStoreRefusesNamesThatAreNotPlain(t *testing.T) {
	dir := t.TempDir()
	s, err := openStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"", "../x.json", "a/b.json", ".hidden.json", ".."} {
		if err := s.Save(name, []byte("{}")); err == nil {
			t.Errorf("Save(%q) succeeded", name)
		}
	}
	assertNoTemps(t, dir)
}

func TestStoreLeavesNoTempWhenTheWriteFails(t *testing.T) {
	for _, mode := range saveModes {
		t.Run(mode.name, func(t *testing.T) {
			testStoreLeavesNoTemp(t, mode.unnamed)
		})
	}
}

func testStoreLeavesNoTemp(t *testing.T, unnamed bool) {
	dir := t.TempDir()
	s, err := openStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.noUnnamed.Store(!unnamed)
	// A directory where the file should go makes the last step fail.
	if err := os.Mkdir(filepath.Join(dir, "taken.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "taken.json", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Save("taken.json", []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "taken.json")) {
		t.Fatalf("Save over a non-empty directory: %v, want an error naming the file", err)
	}
	assertNoTemps(t, dir)
}

func TestStoreRemovesStaleTempsOnly(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".old.json.tmp-1") // as atomicfile names them
	fresh := filepath.Join(dir, ".new.json.tmp-2")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	s, err := openStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("a temp file an hour old was left behind")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a fresh temp file (another listener's?) was removed")
	}
}

func TestStoreSaysWhatFailedToOpen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openStore(filepath.Join(file, "events"), false)
	if err == nil || !strings.Contains(err.Error(), "create directory") || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("openStore under a file: %v", err)
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// BenchmarkStoreSave: the two atomic saves (an unnamed file linked into
// place, a named one renamed) against what bench/sink does (os.WriteFile,
// not atomic), from 2 goroutines. TMPDIR chooses the filesystem
// (TMPDIR=/dev/shm for tmpfs). It is why saveUnnamed is kept.
func BenchmarkStoreSave(b *testing.B) {
	body := fixtures.Example(fixtures.SignaturesRequested)
	for _, mode := range saveModes {
		b.Run(mode.name, func(b *testing.B) {
			s, err := openStore(b.TempDir(), false)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.noUnnamed.Store(!mode.unnamed)
			var n atomic.Int64
			b.SetBytes(int64(len(body)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Save(fmt.Sprintf("%09d.json", n.Add(1)), body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	b.Run("os.WriteFile", func(b *testing.B) {
		dir := b.TempDir()
		var n atomic.Int64
		b.SetBytes(int64(len(body)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%09d.json", n.Add(1))), body, 0o644); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
