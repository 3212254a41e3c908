package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/tidwall/pretty"
)

// What the terminal shows of one body, whatever its shape: the work and the
// output are bounded by the body's size (linear, with a small factor), and
// its lines by maxBodyLines. A JSON value nested 10,000 levels deep in a
// 20 KB body was indented into 200 MB; a body of 10,000 lines filled the
// scrollback. The file always has the body whole.
const (
	maxBodyLines = 40  // then "… N more lines in FILE"
	maxFoldDepth = 16  // containers nested deeper are folded into one string
	maxShownStr  = 256 // bytes of a string shown; the rest is folded
)

// writeBody shows JSON pretty-printed and coloured; anything else as text
// with control characters escaped, so a payload cannot drive the terminal.
// Deep structures, long strings and long bodies are folded, saying so; file
// is where the whole body is ("" when not saved). note says how the body
// shown differs from the file (decoded).
func (st *styles) writeBody(w textWriter, body []byte, isJSON bool, file, note string) {
	if note != "" {
		w.WriteString(st.faint.Render("    ("+display.Line(note)+")") + "\n")
	}
	switch {
	case len(body) == 0:
		w.WriteString(st.faint.Render("(empty body)") + "\n")
		return
	case isJSON && len(body) <= maxPrettyBody && json.Valid(body):
		reduced, folds := foldJSON(body)
		out := display.JSON(pretty.Pretty(reduced))
		shown, more := firstLines(out, maxBodyLines)
		if st.json != nil {
			shown = pretty.Color(shown, st.json)
		}
		w.Write(shown)
		if len(shown) > 0 && shown[len(shown)-1] != '\n' {
			w.WriteString("\n")
		}
		st.writeFolds(w, folds, more, file)
		return
	case isJSON:
		w.WriteString(st.faint.Render(fmt.Sprintf("(%s of JSON, too large to show here%s)", formatSize(int64(len(body))), inFile(file, ": see "))) + "\n")
		return
	}
	shown := body
	if len(shown) > maxTextBody {
		shown = shown[:maxTextBody]
	}
	text, more := firstLines([]byte(display.Text(string(shown))), maxBodyLines)
	w.Write(text)
	if len(text) > 0 && text[len(text)-1] != '\n' {
		w.WriteString("\n")
	}
	switch {
	case more > 0:
		w.WriteString(st.faint.Render(fmt.Sprintf("… %s more%s", plural(uint64(more), "line"), inFile(file, " in "))) + "\n")
	case len(shown) < len(body):
		w.WriteString(st.faint.Render(fmt.Sprintf("… %s more%s", formatSize(int64(len(body)-len(shown))), inFile(file, " in "))) + "\n")
	}
}

// writeFolds says what of a JSON body was folded.
func (st *styles) writeFolds(w textWriter, f folds, moreLines int, file string) {
	var parts []string
	if f.deep > 0 {
		parts = append(parts, fmt.Sprintf("%s nested deeper than %d levels", plural(uint64(f.deep), "value"), maxFoldDepth))
	}
	if f.long > 0 {
		parts = append(parts, fmt.Sprintf("%s longer than %s", plural(uint64(f.long), "string"), formatSize(maxShownStr)))
	}
	var msg string
	switch {
	case moreLines > 0:
		msg = fmt.Sprintf("… %s more%s", plural(uint64(moreLines), "line"), inFile(file, " in "))
		if len(parts) > 0 {
			msg += "; folded: " + strings.Join(parts, ", ")
		}
	case len(parts) > 0:
		msg = "… folded: " + strings.Join(parts, ", ") + inFile(file, "; whole in ")
	default:
		return
	}
	w.WriteString(st.faint.Render(msg) + "\n")
}

func inFile(file, prefix string) string {
	if file == "" {
		return ""
	}
	return prefix + file
}

// firstLines is the first n lines of b, and how many lines follow them.
func firstLines(b []byte, n int) ([]byte, int) {
	end, lines := 0, 0
	for lines < n {
		i := bytes.IndexByte(b[end:], '\n')
		if i < 0 {
			return b, 0
		}
		end += i + 1
		lines++
	}
	rest := b[end:]
	more := bytes.Count(rest, []byte{'\n'})
	if len(rest) > 0 && rest[len(rest)-1] != '\n' {
		more++
	}
	return b[:end], more
}

// folds counts what foldJSON folded.
type folds struct{ deep, long int }

// foldJSON returns the valid JSON value b with every object or array nested
// deeper than maxFoldDepth replaced by a string that says what was there,
// and every string longer than maxShownStr cut, saying how much was cut:
// still JSON, to pretty-print and colour, and never more than a little
// larger than b, so that pretty-printing it is bounded by b's size. One
// pass over b.
func foldJSON(b []byte) ([]byte, folds) {
	var f folds
	out := make([]byte, 0, len(b)+64)
	depth := 0
	for i := 0; i < len(b); {
		switch c := b[i]; c {
		case '"':
			end := stringEnd(b, i)
			if end-i-2 <= maxShownStr {
				out = append(out, b[i:end]...)
			} else {
				cut := stringCut(b, i+1, i+1+maxShownStr)
				out = append(out, b[i:cut]...)
				out = append(out, "… ("+formatSize(int64(end-1-cut))+" more)\""...)
				f.long++
			}
			i = end
		case '{', '[':
			if depth < maxFoldDepth {
				depth++
				out = append(out, c)
				i++
				continue
			}
			end, levels := containerEnd(b, i)
			out = strconv.AppendQuote(out, fmt.Sprintf("%c… %s deeper, %s folded …%c", c, plural(uint64(levels), "level"), formatSize(int64(end-i)), closer(c)))
			f.deep++
			i = end
		case '}', ']':
			depth--
			out = append(out, c)
			i++
		default:
			out = append(out, c)
			i++
		}
	}
	return out, f
}

func closer(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}

// stringEnd is the index just past the JSON string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// stringCut is where to cut a JSON string's text, from start, at about
// limit: never inside an escape or a UTF-8 sequence.
func stringCut(b []byte, start, limit int) int {
	j := start
	for j < limit {
		switch {
		case b[j] == '\\' && j+1 < len(b) && b[j+1] == 'u':
			j += 6
		case b[j] == '\\':
			j += 2
		default:
			_, size := utf8.DecodeRune(b[j:])
			j += size
		}
	}
	return j
}

// containerEnd is the index just past the object or array that starts at
// b[i], and how many levels it nests.
func containerEnd(b []byte, i int) (end, levels int) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			j = stringEnd(b, j) - 1
		case '{', '[':
			depth++
			levels = max(levels, depth)
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, levels
			}
		}
	}
	return len(b), levels
}
