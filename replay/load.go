package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// LoadOptions say how saved events are read.
type LoadOptions struct {
	// Validator checks every event (after Set); it also places syntax
	// errors. Nil means the default schema.
	Validator *fixtures.Validator
	// Set changes every event before it is checked.
	Set []Set
	// WithHeaders attaches the headers captured with each file, from the
	// events.ndjson journal beside it.
	WithHeaders bool
	// Warn receives what --with-headers could not do; nil drops it.
	Warn func(string)
}

// SourceError is a source that cannot be sent: unreadable, not JSON, or
// refusing a --set. Line and Column are 0 when there is no position.
type SourceError struct {
	Name         string
	Line, Column int
	Err          error
}

func (e *SourceError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %v", e.Name, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Name, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// Load reads the inputs in order (inputs.Expand lists them), stdin from
// stdin. A file holds one JSON value (sent byte for byte, whitespace
// included) or several (NDJSON, `generate --compact` output: each value is
// an event named file:line). Nothing is sent from a set of sources with an
// error in any of them: the error joins one *SourceError per bad source.
//
// A file found in a capture directory that is not JSON, and that the
// directory's journal records as a capture listen could not read as an
// event, is passed over: a capture tool keeps whatever arrived, and one
// such body must not stop the directory being replayed. Warn is told once
// which were; named on its own, such a file is an error as any other.
func Load(ins []inputs.Input, stdin io.Reader, opts LoadOptions) (Events, error) {
	v := opts.Validator
	if v == nil {
		var err error
		if v, err = fixtures.NewValidator(fixtures.Options{}); err != nil {
			return nil, err
		}
	}
	js := newJournals(opts.Warn)
	var (
		events  Events
		errs    []error
		skipped []string // non-JSON captures passed over
	)
	for _, in := range ins {
		if in.Err != nil { // a directory that could not be listed: its error says so
			errs = append(errs, &SourceError{Name: in.Name, Err: in.Err})
			continue
		}
		doc, err := in.Read(stdin)
		if err != nil {
			errs = append(errs, &SourceError{Name: in.Name, Err: errors.Unwrap(err)})
			continue
		}
		values, serr := splitValues(doc, v)
		if serr != nil {
			if in.Found && js.recordedUnreadable(in.Path) {
				skipped = append(skipped, in.Name)
				continue
			}
			serr.Name = in.Name
			errs = append(errs, serr)
			continue
		}
		var header map[string][]string
		if opts.WithHeaders {
			switch h, err := headerFor(js, in, opts.Warn); {
			case err != nil:
				errs = append(errs, &SourceError{Name: in.Name, Err: err})
				continue
			default:
				header = h
			}
		}
		for _, val := range values {
			name := in.Name
			if len(values) > 1 {
				name += ":" + strconv.Itoa(val.line)
			}
			body := val.body
			if len(values) == 1 {
				body = doc // byte for byte, trailing newline included
			}
			if len(opts.Set) > 0 {
				if body, err = applySets(body, opts.Set); err != nil {
					errs = append(errs, &SourceError{Name: name, Err: err})
					continue
				}
			}
			ev := newEvent(name, body)
			ev.Header = header
			if r := v.Validate(body); !r.Valid() {
				ev.Problems = r.Problems
			}
			events = append(events, ev)
		}
	}
	if opts.WithHeaders {
		js.done()
	}
	if len(skipped) > 0 && opts.Warn != nil {
		opts.Warn(skippedCaptures(skipped))
	}
	switch {
	case len(errs) > 0:
		return nil, errors.Join(errs...)
	case len(events) == 0 && len(skipped) > 0:
		return nil, fmt.Errorf("nothing to send: every file is a capture that is not JSON (%s)", skippedNames(skipped))
	}
	return events, nil
}

// skippedCaptures is the one warning about the non-JSON captures Load
// passed over.
func skippedCaptures(names []string) string {
	what := "1 capture that is not JSON"
	if len(names) > 1 {
		what = strconv.Itoa(len(names)) + " captures that are not JSON"
	}
	return fmt.Sprintf("skipped %s, as %s records (%s): name one to see where it stops being JSON", what, journal.Name, skippedNames(names))
}

func skippedNames(names []string) string {
	const shown = 3
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shown], ", ") + fmt.Sprintf(" and %d more", len(names)-shown)
}

func headerFor(js *journals, in inputs.Input, warn func(string)) (map[string][]string, error) {
	if in.IsStdin() {
		if warn != nil {
			warn("--with-headers: standard input has no captured headers: it is sent with the default ones")
		}
		return nil, nil
	}
	return js.headersFor(in.Path)
}

// value is one JSON value in a source, and the line it starts on.
type value struct {
	body []byte
	line int
}

// splitValues finds the JSON values in doc, or the first place it stops
// being JSON, positioned by the validator's syntax report.
func splitValues(doc []byte, v *fixtures.Validator) ([]value, *SourceError) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var out []value
	line, lineAt := 1, 0 // the line number at byte lineAt, counted lazily
	lineOf := func(off int) int {
		line += bytes.Count(doc[lineAt:off], []byte{'\n'})
		lineAt = off
		return line
	}
	for {
		start := skipSpace(doc, int(dec.InputOffset()))
		if start == len(doc) {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(doc, start, v, err)
		}
		out = append(out, value{body: doc[start:dec.InputOffset()], line: lineOf(start)})
	}
	if len(out) == 0 {
		return nil, syntaxError(doc, 0, v, errors.New("no JSON value"))
	}
	return out, nil
}

// syntaxError places the error in the value starting at start: the
// validator reports the first syntax error of doc[start:], which is in that
// value, with a line and column relative to start.
func syntaxError(doc []byte, start int, v *fixtures.Validator, decErr error) *SourceError {
	r := v.Validate(doc[start:])
	if !r.Syntax || len(r.Problems) == 0 {
		return &SourceError{Err: fmt.Errorf("not valid JSON: %v", decErr)}
	}
	p := r.Problems[0]
	line := 1 + bytes.Count(doc[:start], []byte{'\n'})
	col := 1 + len([]rune(string(doc[bytes.LastIndexByte(doc[:start], '\n')+1:start])))
	if p.Line == 1 {
		p.Column += col - 1
	}
	p.Line += line - 1
	return &SourceError{Line: p.Line, Column: p.Column, Err: errors.New(p.Message)}
}

func skipSpace(doc []byte, i int) int {
	for i < len(doc) {
		switch doc[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}
