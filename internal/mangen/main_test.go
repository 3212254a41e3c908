package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func page(t *testing.T, dir, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("%s: gzip header keeps name %q, time %v", name, zr.Name, zr.ModTime)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPagesForEveryCommandSayWhatHelpSays(t *testing.T) {
	date := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := write(dir, "v1.2.0", &date); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"portant-hooks", "listen", "send", "validate", "generate", "scrub", "schema", "version", "completion"} {
		file := "portant-hooks-" + name + ".1.gz"
		if name == "portant-hooks" {
			file = "portant-hooks.1.gz"
		}
		text := page(t, dir, file)
		if !strings.Contains(text, `.TH "PORTANT-HOOKS" "1" "Mar 2026" "portant-hooks 1.2.0" "portant-hooks manual"`) {
			t.Errorf("%s: header: %.200s", file, text)
		}
		if !strings.Contains(text, ".SH NAME\n") || strings.Contains(text, "spf13/cobra") {
			t.Errorf("%s: no NAME, or cobra's tag", file)
		}
	}
	// Help text is plain text: what Markdown would eat survives.
	if listen := page(t, dir, "portant-hooks-listen.1.gz"); !strings.Contains(listen, `<dir>/<UTC time>-<seq>-<TYPE>-<id prefix>\&.json`) {
		t.Errorf("listen page lost its file name pattern")
	}
	if validate := page(t, dir, "portant-hooks-validate.1.gz"); !strings.Contains(validate, "walked for *\\&.json") || !strings.Contains(validate, ".EX\n  fixtures/bad.json:7:19:") {
		t.Errorf("validate page lost *.json or its indented example")
	}
}

func TestPagesAreReproducible(t *testing.T) {
	date := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	a, b := t.TempDir(), t.TempDir()
	if err := write(a, "1.0.0", &date); err != nil {
		t.Fatal(err)
	}
	if err := write(b, "1.0.0", &date); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(a, "*.gz"))
	if len(names) == 0 {
		t.Fatal("no pages")
	}
	for _, n := range names {
		x, _ := os.ReadFile(n)
		y, err := os.ReadFile(filepath.Join(b, filepath.Base(n)))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%v)", filepath.Base(n), err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(a, ".raw-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
