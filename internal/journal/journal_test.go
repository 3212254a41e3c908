package journal

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// The journal's format is a contract with every capture directory already
// on disk and with scripts that grep it: a record's line, byte for byte.
func TestRecordLine(t *testing.T) {
	rec := Record{
		Seq: 42, File: "20261130T224517.123456Z-000042-EMAILS_CREATED-eac17961e3ed.json",
		Received: time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.UTC),
		Method:   "POST", Path: "/hooks", Query: "token=" + Redacted,
		Headers: map[string][]string{"User-Agent": {"Portant <bot> & co"}, "Content-Type": {"application/json"}},
		Remote:  "127.0.0.1:5000", Size: 170, SHA256: "ab12",
		EventID: "eac1", Type: fixtures.EmailsCreated, Valid: false,
		Problems: []fixtures.Problem{{Line: 1, Column: 2, Pointer: "/data", Message: "bad \"x\""}},
		Status:   502,
		Forward: &Forward{URL: "http://localhost:3000/", Status: 500, LatencyMS: 1.25,
			Headers: map[string][]string{"Content-Type": {"text/html"}, "Set-Cookie": {Redacted}},
			Body:    "<title>Error</title>\n", BodyTruncated: true},
	}
	want := `{"seq":42,"file":"20261130T224517.123456Z-000042-EMAILS_CREATED-eac17961e3ed.json",` +
		`"received":"2026-11-30T22:45:17.123456789Z","method":"POST","path":"/hooks","query":"token=[REDACTED]",` +
		`"headers":{"Content-Type":["application/json"],"User-Agent":["Portant <bot> & co"]},"remote":"127.0.0.1:5000",` +
		`"size":170,"sha256":"ab12","eventId":"eac1","eventType":"EMAILS_CREATED","valid":false,` +
		`"problems":[{"line":1,"column":2,"pointer":"/data","message":"bad \"x\""}],"status":502,` +
		`"forward":{"url":"http://localhost:3000/","status":500,"latencyMs":1.25,` +
		`"headers":{"Content-Type":["text/html"],"Set-Cookie":["[REDACTED]"]},"body":"<title>Error</title>\n","bodyTruncated":true}}` + "\n"
	dir := t.TempDir()
	w, err := OpenWriter(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(&rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(&Record{Seq: 43, Type: fixtures.Unknown}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got := readFile(t, Path(dir))
	want += `{"seq":43,"received":"0001-01-01T00:00:00Z","method":"","path":"","headers":null,"remote":"","size":0,"sha256":"","eventType":"UNKNOWN","valid":false}` + "\n"
	if got != want {
		t.Errorf("journal:\n%s\nwant:\n%s", got, want)
	}
	// And it reads back as it was.
	var back []Record
	for l, err := range Lines(strings.NewReader(got)) {
		if err != nil {
			t.Fatal(err)
		}
		r, ok := l.Record()
		if !ok {
			t.Fatalf("line %d is not a record: %s", l.Num, l.Data)
		}
		back = append(back, r)
	}
	a, _ := json.Marshal(back[0])
	b, _ := json.Marshal(rec)
	if len(back) != 2 || !bytes.Equal(a, b) {
		t.Errorf("read back %s, want %s", a, b)
	}
}

func TestForwardBody(t *testing.T) {
	for _, tt := range []struct {
		name      string
		in        string
		truncated bool
		body      string
		encoding  string
		back      string
	}{
		{"none", "", false, "", "", ""},
		{"text", "<h1>Oops</h1>\n", false, "<h1>Oops</h1>\n", "", "<h1>Oops</h1>\n"},
		{"text cut inside a character", "caf\xc3", true, "caf", "", "caf"},
		{"text cut inside a 4-byte character", "ok \xf0\x9f\x98", true, "ok ", "", "ok "},
		{"whole character at the cut", "café", true, "café", "", "café"},
		{"binary", "\x1f\x8b\x08\x00\xff", false, "H4sIAP8=", "base64", "\x1f\x8b\x08\x00\xff"},
		{"invalid in the middle, not cut", "a\xffb", false, "Yf9i", "base64", "a\xffb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f Forward
			f.SetBody([]byte(tt.in), tt.truncated)
			if f.Body != tt.body || f.BodyEncoding != tt.encoding || f.BodyTruncated != tt.truncated {
				t.Errorf("SetBody(%q) = %q, %q, %v; want %q, %q", tt.in, f.Body, f.BodyEncoding, f.BodyTruncated, tt.body, tt.encoding)
			}
			if got := string(f.BodyBytes()); got != tt.back {
				t.Errorf("BodyBytes = %q, want %q", got, tt.back)
			}
			// And through a journal line.
			line, err := encodeLine(&Record{Seq: 1, Forward: &f})
			if err != nil {
				t.Fatal(err)
			}
			var back Record
			if err := json.Unmarshal(line, &back); err != nil || string(back.Forward.BodyBytes()) != tt.back {
				t.Errorf("read back %q, %v; want %q", back.Forward.BodyBytes(), err, tt.back)
			}
		})
	}
	f := Forward{Body: "not base64!", BodyEncoding: "base64"}
	if got := string(f.BodyBytes()); got != "not base64!" {
		t.Errorf("a damaged base64 body reads %q", got)
	}
}

func TestAnswerClass(t *testing.T) {
	for _, tt := range []struct {
		rec  Record
		want string
	}{
		{Record{Status: 200}, "2xx"},
		{Record{Status: 204, Forward: &Forward{Status: 204}}, "2xx"},
		{Record{Status: 308}, "3xx"},
		{Record{Status: 422, Forward: &Forward{Status: 422}}, "4xx"},
		{Record{Status: 599}, "5xx"},
		{Record{Status: 502, Forward: &Forward{Error: "connection refused"}}, "unreachable"},
		{Record{Status: 502, Forward: &Forward{Status: 200, Error: "the answer broke off after 3 bytes"}}, "unreachable"},
		{Record{}, ""},
		{Record{Status: 999}, ""},
		{Record{Status: 101}, ""},
	} {
		if got := tt.rec.AnswerClass(); got != tt.want {
			t.Errorf("AnswerClass(%d, %+v) = %q, want %q", tt.rec.Status, tt.rec.Forward, got, tt.want)
		}
	}
}

// FuzzForwardBody: whatever a handler answers, the journal keeps it as a
// line readers take, and gives back the bytes kept: all of them, or, when
// the answer was cut, all but the start of a character cut in two.
func FuzzForwardBody(f *testing.F) {
	f.Add([]byte("<title>Error</title>"), false)
	f.Add([]byte("caf\xc3"), true)
	f.Add([]byte("\x1f\x8b\x08\x00"), true)
	f.Add([]byte("\u2028\x00\"\\"), false)
	f.Fuzz(func(t *testing.T, body []byte, truncated bool) {
		var fw Forward
		fw.SetBody(body, truncated)
		line, err := encodeLine(&Record{Seq: 1, Forward: &fw})
		if err != nil {
			t.Fatal(err)
		}
		var got []Record
		for l := range Lines(bytes.NewReader(line)) {
			r, ok := l.Record()
			if !ok {
				t.Fatalf("not a record: %q", line)
			}
			got = append(got, r)
		}
		back := got[0].Forward.BodyBytes()
		want := body
		if truncated {
			want = trimPartialRune(body)
		}
		if len(want) == 0 {
			want = nil
		}
		if len(back) == 0 {
			back = nil
		}
		if !bytes.Equal(back, want) {
			t.Fatalf("kept %q, read back %q", want, back)
		}
		if truncated && len(body)-len(want) > 3 {
			t.Fatalf("dropped %d bytes of %q", len(body)-len(want), body)
		}
	})
}
