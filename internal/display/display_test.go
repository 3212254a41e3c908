package display

import (
	"encoding/json"
	"flag"
	"github.com/tidwall/pretty"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExcerptOfErrorPages holds the reduced text of error pages as each
// framework renders them to golden files: the message must come first,
// without the <head>, styles or scripts.
func TestExcerptOfErrorPages(t *testing.T) {
	pages, err := filepath.Glob("testdata/pages/*")
	if err != nil || len(pages) < 5 {
		t.Fatalf("want at least 5 pages in testdata/pages, got %d (%v)", len(pages), err)
	}
	var all strings.Builder
	for _, p := range pages {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ct := "text/plain; charset=utf-8"
		if strings.HasSuffix(p, ".html") {
			ct = "text/html; charset=utf-8"
		}
		got := Excerpt(ct, body, 200)
		all.WriteString(filepath.Base(p) + ": " + got + "\n")
		if strings.ContainsAny(got, "<>{}") && strings.HasSuffix(p, ".html") && strings.Contains(got, "style") {
			t.Errorf("%s: excerpt keeps markup or styles: %q", p, got)
		}
	}
	golden.Check(t, "testdata/excerpts.golden", []byte(all.String()), *update)
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		n                       int
		want                    string
	}{
		{"empty", "text/plain", "  \n", 80, ""},
		{"json compacted", "application/json", "{\n  \"error\": \"bad\",\n  \"field\": [1, 2]\n}\n", 80, `{"error":"bad","field":[1,2]}`},
		{"json whatever the content type", "text/html", `{"ok":false}`, 80, `{"ok":false}`},
		{"text collapsed", "text/plain", "line one\n\n\tline   two\r\n", 80, "line one line two"},
		{"no-break spaces collapse", "text/plain", "a\u00a0\u00a0b", 80, "a b"},
		{"controls escaped", "text/plain", "a\x1b[2Jb\u009bc\u202ed", 80, `a\u001b[2Jb\u009bc\u202ed`},
		{"cut with ellipsis", "text/plain", strings.Repeat("x", 100), 10, "xxxxxxxxx…"},
		{"html sniffed without content type", "", "<!DOCTYPE html><html><head><title>Oops</title><style>p{}</style></head><body><p>It broke</p></body></html>", 80, "Oops — It broke"},
		{"html title repeated in body", "text/html", "<title>Not Found</title><h1>Not Found</h1><p>No route</p>", 80, "Not Found — No route"},
		{"html blocks are words, inline is not", "text/html", "<div>one</div><div>two</div><b>thr</b>ee", 80, "one two three"},
		{"html entities", "text/html", "<p>a &amp; b &lt;c&gt; &#39;d&#39;</p>", 80, "a & b <c> 'd'"},
		{"html without title", "text/html", "<p>just text</p>", 80, "just text"},
		{"html script never shown", "text/html", "<body><script>alert(1)</script>shown</body>", 80, "shown"},
		{"html as plain text when not html", "text/plain", "<b>x</b>", 80, "<b>x</b>"},
		{"binary", "application/octet-stream", "\x1f\x8b\x08\x00\xff\xfe\x00\x01", 80, "(8 bytes of binary data)"},
		{"invalid utf-8 text escaped", "text/plain", "caf\xe9 ok", 80, `caf\xe9 ok`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Excerpt(tt.contentType, []byte(tt.body), tt.n); got != tt.want {
				t.Errorf("Excerpt(%q, %q, %d) = %q, want %q", tt.contentType, tt.body, tt.n, got, tt.want)
			}
		})
	}
}

func TestLineAndText(t *testing.T) {
	in := "a\nb\tc\x07d\u0085e\u2066f\xff"
	if got, want := Line(in), `a\nb\tc\u0007d\u0085e\u2066f\xff`; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	if got, want := Text(in), "a\nb\tc\\u0007d\\u0085e\\u2066f\\xff"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got := Line("clean, ünïcode ✓"); got != "clean, ünïcode ✓" {
		t.Errorf("clean text changed: %q", got)
	}
	if got, want := string(JSON([]byte("{\"a\": \"\u009b\u202e\"}"))), `{"a": "\u009b\u202e"}`; got != want {
		t.Errorf("JSON = %q, want %q", got, want)
	}
}

// safe reports whether s could be printed on a terminal as it is.
func safe(s string, multiline bool) bool {
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case unicode.IsControl(r), r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return false
		}
	}
	return utf8.ValidString(s)
}

func FuzzExcerpt(f *testing.F) {
	pages, _ := filepath.Glob("testdata/pages/*")
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		f.Add("text/html", b, 80)
	}
	f.Add("", []byte("\x1b]0;x\x07<title>\u202e</title>"), 5)
	f.Add("application/json", []byte(`{"a":"\u001b"}`), 20)
	f.Fuzz(func(t *testing.T, ct string, body []byte, n int) {
		n = n%500 + 1
		if n < 1 {
			n = -n + 1
		}
		got := Excerpt(ct, body, n)
		if !safe(got, false) {
			t.Fatalf("Excerpt(%q, %q) = %q: not safe to print", ct, body, got)
		}
		if c := utf8.RuneCountInString(got); c > n && !strings.HasPrefix(got, "(") {
			t.Fatalf("Excerpt(%q, %q, %d) has %d characters", ct, body, n, c)
		}
	})
}

func FuzzLine(f *testing.F) {
	f.Add("\x1b[2J\x1b]0;pwned\x07 hello\r\n\xff\xfe \u202e tail")
	f.Fuzz(func(t *testing.T, s string) {
		if got := Line(s); !safe(got, false) {
			t.Fatalf("Line(%q) = %q", s, got)
		}
		if got := Text(s); !safe(got, true) {
			t.Fatalf("Text(%q) = %q", s, got)
		}
		if !json.Valid([]byte(s)) {
			return
		}
		// Pretty-printed JSON stays JSON once made safe for the terminal.
		if got := JSON(pretty.Pretty([]byte(s))); !json.Valid(got) || !safe(string(got), true) {
			t.Fatalf("JSON(pretty(%q)) = %q: not JSON or not safe", s, got)
		}
	})
}
