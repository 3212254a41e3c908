package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func TestWriteScrubbed(t *testing.T) {
	root := t.TempDir()
	in, out := filepath.Join(root, "in"), filepath.Join(root, "out")
	const oldID, newID = "66de24a8c20fa439d47d92a683861f6852c2924632623377", "0123456789abcdef0123456789abcdef0123456789abcdef"
	at := time.Date(2026, 11, 30, 22, 45, 17, 0, time.UTC)
	captured := Record{
		Seq: 7, File: "a.json", Received: at, Method: "POST", Path: "/hooks/" + oldID, Query: "token=tok&event=" + oldID,
		Headers: map[string][]string{"X-Api-Key": {"k"}, "X-Event": {"id " + oldID}, "User-Agent": {"Portant"}},
		Remote:  "203.0.113.9:5000", Size: 1, SHA256: "old", EventID: oldID, Type: fixtures.SignaturesRequested, Valid: true, Status: 500,
		Forward: &Forward{URL: "http://localhost:3000/", Status: 500, Body: "bwlockley@gmail.com"},
	}
	os.MkdirAll(in, 0o755)
	os.MkdirAll(out, 0o755)
	appendFile(t, Path(in), line(t, captured)+line(t, Record{Seq: 8, File: "b.json"}))
	// out has a journal already: its line for another file stays, the one
	// for the file written again goes.
	appendFile(t, Path(out), line(t, Record{Seq: 1, File: "kept.json"})+line(t, Record{Seq: 2, File: "a-" + newID[:12] + ".json", EventID: "stale"}))

	body := []byte(`{"eventId":"` + newID + `","eventType":"SIGNATURES_REQUESTED","data":{}}`)
	report := fixtures.Report{EventID: newID, EventType: fixtures.SignaturesRequested, Problems: []fixtures.Problem{{Line: 1, Column: 2, Message: "m"}}}
	files := []fixtures.ScrubbedFile{
		{From: filepath.Join(in, "a.json"), To: filepath.Join(out, "a-"+newID[:12]+".json"), Body: body, OldID: oldID, NewID: newID, Report: report},
		{From: filepath.Join(in, "none.json"), To: filepath.Join(out, "none.json"), Body: []byte("{}")}, // no record: left out
	}
	path, err := WriteScrubbed(out, files)
	if err != nil || path != Path(out) {
		t.Fatalf("WriteScrubbed = %q, %v", path, err)
	}
	got := readFile(t, Path(out))
	var recs []Record
	for l := range Lines(strings.NewReader(got)) {
		r, _ := l.Record()
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0].File != "kept.json" {
		t.Fatalf("journal:\n%s", got)
	}
	r := recs[1]
	switch {
	case r.File != "a-"+newID[:12]+".json" || r.Seq != 7 || !r.Received.Equal(at) || r.EventID != newID || r.Size != int64(len(body)) || len(r.SHA256) != 64:
		t.Errorf("not the scrubbed file's record: %+v", r)
	case r.Valid || len(r.Problems) != 1 || r.Type != fixtures.SignaturesRequested:
		t.Errorf("validity not the scrubbed body's: %+v", r)
	case r.Headers["X-Api-Key"][0] != Redacted || r.Headers["X-Event"][0] != "id "+newID || r.Headers["User-Agent"][0] != "Portant":
		t.Errorf("headers %v", r.Headers)
	case r.Path != "/hooks/"+newID || r.Query != "token="+Redacted+"&event="+newID:
		t.Errorf("path %q, query %q", r.Path, r.Query)
	case r.Remote != "" || r.Forward != nil || r.Status != 500:
		t.Errorf("remote %q, forward %+v, status %d", r.Remote, r.Forward, r.Status)
	}
	if strings.Contains(got, oldID[:12]) || strings.Contains(got, "bwlockley") || strings.Contains(got, "203.0.113.9") {
		t.Errorf("something of the capture leaked:\n%s", got)
	}

	// Inputs without a journal: nothing written.
	bare := filepath.Join(root, "bare")
	if path, err := WriteScrubbed(bare, []fixtures.ScrubbedFile{{From: filepath.Join(root, "x.json"), To: filepath.Join(bare, "x.json")}}); path != "" || err != nil {
		t.Errorf("no journal to scrub: %q, %v", path, err)
	}
	if _, err := os.Stat(Path(bare)); err == nil {
		t.Error("a journal was written with no line in it")
	}
}

// A listener saving into --out keeps its journal: WriteScrubbed, which
// replaces the file, refuses while the listener holds the directory.
func TestWriteScrubbedLeavesALiveCaptureAlone(t *testing.T) {
	root := t.TempDir()
	in, out := filepath.Join(root, "in"), filepath.Join(root, "out")
	os.MkdirAll(in, 0o755)
	os.MkdirAll(out, 0o755)
	appendFile(t, Path(in), line(t, Record{Seq: 1, File: "a.json"}))
	w, err := OpenWriter(out, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Append(&Record{File: "live.json"}); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, Path(out))
	files := []fixtures.ScrubbedFile{{From: filepath.Join(in, "a.json"), To: filepath.Join(out, "a.json"), Body: []byte("{}")}}
	path, err := WriteScrubbed(out, files)
	if path != "" || err == nil || !strings.Contains(err.Error(), "is saving events in "+out+", and its journal cannot be rewritten under it") {
		t.Fatalf("WriteScrubbed = %q, %v: want it refused", path, err)
	}
	if got := readFile(t, Path(out)); got != before {
		t.Errorf("the live journal changed:\n%s", got)
	}
	w.Close()
	if path, err := WriteScrubbed(out, files); path == "" || err != nil {
		t.Errorf("after the listener stopped: %q, %v", path, err)
	}
	if _, err := os.Stat(filepath.Join(out, lockName)); err == nil {
		t.Error("WriteScrubbed left its lock file behind")
	}
}
