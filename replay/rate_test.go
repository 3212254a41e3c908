package replay

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		err  string
	}{
		{"", 0, ""}, {"0", 0, ""}, {"50", 50, ""}, {"50/s", 50, ""}, {"300/m", 5, ""},
		{"3600/h", 1, ""}, {"1/500ms", 2, ""}, {"2/2s", 1, ""}, {" 10 / s ", 10, ""}, {"0.5", 0.5, ""},
		{"fast", 0, "expected a number"}, {"-1", 0, "expected a number"}, {"NaN", 0, "expected a number"},
		{"5/fortnight", 0, "not a time unit"}, {"5/0s", 0, "not a time unit"}, {"5/-1s", 0, "not a time unit"},
	} {
		got, err := ParseRate(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRate(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"3", 3 * time.Second, true}, {" 0 ", 0, true},
		{"Mon, 30 Nov 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Mon, 30 Nov 2026 11:59:00 GMT", 0, true}, // in the past: now
		{"99999999999", 24 * time.Hour, true},
		{"-1", 0, false}, {"soon", 0, false}, {"1.5", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
