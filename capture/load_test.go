package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// loadBodies makes n distinct realistic bodies: the four types in both
// spellings, and every tenth one not JSON at all.
func loadBodies(n int) [][]byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		casing := fixtures.CasingDocumented
		if i%5 == 0 {
			casing = fixtures.CasingSnake
		}
		g := fixtures.NewGenerator(uint64(i), casing)
		if i%10 == 9 {
			bodies[i] = []byte(fmt.Sprintf("not json #%d %s", i, g.Name()))
			continue
		}
		bodies[i] = g.Event(fixtures.Types[i%len(fixtures.Types)])
	}
	return bodies
}

// answered is a request that got a 2xx: what was sent and the seq it was
// given.
type answered struct {
	seq uint64
	sum [32]byte
}

// hammer POSTs bodies over conns connections until they run out or stop
// is closed, and returns every 2xx answer. onAnswer, when set, is called
// with the count of 2xx answers so far after each one.
func hammer(t *testing.T, url string, bodies [][]byte, conns int, stop <-chan struct{}, onAnswer func(int)) []answered {
	t.Helper()
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
	}
	defer client.CloseIdleConnections()
	var (
		next atomic.Int64
		mu   sync.Mutex
		got  []answered
		wg   sync.WaitGroup
	)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					continue // the listener stopped: not answered, nothing promised
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode/100 != 2 {
					continue
				}
				var a struct{ Seq uint64 }
				if err := json.Unmarshal(b, &a); err != nil || a.Seq == 0 {
					t.Errorf("2xx answer without a seq: %q", b)
					continue
				}
				mu.Lock()
				got = append(got, answered{a.Seq, sha256.Sum256(bodies[i])})
				if onAnswer != nil {
					onAnswer(len(got))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return got
}

// checkAnswered proves every answered request has an intact file and a
// journal line.
func checkAnswered(t *testing.T, dir string, got []answered) {
	t.Helper()
	bySeq := map[uint64]journal.Record{}
	for _, rec := range readJournal(t, dir) {
		if _, dup := bySeq[rec.Seq]; dup {
			t.Fatalf("seq %d journalled twice", rec.Seq)
		}
		bySeq[rec.Seq] = rec
	}
	for _, a := range got {
		rec, ok := bySeq[a.seq]
		if !ok {
			t.Errorf("seq %d was answered 2xx but has no journal line", a.seq)
			continue
		}
		want := hex.EncodeToString(a.sum[:])
		if rec.SHA256 != want {
			t.Errorf("seq %d: journal sha256 %s, sent %s", a.seq, rec.SHA256, want)
		}
		b, err := os.ReadFile(filepath.Join(dir, rec.File))
		if err != nil {
			t.Errorf("seq %d was answered 2xx but its file is missing: %v", a.seq, err)
			continue
		}
		if sum := sha256.Sum256(b); sum != a.sum {
			t.Errorf("seq %d: %s is not what was sent", a.seq, rec.File)
		}
	}
	assertNoTemps(t, dir)
}

func loadSize(t *testing.T) (bodies, conns int) {
	if testing.Short() {
		return 400, 16
	}
	return 2000, 48
}

// loadDir is where a load test saves: tmpfs when the machine has one, as
// these tests are about what concurrency and a stop do, not about the
// disk, and a busy disk creates only a few thousand files a second.
func loadDir(t *testing.T) string {
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "portant-hooks-load-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return filepath.Join(dir, "events")
		}
	}
	return filepath.Join(t.TempDir(), "events")
}

func TestLoadEveryAnsweredEventIsOnDisk(t *testing.T) {
	n, conns := loadSize(t)
	run := startListen(t, Config{Format: FormatQuiet, Dir: loadDir(t)})
	got := hammer(t, run.url, loadBodies(n), conns, nil, nil)
	run.stop(t)
	if len(got) != n {
		t.Fatalf("%d of %d requests answered 2xx", len(got), n)
	}
	checkAnswered(t, run.dir, got)
	if recs := readJournal(t, run.dir); len(recs) != n {
		t.Errorf("journal has %d lines for %d events", len(recs), n)
	}
}

func TestLoadAStopInTheMiddleLosesNothingAnswered(t *testing.T) {
	n, conns := loadSize(t)
	run := startListen(t, Config{Format: FormatPretty, Dir: loadDir(t)}) // rendering too, shown or dropped
	// Once a third of the load is answered, stop the listener while the
	// clients go on sending, and stop the clients only once it has stopped:
	// every request until then is either answered or refused.
	stopped, stopClients := make(chan struct{}), make(chan struct{})
	go func() {
		<-stopped
		run.cancel()
		if err := <-run.done; err != nil {
			t.Errorf("Serve returned %v after a stop", err)
		}
		close(run.done) // run.stop sees it closed and does not wait again
		close(stopClients)
	}()
	got := hammer(t, run.url, loadBodies(n), conns, stopClients, func(answered int) {
		if answered == n/3 {
			close(stopped)
		}
	})
	select {
	case <-stopped:
		<-stopClients
	default:
		t.Fatalf("only %d of %d answered, all before the stop", len(got), n)
	}
	run.stop(t)
	if len(got) == 0 || len(got) >= n {
		t.Fatalf("%d of %d answered: the stop did not land in the middle of the load", len(got), n)
	}
	checkAnswered(t, run.dir, got)
	t.Logf("%d of %d answered before the stop, all on disk and journalled", len(got), n)
}

// BenchmarkServe measures the whole path of one event over HTTP: read,
// validate, save, journal, answer; at Go's default GOGC and at the 400
// that cmd's tuneGC sets for listen, and says why.
func BenchmarkServe(b *testing.B) {
	for _, format := range []Format{FormatQuiet, FormatPretty} {
		for _, gc := range []int{100, 400} {
			b.Run(fmt.Sprintf("%s/gc=%d", format, gc), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				run := startListen(b, Config{Format: format, Dir: filepath.Join(b.TempDir(), "events")})
				bodies := loadBodies(256)
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				b.SetParallelism(8)
				var i atomic.Int64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						body := bodies[i.Add(1)%int64(len(bodies))]
						resp, err := client.Post(run.url, "application/json", bytes.NewReader(body))
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				})
				b.StopTimer()
				run.stop(b)
			})
		}
	}
}
