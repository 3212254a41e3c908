package journal

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// line is rec as a Writer journals it.
func line(t testing.TB, rec Record) string {
	t.Helper()
	b, err := encodeLine(&rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func seqRecord(seq uint64) Record {
	return Record{Seq: seq, File: fmt.Sprintf("x-%06d.json", seq), Method: "POST", Path: "/", Type: fixtures.EmailsCreated, Valid: true}
}

func TestOpenWriterCarriesOnFromTheLastSeq(t *testing.T) {
	seqLine := func(seq uint64) string { return line(t, seqRecord(seq)) }
	bigHeader := line(t, Record{Seq: 40, Headers: map[string][]string{"X-Big": {strings.Repeat("h", 100<<10)}}})
	tooLong := line(t, Record{Seq: 90, Headers: map[string][]string{"X-Huge": {strings.Repeat("h", MaxLine)}}})
	tests := []struct {
		name    string
		journal *string // nil: no journal yet
		want    uint64
	}{
		{"no journal", nil, 0},
		{"empty", ptr(""), 0},
		{"in order", ptr(seqLine(1) + seqLine(2) + seqLine(3)), 3},
		{"answered out of order", ptr(seqLine(1) + seqLine(2) + seqLine(4) + seqLine(3)), 4},
		{"a restart's lower numbers after higher ones", ptr(seqLine(9) + seqLine(1) + seqLine(2)), 9},
		{"written by hand, seq not first", ptr(seqLine(2) + `{"file":"x.json","seq":50}` + "\n"), 50},
		{"last line cut short after its seq", ptr(seqLine(1) + seqLine(2) + `{"seq":7,"file":"2026`), 7},
		{"last line cut short inside its seq", ptr(seqLine(1) + seqLine(2) + `{"seq":1`), 2},
		{"last line cut short, no newline at all", ptr(`{"seq":5`), 0},
		{"a line cut short, ended by an earlier run", ptr(seqLine(1) + `{"seq":8,"fi` + "\n" + seqLine(2)), 8},
		{"not a journal", ptr("garbage\n\x00\xff\n{}\n[1]\n"), 0},
		{"damaged lines among records", ptr(seqLine(5) + "junk\n" + `{"seq":-3,"x":1}` + "\n" + `{"seq":99999999999999999999999}` + "\n" + seqLine(6) + "\n\n"), 6},
		{"a line longer than the read buffer", ptr(seqLine(3) + bigHeader + seqLine(4)), 40},
		{"a line longer than MaxLine is skipped", ptr(seqLine(3) + tooLong + seqLine(4)), 4},
		{"CRLF", ptr(strings.ReplaceAll(seqLine(3), "\n", "\r\n")), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.journal != nil {
				if err := os.WriteFile(Path(dir), []byte(*tt.journal), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, err := OpenWriter(dir, false)
			if err != nil {
				t.Fatalf("OpenWriter: %v", err)
			}
			if got := w.LastSeq(); got != tt.want {
				t.Errorf("LastSeq = %d, want %d", got, tt.want)
			}
			// What was there is kept; a line cut short is ended, so the
			// next one starts on its own.
			next := seqRecord(tt.want + 1)
			if err := w.Append(&next); err != nil {
				t.Fatal(err)
			}
			w.Close()
			before := ""
			if tt.journal != nil {
				before = *tt.journal
				if before != "" && !strings.HasSuffix(before, "\n") {
					before += "\n"
				}
			}
			got := readFile(t, Path(dir))
			if want := before + seqLine(tt.want+1); got != want {
				t.Errorf("journal after one more line:\n%.300q\nwant\n%.300q", got[max(0, len(got)-300):], want[max(0, len(want)-300):])
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestOpenWriterSaysWhatFailed(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(Path(dir), 0o755); err != nil { // a directory where the journal should be
		t.Fatal(err)
	}
	_, err := OpenWriter(dir, false)
	if err == nil || !strings.Contains(err.Error(), Path(dir)) || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("OpenWriter on a directory: %v", err)
	}
}

func TestAppendWritesEveryLineWholeUnderConcurrency(t *testing.T) {
	for _, fsync := range []bool{false, true} {
		t.Run(fmt.Sprint("fsync=", fsync), func(t *testing.T) {
			dir := t.TempDir()
			w, err := OpenWriter(dir, fsync)
			if err != nil {
				t.Fatal(err)
			}
			writers, each := 16, 200
			if fsync {
				each = 10
			}
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					for j := range each {
						rec := Record{Seq: uint64(i*each + j + 1), Path: strings.Repeat("x", j%50), Headers: map[string][]string{"W": {fmt.Sprint(i)}}}
						if err := w.Append(&rec); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			seen := map[uint64]bool{}
			for l, err := range Lines(strings.NewReader(readFile(t, Path(dir)))) {
				if err != nil {
					t.Fatal(err)
				}
				r, ok := l.Record()
				if !ok || seen[r.Seq] {
					t.Fatalf("line %d torn or repeated: %q", l.Num, l.Data)
				}
				seen[r.Seq] = true
			}
			if len(seen) != writers*each {
				t.Errorf("%d distinct records, want %d", len(seen), writers*each)
			}
		})
	}
}

// failingFile takes the first n bytes of the next write and fails it, as a
// full disk does.
type failingFile struct {
	strings.Builder
	fail int // bytes of the next write that get through before it fails; -1: no failure
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.fail < 0 {
		return f.Builder.Write(p)
	}
	n := min(f.fail, len(p))
	f.Builder.Write(p[:n])
	f.fail = -1
	return n, errors.New("no space left on device")
}
func (f *failingFile) Sync() error  { return nil }
func (f *failingFile) Close() error { return nil }

// A write that fails part way leaves a fragment; the next record must not
// be glued onto it, or that record is lost to every reader.
func TestAppendAfterATornWriteStartsANewLine(t *testing.T) {
	for _, cut := range []int{0, 1, 9, 30} {
		t.Run(fmt.Sprint("cut at ", cut), func(t *testing.T) {
			f := &failingFile{fail: -1}
			w := &Writer{f: f}
			for seq := uint64(1); seq <= 3; seq++ {
				if seq == 2 {
					f.fail = cut
				}
				rec := seqRecord(seq)
				err := w.Append(&rec)
				if (err != nil) != (seq == 2) {
					t.Fatalf("Append #%d: %v", seq, err)
				}
			}
			var seqs []uint64
			for l := range Lines(strings.NewReader(f.String())) {
				if r, ok := l.Record(); ok {
					seqs = append(seqs, r.Seq)
				}
			}
			if fmt.Sprint(seqs) != "[1 3]" {
				t.Errorf("records %v in %q, want 1 and 3", seqs, f.String())
			}
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	w, err := OpenWriter(b.TempDir(), false)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	rec := seqRecord(1)
	rec.Headers = map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Portant"}, "Content-Length": {"1027"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := rec
		for pb.Next() {
			if err := w.Append(&r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkLastSeq(b *testing.B) {
	dir := b.TempDir()
	var j strings.Builder
	for seq := range uint64(20000) { // about 3 MiB
		j.WriteString(line(b, seqRecord(seq+1)))
	}
	if err := os.WriteFile(Path(dir), []byte(j.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(j.Len()))
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(Path(dir))
		if err != nil {
			b.Fatal(err)
		}
		if seq, _, err := lastSeqIn(f); err != nil || seq != 20000 {
			b.Fatalf("lastSeqIn = %d, %v", seq, err)
		}
		f.Close()
	}
}

// partialFile is a real journal file whose next write stops after fail
// bytes, as a full disk does.
type partialFile struct {
	*os.File
	fail int
}

func (f *partialFile) Write(p []byte) (int, error) {
	if f.fail < 0 {
		return f.File.Write(p)
	}
	n, _ := f.File.Write(p[:min(f.fail, len(p))])
	f.fail = -1
	return n, errors.New("no space left on device")
}

// On a file, a failed write is taken back whole: no fragment is left for
// any reader to stumble on.
func TestAFailedAppendLeavesNothingInTheFile(t *testing.T) {
	for _, cut := range []int{1, 9, 30} {
		t.Run(fmt.Sprint("cut at ", cut), func(t *testing.T) {
			dir := t.TempDir()
			w, err := OpenWriter(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			pf := &partialFile{File: w.f.(*os.File), fail: -1}
			w.f = pf
			for seq := uint64(1); seq <= 3; seq++ {
				if seq == 2 {
					pf.fail = cut
				}
				rec := seqRecord(seq)
				if err := w.Append(&rec); (err != nil) != (seq == 2) {
					t.Fatalf("Append #%d: %v", seq, err)
				}
			}
			if got, want := readFile(t, Path(dir)), line(t, seqRecord(1))+line(t, seqRecord(3)); got != want {
				t.Errorf("journal:\n%q\nwant:\n%q", got, want)
			}
		})
	}
}
