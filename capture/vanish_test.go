package capture

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// rm -r of the directory while listening: the next event is still saved,
// body and journal line, in the directory made again, and the listener
// says so once, and its summary that the first event went with the
// directory.
func TestListenMakesARemovedDirectoryAgainAndSaysSoOnce(t *testing.T) {
	run := startListen(t, Config{Format: FormatQuiet})
	post := func(body []byte) {
		t.Helper()
		resp, err := http.Post(run.url, "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("listen answered %d", resp.StatusCode)
		}
	}
	post(fixtures.Example(fixtures.DocumentsCreated))
	if err := os.RemoveAll(run.dir); err != nil {
		t.Fatal(err)
	}
	post(fixtures.Example(fixtures.EmailsCreated))
	post(fixtures.Example(fixtures.SignaturesRequested))
	run.err.waitFor(t, "Warning:")
	run.stop(t)

	recs := run.journal(t)
	if len(recs) != 2 || recs[0].Seq != 2 || recs[1].Seq != 3 {
		t.Fatalf("the new journal holds %+v, want the events 2 and 3", recs)
	}
	for _, r := range recs {
		if _, err := os.Stat(filepath.Join(run.dir, r.File)); err != nil {
			t.Errorf("body of event %d: %v", r.Seq, err)
		}
	}
	if n := strings.Count(run.err.String(), "Warning:"); n != 1 || !strings.Contains(run.err.String(), "the directory "+run.dir+" was removed while listening") {
		t.Errorf("%d warnings, want one that says the directory was removed:\n%s", n, run.err.String())
	}
	if want := "3 events saved in " + run.dir + "/ (1 of them removed with the directory while listening)"; !strings.Contains(run.err.String(), want) {
		t.Errorf("the summary does not say %q:\n%s", want, run.err.String())
	}
}
