package replay

import (
	"bufio"
	"cmp"
	"encoding/json"
	"io"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/portant-hooks/portant-hooks/internal/display"
)

// URLVariable stands for the target in a dry run given none: a variable
// that the REST clients reading .http files ask for or fill in.
const URLVariable = "{{url}}"

// DryRun writes what a Sender made with WithHeader(header) would send to
// target, and sends nothing. The text form is an .http file (VS Code REST
// Client, JetBrains HTTP client): a ### line per request naming its source,
// the request line, headers, a blank line and the body byte for byte.
// asJSON writes one NDJSON object per request instead. target may be ""
// (no --to yet): the text then says URLVariable, and the JSON has no url.
// It returns the number of requests written.
func DryRun(w io.Writer, events iter.Seq[Event], target string, header http.Header, asJSON bool) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw) // one line a request, ended by "\n"
	enc.SetEscapeHTML(false)   // the body's &, < and > as sent, not as \u0026
	n := 0
	for ev := range events {
		n++
		h := header
		if ev.Header != nil {
			h = ev.Header
		}
		if asJSON {
			var body any = json.RawMessage(ev.Body)
			if !json.Valid(ev.Body) {
				body = string(ev.Body)
			}
			err := enc.Encode(struct {
				Seq     int         `json:"seq"`
				Source  string      `json:"source"`
				Method  string      `json:"method"`
				URL     string      `json:"url,omitempty"`
				Headers http.Header `json:"headers"`
				Body    any         `json:"body"`
			}{n, ev.Source, http.MethodPost, target, h, body})
			if err != nil {
				return n, err
			}
			continue
		}
		// The source's name and the payload's id and type are anybody's
		// bytes: escaped, they cannot drive a terminal or end the line.
		bw.WriteString("### " + strconv.Itoa(n) + " " + display.Line(ev.Source))
		if ev.Type != "" {
			bw.WriteString(" " + display.Line(string(ev.Type)))
		}
		if ev.ID != "" {
			bw.WriteString(" " + display.Line(ev.ID))
		}
		bw.WriteString("\nPOST " + cmp.Or(target, URLVariable) + "\n")
		for _, name := range slices.Sorted(maps.Keys(h)) {
			for _, v := range h[name] {
				if v != "" {
					bw.WriteString(name + ": " + v + "\n")
				}
			}
		}
		bw.WriteByte('\n')
		bw.Write(ev.Body)
		if len(ev.Body) == 0 || ev.Body[len(ev.Body)-1] != '\n' {
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	return n, bw.Flush()
}
