package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
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

// Load reads the files at paths in order, "-" being stdin. A file holds
// one JSON value (sent byte for byte, whitespace included) or several
// (NDJSON, `generate --compact` output: each value is an event named
// file:line). Nothing is sent from a set of sources with an error in any of
// them: the error joins one *SourceError per bad source.
func Load(paths []string, stdin io.Reader, opts LoadOptions) (Events, error) {
	v := opts.Validator
	if v == nil {
		var err error
		if v, err = fixtures.NewValidator(fixtures.Options{}); err != nil {
			return nil, err
		}
	}
	var js *journals
	if opts.WithHeaders {
		js = newJournals(opts.Warn)
	}
	var (
		events Events
		errs   []error
	)
	for _, path := range paths {
		in := inputs.FromArg(path)
		doc, err := in.Read(stdin)
		if err != nil {
			errs = append(errs, &SourceError{Name: in.Name, Err: errors.Unwrap(err)})
			continue
		}
		values, serr := splitValues(doc, v)
		if serr != nil {
			serr.Name = in.Name
			errs = append(errs, serr)
			continue
		}
		var header map[string][]string
		if js != nil {
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
	if js != nil {
		js.done()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return events, nil
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
