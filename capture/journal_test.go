package capture

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// fill sets every field of v, recursively, to something that is not its
// zero value (with strings that need escaping), so a field added to Record
// and not to appendRecord shows up.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("a\"b\\c\n\x01<é>\u2028\xff")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(42)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		v.SetUint(7)
	case reflect.Float64:
		v.SetFloat(12.375)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i, k := range []string{"X-B", "A", "x-a\xff"} {
			val := reflect.New(v.Type().Elem()).Elem()
			fill(val, depth+i)
			m.SetMapIndex(reflect.ValueOf(k), val)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	var full Record
	fill(reflect.ValueOf(&full).Elem(), 0)
	records := []Record{full, {}, {Seq: 1, Type: "UNKNOWN", Problems: []fixtures.Problem{}, Headers: map[string][]string{"A": nil}}}
	for _, g := range goldenRecords(t) {
		records = append(records, g.rec)
	}
	for i, rec := range records {
		want, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		got := appendRecord(nil, &rec)
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("record %d: not JSON: %v\n%s", i, err, got)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("record %d:\nappendRecord: %s\nencoding/json: %s", i, got, want)
		}
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	rec := goldenRecords(b)[1].rec
	rec.Headers = map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Portant"}, "Content-Length": {"1027"}}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], &rec)
	}
}

// journalLine is rec as the listener journals it.
func journalLine(rec Record) string { return string(appendRecord(nil, &rec)) + "\n" }

func seqLine(seq uint64) string {
	return journalLine(Record{Seq: seq, File: fmt.Sprintf("x-%06d.json", seq), Method: "POST", Path: "/", Type: fixtures.EmailsCreated, Valid: true})
}

func TestOpenStoreCarriesOnFromTheJournalsLastSeq(t *testing.T) {
	encodingJSON, _ := json.Marshal(Record{Seq: 8, Type: fixtures.Unknown})
	bigHeader := journalLine(Record{Seq: 40, Headers: map[string][]string{"X-Big": {strings.Repeat("h", 100<<10)}}})
	var pastTail strings.Builder // more than journalTail, the last lines out of order
	for seq := range uint64(6000) {
		pastTail.WriteString(seqLine(seq + 1))
	}
	pastTail.WriteString(seqLine(6002) + seqLine(6001))
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
		{"written by encoding/json", ptr(string(encodingJSON) + "\n"), 8},
		{"last line cut short after its seq", ptr(seqLine(1) + seqLine(2) + `{"seq":7,"file":"2026`), 7},
		{"last line cut short inside its seq", ptr(seqLine(1) + seqLine(2) + `{"seq":1`), 2},
		{"last line cut short, no newline at all", ptr(`{"seq":5`), 0},
		{"not a journal", ptr("garbage\n\x00\xff\n{}\n[1]\n"), 0},
		{"damaged lines among records", ptr(seqLine(5) + "junk\n" + `{"seq":-3,"x":1}` + "\n" + `{"seq":99999999999999999999999}` + "\n" + seqLine(6) + "\n\n"), 6},
		{"seq not first", ptr(seqLine(2) + `{"file":"x.json","seq":50}` + "\n"), 2},
		{"a line longer than the read buffer", ptr(seqLine(3) + bigHeader + seqLine(4)), 40},
		{"longer than the tail, out of order at the end", ptr(pastTail.String()), 6002},
		{"a tail without records", ptr(seqLine(30) + bigHeader + strings.Repeat("junk line\n", 2*journalTail/10)), 40},
		{"a tail that is one huge line", ptr(seqLine(71) + strings.Repeat("z", 3*journalTail) + "\n"), 71},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, JournalName)
			if tt.journal != nil {
				if err := os.WriteFile(path, []byte(*tt.journal), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := OpenStore(dir, false)
			if err != nil {
				t.Fatalf("OpenStore: %v", err)
			}
			if got := s.LastSeq(); got != tt.want {
				t.Errorf("LastSeq = %d, want %d", got, tt.want)
			}
			// What was there is kept; a line cut short is ended, so the
			// next one starts on its own.
			if err := s.Append([]byte(seqLine(tt.want + 1))); err != nil {
				t.Fatal(err)
			}
			s.Close()
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			before := ""
			if tt.journal != nil {
				before = *tt.journal
				if before != "" && !strings.HasSuffix(before, "\n") {
					before += "\n"
				}
			}
			if want := before + seqLine(tt.want+1); string(got) != want {
				t.Errorf("journal after one more line:\n%.300q\nwant\n%.300q", got[max(0, len(got)-300):], want[max(0, len(want)-300):])
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func BenchmarkJournalLastSeq(b *testing.B) {
	dir := b.TempDir()
	var j strings.Builder
	for seq := range uint64(20000) { // about 3 MiB
		j.WriteString(seqLine(seq + 1))
	}
	path := filepath.Join(dir, JournalName)
	if err := os.WriteFile(path, []byte(j.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		if seq, _, err := journalLastSeq(f); err != nil || seq != 20000 {
			b.Fatalf("journalLastSeq = %d, %v", seq, err)
		}
	}
}
