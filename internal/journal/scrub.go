package journal

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/portant-hooks/portant-hooks/internal/atomicfile"
)

// WriteScrubbed writes the journal of dir, into which scrub --out wrote
// files (or in which scrub --in-place rewrote them), from the journals
// beside their inputs: for each file a record that describes the scrubbed
// body (its name, size, sha256, eventId, validity and problems), with the
// captured headers, query and path kept but their secrets redacted,
// whatever the listener was told, and the old eventId in them rewritten to
// the new one as in the body. What was learnt
// about the sender and the handler (the client address, the handler's
// answer) is left out: a fixture is committed, and replayed to a new
// handler. It is what fixtures.ScrubOptions.Journal calls for.
//
// A line dir's journal has for another file is kept, one for a file just
// written is replaced. Files whose input has no record are left out. It
// returns the journal's path; when no input has a record, nothing is
// written and the path is "".
func WriteScrubbed(dir string, files []fixtures.ScrubbedFile) (string, error) {
	sources := map[string]map[string]Record{} // input dir -> records by file
	var recs []Record
	for _, f := range files {
		from := filepath.Dir(f.From)
		byFile, ok := sources[from]
		if !ok {
			var err error
			if byFile, err = recordsByFile(from); err != nil {
				return "", err
			}
			sources[from] = byFile
		}
		rec, ok := byFile[filepath.Base(f.From)]
		if !ok {
			continue
		}
		recs = append(recs, scrubbed(rec, f))
	}
	if len(recs) == 0 {
		return "", nil
	}
	// A listener saving into dir appends to the journal this replaces: it
	// would go on writing into the file replaced, and its lines be lost.
	lock, err := lockDir(dir)
	if le := (*LockedError)(nil); errors.As(err, &le) {
		return "", fmt.Errorf("%s is saving events in %s, and its journal cannot be rewritten under it: stop it, or scrub into another --out", le.holder(), dir)
	}
	if err != nil {
		return "", err
	}
	defer lock.release()
	kept, err := recordsByFile(dir)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	written := map[string]bool{}
	for _, r := range recs {
		written[r.File] = true
	}
	for _, r := range ordered(kept) {
		if !written[r.File] {
			if err := appendLine(&buf, &r); err != nil {
				return "", err
			}
		}
	}
	for _, r := range recs {
		if err := appendLine(&buf, &r); err != nil {
			return "", err
		}
	}
	if err := atomicfile.WriteFile(Path(dir), buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	return Path(dir), nil
}

// scrubbed is rec as it describes f's scrubbed body.
func scrubbed(rec Record, f fixtures.ScrubbedFile) Record {
	sum := sha256.Sum256(f.Body)
	swap := func(s string) string {
		if f.OldID == "" || f.NewID == "" {
			return s
		}
		return strings.ReplaceAll(s, f.OldID, f.NewID)
	}
	headers := RedactHeaders(http.Header(rec.Headers), false)
	for name, vs := range headers {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = swap(v)
		}
		headers[name] = out
	}
	rec.File = filepath.Base(f.To)
	rec.Path = swap(rec.Path)
	rec.Query = swap(RedactQuery(rec.Query, false))
	rec.Headers = headers
	rec.Remote = ""
	rec.Size = int64(len(f.Body))
	rec.SHA256 = hex.EncodeToString(sum[:])
	rec.EventID = f.NewID
	rec.Type = f.Report.EventType
	if rec.Type == "" {
		rec.Type = fixtures.Unknown
	}
	rec.Valid = f.Report.Valid()
	rec.Problems = f.Report.Problems
	rec.Forward = nil
	return rec
}

// recordsByFile reads the records of dir's journal by the file they name,
// the last one for a file winning; none when there is no journal.
func recordsByFile(dir string) (map[string]Record, error) {
	f, err := os.Open(Path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byFile := map[string]Record{}
	for l, err := range Lines(f) {
		if err != nil {
			return nil, err
		}
		if r, ok := l.Record(); ok && r.File != "" {
			byFile[r.File] = r
		}
	}
	return byFile, nil
}

// ordered is byFile in seq order, then by name.
func ordered(byFile map[string]Record) []Record {
	recs := slices.Collect(maps.Values(byFile))
	slices.SortFunc(recs, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), strings.Compare(a.File, b.File))
	})
	return recs
}

func appendLine(buf *bytes.Buffer, r *Record) error {
	line, err := encodeLine(r)
	if err != nil {
		return err
	}
	buf.Write(line)
	return nil
}
