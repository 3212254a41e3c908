package cmd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A file's name is anybody's bytes (a capture unpacked from an archive, a
// fixture from a pull request): what validate, send and scrub print about
// it never carries a terminal escape or a bidi override raw.
func TestHostileFileNamesAreEscaped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows file names cannot hold control characters")
	}
	dir := filepath.Join(t.TempDir(), "in")
	os.MkdirAll(dir, 0o755)
	for name, body := range map[string]string{
		"a\x1b]0;pwned\x07.json": `{"data":{}}`, // breaks the schema: warned about
		"b\u202egnp.json":        `{`,           // not JSON: refused
		"c\x1b[31m.json":         `{"eventId":"x","eventType":"EMAILS_CREATED","data":{"emails":[]}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Skipf("cannot make such names here: %v", err)
		}
	}
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer handler.Close()
	good := filepath.Join(dir, "c\x1b[31m.json")
	for _, args := range [][]string{
		{"validate", dir},
		{"send", dir, "--dry-run"},
		{"send", filepath.Join(dir, "a\x1b]0;pwned\x07.json"), good, "--to", handler.URL},
		{"send", filepath.Join(dir, "a\x1b]0;pwned\x07.json"), good, "--dry-run"},
		{"scrub", dir, "--out", filepath.Join(t.TempDir(), "out")},
	} {
		_, stdout, stderr := run(t, context.Background(), "", args...)
		if args[0] == "scrub" {
			stdout = "" // the paths written, one a line, for a script to read
		}
		for _, raw := range []string{"\x1b", "\x07", "\u202e"} {
			if strings.Contains(stdout+stderr, raw) {
				t.Errorf("%s %s printed %q raw:\n%s%s", args[0], args[len(args)-1], raw, stdout, stderr)
			}
		}
	}
}
