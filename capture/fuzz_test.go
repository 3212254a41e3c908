package capture

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func addBodySeeds(f *testing.F) {
	for _, t := range fixtures.Types {
		f.Add(fixtures.Example(t))
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"eventId":"../../etc/passwd","eventType":"DOCUMENTS_CREATED"}`,
		`{"event_id":"a\u0000b","event_type":"EMAILS_CREATED","data":{}}`,
		`{"eventId":1,"eventType":["x"]}`, `{"eventId":"` + strings.Repeat("é", 3000) + `"}`,
		"{\"eventId\":\"\xff\xfe\",\"eventType\":\"UNKNOWN\"}", `{"eventId":"x","eventId":"y"}`,
		"\x1b[31mnot json", `{"eventType":"SIGNATURES_COMPLETED","eventId":"\u202e\u0085"}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzMetadataAndName: whatever arrives, reading its id and type and
// naming its file never panics, and the name is always safe and bounded.
func FuzzMetadataAndName(f *testing.F) {
	addBodySeeds(f)
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 22, 45, 17, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		m := fixtures.Peek(body)
		rep := v.Validate(body)
		typ := rep.EventType
		if typ == "" {
			typ = fixtures.Unknown
		}
		if m.JSON && !rep.Syntax && (rep.EventID != m.ID || rep.EventType != m.Type) {
			t.Errorf("validator says %q/%q, Peek says %q/%q", rep.EventID, rep.EventType, m.ID, m.Type)
		}
		for _, name := range []string{
			FileName(at, 1, typ, rep.EventID),
			FileName(at, 1<<63, m.Type, m.ID),
			FileName(at, 7, fixtures.EventType(body), string(body)),
		} {
			if !safeName.MatchString(name) || len(name) > maxNameLen || strings.HasPrefix(name, ".") {
				t.Fatalf("unsafe name %q", name)
			}
		}
	})
}

// FuzzRedactQuery: a token in the query never survives redaction, and
// nothing else changes.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"token=abc", "a=1&token=abc&b=2", "TOKEN=x", "tok%65n=x", "access_token=x;y", "&&=&", "a=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := redactQuery(raw, false)
		in, got := strings.Split(raw, "&"), strings.Split(out, "&")
		if len(in) != len(got) {
			t.Fatalf("redactQuery(%q) = %q: parameters added or lost", raw, out)
		}
		for i := range in {
			name, _, hasValue := strings.Cut(in[i], "=")
			if dec, err := url.QueryUnescape(name); err == nil && hasValue && strings.EqualFold(dec, "token") &&
				!strings.HasSuffix(got[i], "="+Redacted) {
				t.Fatalf("redactQuery(%q) = %q: the token survived", raw, out)
			}
			if got[i] == in[i] {
				continue
			}
			if !strings.HasSuffix(got[i], "="+Redacted) || !strings.HasPrefix(got[i], name+"=") {
				t.Fatalf("redactQuery(%q) = %q: %q became %q", raw, out, in[i], got[i])
			}
		}
		if redactQuery(raw, true) != raw {
			t.Fatal("keep changed the query")
		}
	})
}

// FuzzJournalLastSeq: whatever a journal holds (a crash, a disk error, a
// hand edit), reading its last seq never fails or panics, finds the seq of
// every line that starts as a record, and says whether it ends cleanly.
func FuzzJournalLastSeq(f *testing.F) {
	f.Add([]byte(""), uint64(1))
	f.Add([]byte(seqLine(1)+seqLine(3)+seqLine(2)), uint64(7))
	f.Add([]byte(seqLine(4)+`{"seq":9,"fi`), uint64(2))
	f.Add([]byte("\x00junk\n{\"seq\":}\n{\"seq\":12}\n{\"seq\":1"), uint64(1<<63))
	f.Fuzz(func(t *testing.T, data []byte, k uint64) {
		path := filepath.Join(t.TempDir(), JournalName)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n') // as OpenStore ends a line cut short
		}
		data = append(data, seqLine(k)...)
		data = append(data, data[:len(data)/3]...) // and whatever a cut leaves after it
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		seq, complete, err := journalLastSeq(file)
		if err != nil {
			t.Fatalf("journalLastSeq: %v", err)
		}
		if want := len(data) == 0 || data[len(data)-1] == '\n'; complete != want {
			t.Errorf("complete = %v, want %v", complete, want)
		}
		var want uint64
		lines := bytes.Split(data, []byte{'\n'})
		for i, line := range lines {
			if n, ok := recordSeq(line, i < len(lines)-1); ok {
				want = max(want, n)
			}
		}
		if seq != want || seq < k {
			t.Errorf("journalLastSeq = %d, want %d (and at least %d)", seq, want, k)
		}
	})
}
