package journal

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzLines: a journal is a file any process may write, so whatever it
// holds, reading it never fails or panics, accounts for every byte, gives
// each line as it is, takes for a record exactly what encoding/json takes,
// and finds the seq of every record.
func FuzzLines(f *testing.F) {
	rec := line(f, seqRecord(3))
	for _, s := range []string{
		"", "\n", "\n\n", rec, rec + rec[:20], rec + `{"seq":9,"fi`, "{}\n[1]\nnull\n\"x\"\n",
		"\x00\xff\xfe\n" + rec, `{"seq":1}` + "\r\n", `{"seq":18446744073709551616,"x":1}` + "\n",
		`{"seq":2,"headers":{"A":"not a list"}}` + "\n", `{"seq":4,"seq":5}` + "\n",
		`{"seq":6} trailing` + "\n", strings.Repeat("{", 10000) + "\n", `{"seq":7,"eventType":"\ud800"}` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, journal []byte) {
		var (
			next      int64
			num       int
			maxSeq    uint64
			lastWhole bool
		)
		for l, err := range Lines(iotest.HalfReader(bytes.NewReader(journal))) {
			if err != nil {
				t.Fatalf("Lines: %v", err)
			}
			num++
			if l.Num != num || l.Off != next || l.Size <= 0 {
				t.Fatalf("line %d at %d of %d bytes, want line %d at %d", l.Num, l.Off, l.Size, num, next)
			}
			raw := journal[l.Off : l.Off+l.Size]
			content, whole := bytes.CutSuffix(raw, []byte{'\n'})
			if whole != l.Whole || bytes.IndexByte(content, '\n') >= 0 {
				t.Fatalf("line %d: %q read as whole=%v", l.Num, raw, l.Whole)
			}
			if !bytes.Equal(l.Data, content) {
				t.Fatalf("line %d: data %q, want %q", l.Num, l.Data, content)
			}
			var want Record
			isRecord := whole && len(content) > 0 && content[0] == '{' && json.Unmarshal(content, &want) == nil
			r, ok := l.Record()
			if ok != isRecord || ok && r.Seq != want.Seq {
				t.Fatalf("line %q: Record() = %v, %v; encoding/json says %v", content, r.Seq, ok, isRecord)
			}
			if torn := l.Torn(); torn && ok || !l.Whole && !torn {
				t.Fatalf("line %q (whole=%v): Torn() = %v, a record: %v", content, l.Whole, torn, ok)
			}
			if seq, ok := l.Seq(); ok {
				maxSeq = max(maxSeq, seq)
				if isRecord && seq != want.Seq {
					t.Fatalf("line %q: seq %d, want %d", content, seq, want.Seq)
				}
			} else if isRecord {
				t.Fatalf("line %q: a record without a seq", content)
			}
			lastWhole = l.Whole
			next += l.Size
		}
		if next != int64(len(journal)) {
			t.Fatalf("read %d of %d bytes", next, len(journal))
		}
		seq, whole, err := lastSeqIn(bytes.NewReader(journal))
		if err != nil || seq != maxSeq || whole != (len(journal) == 0 || lastWhole) {
			t.Fatalf("lastSeqIn = %d, %v, %v; want %d, %v", seq, whole, err, maxSeq, lastWhole)
		}
	})
}

func TestLinesStopsEarlyAndKeepsLongLinesOutOfMemory(t *testing.T) {
	long := strings.Repeat("x", MaxLine+1)
	j := "a\n" + long + "\n" + "b"
	var got []string
	for l, err := range Lines(strings.NewReader(j)) {
		if err != nil {
			t.Fatal(err)
		}
		if l.Data == nil {
			got = append(got, "(too long)")
		} else {
			got = append(got, string(l.Data))
		}
		if l.Num == 3 && (l.Whole || l.Off != int64(2+len(long)+1)) {
			t.Errorf("last line: %+v", l)
		}
	}
	if strings.Join(got, ",") != "a,(too long),b" {
		t.Errorf("lines %q", got)
	}
	n := 0
	for range Lines(strings.NewReader(j)) {
		n++
		break
	}
	if n != 1 {
		t.Error("break did not stop the reading")
	}
	if _, _, err := lastSeqIn(iotest.ErrReader(iotest.ErrTimeout)); err == nil {
		t.Error("a read error was not returned")
	}
}
