package journal

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// The journal's format is a contract with every capture directory already
// on disk and with scripts that grep it: a record's line, byte for byte.
func TestRecordLine(t *testing.T) {
	rec := Record{
		Seq: 42, File: "20261130T224517.123456Z-000042-EMAILS_CREATED-eac17961e3ed.json",
		Received: time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.UTC),
		Method:   "POST", Path: "/hooks", Query: "token=" + Redacted,
		Headers: map[string][]string{"User-Agent": {"Portant <bot> & co"}, "Content-Type": {"application/json"}},
		Remote:  "127.0.0.1:5000", Size: 170, SHA256: "ab12",
		EventID: "eac1", Type: fixtures.EmailsCreated, Valid: false,
		Problems: []fixtures.Problem{{Line: 1, Column: 2, Pointer: "/data", Message: "bad \"x\""}},
		Status:   502,
		Forward:  &Forward{URL: "http://localhost:3000/", LatencyMS: 1.25, Error: "connection refused"},
	}
	want := `{"seq":42,"file":"20261130T224517.123456Z-000042-EMAILS_CREATED-eac17961e3ed.json",` +
		`"received":"2026-11-30T22:45:17.123456789Z","method":"POST","path":"/hooks","query":"token=[REDACTED]",` +
		`"headers":{"Content-Type":["application/json"],"User-Agent":["Portant <bot> & co"]},"remote":"127.0.0.1:5000",` +
		`"size":170,"sha256":"ab12","eventId":"eac1","eventType":"EMAILS_CREATED","valid":false,` +
		`"problems":[{"line":1,"column":2,"pointer":"/data","message":"bad \"x\""}],"status":502,` +
		`"forward":{"url":"http://localhost:3000/","latencyMs":1.25,"error":"connection refused"}}` + "\n"
	dir := t.TempDir()
	w, err := OpenWriter(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(&rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(&Record{Seq: 43, Type: fixtures.Unknown}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got := readFile(t, Path(dir))
	want += `{"seq":43,"received":"0001-01-01T00:00:00Z","method":"","path":"","headers":null,"remote":"","size":0,"sha256":"","eventType":"UNKNOWN","valid":false}` + "\n"
	if got != want {
		t.Errorf("journal:\n%s\nwant:\n%s", got, want)
	}
	// And it reads back as it was.
	var back []Record
	for l, err := range Lines(strings.NewReader(got)) {
		if err != nil {
			t.Fatal(err)
		}
		r, ok := l.Record()
		if !ok {
			t.Fatalf("line %d is not a record: %s", l.Num, l.Data)
		}
		back = append(back, r)
	}
	a, _ := json.Marshal(back[0])
	b, _ := json.Marshal(rec)
	if len(back) != 2 || !bytes.Equal(a, b) {
		t.Errorf("read back %s, want %s", a, b)
	}
}
