package capture

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
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
		if a := send(t, http.MethodPost, run.url, body, nil); a.status != http.StatusOK {
			t.Fatalf("listen answered %d %s:\n%s", a.status, a.body, run.err.String())
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

// rm -r between an event's body and its journal line (here, while the
// --forward-to handler thinks it over): the line goes into the journal
// made again, and so does the body, which the listener still holds.
func TestListenSavesTheBodyAgainWhenTheDirectoryGoesBeforeItsLine(t *testing.T) {
	arrived, answer := make(chan struct{}), make(chan struct{})
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		close(arrived)
		<-answer
	}))
	defer handler.Close()
	run := startListen(t, Config{Format: FormatQuiet, ForwardTo: handler.URL})
	body := fixtures.Example(fixtures.SignaturesCompleted)
	sent := make(chan int, 1)
	go func() { // not send: t.Fatal belongs to the test's own goroutine
		resp, err := http.Post(run.url, "application/json", bytes.NewReader(body))
		if err != nil {
			sent <- 0
			return
		}
		resp.Body.Close()
		sent <- resp.StatusCode
	}()
	<-arrived // the body is saved: the handler has it
	if err := os.RemoveAll(run.dir); err != nil {
		t.Fatal(err)
	}
	close(answer)
	if status := <-sent; status != http.StatusOK {
		t.Fatalf("listen answered %d", status)
	}
	run.stop(t)

	recs := run.journal(t)
	if len(recs) != 1 {
		t.Fatalf("the new journal holds %+v, want the one event", recs)
	}
	if got, err := os.ReadFile(filepath.Join(run.dir, recs[0].File)); err != nil || string(got) != string(body) {
		t.Errorf("the body of the journalled event: %v, %d bytes of %d", err, len(got), len(body))
	}
	if strings.Contains(run.err.String(), "removed with the directory") {
		t.Errorf("the summary counts the event as gone, yet it is there:\n%s", run.err.String())
	}
}
