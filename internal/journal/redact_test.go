package journal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRedactHeaders(t *testing.T) {
	h := http.Header{
		"Authorization": {"Bearer abc"}, "Cookie": {"s=1", "t=2"}, "X-Signature": {"sig"}, "X-Portant-Hooks-Token": {"tok"},
		"X-Api-Key": {"k"}, "X-Request-Id": {"r1"}, "Content-Type": {"application/json"},
	}
	got := RedactHeaders(h, false)
	for name, want := range map[string][]string{
		"Authorization": {Redacted}, "Cookie": {Redacted, Redacted}, "X-Signature": {Redacted}, "X-Portant-Hooks-Token": {Redacted},
		"X-Api-Key": {Redacted}, "X-Request-Id": {"r1"}, "Content-Type": {"application/json"},
	} {
		if strings.Join(got[name], ",") != strings.Join(want, ",") {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	if h.Get("Authorization") != "Bearer abc" {
		t.Error("the request's own headers changed")
	}
	if kept := RedactHeaders(h, true); kept["Authorization"][0] != "Bearer abc" || len(kept) != len(h) {
		t.Errorf("keep: %v", kept)
	}
	for _, v := range []string{Redacted, "[redacted]", " [REDACTED] "} {
		if !IsRedacted(v) {
			t.Errorf("IsRedacted(%q) = false", v)
		}
	}
	if IsRedacted("Bearer [REDACTED]") {
		t.Error("a value that only holds the marker counted as redacted")
	}
}

// FuzzRedactQuery: a token in the query never survives redaction, and
// nothing else changes.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"token=abc", "a=1&token=abc&b=2", "TOKEN=x", "tok%65n=x", "access_token=x;y", "&&=&", "a=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := RedactQuery(raw, false)
		in, got := strings.Split(raw, "&"), strings.Split(out, "&")
		if len(in) != len(got) {
			t.Fatalf("RedactQuery(%q) = %q: parameters added or lost", raw, out)
		}
		for i := range in {
			name, _, hasValue := strings.Cut(in[i], "=")
			if dec, err := url.QueryUnescape(name); err == nil && hasValue && strings.EqualFold(dec, "token") &&
				!strings.HasSuffix(got[i], "="+Redacted) {
				t.Fatalf("RedactQuery(%q) = %q: the token survived", raw, out)
			}
			if got[i] == in[i] {
				continue
			}
			if !strings.HasSuffix(got[i], "="+Redacted) || !strings.HasPrefix(got[i], name+"=") {
				t.Fatalf("RedactQuery(%q) = %q: %q became %q", raw, out, in[i], got[i])
			}
		}
		if RedactQuery(raw, true) != raw {
			t.Fatal("keep changed the query")
		}
	})
}
