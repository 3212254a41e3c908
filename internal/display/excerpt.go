package display

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxExcerptInput bounds the bytes of an answer Excerpt looks at, so a huge
// page costs no more than its start: the message of every error page we know
// (Express, Django, Rails, Flask/Werkzeug, nginx, Go's http.Error) is in
// its first few kilobytes.
const maxExcerptInput = 256 << 10

// Excerpt reduces a handler's answer to one readable line of at most n
// characters: an HTML page to its title and visible text (no <head>, scripts
// or styles), JSON compacted, other text with its whitespace collapsed, and
// binary data to a note of its size. Control characters are escaped (see
// Line). contentType is the answer's Content-Type header; when it is empty
// the body is sniffed.
func Excerpt(contentType string, body []byte, n int) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || n <= 0 {
		return ""
	}
	total := len(body)
	if len(body) > maxExcerptInput {
		body = body[:maxExcerptInput]
	}
	var text string
	switch {
	case json.Valid(body):
		var b bytes.Buffer
		_ = json.Compact(&b, body) // valid, so it cannot fail
		text = b.String()
	case isHTML(contentType, body):
		text = htmlText(body, n)
	case isBinary(body):
		return fmt.Sprintf("(%d bytes of binary data)", total)
	default:
		text = collapse(string(body), n)
	}
	return Shorten(Line(text), n)
}

func isHTML(contentType string, body []byte) bool {
	if contentType == "" {
		contentType = http.DetectContentType(body)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// isBinary reports a body that is neither UTF-8 text nor anything a
// person could read as text.
func isBinary(body []byte) bool {
	if utf8.Valid(body) {
		return false
	}
	return !strings.HasPrefix(http.DetectContentType(body), "text/")
}

// skipped are the elements whose content a reader never sees as text.
var skipped = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true,
	atom.Template: true, atom.Svg: true, atom.Math: true, atom.Textarea: true,
	atom.Iframe: true, atom.Object: true, atom.Select: true,
}

// inline are the elements that do not break text into words; every other
// tag is treated as a break, as a browser lays out blocks, cells and <br>.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true,
	atom.Cite: true, atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true,
	atom.I: true, atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true,
	atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strong: true,
	atom.Sub: true, atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true,
	atom.Font: true, atom.Label: true,
}

// htmlText is a page's title and then its visible text, without the title
// again when the page starts by repeating it (Django, Flask). It stops once
// it has more than n characters.
func htmlText(page []byte, n int) string {
	z := html.NewTokenizer(bytes.NewReader(page))
	var title, text strings.Builder
	inTitle, skip := false, 0 // skip: depth inside skipped elements
	for text.Len() < 4*n+64 {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return joinTitle(collapse(title.String(), n), collapse(text.String(), 2*n))
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Title:
				inTitle = tt == html.StartTagToken
			case skipped[a] && a != atom.Head:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case !inline[a]:
				text.WriteByte(' ')
			}
		case html.TextToken:
			switch {
			case inTitle:
				title.Write(z.Text())
			case skip == 0:
				text.Write(z.Text())
			}
		}
	}
	return joinTitle(collapse(title.String(), n), collapse(text.String(), 2*n))
}

func joinTitle(title, text string) string {
	if rest, ok := cutPrefixFold(text, title); ok && title != "" {
		text = strings.TrimLeft(rest, " :-—")
	}
	switch {
	case title == "":
		return text
	case text == "":
		return title
	}
	return title + " — " + text
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// collapse turns every run of white space (Unicode's, no-break spaces
// included) into one space, trims both ends, and stops after about n
// characters.
func collapse(s string, n int) string {
	var b strings.Builder
	space, count := false, 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			i += size
			continue
		}
		if space {
			b.WriteByte(' ')
			count++
			space = false
		}
		b.WriteString(s[i : i+size]) // a byte that is not UTF-8 stays, for Line to show
		i += size
		if count++; count > n {
			break
		}
	}
	return b.String()
}
