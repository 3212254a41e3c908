package replay

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestParseSet(t *testing.T) {
	for _, tc := range []struct {
		in, path, value, err string
	}{
		{in: "eventType=EMAILS_CREATED", path: "eventType", value: `"EMAILS_CREATED"`},
		{in: "data.recipients.0.order=2", path: "data.recipients.0.order", value: `2`},
		{in: "a=true", path: "a", value: `true`},
		{in: "a=null", path: "a", value: `null`},
		{in: `a={"b":[1,2]}`, path: "a", value: `{"b":[1,2]}`},
		{in: `a="quoted"`, path: "a", value: `"quoted"`},
		{in: "a=", path: "a", value: `""`},
		{in: "a=x=y", path: "a", value: `"x=y"`},
		{in: "a=0123", path: "a", value: `"0123"`}, // not JSON: a leading zero
		{in: `a=he said "hi"`, path: "a", value: `"he said \"hi\""`},
		{in: `a=Q&A <draft>`, path: "a", value: `"Q&A <draft>"`}, // as typed, not \u0026
		{in: `data.a\.b=1`, path: `data.a\.b`, value: `1`},
		{in: "data.documents.-1={}", path: "data.documents.-1", value: `{}`},
		{in: "eventType", err: "expected PATH=VALUE"},
		{in: "=1", err: "empty path"},
		{in: "a..b=1", err: "empty component"},
		{in: ".a=1", err: "empty component"},
		{in: "a.=1", err: "ends with a dot"},
		{in: "data.documents.#.id=1", err: "query syntax"},
		{in: "data.*=1", err: "query syntax"},
		{in: "a|b=1", err: "query syntax"},
		{in: "@this=1", err: "query syntax"},
		{in: `a\=1`, err: "lone backslash"},
		{in: `a\`, err: "expected PATH=VALUE"},
		{in: "a\\=", err: "lone backslash"},
		{in: "a\nb=1", err: "control character"},
		{in: "data.documents.12345678.id=1", err: "index too large"},
		{in: "data.documents.123456.id=1", path: "data.documents.123456.id", value: `1`},
	} {
		got, err := ParseSet(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSet(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got.Path != tc.path || string(got.Value) != tc.value {
			t.Errorf("ParseSet(%q) = %q %s, %v; want %q %s", tc.in, got.Path, got.Value, err, tc.path, tc.value)
		}
	}
}

func TestSetKeepsFormattingAndOrder(t *testing.T) {
	body := []byte("{\n  \"data\": {\"emails\": [{\"to\": \"a@example.com\", \"subject\": \"x\"}]},\n  \"eventId\": \"e\",\n  \"eventType\": \"EMAILS_CREATED\"\n}\n")
	s, _ := ParseSet("data.emails.0.subject=Hello")
	got, err := s.Apply(body)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(body), `"subject": "x"`, `"subject": "Hello"`, 1)
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if string(body) == want {
		t.Error("Apply modified its input")
	}
	s, _ = ParseSet("data.extra={\"n\":1}")
	got, _ = s.Apply(body)
	if gjson.GetBytes(got, "data.extra.n").Int() != 1 || !strings.HasPrefix(string(got), "{\n  \"data\"") {
		t.Errorf("adding a field: %s", got)
	}
}

func TestSetRefusesNonObjects(t *testing.T) {
	s, _ := ParseSet("a=1")
	for _, body := range []string{`[1,2]`, `"text"`, `12`, `null`, `true`} {
		if _, err := s.Apply([]byte(body)); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
			t.Errorf("Apply on %s: %v", body, err)
		}
	}
	s, _ = ParseSet("data.documents.name=x")
	if _, err := s.Apply([]byte(`{"data":{"documents":[{}]}}`)); err == nil {
		t.Error("a key on an array should be an error")
	}
}

func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"eventType=X", "data.documents.0.url=https://x", "a=", "a..b=1", `a\.b={"x":[1]}`, "#=1", "a=\"", "data.-1=null"} {
		f.Add(s)
	}
	body := []byte(`{"data":{"documents":[{"id":"1"}]},"eventId":"x","eventType":"DOCUMENTS_CREATED"}`)
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSet(s)
		if err != nil {
			if set.Path != "" || set.Value != nil {
				t.Fatalf("error with a value: %v", set)
			}
			return
		}
		if !gjson.ValidBytes(set.Value) {
			t.Fatalf("ParseSet(%q) gave a value that is not JSON: %s", s, set.Value)
		}
		out, err := set.Apply(body)
		if err == nil && !gjson.ValidBytes(out) {
			t.Fatalf("--set %q made invalid JSON: %s", s, out)
		}
	})
}
