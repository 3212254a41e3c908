package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Set is one --set PATH=VALUE change: the value at Path becomes Value.
type Set struct {
	Path  string // a gjson/sjson path: data.documents.0.url, eventId
	Value []byte // JSON
}

// ParseSet reads PATH=VALUE. VALUE is taken as JSON when it parses as JSON
// (42, true, null, {"a":1}, "quoted"), else as a string.
func ParseSet(s string) (Set, error) {
	path, value, ok := strings.Cut(s, "=")
	if !ok {
		return Set{}, fmt.Errorf("%q: expected PATH=VALUE, like data.emails.0.subject=Hello", s)
	}
	if err := checkPath(path); err != nil {
		return Set{}, fmt.Errorf("%q: %w", s, err)
	}
	raw := []byte(value)
	if !json.Valid(raw) {
		raw = quote(value)
	}
	return Set{Path: path, Value: raw}, nil
}

// quote is s as a JSON string, with &, < and > as they are (json.Marshal
// would send them as \u0026, \u003c and \u003e: the same string to a
// parser, but not the bytes the user typed, nor what Portant sends).
func quote(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string cannot fail to encode
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkPath accepts the paths sjson can set: dot-separated keys or array
// indexes (-1 appends), with \ escaping a special character. sjson ignores
// wildcards, queries and modifiers silently, so they are refused here.
func checkPath(path string) error {
	if path == "" {
		return fmt.Errorf("empty path: name the field to set, like eventType or data.documents.0.name")
	}
	part, digits := 0, 0 // length of the current component, and its digits
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= '0' && c <= '9' {
			digits++
		}
		switch {
		case c == '\\':
			if i+1 == len(path) {
				return fmt.Errorf("path %q ends with a lone backslash", path)
			}
			i++
			part++
		case c == '.':
			if part == 0 {
				return fmt.Errorf("path %q has an empty component (two dots, or a dot at the start or end)", path)
			}
			if err := checkIndex(path, part, digits); err != nil {
				return err
			}
			part, digits = 0, 0
		case strings.IndexByte("*?|#@()[]{}!=<>~,", c) >= 0:
			return fmt.Errorf("path %q: %q is gjson query syntax, which --set cannot write to; use plain keys and indexes like data.documents.0.url (escape a literal %q as \\%c)", path, c, c, c)
		case c < 0x20:
			return fmt.Errorf("path %q holds a control character", path)
		default:
			part++
		}
	}
	if part == 0 {
		return fmt.Errorf("path %q ends with a dot", path)
	}
	return checkIndex(path, part, digits)
}

// checkIndex refuses array indexes past a million: sjson pads an array
// with nulls up to the index, and a typo should not take the memory.
func checkIndex(path string, part, digits int) error {
	if part == digits && digits > 6 {
		return fmt.Errorf("path %q: array index too large", path)
	}
	return nil
}

// Apply returns body with the change made. Formatting, key order and the
// other bytes are kept; body itself is not modified.
func (s Set) Apply(body []byte) ([]byte, error) {
	if t := gjson.ParseBytes(body); !t.IsObject() {
		return nil, fmt.Errorf("--set %s: the body is %s, not a JSON object", s.Path, describe(t))
	}
	out, err := sjson.SetRawBytes(body, s.Path, s.Value)
	if err != nil {
		return nil, fmt.Errorf("--set %s: %v", s.Path, err)
	}
	return out, nil
}

// applySets makes every change in order.
func applySets(body []byte, sets []Set) ([]byte, error) {
	for _, s := range sets {
		var err error
		if body, err = s.Apply(body); err != nil {
			return nil, err
		}
	}
	return body, nil
}

func describe(r gjson.Result) string {
	switch {
	case r.IsArray():
		return "a JSON array"
	case r.Type == gjson.String:
		return "a JSON string"
	case r.Type == gjson.Number:
		return "a JSON number"
	case r.Type == gjson.True || r.Type == gjson.False:
		return "a JSON boolean"
	}
	return "JSON null"
}
