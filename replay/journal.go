package replay

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// captureJournal is what one capture directory's journal says: replayable
// headers by file, the secret headers that were redacted, and the files
// listen could not read as events.
type captureJournal struct {
	path       string
	headers    map[string]http.Header
	secrets    map[string]bool
	unreadable map[string]bool // recorded UNKNOWN and not valid
	missing    int             // files asked for that have no line
}

// readJournal reads the journal of the capture directory dir. Lines that a
// crash or a full disk cut short are skipped (their files are then reported
// as having no line); any other line that is not a record is an error:
// replaying half the headers of a journal that is not the listener's is
// worse than refusing.
func readJournal(dir string) (*captureJournal, error) {
	path := journal.Path(dir)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	j := &captureJournal{path: path, headers: map[string]http.Header{}, secrets: map[string]bool{}, unreadable: map[string]bool{}}
	for l, err := range journal.Lines(f) {
		if err != nil {
			return nil, fmt.Errorf("read %s: %v", path, err)
		}
		rec, ok := l.Record()
		switch {
		case ok:
			j.add(rec)
		case l.Blank() || l.Torn():
		default:
			return nil, fmt.Errorf("%s:%d: not a capture journal line (written by listen?): fix or remove the line, or send without --with-headers", path, l.Num)
		}
	}
	return j, nil
}

func (j *captureJournal) add(rec journal.Record) {
	if rec.File == "" {
		return
	}
	h, secrets := httpx.Replayable(rec.Headers)
	j.headers[rec.File] = h
	if rec.Type == fixtures.Unknown && !rec.Valid {
		j.unreadable[rec.File] = true
	}
	for _, s := range secrets {
		j.secrets[s] = true
	}
}

// journals reads each capture directory's journal once and reports what
// could not be replayed when done.
type journals struct {
	byDir map[string]*captureJournal
	noLog map[string]bool  // dirs without a journal
	bad   map[string]error // dirs whose journal cannot be read, and why
	warn  func(string)
}

func newJournals(warn func(string)) *journals {
	if warn == nil {
		warn = func(string) {}
	}
	return &journals{byDir: map[string]*captureJournal{}, noLog: map[string]bool{}, bad: map[string]error{}, warn: warn}
}

// of returns the journal of the directory of path, read once; nil when
// there is none. A journal that cannot be read gives the same error for
// every file of its directory, without being read again.
func (js *journals) of(path string) (*captureJournal, error) {
	dir := filepath.Dir(path)
	if err := js.bad[dir]; err != nil {
		return nil, err
	}
	j, ok := js.byDir[dir]
	if !ok && !js.noLog[dir] {
		var err error
		j, err = readJournal(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			js.noLog[dir] = true
		case err != nil:
			js.bad[dir] = err
			return nil, err
		default:
			js.byDir[dir] = j
		}
	}
	return j, nil
}

// recordedUnreadable reports whether the journal beside the file at path
// records it as a body listen could not read as an event. A journal that
// cannot be read records nothing.
func (js *journals) recordedUnreadable(path string) bool {
	j, err := js.of(path)
	return err == nil && j != nil && j.unreadable[filepath.Base(path)]
}

// headersFor returns the captured headers of the file at path, or nil.
func (js *journals) headersFor(path string) (http.Header, error) {
	j, err := js.of(path)
	if err != nil || j == nil {
		return nil, err
	}
	h, ok := j.headers[filepath.Base(path)]
	if !ok {
		j.missing++
		return nil, nil
	}
	return h, nil
}

// done warns once per directory about what --with-headers could not do.
func (js *journals) done() {
	for _, dir := range slices.Sorted(maps.Keys(js.noLog)) {
		js.warn(fmt.Sprintf("--with-headers: no %s in %s: its events are sent without captured headers", journal.Name, dir))
	}
	for _, dir := range slices.Sorted(maps.Keys(js.byDir)) {
		j := js.byDir[dir]
		if j.missing > 0 {
			js.warn(fmt.Sprintf("--with-headers: %s has no line for %d of the files sent from %s: those are sent without captured headers", j.path, j.missing, dir))
		}
		if len(j.secrets) > 0 {
			names := slices.Sorted(maps.Keys(j.secrets))
			msg := "was redacted at capture and is not replayed: pass it"
			if len(names) > 1 {
				msg = "were redacted at capture and are not replayed: pass them"
			}
			js.warn(fmt.Sprintf("--with-headers: %s %s with -H, or capture with listen --keep-secrets", strings.Join(names, ", "), msg))
		}
	}
}
