package replay

import (
	"bytes"
	"encoding/json"
	"testing"
)

// An eventId, a source name and an answer come from outside: neither a
// result line nor a --json line may carry a C1 control (U+009B is CSI) or
// a bidi override raw.
func TestResultLinesEscapeControlCharacters(t *testing.T) {
	hostile := "id\u009b31m\u202eevil\x1b]0;x\x07"
	r := Result{Seq: 1, Event: Event{Source: "a\u202e.json", ID: hostile, Type: "T\u0085"}, Status: 500, Attempts: 1, Body: []byte(`{"error":"` + "\u009b2J\u2066" + `"}`)}
	for name, line := range map[string][]byte{"line": appendLine(nil, r, Styles{}, LineWidth), "json": appendJSON(nil, r)} {
		for _, raw := range []string{"\u009b", "\u202e", "\u2066", "\u0085", "\x1b", "\x07"} {
			if bytes.Contains(line, []byte(raw)) {
				t.Errorf("%s carries %q raw: %q", name, raw, line)
			}
		}
	}
	var j jsonResult
	if err := json.Unmarshal(appendJSON([]byte("prefix\n"), r)[len("prefix\n"):], &j); err != nil || j.EventID != hostile {
		t.Errorf("the --json line is no longer the same JSON: %+v %v", j, err)
	}
}
