package journal

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func appendFile(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// indexOf writes the pieces to a journal one after the other, refreshing
// an index after each, and reads every record it indexed.
func indexOf(t *testing.T, pieces ...string) ([]Entry, []Record) {
	t.Helper()
	dir := t.TempDir()
	x := NewIndex(dir)
	for _, p := range pieces {
		appendFile(t, x.Path(), p)
		if reset, err := x.Refresh(); err != nil || reset {
			t.Fatalf("Refresh = %v, %v", reset, err)
		}
	}
	entries := x.Entries()
	f, err := x.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	for _, e := range entries {
		r, err := f.Record(e)
		if err != nil {
			t.Fatalf("Record(%+v): %v", e, err)
		}
		if r.Valid != e.Valid || (typeCode(r.Type) == 0) != (e.Type() == fixtures.Unknown) || r.AnswerClass() != e.AnswerClass() {
			t.Fatalf("entry %+v for record %+v", e, r)
		}
		recs = append(recs, r)
	}
	return entries, recs
}

// Indexing a journal in pieces, as it grows (a line split anywhere, as a
// write in progress splits it), gives the same records as indexing it
// whole, and nothing in it breaks the index.
func FuzzIndex(f *testing.F) {
	valid := line(f, Record{Seq: 1, File: "a.json", Method: "POST", Type: fixtures.DocumentsCreated, Valid: true})
	bad := line(f, Record{Seq: 2, File: "../x", Type: "NOPE", Problems: []fixtures.Problem{{Line: 1, Column: 1, Message: "m"}}})
	f.Add(valid+bad, 10)
	f.Add("\n\n{}\n[1]\n{\"eventType\":1}\n", 3)
	f.Add("{\"seq\":1}\r\n{\"seq\"", 7)
	f.Add("not json\n"+valid, 4)
	f.Add(line(f, Record{Seq: 3, Status: 502, Forward: &Forward{Error: "refused"}})+line(f, Record{Seq: 4, Status: 404})+`{"seq":5,"status":999}`+"\n", 9)
	f.Fuzz(func(t *testing.T, journal string, cut int) {
		whole, _ := indexOf(t, journal)
		if cut < 0 {
			cut = -cut
		}
		cut %= len(journal) + 1
		pieces, _ := indexOf(t, journal[:cut], journal[cut:])
		if !slices.Equal(whole, pieces) {
			t.Fatalf("indexed whole: %v\nindexed in two pieces at %d: %v", whole, cut, pieces)
		}
	})
}

func TestIndexSkipsWhatIsNotARecordButKeepsPositions(t *testing.T) {
	huge := line(t, Record{Seq: 2, Path: strings.Repeat("p", MaxLine)})
	_, recs := indexOf(t, line(t, seqRecord(1))+"junk\n\n"+huge+line(t, seqRecord(3))+`{"seq":4,"fi`)
	var seqs []uint64
	for _, r := range recs {
		seqs = append(seqs, r.Seq)
	}
	if !slices.Equal(seqs, []uint64{1, 3}) {
		t.Errorf("indexed seqs %v, want 1 and 3 (junk, the overlong line and the partial one skipped)", seqs)
	}
}

func TestIndexNoticesTheJournalReplaced(t *testing.T) {
	dir := t.TempDir()
	x := NewIndex(dir)
	if reset, err := x.Refresh(); err != nil || reset || len(x.Entries()) != 0 {
		t.Fatalf("no journal yet: %v, %v, %d entries", reset, err, len(x.Entries()))
	}
	appendFile(t, x.Path(), line(t, seqRecord(1))+line(t, seqRecord(2)))
	if reset, err := x.Refresh(); err != nil || reset || len(x.Entries()) != 2 {
		t.Fatalf("two records: %v, %v, %d entries", reset, err, len(x.Entries()))
	}
	before := x.Entries()
	appendFile(t, x.Path(), line(t, seqRecord(3)))
	if reset, err := x.Refresh(); err != nil || reset || len(x.Entries()) != 3 {
		t.Fatalf("one more: %v, %v, %d entries", reset, err, len(x.Entries()))
	}
	if len(before) != 2 {
		t.Error("a snapshot changed with a refresh")
	}
	for _, change := range []struct {
		name string
		do   func()
		want int
	}{
		{"truncated", func() { os.WriteFile(x.Path(), []byte(line(t, seqRecord(9))), 0o644) }, 1},
		{"replaced", func() {
			tmp := x.Path() + ".new"
			os.WriteFile(tmp, []byte(strings.Repeat(line(t, seqRecord(7)), 4)), 0o644)
			os.Rename(tmp, x.Path())
		}, 4},
		{"removed", func() { os.Remove(x.Path()) }, 0},
	} {
		change.do()
		if reset, err := x.Refresh(); err != nil || !reset || len(x.Entries()) != change.want {
			t.Errorf("%s: reset %v, %v, %d entries; want a reset to %d", change.name, reset, err, len(x.Entries()), change.want)
		}
	}
}

// Indexing a journal of 10,000 events from scratch: what opening the
// inspector on an old capture dir costs once.
func BenchmarkIndex(b *testing.B) {
	dir := b.TempDir()
	var j strings.Builder
	for i := range 10000 {
		r := seqRecord(uint64(i + 1))
		r.Headers = map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Portant-Webhooks/1.0"}}
		j.WriteString(line(b, r))
	}
	appendFile(b, Path(dir), j.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewIndex(dir).Refresh(); err != nil {
			b.Fatal(err)
		}
	}
}
