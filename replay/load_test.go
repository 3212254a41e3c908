package replay

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, args []string, stdin string, opts LoadOptions) (Events, error) {
	t.Helper()
	ins, err := inputs.Expand(args)
	if err != nil {
		t.Fatal(err)
	}
	return Load(ins, strings.NewReader(stdin), opts)
}

func TestLoadKeepsBytesAndOrder(t *testing.T) {
	doc := string(fixtures.Example(fixtures.DocumentsCreated))
	dir := writeFiles(t, map[string]string{
		"b-2.json":   "\n  " + doc + "  \n\n", // odd whitespace: kept
		"a-1.json":   string(fixtures.Example(fixtures.EmailsCreated)),
		"notes.txt":  "not an event",
		"c-3.json":   `{"eventId":"x"}`, // JSON, not valid: a warning, still loaded
		"sub/d.json": `{"eventType":"SIGNATURES_COMPLETED"}`,
	})
	evs, err := load(t, []string{dir}, "", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range evs {
		names = append(names, filepath.ToSlash(strings.TrimPrefix(e.Source, dir+string(filepath.Separator))))
	}
	if got := strings.Join(names, " "); got != "a-1.json b-2.json c-3.json sub/d.json" {
		t.Fatalf("order: %s", got)
	}
	if string(evs[1].Body) != "\n  "+doc+"  \n\n" {
		t.Errorf("body not byte for byte: %q", evs[1].Body)
	}
	if evs[0].Type != fixtures.EmailsCreated || evs[0].ID != "eac17961e3edcfafcc064015131e8a518c9f375005b8cec2" || len(evs[0].Problems) != 0 {
		t.Errorf("a-1: %+v", evs[0])
	}
	if len(evs[2].Problems) == 0 || evs[2].Type != fixtures.Unknown {
		t.Errorf("c-3 should carry schema problems: %+v", evs[2])
	}
}

func TestLoadNDJSON(t *testing.T) {
	g := fixtures.NewGenerator(3, "")
	var sb strings.Builder
	var want [][]byte
	for range 3 {
		var c bytes.Buffer
		if err := compact(&c, g.Event(fixtures.EmailsCreated)); err != nil {
			t.Fatal(err)
		}
		want = append(want, bytes.Clone(c.Bytes()))
		sb.Write(c.Bytes())
		sb.WriteString("\n")
	}
	sb.WriteString("\n") // a blank line is no event
	evs, err := load(t, []string{"-"}, sb.String(), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	for i, e := range evs {
		if wantName := "<stdin>:" + string(rune('1'+i)); e.Source != wantName {
			t.Errorf("event %d named %q, want %q", i, e.Source, wantName)
		}
		if !bytes.Equal(e.Body, want[i]) {
			t.Errorf("event %d body %s", i, e.Body)
		}
	}
}

func TestLoadSyntaxErrorsArePlaced(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"single", "{\n  \"a\": 1,\n  \"b\": ]\n}", "x.json:3:8: not valid JSON"},
		{"unclosed", "{\n  \"a\": 1\n", "x.json:2:9: not valid JSON: the file ends"},
		{"second value", "{\"a\":1}\n{\"b\":2}\n  {\"c\" 3}\n", "x.json:3:8: not valid JSON"},
		{"after a value on the same line", "{\"a\":1} {\"b\":x}", "x.json:1:14: not valid JSON"},
		{"garbage after", "{\"a\":1}\nhello", "x.json:2:1: not valid JSON"},
		{"empty", "  \n", "x.json:1:1: file is empty"},
		{"bom", "\xef\xbb\xbf{}", "x.json:1:1: file starts with a byte order mark"},
		{"text", "Hello", "x.json:1:1: not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"x.json": tc.doc})
			t.Chdir(dir)
			_, err := load(t, []string{"x.json"}, "", LoadOptions{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v, want prefix %q", err, tc.want)
			}
			var se *SourceError
			if !errors.As(err, &se) || se.Line == 0 {
				t.Fatalf("want a placed *SourceError, got %#v", err)
			}
		})
	}
}

func TestLoadReportsEveryBadSource(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": "{", "b.json": "{}", "c.json": "[1]"})
	t.Chdir(dir)
	_, err := load(t, []string{"a.json", "b.json", "c.json"}, "", LoadOptions{Set: []Set{{Path: "x", Value: []byte("1")}}})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "a.json:1:2: not valid JSON") || !strings.Contains(msg, "c.json: --set x: the body is a JSON array") || strings.Contains(msg, "b.json") {
		t.Errorf("got:\n%s", msg)
	}
}

// A directory under an argument that could not be listed (inputs.Expand
// gives it an Err) is a bad source like any other, under its own message.
func TestLoadReportsADirectoryItCannotList(t *testing.T) {
	dir := writeFiles(t, map[string]string{"b.json": "{}"})
	ins := []inputs.Input{
		{Name: "sub", Path: filepath.Join(dir, "sub"), Err: fmt.Errorf("cannot read directory: %w", fs.ErrPermission)},
		inputs.FromArg(filepath.Join(dir, "b.json")),
	}
	_, err := Load(ins, strings.NewReader(""), LoadOptions{})
	var se *SourceError
	if !errors.As(err, &se) || err.Error() != "sub: cannot read directory: permission denied" {
		t.Errorf("got %v", err)
	}
}

func TestLoadAppliesSetsBeforeValidating(t *testing.T) {
	dir := writeFiles(t, map[string]string{"e.json": string(fixtures.Example(fixtures.SignaturesCompleted))})
	set, _ := ParseSet("data.recipients.0.status=DECLINED")
	evs, err := load(t, []string{dir}, "", LoadOptions{Set: []Set{set}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(evs[0].Body, []byte(`"status": "DECLINED"`)) {
		t.Errorf("not changed: %s", evs[0].Body)
	}
	if len(evs[0].Problems) != 1 || !strings.Contains(evs[0].Problems[0].Message, "COMPLETED") {
		t.Errorf("problems %v, want the SIGNATURES_COMPLETED rule", evs[0].Problems)
	}
	fix, _ := ParseSet("data.recipients.0.status=COMPLETED")
	evs, _ = load(t, []string{dir}, "", LoadOptions{Set: []Set{set, fix}})
	if len(evs[0].Problems) != 0 {
		t.Errorf("sets apply in order: %v", evs[0].Problems)
	}
}

func TestLoadWithHeaders(t *testing.T) {
	lines := `{"seq":1,"file":"0001.json","method":"POST","headers":{"User-Agent":["Portant"],"Authorization":["[REDACTED]"],"Content-Length":["2"],"X-Trace":["t1"]}}
{"seq":2,"file":"","method":"POST","headers":{"X-Rejected":["1"]}}
{"seq":3,"file":"0002.json","method":"POST","headers":{"X-Trace":["t2"]}}
`
	dir := writeFiles(t, map[string]string{
		"cap/0001.json": "{}", "cap/0002.json": "{}", "cap/0003.json": "{}", "cap/" + journal.Name: lines,
		"other/x.json": "{}",
	})
	var warnings []string
	evs, err := load(t, []string{filepath.Join(dir, "cap"), filepath.Join(dir, "other")}, "", LoadOptions{
		WithHeaders: true, Warn: func(s string) { warnings = append(warnings, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[0].Header; got.Get("User-Agent") != "Portant" || got.Get("X-Trace") != "t1" || got.Get("Authorization") != "" || got.Get("Content-Length") != "" {
		t.Errorf("0001 headers %v", got)
	}
	if evs[1].Header.Get("X-Trace") != "t2" || evs[2].Header != nil || evs[3].Header != nil {
		t.Errorf("headers %v %v %v", evs[1].Header, evs[2].Header, evs[3].Header)
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{"no " + journal.Name + " in " + filepath.Join(dir, "other"), "no line for 1 of the files", "Authorization was redacted"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	// A broken journal is an error: replaying half the headers silently is worse.
	dir = writeFiles(t, map[string]string{"0001.json": "{}", journal.Name: "{\"file\":\"0001.json\"}\nnot json\n"})
	if _, err := load(t, []string{dir}, "", LoadOptions{WithHeaders: true}); err == nil || !strings.Contains(err.Error(), journal.Name+":2: not a capture journal line") {
		t.Errorf("broken journal: %v", err)
	}
}

func TestLoadSkipsTheNonJSONCapturesOfADirectory(t *testing.T) {
	event := string(fixtures.Example(fixtures.EmailsCreated))
	lines := `{"seq":1,"file":"0001.json","eventType":"EMAILS_CREATED","valid":true}
{"seq":2,"file":"0002-UNKNOWN.json","eventType":"UNKNOWN","valid":false,"problems":[{"line":1,"column":1,"message":"not valid JSON"}]}
{"seq":3,"file":"0003-UNKNOWN.json","eventType":"UNKNOWN","valid":false}
`
	dir := writeFiles(t, map[string]string{
		"0001.json": event, "0002-UNKNOWN.json": "hello=world", "0003-UNKNOWN.json": "", journal.Name: lines,
		"plain/bad.json": "{", // no journal: an error as ever
	})
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }
	evs, err := load(t, []string{dir + "/*.json"}, "", LoadOptions{Warn: warn})
	if err != nil || len(evs) != 1 || evs[0].Source != filepath.Join(dir, "0001.json") {
		t.Fatalf("Load = %v, %v", evs, err)
	}
	want := "skipped 2 captures that are not JSON, as events.ndjson records (" + filepath.Join(dir, "0002-UNKNOWN.json") + ", " + filepath.Join(dir, "0003-UNKNOWN.json") + "): name one to see where it stops being JSON"
	if len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q, want one: %q", warnings, want)
	}
	// Named on its own, it is an error, as is a non-JSON file without a journal.
	for _, arg := range []string{filepath.Join(dir, "0002-UNKNOWN.json"), filepath.Join(dir, "plain")} {
		if _, err := load(t, []string{arg}, "", LoadOptions{Warn: warn}); err == nil || !strings.Contains(err.Error(), ":1:") {
			t.Errorf("%s: %v, want where it stops being JSON", arg, err)
		}
	}
	// Nothing left to send is an error too.
	only := writeFiles(t, map[string]string{"0002-UNKNOWN.json": "x", journal.Name: lines})
	if _, err := load(t, []string{only}, "", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "nothing to send") {
		t.Errorf("only non-JSON captures: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range []string{"{}", "{\"a\":1}\n{\"b\":2}\n", "", "{", "\xef\xbb\xbf{}", "[1] 2 \"x\"", "{\"a\":1}x", string(fixtures.Example(fixtures.EmailsCreated))} {
		f.Add([]byte(s))
	}
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		evs, err := Load([]inputs.Input{inputs.FromArg("-")}, bytes.NewReader(doc), LoadOptions{Validator: v})
		if err != nil {
			var se *SourceError
			if !errors.As(err, &se) {
				t.Fatalf("not a SourceError: %v", err)
			}
			// CRLF, LF and a bare CR each end a line, as validate counts.
			breaks := bytes.ReplaceAll(doc, []byte("\r\n"), []byte("\n"))
			lines := bytes.Count(breaks, []byte{'\n'}) + bytes.Count(breaks, []byte{'\r'}) + 1
			if se.Line < 1 || se.Line > lines || se.Column < 1 {
				t.Fatalf("position %d:%d outside a %d-line input: %v", se.Line, se.Column, lines, err)
			}
			return
		}
		if len(evs) == 0 {
			t.Fatal("no events and no error")
		}
		if len(evs) == 1 && !bytes.Equal(evs[0].Body, doc) {
			t.Fatal("a single value must be sent byte for byte")
		}
		for _, e := range evs {
			if !jsonValid(e.Body) {
				t.Fatalf("event %s is not JSON: %q", e.Source, e.Body)
			}
		}
	})
}
