package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestASecondWriterOnOneDirectoryIsRefusedWithThePID(t *testing.T) {
	dir := t.TempDir()
	w, err := OpenWriter(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenWriter(dir, false)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || le.Dir != dir {
		t.Fatalf("second OpenWriter: %v, want a *LockedError naming pid %d", err, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, "another listen (pid ") || !strings.Contains(msg, "--dir") {
		t.Errorf("message %q does not say who holds it and what to do", msg)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, lockName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is left behind after Close: %v", err)
	}
	w2, err := OpenWriter(dir, false)
	if err != nil {
		t.Fatalf("OpenWriter once the first closed: %v", err)
	}
	w2.Close()
}

func TestLastSeqCountsTheNamesOfSavedBodiesToo(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 30, 22, 45, 17, 0, time.UTC)
	var j strings.Builder
	for seq := uint64(1); seq <= 3; seq++ {
		j.WriteString(line(t, seqRecord(seq)))
	}
	if err := os.WriteFile(Path(dir), []byte(j.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// Saved, not journalled: the listener died while a forward was in
	// flight. And names that are not the listener's.
	for _, name := range []string{FileName(at, 7, "EMAILS_CREATED", "abc"), FileName(at, 5, "UNKNOWN", ""), "fixture-000099-x.json", ".tmp-" + FileName(at, 50, "UNKNOWN", "")} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := OpenWriter(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got := w.LastSeq(); got != 7 {
		t.Errorf("LastSeq = %d, want 7 (from the name of a body the journal never got)", got)
	}
}

func TestSeqOfName(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, tt := range []struct {
		name string
		seq  uint64
		ok   bool
	}{
		{FileName(at, 42, "DOCUMENTS_CREATED", "325d36e717d9ec09"), 42, true},
		{FileName(at, 1234567, "UNKNOWN", ""), 1234567, true},
		{"20261130T224517.123456Z-000042.json", 0, false},
		{"20261130T224517.123456Z--x.json", 0, false},
		{"x0261130T224517.123456Z-000042-A.json", 0, false},
		{"events.ndjson", 0, false},
		{"", 0, false},
	} {
		seq, ok := SeqOfName(tt.name)
		if seq != tt.seq || ok != tt.ok {
			t.Errorf("SeqOfName(%q) = %d, %v; want %d, %v", tt.name, seq, ok, tt.seq, tt.ok)
		}
	}
}

func TestAppendStartsANewJournalWhenItsDirectoryIsRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWriter(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var notes []string
	w.SetNotify(func(msg string) { notes = append(notes, msg) })
	rec := seqRecord(1)
	if err := w.Append(&rec); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(2); seq <= 4; seq++ {
		rec := seqRecord(seq)
		if err := w.Append(&rec); err != nil {
			t.Fatalf("Append #%d after the directory went: %v", seq, err)
		}
	}
	var seqs []uint64
	for l := range Lines(strings.NewReader(readFile(t, Path(dir)))) {
		if r, ok := l.Record(); ok {
			seqs = append(seqs, r.Seq)
		}
	}
	if len(seqs) != 3 || seqs[0] != 2 {
		t.Errorf("the new journal holds %v, want 2 3 4", seqs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "the directory "+dir+" was removed while listening: made it again, with a new journal") {
		t.Errorf("notices %q, want one saying the directory was removed and made again", notes)
	}
	// The lock came back with the directory.
	if _, err := OpenWriter(dir, false); !errors.As(err, new(*LockedError)) {
		t.Errorf("a second writer after the directory was made again: %v, want refused", err)
	}
	// Gone counts the lines that went with a directory, not those of a
	// journal removed alone, whose bodies are still there.
	if g := w.Gone(); g != 1 {
		t.Errorf("Gone = %d after one line went with the directory, want 1", g)
	}
	if err := os.Remove(Path(dir)); err != nil {
		t.Fatal(err)
	}
	rec = seqRecord(5)
	if err := w.Append(&rec); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Follow(); err != nil {
		t.Fatal(err)
	}
	if g := w.Gone(); g != 2 {
		t.Errorf("Gone = %d, want 2: the line 1, then the line 5 of the journal made after 2-4 was removed alone", g)
	}
}
