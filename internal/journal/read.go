package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"strconv"
)

// Line is one line of a journal, as Lines reads it.
type Line struct {
	Num  int   // from 1
	Off  int64 // of its first byte, from where reading started
	Size int64 // its bytes, the newline included
	// Data is the line without its newline, nil when it is longer than
	// MaxLine. It is only valid until the iteration goes on.
	Data []byte
	// Whole says the line ends with a newline. Only the last line can lack
	// one: cut short by a crash, or being written at this moment.
	Whole bool
}

// Record decodes the line. ok is false for anything that is not a whole
// line holding one JSON object that decodes as a Record: a blank line, a
// damaged or hand-edited one, a line cut short, one longer than MaxLine.
func (l Line) Record() (r Record, ok bool) {
	if !l.Whole || len(l.Data) == 0 || l.Data[0] != '{' {
		return Record{}, false
	}
	return r, json.Unmarshal(l.Data, &r) == nil
}

// Blank reports whether the line holds nothing but white space: not a
// record, and not damage either.
func (l Line) Blank() bool { return l.Data != nil && len(bytes.TrimSpace(l.Data)) == 0 }

// Lines reads r line by line until its end. The error, yielded once with a
// zero Line, is only ever a read error of r: nothing a journal holds stops
// the reading.
func Lines(r io.Reader) iter.Seq2[Line, error] {
	return func(yield func(Line, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		var (
			off int64
			big []byte // a line longer than the buffer, gathered
		)
		for num := 1; ; num++ {
			part, err := br.ReadSlice('\n')
			size := int64(len(part))
			data := part
			if errors.Is(err, bufio.ErrBufferFull) {
				big = append(big[:0], part...)
				for errors.Is(err, bufio.ErrBufferFull) {
					part, err = br.ReadSlice('\n')
					size += int64(len(part))
					if size <= MaxLine+1 {
						big = append(big, part...)
					}
				}
				data = big
			}
			if err != nil && !errors.Is(err, io.EOF) {
				yield(Line{}, err)
				return
			}
			if size == 0 { // the end, after a newline or of an empty journal
				return
			}
			l := Line{Num: num, Off: off, Size: size, Whole: err == nil}
			n := size
			if l.Whole {
				n-- // the newline
			}
			if n <= MaxLine {
				l.Data = data[:n]
			}
			if !yield(l, nil) || err != nil {
				return
			}
			off += size
			if cap(big) > 1<<20 {
				big = nil // one long line must not pin its buffer
			}
		}
	}
}

// Torn reports whether the line is a record that was never finished: the
// last line without its newline (being written, or cut short), or a line
// that starts as a record, {"seq":N followed by more, and is not one, as a
// crash or a full disk leaves it (OpenWriter ends such a line, so other
// lines may follow it). The listener writes torn lines; it never writes
// any other line that is not a record.
func (l Line) Torn() bool {
	if !l.Whole {
		return true
	}
	if _, ok := l.Record(); ok {
		return false
	}
	_, ok := seqPrefix(l.Data)
	return ok
}

// Seq is the sequence number a line gives its event. A record gives its
// Seq; a torn line its {"seq":N prefix when the number is whole: that
// event's body may be saved, so its number must not be handed out again.
func (l Line) Seq() (uint64, bool) {
	if r, ok := l.Record(); ok {
		return r.Seq, true
	}
	return seqPrefix(l.Data)
}

// seqPrefix reads N from a line that starts {"seq":N, and goes on: a line
// that ends right after some digits may have been cut inside the number.
func seqPrefix(data []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(`{"seq":`))
	if !ok {
		return 0, false
	}
	i := 0
	for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ',' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:i]), 10, 64)
	return n, err == nil
}

// lastSeqIn is the highest seq in the journal r (see Line.Seq), 0 when it
// has none, and whether r ends with a whole line (an empty one does).
func lastSeqIn(r io.Reader) (seq uint64, whole bool, err error) {
	whole = true
	for l, err := range Lines(r) {
		if err != nil {
			return 0, false, err
		}
		if n, ok := l.Seq(); ok {
			seq = max(seq, n)
		}
		whole = l.Whole
	}
	return seq, whole, nil
}
