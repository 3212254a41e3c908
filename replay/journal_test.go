package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// A listener killed mid-write leaves a line cut short, which the next run
// ends with a newline, and one may be being written right now: neither
// stops --with-headers, and the records around them are read.
func TestReadJournalSkipsTornLines(t *testing.T) {
	dir := t.TempDir()
	lines := `{"seq":1,"file":"0001.json","headers":{"X-Trace":["t1"]}}` + "\n" +
		`{"seq":2,"file":"0002.js` + "\n" + // cut short by a crash, ended by the next run
		"\n" +
		`{"seq":3,"file":"0003.json","headers":{"X-Trace":["t3"],"Cookie":["[REDACTED]"]}}` + "\n" +
		`{"seq":4,"file":"00` // being written
	if err := os.WriteFile(filepath.Join(dir, journal.Name), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := readJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.headers) != 2 || j.headers["0001.json"].Get("X-Trace") != "t1" || j.headers["0003.json"].Get("X-Trace") != "t3" {
		t.Errorf("headers %v", j.headers)
	}
	if !j.secrets["Cookie"] {
		t.Errorf("secrets %v, want Cookie", j.secrets)
	}

	// A line the listener never writes is refused, with where it is.
	if err := os.WriteFile(filepath.Join(dir, journal.Name), []byte(lines[:strings.Index(lines, "\n")+1]+"[1,2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readJournal(dir); err == nil || !strings.Contains(err.Error(), journal.Name+":2: not a capture journal line") {
		t.Errorf("a foreign line: %v", err)
	}
}
