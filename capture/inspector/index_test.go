package inspector

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// The journal is outside input (any process can append to it): whatever
// it holds, as it grows, every query the page makes of it answers, and
// agrees with the index. (internal/journal fuzzes the index itself.)
func FuzzEventIndex(f *testing.F) {
	line := func(r journal.Record) []byte {
		b, _ := json.Marshal(r)
		return append(b, '\n')
	}
	valid := line(journal.Record{Seq: 1, File: "a.json", Method: "POST", Type: fixtures.DocumentsCreated, Valid: true})
	bad := line(journal.Record{Seq: 2, File: "../x", Type: "NOPE", Problems: []fixtures.Problem{{Line: 1, Column: 1, Message: "m"}}})
	f.Add(append(append([]byte{}, valid...), bad...), 10)
	f.Add([]byte("\n\n{}\n[1]\n{\"eventType\":1}\n"), 3)
	f.Add([]byte("{\"seq\":1}\r\n{\"seq\""), 7)
	f.Add([]byte("not json\n"+string(valid)), 4)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		if cut < 0 {
			cut = -cut
		}
		cut %= len(data) + 1
		inspIndexOf(t, [][]byte{data[:cut], data[cut:]})
	})
}

// inspIndexOf writes the pieces to a journal one after the other, refreshing
// an index after each, then walks every page and event of it.
func inspIndexOf(t *testing.T, pieces [][]byte) {
	dir := t.TempDir()
	x := newEventIndex(dir)
	for _, p := range pieces {
		f, err := os.OpenFile(x.Path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(p)
		f.Close()
		if _, err := x.Refresh(); err != nil {
			t.Fatal(err)
		}
	}
	entries := x.Entries()
	for _, filter := range []eventFilter{{}, {Text: "a"}, {Type: fixtures.DocumentsCreated, Invalid: true}} {
		p, err := x.list(context.Background(), dir, 0, 1000, filter)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != len(entries) || len(p.Events) > len(entries) || filter == (eventFilter{}) && len(p.Events) != len(entries) {
			t.Fatalf("filter %+v: %d events of %d, %d entries", filter, len(p.Events), p.Total, len(entries))
		}
	}
	for id := range len(entries) + 2 {
		_, ok, err := x.get(id)
		if err != nil || ok != (id >= 1 && id <= len(entries)) {
			t.Fatalf("get(%d) = %v, %v with %d entries", id, ok, err, len(entries))
		}
	}
	evs, more, err := x.since(0, 5)
	if err != nil || len(evs) != min(5, len(entries)) || more != (len(entries) > 5) {
		t.Fatalf("since(0, 5) = %d events, %v, %v with %d entries", len(evs), more, err, len(entries))
	}
}

func TestEventIndexSkipsOverlongLinesButKeepsCounting(t *testing.T) {
	dir := t.TempDir()
	var j bytes.Buffer
	for i, size := range []int{10, journal.MaxLine + 100, 10} {
		r := journal.Record{Seq: uint64(i + 1), Method: "POST", Type: fixtures.EmailsCreated, Path: "/" + string(bytes.Repeat([]byte("p"), size))}
		b, _ := json.Marshal(r)
		j.Write(append(b, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dir, journal.Name), j.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	x := newEventIndex(dir)
	if _, err := x.Refresh(); err != nil {
		t.Fatal(err)
	}
	evs, _, err := x.since(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 3 || evs[1].ID != 2 {
		var seqs []uint64
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
		}
		t.Fatalf("events of seq %v, want 1 and 3 (the overlong line skipped)", seqs)
	}
}

// inspBenchJournal writes a store dir with n events, as the listener would.
func inspBenchJournal(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	w := newJournalWriter(b, dir)
	gen := fixtures.NewGenerator(1, fixtures.CasingDocumented)
	var j bytes.Buffer
	for i := range n {
		body := gen.Event(fixtures.Types[i%len(fixtures.Types)])
		w.seq++
		name := "e" + inspItoa(i) + ".json"
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			b.Fatal(err)
		}
		rep := w.val.Validate(body)
		line, _ := json.Marshal(journal.Record{Seq: w.seq, File: name, Method: "POST", Path: "/", Type: rep.EventType, EventID: rep.EventID, Valid: rep.Valid(), Size: int64(len(body)),
			Headers: map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Portant-Webhooks/1.0"}}})
		j.Write(append(line, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dir, journal.Name), j.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// The first page of a large store: what the page asks for on open and on
// every filter change.
func BenchmarkInspectorFirstPage(b *testing.B) {
	dir := inspBenchJournal(b, 10000)
	x := newEventIndex(dir)
	if _, err := x.Refresh(); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    eventFilter
	}{
		{"all", eventFilter{}},
		{"type", eventFilter{Type: fixtures.SignaturesCompleted}},
		{"text-in-bodies", eventFilter{Text: "no-such-text"}}, // the worst case: reads every body
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := x.list(context.Background(), dir, 0, defaultPageSize, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Indexing a journal of 10,000 events from scratch: what opening the
// inspector on an old capture dir costs once.
func BenchmarkInspectorIndex(b *testing.B) {
	dir := inspBenchJournal(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		x := newEventIndex(dir)
		if _, err := x.Refresh(); err != nil {
			b.Fatal(err)
		}
	}
}
