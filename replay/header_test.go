package replay

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in, name, value, err string
	}{
		{in: "X-Token: abc", name: "X-Token", value: "abc"},
		{in: "x-token:abc", name: "X-Token", value: "abc"},
		{in: "Authorization:  Bearer a:b  ", name: "Authorization", value: "Bearer a:b"},
		{in: "X-Empty:", name: "X-Empty", value: ""},
		{in: "X-Tab:\tv", name: "X-Tab", value: "v"},
		{in: "X-Odd!#$%&'*+.^_`|~: 1", name: "X-Odd!#$%&'*+.^_`|~", value: "1"},
		{in: "X-Token abc", err: "no colon"},
		{in: ": abc", err: "no name"},
		{in: "X Token: abc", err: "contains a space"},
		{in: "X-Token : abc", err: "contains a space"},
		{in: "X(Token): abc", err: "not allowed in a header name"},
		{in: "X-Tøken: abc", err: "not allowed in a header name"},
		{in: "X-Token: a\r\nX-Evil: 1", err: "control character"},
		{in: "X-Token: a\nb", err: "control character"},
		{in: "X-Token: a\x00", err: "control character"},
		{in: "Content-Length: 3", err: "set from the body"},
		{in: "transfer-encoding: chunked", err: "set from the body"},
	} {
		name, value, err := parseHeader(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseHeader(%q) = %q %q %v; want error containing %q", tc.in, name, value, err, tc.err)
			}
			continue
		}
		if err != nil || name != tc.name || value != tc.value {
			t.Errorf("parseHeader(%q) = %q %q %v; want %q %q", tc.in, name, value, err, tc.name, tc.value)
		}
	}
}

func TestAddHeaders(t *testing.T) {
	h := DefaultHeader("portant-hooks/test")
	err := AddHeaders(h, []string{"Content-Type: application/json; charset=utf-8", "X-A: 1", "x-a: 2", "User-Agent:", "Host: hooks.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{
		"Content-Type": {"application/json; charset=utf-8"},
		"X-A":          {"1", "2"},
		"User-Agent":   {""}, // sent as no User-Agent at all
		"Host":         {"hooks.example.com"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
	if err := AddHeaders(http.Header{}, []string{"ok: 1", "bad"}); err == nil {
		t.Error("a bad -H should fail")
	}
}

func TestCapturedHeaderPrecedence(t *testing.T) {
	got := CapturedHeader(DefaultHeader("portant-hooks/test"),
		http.Header{"User-Agent": {"Portant"}, "X-Token": {"captured"}, "X-Other": {"o"}},
		[]string{"X-Token: flag"})
	want := http.Header{
		"Content-Type": {"application/json"},
		"User-Agent":   {"Portant"},
		"X-Token":      {"flag"},
		"X-Other":      {"o"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"X-Token: abc", "a:b", ":", "X: a\r\nb", "Content-Length: 1", "X-A:\t v \t", "ü: x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, value, err := parseHeader(s)
		if err != nil {
			return
		}
		// Whatever is accepted must be something net/http would send as is.
		if name == "" || strings.ContainsAny(name, " \t\r\n:") || strings.ContainsAny(value, "\r\n\x00") {
			t.Fatalf("accepted %q as %q: %q", s, name, value)
		}
		if value != strings.Trim(value, " \t") {
			t.Fatalf("value %q not trimmed", value)
		}
		if http.CanonicalHeaderKey(name) != name {
			t.Fatalf("name %q not canonical", name)
		}
	})
}
