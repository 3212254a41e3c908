package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

// JournalName is the listener's request log in a capture directory: one
// JSON line per request, naming the saved file and its headers.
const JournalName = "events.ndjson"

// journalLine is the part of a capture journal line a replay needs.
type journalLine struct {
	File    string              `json:"file"`
	Headers map[string][]string `json:"headers"`
}

// journal is what one events.ndjson says: replayable headers by file, and
// the secret headers that were redacted.
type journal struct {
	path    string
	headers map[string]http.Header
	secrets map[string]bool
	missing int // files asked for that have no line
}

func readJournal(dir string) (*journal, error) {
	path := filepath.Join(dir, JournalName)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	j := &journal{path: path, headers: map[string]http.Header{}, secrets: map[string]bool{}}
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			var jl journalLine
			if jerr := json.Unmarshal(line, &jl); jerr != nil {
				return nil, fmt.Errorf("%s:%d: not a capture journal line: %v", path, n, jerr)
			}
			if jl.File != "" {
				h, secrets := httpx.Replayable(jl.Headers)
				j.headers[jl.File] = h
				for _, s := range secrets {
					j.secrets[s] = true
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return j, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %v", path, err)
		}
	}
}

// journals reads each capture directory's journal once and reports what
// could not be replayed when done.
type journals struct {
	byDir map[string]*journal
	noLog map[string]bool // dirs without a journal
	warn  func(string)
}

func newJournals(warn func(string)) *journals {
	if warn == nil {
		warn = func(string) {}
	}
	return &journals{byDir: map[string]*journal{}, noLog: map[string]bool{}, warn: warn}
}

// headersFor returns the captured headers of the file at path, or nil.
func (js *journals) headersFor(path string) (http.Header, error) {
	dir := filepath.Dir(path)
	j, ok := js.byDir[dir]
	if !ok && !js.noLog[dir] {
		var err error
		j, err = readJournal(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			js.noLog[dir] = true
		case err != nil:
			return nil, err
		default:
			js.byDir[dir] = j
		}
	}
	if j == nil {
		return nil, nil
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
		js.warn(fmt.Sprintf("--with-headers: no %s in %s: its events are sent without captured headers", JournalName, dir))
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
