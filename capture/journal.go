package capture

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// appendRecord appends r as one JSON object, the journal line without its
// newline: what encoding/json makes of a Record (the same fields, names and
// omissions; TestAppendRecordMatchesEncodingJSON holds it to that), at a
// third of the cost, as it runs for every request.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	if r.File != "" {
		b = appendKey(b, "file")
		b = appendString(b, r.File)
	}
	b = appendKey(b, "received")
	b = append(b, '"')
	b = r.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendKey(b, "method")
	b = appendString(b, r.Method)
	b = appendKey(b, "path")
	b = appendString(b, r.Path)
	if r.Query != "" {
		b = appendKey(b, "query")
		b = appendString(b, r.Query)
	}
	b = appendKey(b, "headers")
	b = appendHeaders(b, r.Headers)
	b = appendKey(b, "remote")
	b = appendString(b, r.Remote)
	b = appendKey(b, "size")
	b = strconv.AppendInt(b, r.Size, 10)
	b = appendKey(b, "sha256")
	b = appendString(b, r.SHA256)
	if r.EventID != "" {
		b = appendKey(b, "eventId")
		b = appendString(b, r.EventID)
	}
	b = appendKey(b, "eventType")
	b = appendString(b, string(r.Type))
	b = appendKey(b, "valid")
	b = strconv.AppendBool(b, r.Valid)
	if len(r.Problems) > 0 {
		b = appendKey(b, "problems")
		b = append(b, '[')
		for i, p := range r.Problems {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"line":`...)
			b = strconv.AppendInt(b, int64(p.Line), 10)
			b = append(b, `,"column":`...)
			b = strconv.AppendInt(b, int64(p.Column), 10)
			b = appendKey(b, "pointer")
			b = appendString(b, p.Pointer)
			b = appendKey(b, "message")
			b = appendString(b, p.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Status != 0 {
		b = appendKey(b, "status")
		b = strconv.AppendInt(b, int64(r.Status), 10)
	}
	if f := r.Forward; f != nil {
		b = appendKey(b, "forward")
		b = append(b, `{"url":`...)
		b = appendString(b, f.URL)
		if f.Status != 0 {
			b = appendKey(b, "status")
			b = strconv.AppendInt(b, int64(f.Status), 10)
		}
		b = appendKey(b, "latencyMs")
		b = strconv.AppendFloat(b, f.LatencyMS, 'f', -1, 64)
		if f.Error != "" {
			b = appendKey(b, "error")
			b = appendString(b, f.Error)
		}
		if f.BodyStart != "" {
			b = appendKey(b, "bodyStart")
			b = appendString(b, f.BodyStart)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendString quotes s as JSON; bytes that are not UTF-8 become U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s)
	return b
}

// appendHeaders writes headers with their names sorted, as encoding/json
// writes a map.
func appendHeaders(b []byte, h map[string][]string) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		vals := h[name]
		if vals == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vals {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// journalTail is how much of the end of the journal journalLastSeq reads
// first: some thousand lines.
const journalTail = 1 << 20

// journalLastSeq returns the highest seq in the journal f and whether f
// ends with a complete line (an empty one does). Lines are appended in
// about seq order (only requests answered at the same moment trade
// places), so the highest seq is among the last lines, and reading the
// tail is enough. Lines that are not records are skipped; one cut short
// counts when its seq is whole (see recordSeq). When the tail holds no
// record at all, the whole journal is read. A journal without any record
// gives 0.
func journalLastSeq(f *os.File) (seq uint64, complete bool, err error) {
	info, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	size := info.Size()
	if size == 0 {
		return 0, true, nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, false, err
	}
	complete = last[0] == '\n'
	off := max(size-journalTail, 0)
	seq, found, err := scanSeqs(f, off, size)
	if err != nil || found || off == 0 {
		return seq, complete, err
	}
	seq, _, err = scanSeqs(f, 0, size)
	return seq, complete, err
}

// scanSeqs returns the highest seq of the lines of f between off and end,
// reading only the start of each line. A line that off cuts into is
// skipped.
func scanSeqs(f io.ReaderAt, off, end int64) (seq uint64, found bool, err error) {
	atStart := off == 0 // of a line
	if off > 0 {
		var prev [1]byte
		if _, err := f.ReadAt(prev[:], off-1); err != nil {
			return 0, false, err
		}
		atStart = prev[0] == '\n'
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, off, end-off), 64<<10)
	for {
		part, err := r.ReadSlice('\n')
		if atStart {
			line, whole := bytes.CutSuffix(part, []byte{'\n'})
			if n, ok := recordSeq(line, whole); ok {
				seq, found = max(seq, n), true
			}
		}
		switch {
		case err == nil:
			atStart = true
		case errors.Is(err, bufio.ErrBufferFull): // a long line: the rest of it follows
			atStart = false
		case errors.Is(err, io.EOF):
			return seq, found, nil
		default:
			return seq, found, err
		}
	}
}

// recordSeq reads the seq of one journal line, which appendRecord (like
// encoding/json) starts with {"seq":N. That start is enough: a line cut
// short by a crash (not whole) or damaged further on still tells the seq
// its event was given, and that event's file may be on disk. Only a whole
// line may end right after the number.
func recordSeq(line []byte, whole bool) (uint64, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"seq":`))
	if !ok {
		return 0, false
	}
	i := 0
	for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ',' && (rest[i] != '}' || !whole) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:i]), 10, 64)
	return n, err == nil
}
