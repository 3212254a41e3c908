// Package display turns text that came from outside (payloads, headers, a
// handler's answer) into text that is safe and readable on a terminal or in a
// list: control characters escaped, error pages reduced to their message.
package display

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Line escapes everything that could drive a terminal or break a one-line
// view: C0 controls (newlines and tabs included), DEL, C1 controls,
// bidirectional overrides and isolates, and bytes that are not UTF-8
// (as \xNN). Clean text, nearly all of it, is returned as it is.
func Line(s string) string { return escape(s, false, false) }

// Text is Line for a multi-line view: newlines and tabs are kept.
func Text(s string) string { return escape(s, true, false) }

// JSON escapes the same in JSON text (pretty-printed or compact), as JSON
// escapes inside strings, so the result is still JSON for a colouriser.
// Outside strings valid JSON has nothing to escape.
func JSON(b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c >= 0x20 && c < 0x7f || c == '\n' || c == '\t':
			i++
			continue
		case c >= 0x80:
			if r, size := utf8.DecodeRune(b[i:]); !unsafeRune(r, size) {
				i += size
				continue
			}
		}
		return []byte(escape(string(b), true, true))
	}
	return b
}

func escape(s string, multiline, inJSON bool) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || multiline && (c == '\n' || c == '\t') {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unsafeRune(r, size) {
				i += size
				continue
			}
		}
		break
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if inJSON {
				b.WriteString(`\ufffd`)
			} else {
				fmt.Fprintf(&b, `\x%02x`, s[i])
			}
		case r < 0x80 && !(r >= 0x20 && r < 0x7f || multiline && (r == '\n' || r == '\t')):
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		case unsafeRune(r, size):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls, U+009B (CSI) among them
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides and isolates
		return true
	}
	return false
}

// Shorten cuts s to at most n characters, ending it with "…" when cut.
func Shorten(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
