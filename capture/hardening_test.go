package capture

// Each test here reproduces an attack on the listener, or a fault under it,
// on 127.0.0.1, bounded in requests and time, and asserts with numbers what
// listen does now (issue 13 lists what each did before).

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// allocated is how many bytes the process allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// withExtra is a Portant event with one more member, raw.
func withExtra(raw string) []byte {
	ev := fixtures.Example(fixtures.DocumentsCreated)
	i := bytes.LastIndexByte(ev, '}')
	return append(append(append([]byte{}, ev[:i]...), `,"extra":`+raw...), '}')
}

// 1. A valid event whose extra member nests arrays deeply was indented into
// about 2·depth² bytes (20 KB printed 200 MB and took 663 MB). Now pretty
// output is folded: bounded by the body's size, and by maxBodyLines.
func TestAttackDeepNestingPrintsABoundedFold(t *testing.T) {
	for _, tt := range []struct {
		name string
		raw  string
	}{
		{"10,000 deep (the attack)", strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{"60,000 deep (120 KB)", strings.Repeat("[", 60000) + strings.Repeat("]", 60000)},
		{"900 deep, under the validator's limit", strings.Repeat("[", 900) + "1" + strings.Repeat("]", 900)},
		{"900 deep objects", strings.Repeat(`{"a":`, 900) + "1" + strings.Repeat("}", 900)},
		{"20,000 elements wide", "[" + strings.Repeat("1,", 19999) + "1]"},
		{"one 200 KB string", `"` + strings.Repeat("x", 200<<10) + `"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := withExtra(tt.raw)
			run := startListen(t, Config{Format: FormatPretty})
			var a answer
			alloc := allocated(func() {
				a = send(t, http.MethodPost, run.url, body, nil)
				run.out.waitFor(t, "… ")
				run.stop(t)
			})
			if a.status != http.StatusOK {
				t.Fatalf("answered %d %s", a.status, a.body)
			}
			printed := len(run.out.String())
			lines := strings.Count(run.out.String(), "\n")
			t.Logf("%d byte body: %d bytes, %d lines printed, %d KiB allocated", len(body), printed, lines, alloc>>10)
			if limit := 2*len(body) + 16<<10; printed > limit {
				t.Errorf("printed %d bytes for a %d byte body, want at most %d", printed, len(body), limit)
			}
			if lines > maxBodyLines+10 {
				t.Errorf("printed %d lines, want at most %d of body and a few of header", lines, maxBodyLines)
			}
			if limit := uint64(64 * len(body)); alloc > max(limit, 16<<20) {
				t.Errorf("allocated %d MiB for a %d byte body", alloc>>20, len(body))
			}
			recs := readJournal(t, run.dir)
			if len(recs) != 1 {
				t.Fatalf("%d journal lines", len(recs))
			}
			if saved, _ := os.ReadFile(filepath.Join(run.dir, recs[0].File)); !bytes.Equal(saved, body) {
				t.Error("the file is not the body as sent")
			}
		})
	}
}

// mountTmpfs mounts a tmpfs of size bytes on a new directory, or skips.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a small tmpfs (CI runs as root)")
	}
	dir := t.TempDir()
	if err := mount(dir, size); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { unmount(dir) })
	return dir
}

// fill writes a file on the filesystem of dir until it is full.
func fill(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	page := make([]byte, 4096)
	for {
		if _, err := f.Write(page); err != nil {
			return f
		}
	}
}

// 2. A full disk in the middle of a journal write left a torn line that the
// next event's line was glued onto (answered 200, lost from the journal),
// and an event whose journal write failed kept its body and was counted as
// saved. Now a failed line is taken back, the body removed, the summary
// counts what is kept.
func TestFaultDiskFullKeepsEveryAnsweredEventAndNothingElse(t *testing.T) {
	fs := mountTmpfs(t, 512<<10)
	run := startListen(t, Config{Format: FormatQuiet, Dir: filepath.Join(fs, "events")})
	filler := fill(t, filepath.Join(fs, "filler"))
	size, _ := filler.Seek(0, io.SeekCurrent)
	bodies := loadBodies(120)
	var got []answered
	failed := 0
	for i, body := range bodies {
		if i < 100 && i%2 == 0 {
			size -= 4096 // room for about one more page, body or journal
			if err := filler.Truncate(size); err != nil {
				t.Fatal(err)
			}
		}
		if i == 100 {
			filler.Truncate(0) // space comes back
		}
		a := send(t, http.MethodPost, run.url, body, nil)
		if a.status/100 == 2 {
			got = append(got, answered{seq: seqOf(t, a), sum: sha(body)})
			continue
		}
		if a.status != http.StatusInternalServerError {
			t.Fatalf("event %d: %d %s", i, a.status, a.body)
		}
		failed++
	}
	run.stop(t)
	journalFailures := strings.Count(run.err.String(), "could not be journalled")
	t.Logf("%d answered 2xx, %d answered 500 (%d of them when the journal could not take the line)", len(got), failed, journalFailures)
	if failed == 0 || journalFailures == 0 {
		t.Fatalf("the disk never filled at the journal (%d failures, %d in the journal): the test proves nothing", failed, journalFailures)
	}
	// Each warning says what to do.
	if hints := strings.Count(run.err.String(), "(the disk is full: free some space, or stop and listen again with --dir on another disk)"); hints != failed {
		t.Errorf("%d of the %d warnings say the disk is full and what to do:\n%s", hints, failed, run.err.String())
	}
	checkAnswered(t, run.dir, got)
	// Nothing else looks saved: one body per journal line, every line whole.
	recs := readJournal(t, run.dir)
	if len(recs) != len(got) {
		t.Errorf("journal has %d records for %d events answered 2xx", len(recs), len(got))
	}
	raw, _ := os.ReadFile(journal.Path(run.dir))
	for l := range journal.Lines(bytes.NewReader(raw)) {
		if _, ok := l.Record(); !ok {
			t.Errorf("journal line %d is not a record: %q", l.Num, l.Data)
		}
	}
	if n := countBodies(t, run.dir); n != len(got) {
		t.Errorf("%d bodies in the directory for %d events kept: orphans left behind", n, len(got))
	}
	if want := fmt.Sprintf("%d events saved", len(got)); !strings.Contains(run.err.String(), want) {
		t.Errorf("summary does not say %q:\n%s", want, run.err.String())
	}
}

func countBodies(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if isBodyName(e.Name()) && e.Name() != journal.Name {
			n++
		}
	}
	return n
}

func seqOf(t testing.TB, a answer) uint64 {
	t.Helper()
	var seq uint64
	if _, err := fmt.Sscanf(a.body, `{"ok":true,"seq":%d}`, &seq); err != nil {
		t.Fatalf("answer %q has no seq", a.body)
	}
	return seq
}

// 3. rm portant-events/* while listen ran: the journal handle kept writing
// to the deleted file, 100 of 100 later events had no journal line, no
// warning, and seq started again at 1 on restart. Now the store notices,
// says so, and starts again in the same place.
func TestFaultDirectoryRemovedWhileListening(t *testing.T) {
	for _, what := range []string{"the journal", "the whole directory"} {
		t.Run(what, func(t *testing.T) {
			run := startListen(t, Config{Format: FormatQuiet})
			bodies := loadBodies(110)
			for _, b := range bodies[:10] {
				send(t, http.MethodPost, run.url, b, nil)
			}
			if what == "the journal" {
				os.Remove(journal.Path(run.dir))
			} else {
				os.RemoveAll(run.dir)
			}
			var got []answered
			for _, b := range bodies[10:] {
				a := send(t, http.MethodPost, run.url, b, nil)
				if a.status != http.StatusOK {
					t.Fatalf("after %s went: %d %s", what, a.status, a.body)
				}
				got = append(got, answered{seqOf(t, a), sha(b)})
			}
			run.stop(t)
			checkAnswered(t, run.dir, got)
			if n := len(readJournal(t, run.dir)); n != 100 {
				t.Errorf("%d of the 100 later events journalled", n)
			}
			if !strings.Contains(run.err.String(), "Warning:") || !strings.Contains(run.err.String(), "removed") {
				t.Errorf("no warning that %s was removed:\n%s", what, run.err.String())
			}
			// And a restart numbers on.
			again := startListen(t, Config{Format: FormatQuiet, Dir: run.dir})
			if seq := seqOf(t, send(t, http.MethodPost, again.url, bodies[0], nil)); seq != 111 {
				t.Errorf("after a restart seq is %d, want 111", seq)
			}
		})
	}
}

// 4. The budget was reserved from the declared Content-Length: 256
// connections declaring 1 MiB and trickling a byte every 3 s made every
// real event get 503. Now it is charged by bytes held, and a body must
// arrive within BodyTimeout.
func TestAttackSlowBodiesDoNotLockOutRealEvents(t *testing.T) {
	const (
		attackers   = 64
		declared    = 1 << 20
		bodyTimeout = 1500 * time.Millisecond
	)
	run := startListen(t, Config{Format: FormatQuiet, MaxBody: declared, MaxInFlight: 16 << 20, InFlightWait: 200 * time.Millisecond, BodyTimeout: bodyTimeout})
	host := strings.TrimSuffix(strings.TrimPrefix(run.url, "http://"), "/")
	start := time.Now()
	statuses := make(chan string, attackers)
	var started sync.WaitGroup
	for range attackers {
		started.Add(1)
		go func() {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				started.Done()
				statuses <- err.Error()
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", declared)
			started.Done()
			stop := make(chan struct{})
			go func() { // a byte every 100 ms, until answered
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						conn.Write([]byte("x"))
					}
				}
			}()
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(conn).ReadString('\n')
			close(stop)
			if err != nil {
				statuses <- "no answer: " + err.Error()
				return
			}
			statuses <- strings.TrimSpace(line)
		}()
	}
	started.Wait()
	// The attack is on: real events still get in.
	ok := 0
	for _, b := range loadBodies(23) {
		if a := send(t, http.MethodPost, run.url, b, nil); a.status == http.StatusOK {
			ok++
		}
	}
	if ok != 23 {
		t.Errorf("%d of 23 real events answered 200 during the attack", ok)
	}
	for range attackers {
		if s := <-statuses; !strings.HasPrefix(s, "HTTP/1.1 408 ") {
			t.Errorf("an attacker got %q, want 408", s)
		}
	}
	if d := time.Since(start); d > bodyTimeout+3*time.Second {
		t.Errorf("the attackers were cut off after %s, want within the body timeout of %s", d, bodyTimeout)
	}
}

// hugeInvalid is a body of about size bytes made of distinct small keys:
// what costs the validator most per byte.
func hugeInvalid(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"eventId":1`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `,"k%d":1`, i)
	}
	b.WriteString("}")
	return b.Bytes()
}

// 5. An invalid 9.9 MB body of 10⁶ keys took 5 s and 430 MB to validate
// while its request waited; 8 at once peaked at 3.7 GB. Now bodies over
// maxChecked are saved unvalidated, saying so, and validation runs one body
// per core.
func TestAttackHugeBodiesAreNotValidatedWhole(t *testing.T) {
	body := hugeInvalid(9_900_000)
	run := startListen(t, Config{Format: FormatQuiet})
	const n = 8
	var slowest atomic.Int64
	alloc := allocated(func() {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				start := time.Now()
				if a := send(t, http.MethodPost, run.url, body, nil); a.status != http.StatusOK {
					t.Errorf("answered %d", a.status)
				}
				d := int64(time.Since(start))
				for old := slowest.Load(); d > old && !slowest.CompareAndSwap(old, d); old = slowest.Load() {
				}
			})
		}
		wg.Wait()
	})
	t.Logf("%d bodies of %d MB: slowest answer %s, %d MiB allocated", n, len(body)>>20, time.Duration(slowest.Load()), alloc>>20)
	if d := time.Duration(slowest.Load()); d > 3*time.Second {
		t.Errorf("slowest answer took %s", d)
	}
	if limit := uint64(n * 4 * len(body)); alloc > limit { // reading, sending and hashing them; no validation
		t.Errorf("allocated %d MiB for %d bodies of %d MiB", alloc>>20, n, len(body)>>20)
	}
	run.stop(t)
	for _, rec := range readJournal(t, run.dir) {
		if rec.Valid || len(rec.Problems) != 1 || !strings.Contains(rec.Problems[0].Message, "not checked") {
			t.Errorf("journalled %v %+v, want one problem saying it was not checked", rec.Valid, rec.Problems)
		}
	}
	// At the limit it is checked.
	small := startListen(t, Config{Format: FormatQuiet})
	send(t, http.MethodPost, small.url, hugeInvalid(maxChecked-100), nil)
	small.stop(t)
	if recs := readJournal(t, small.dir); len(recs) != 1 || strings.Contains(fmt.Sprint(recs[0].Problems), "not checked") {
		t.Errorf("a body under the limit was not validated: %+v", recs)
	}
}

// A real event over maxChecked is not validated, but still named by its
// type and id (the file, the journal, the inspector's list), not UNKNOWN.
func TestAHugeEventIsNamedThoughNotChecked(t *testing.T) {
	const id = "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f"
	name := strings.Repeat("Quarterly report ", maxChecked/16)
	body := []byte(`{"data":{"documents":[{"id":"1x","url":"https://docs.google.com/document/d/1x/edit","name":"` + name +
		`","mimetype":"application/pdf"}]},"event_id":"` + id + `","event_type":"DOCUMENTS_CREATED"}`)
	hostile := []byte(`{"eventId":"` + strings.Repeat("a", maxChecked) + `","eventType":"EMAILS_CREATED","data":{}}`)
	run := startListen(t, Config{Format: FormatQuiet})
	for _, b := range [][]byte{body, hostile} {
		if a := send(t, http.MethodPost, run.url, b, nil); a.status != http.StatusOK {
			t.Fatalf("answered %d", a.status)
		}
	}
	run.stop(t)
	recs := readJournal(t, run.dir)
	if len(recs) != 2 {
		t.Fatalf("journal: %+v", recs)
	}
	big, bad := recs[0], recs[1]
	switch {
	case big.Type != fixtures.DocumentsCreated || big.EventID != id || !strings.Contains(big.File, "-DOCUMENTS_CREATED-325d36e717d9"):
		t.Errorf("journalled as %s %q in %s, want DOCUMENTS_CREATED %s", big.Type, big.EventID, big.File, id)
	case big.Valid || len(big.Problems) != 1 || !strings.Contains(big.Problems[0].Message, "not checked"):
		t.Errorf("problems %+v, want one saying it was not checked", big.Problems)
	case bad.Type != fixtures.EmailsCreated || bad.EventID != "":
		t.Errorf("a %d-character id journalled as %q (%s)", maxChecked, bad.EventID[:min(len(bad.EventID), 20)], bad.Type)
	}
}

// 6. With stdout blocked (a paused pager, Ctrl-S) SIGTERM and three SIGINTs
// left the process running. Now shutdown is bounded.
func TestFaultShutdownFinishesWithTheTerminalBlocked(t *testing.T) {
	blocked := &blockingWriter{release: make(chan struct{}), w: io.Discard}
	defer close(blocked.release)
	const flush = 300 * time.Millisecond
	run := startListen(t, Config{Format: FormatPretty, Out: blocked, FlushTimeout: flush})
	for _, b := range loadBodies(50) {
		if a := send(t, http.MethodPost, run.url, b, nil); a.status != http.StatusOK {
			t.Fatalf("answered %d", a.status)
		}
	}
	start := time.Now()
	run.cancel()
	select {
	case err := <-run.done:
		close(run.done)
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still running 10s after the stop, with the terminal blocked")
	}
	d := time.Since(start)
	t.Logf("stopped in %s with the terminal blocked", d)
	if d > 2*flush+time.Second {
		t.Errorf("stopping took %s, want about %s", d, 2*flush)
	}
	if !strings.Contains(run.err.String(), "50 events saved") || !strings.Contains(run.err.String(), "the terminal stopped reading") {
		t.Errorf("summary:\n%s", run.err.String())
	}
	if n := len(readJournal(t, run.dir)); n != 50 {
		t.Errorf("%d events journalled", n)
	}
}

// 8. Two listeners on one directory handed out the same seqs, with no
// lock and no warning. Now the second is refused, naming the first.
func TestASecondListenerOnOneDirectoryIsRefused(t *testing.T) {
	run := startListen(t, Config{Format: FormatQuiet})
	err := Serve(context.Background(), Config{Dir: run.dir, Port: 0, Format: FormatQuiet})
	var se *StartError
	var le *journal.LockedError
	if !errors.As(err, &se) || !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second Serve on %s: %v, want a StartError naming pid %d", run.dir, err, os.Getpid())
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("another listen (pid %d) is already saving events in %s", os.Getpid(), run.dir)) {
		t.Errorf("message: %v", err)
	}
}

// 10. A request framed both ways (Content-Length and Transfer-Encoding) was
// accepted; net/http reads it by Transfer-Encoding, a proxy in front may
// read it by Content-Length.
func TestAttackAmbiguousFramingIsRefused(t *testing.T) {
	run := startListen(t, Config{Format: FormatQuiet})
	host := strings.TrimSuffix(strings.TrimPrefix(run.url, "http://"), "/")
	ev := fixtures.Example(fixtures.EmailsCreated)
	const headLike = "\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\nxxxxxx"
	for _, tt := range []struct {
		name, raw string
		want      []int
	}{
		{"both", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(ev), ev), []int{400}},
		{"both, other order and case", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(ev), ev), []int{400}},
		{"after a plain request on the same connection", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(ev), ev) +
			fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(ev), ev), []int{200, 400}},
		{"a body that looks like a head", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(headLike), headLike) +
			fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(ev), ev), []int{200, 200}},
		{"chunked alone", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(ev), ev), []int{200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, tt.raw)
			br := bufio.NewReader(conn)
			for i, want := range tt.want {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d: %v", i+1, err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("answer %d: %d %s, want %d", i+1, resp.StatusCode, b, want)
				}
				if want == 400 && !strings.Contains(string(b), "both Content-Length and Transfer-Encoding") {
					t.Errorf("400 says %q", b)
				}
			}
		})
	}
	run.stop(t)
	if n := len(readJournal(t, run.dir)); n != 4 {
		t.Errorf("%d events journalled, want the 4 answered 200", n)
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// 10. A gzip body's only problem was "invalid character '\x1f'". Now it is
// saved as sent, checked and shown decoded with a note; a zip bomb stops at
// maxChecked.
func TestGzipBodiesAreSavedAsSentAndShownDecoded(t *testing.T) {
	run := startListen(t, Config{Format: FormatPretty})
	ev := fixtures.Example(fixtures.SignaturesCompleted)
	gz := gzipped(t, ev)
	bomb := gzipped(t, make([]byte, 200<<20)) // 200 MiB of zeros, about 200 KiB sent
	var a, b answer
	alloc := allocated(func() {
		a = send(t, http.MethodPost, run.url, gz, map[string]string{"Content-Encoding": "gzip"})
		b = send(t, http.MethodPost, run.url, bomb, map[string]string{"Content-Encoding": "gzip"})
	})
	if a.status != 200 || b.status != 200 {
		t.Fatalf("answered %d and %d", a.status, b.status)
	}
	if alloc > 32<<20 {
		t.Errorf("a gzip bomb of %d KiB made the listener allocate %d MiB", len(bomb)>>10, alloc>>20)
	}
	run.out.waitFor(t, "Content-Encoding: gzip")
	run.stop(t)
	recs := readJournal(t, run.dir)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if saved, _ := os.ReadFile(filepath.Join(run.dir, recs[0].File)); !bytes.Equal(saved, gz) {
		t.Error("the gzip body was not saved as sent")
	}
	if !recs[0].Valid || recs[0].Type != fixtures.SignaturesCompleted || recs[0].EventID == "" {
		t.Errorf("the decoded event was not checked: %+v", recs[0])
	}
	if !strings.Contains(run.out.String(), `"status": "COMPLETED"`) {
		t.Errorf("the decoded body is not shown:\n%s", run.out.String())
	}
	if len(recs[1].Problems) != 1 || !strings.Contains(recs[1].Problems[0].Message, "decodes to more than") {
		t.Errorf("the bomb's problems: %+v", recs[1].Problems)
	}
}

// 10. Wrong tokens were not limited (25,853 guesses a second, each
// printed). Now each client gets guessBurst tries, then one a second, and
// the terminal shows a bounded number of lines.
func TestAttackTokenGuessingIsLimitedAndSummarised(t *testing.T) {
	run := startListen(t, Config{Format: FormatSummary, Token: "s3cret"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	const guesses = 2000
	var counts [600]atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= guesses {
				req, _ := http.NewRequest(http.MethodPost, run.url+"?token=guess"+fmt.Sprint(next.Load()), strings.NewReader("{}"))
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				counts[resp.StatusCode].Add(1)
			}
		})
	}
	// Portant, through the same tunnel, with the token.
	req, _ := http.NewRequest(http.MethodPost, run.url+"?token=s3cret", bytes.NewReader(fixtures.Example(fixtures.EmailsCreated)))
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	wg.Wait()
	elapsed := time.Since(start)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the right token from another client during the attack: %d", resp.StatusCode)
	}
	tried := counts[401].Load()
	t.Logf("%d guesses in %s: %d looked at (401), %d refused unseen (429)", guesses, elapsed.Round(time.Millisecond), tried, counts[429].Load())
	if limit := int64(guessBurst) + int64(elapsed/guessEvery) + 1; tried > limit {
		t.Errorf("%d tokens looked at in %s, want at most %d", tried, elapsed, limit)
	}
	if tried+counts[429].Load() != guesses {
		t.Errorf("%d + %d answers for %d guesses", tried, counts[429].Load(), guesses)
	}
	run.stop(t)
	stderr := run.err.String()
	shown := strings.Count(stderr, "(not saved)")
	t.Logf("%d rejections shown one by one", shown)
	if limit := rejectBurst + int(elapsed.Seconds()*rejectRate) + 2; shown > limit {
		t.Errorf("%d rejections printed one by one, want at most %d", shown, limit)
	}
	if !strings.Contains(stderr, "not shown one by one") || !strings.Contains(stderr, fmt.Sprintf("rejected (not saved)    %d", guesses)) {
		t.Errorf("the rejections are not summed up:\n%s", stderr[max(0, len(stderr)-1500):])
	}
}

func sha(b []byte) [32]byte { return sha256.Sum256(b) }

// 7. Forwarding to the listener's own address would forward each event to
// itself without end. Now the forwarder refuses to connect there: 502.
func TestForwardingToTheListenersOwnAddressIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	run := startListen(t, Config{Listener: ln, ForwardTo: "localhost:" + port + "/hook", ForwardTimeout: 5 * time.Second})
	start := time.Now()
	a := send(t, http.MethodPost, run.url, fixtures.Example(fixtures.EmailsCreated), nil)
	if a.status != http.StatusBadGateway || !strings.Contains(a.body, "own address") {
		t.Errorf("forwarded to itself: %d %q, want 502 saying it is its own address", a.status, a.body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
	run.stop(t)
	if n := len(readJournal(t, run.dir)); n != 1 {
		t.Errorf("%d events journalled, want the one sent", n)
	}
}

// 10. --format json passed C1 controls (U+009B is CSI) and bidi overrides
// raw, from both JSON and non-JSON bodies and from headers.
func TestFormatJSONEscapesEveryControlCharacter(t *testing.T) {
	run := startListen(t, Config{Format: FormatJSON})
	hostile := "\u009b2J\u202eevil\u2066\u0085"
	send(t, http.MethodPost, run.url, withExtra(`"`+hostile+`"`), map[string]string{"X-Note": hostile})
	send(t, http.MethodPost, run.url, []byte("not json "+hostile), nil)
	run.stop(t)
	out := run.out.String()
	if strings.Count(out, "\n") != 2 {
		t.Fatalf("want 2 lines:\n%s", out)
	}
	for _, raw := range []string{"\u009b", "\u202e", "\u2066", "\u0085"} {
		if strings.Contains(out, raw) {
			t.Errorf("--format json carries %q raw", raw)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !fixtures.Peek([]byte(line)).JSON {
			t.Errorf("not JSON: %s", line)
		}
	}
	if !strings.Contains(out, `\u009b2J\u202eevil`) {
		t.Errorf("the text is not kept, escaped:\n%s", out)
	}
}
