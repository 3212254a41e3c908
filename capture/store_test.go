package capture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

var safeName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// maxNameLen bounds FileName: time (23) + seq (up to 20) + type (32) + id
// (12) + separators and ".json".
const maxNameLen = 23 + 1 + 20 + 1 + 32 + 1 + idPrefixLen + 5

func TestFileName(t *testing.T) {
	at := time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		seq  uint64
		typ  fixtures.EventType
		id   string
		want string
	}{
		{"documented", 1, fixtures.DocumentsCreated, "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f",
			"20261130T214517.123456Z-000001-DOCUMENTS_CREATED-325d36e717d9.json"},
		{"no id", 42, fixtures.Unknown, "", "20261130T214517.123456Z-000042-UNKNOWN.json"},
		{"path separators", 3, fixtures.Unknown, "../../etc/passwd", "20261130T214517.123456Z-000003-UNKNOWN-etc_passwd.json"},
		{"backslashes", 3, fixtures.Unknown, `..\..\windows\system32`, "20261130T214517.123456Z-000003-UNKNOWN-windows_syst.json"},
		{"only dots", 4, fixtures.Unknown, "..", "20261130T214517.123456Z-000004-UNKNOWN.json"},
		{"NUL and newline", 5, fixtures.EmailsCreated, "ab\x00cd\nef", "20261130T214517.123456Z-000005-EMAILS_CREATED-ab_cd_ef.json"},
		{"unicode", 6, fixtures.Unknown, "évènement-ü", "20261130T214517.123456Z-000006-UNKNOWN-v_nement.json"},
		{"long id", 7, fixtures.SignaturesCompleted, strings.Repeat("a", 5000), "20261130T214517.123456Z-000007-SIGNATURES_COMPLETED-aaaaaaaaaaaa.json"},
		{"big seq", 1234567, fixtures.SignaturesRequested, "x", "20261130T214517.123456Z-1234567-SIGNATURES_REQUESTED-x.json"},
		{"hostile type", 8, fixtures.EventType("../x y"), "id", "20261130T214517.123456Z-000008-x_y-id.json"},
		{"empty type", 9, "", "id", "20261130T214517.123456Z-000009-UNKNOWN-id.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FileName(at, tt.seq, tt.typ, tt.id)
			if got != tt.want {
				t.Errorf("FileName = %q, want %q", got, tt.want)
			}
			if !safeName.MatchString(got) || len(got) > maxNameLen {
				t.Errorf("FileName = %q: not a safe name", got)
			}
		})
	}
}

func TestFileNamesSortInArrivalOrderAndStayUnique(t *testing.T) {
	var c clock
	var names []string
	for range 2000 {
		seq, at := c.next()
		names = append(names, FileName(at, seq, fixtures.DocumentsCreated, "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f"))
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
}{{"unnamed", true}, {"named", false}}

func TestStoreSavesAtomicallyByteForByte(t *testing.T) {
	for _, mode := range saveModes {
		for _, fsync := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s fsync=%v", mode.name, fsync), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "new", "events")
				s, err := OpenStore(dir, fsync)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				s.noUnnamed.Store(!mode.unnamed)
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
	s, err := OpenStore(dir, false)
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
			dir := t.TempDir()
			s, err := OpenStore(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.noUnnamed.Store(!mode.unnamed)
			// A directory where the file should go makes the last step fail.
			if err := os.Mkdir(filepath.Join(dir, "taken.json"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "taken.json", "f"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := s.Save("taken.json", []byte("{}")); err == nil {
				t.Fatal("Save over a non-empty directory succeeded")
			}
			assertNoTemps(t, dir)
		})
	}
}

func TestOpenStoreRemovesStaleTempsOnly(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, tempPrefix+"old.json")
	fresh := filepath.Join(dir, tempPrefix+"new.json")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(dir, false)
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

func TestOpenStoreSaysWhatFailed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenStore(filepath.Join(file, "events"), false)
	if err == nil || !strings.Contains(err.Error(), "create directory") || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("OpenStore under a file: %v", err)
	}
}

func TestJournalAppendsEveryLineWholeUnderConcurrency(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				line := fmt.Sprintf("{\"w\":%d,\"i\":%d,\"pad\":%q}\n", w, i, strings.Repeat("x", i%50))
				if err := s.Append([]byte(line)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, JournalName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("journal has %d lines, want %d", len(lines), writers*each)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var w, i int
		if _, err := fmt.Sscanf(l, `{"w":%d,"i":%d,`, &w, &i); err != nil {
			t.Fatalf("torn line %q", l)
		}
		seen[fmt.Sprint(w, i)] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d distinct lines, want %d", len(seen), writers*each)
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func BenchmarkFileName(b *testing.B) {
	at := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		FileName(at, uint64(i), fixtures.DocumentsCreated, "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f")
	}
}

func BenchmarkStoreSave(b *testing.B) {
	body := fixtures.Example(fixtures.SignaturesRequested)
	for _, mode := range saveModes {
		b.Run(mode.name, func(b *testing.B) {
			s, err := OpenStore(b.TempDir(), false)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.noUnnamed.Store(!mode.unnamed)
			b.SetBytes(int64(len(body)))
			for i := 0; b.Loop(); i++ {
				if err := s.Save(fmt.Sprintf("%09d.json", i), body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("os.WriteFile", func(b *testing.B) { // what bench/sink does, not atomic
		dir := b.TempDir()
		for i := 0; b.Loop(); i++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%09d.json", i)), body, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkJournalAppendParallel(b *testing.B) {
	s, err := OpenStore(b.TempDir(), false)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	line := []byte(strings.Repeat("x", 500) + "\n")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Append(line); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
