package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// run executes the real command tree with test streams.
func run(t *testing.T, ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runArgs(ctx, Test(strings.NewReader(stdin), &out, &errOut), args)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, fixtures.Example(fixtures.EmailsCreated), 0o644)
	os.WriteFile(bad, []byte(`{"data": {}}`), 0o644)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		args    []string
		code    int
		stderr  string
		noUsage bool
	}{
		{"valid", context.Background(), []string{"validate", good}, 0, "✓ 1 file valid", true},
		{"invalid", context.Background(), []string{"validate", good, bad}, 1, "✗ 1 of 2 files invalid", true},
		{"missing file", context.Background(), []string{"validate", filepath.Join(dir, "nope.json")}, 2, "no such file or directory", true},
		{"bad flag", context.Background(), []string{"validate", "--nope"}, 2, "Run 'portant-hooks validate --help' for usage.", false},
		{"unknown command", context.Background(), []string{"nope"}, 2, "Run 'portant-hooks --help' for usage.", false},
		{"interrupted", cancelled, []string{"validate", good}, 130, "Interrupted.", true},
		{"send interrupted", cancelled, []string{"send", "--type", "all", "--to", "http://127.0.0.1:9/"}, 130, "Interrupted.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, tc.ctx, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if tc.noUsage && strings.Contains(stderr, "--help") {
				t.Errorf("usage hint for a non-usage error: %q", stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace: %q", stderr)
			}
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("HOME", dir)
	os.WriteFile("bad.json", []byte(`{"data": {}}`), 0o644)
	userDir := filepath.Join(dir, "xdg", "portant-hooks")
	os.MkdirAll(userDir, 0o755)

	format := func(args ...string) string {
		t.Helper()
		_, out, _ := run(t, context.Background(), "", append([]string{"validate"}, append(args, "bad.json")...)...)
		switch {
		case strings.HasPrefix(out, "::error"):
			return "github"
		case strings.HasPrefix(out, "<?xml"):
			return "junit"
		case strings.HasPrefix(out, "{"):
			return "json"
		}
		return "text"
	}
	if got := format(); got != "text" {
		t.Fatalf("default: %s", got)
	}
	os.WriteFile(filepath.Join(userDir, "config.yaml"), []byte("validate:\n  format: json\n"), 0o644)
	if got := format(); got != "json" {
		t.Fatalf("user config dir: %s", got)
	}
	os.WriteFile("portant-hooks.yaml", []byte("validate:\n  format: junit\n"), 0o644)
	if got := format(); got != "junit" {
		t.Fatalf("./portant-hooks.yaml over the user config: %s", got)
	}
	t.Setenv("PORTANT_HOOKS_VALIDATE_FORMAT", "github")
	if got := format(); got != "github" {
		t.Fatalf("env over config file: %s", got)
	}
	if got := format("--format", "text"); got != "text" {
		t.Fatalf("flag over env: %s", got)
	}
	t.Setenv("PORTANT_HOOKS_VALIDATE_FORMAT", "yaml")
	code, _, stderr := run(t, context.Background(), "", "validate", "bad.json")
	if code != 2 || !strings.Contains(stderr, `unknown --format "yaml"`) {
		t.Fatalf("bad value from env: exit %d, %q", code, stderr)
	}
}

func TestColourOnlyOnATerminal(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"data": {}}`), 0o644)
	for _, tc := range []struct {
		name  string
		tty   bool
		off   bool
		args  []string
		color bool
	}{
		{"pipe", false, false, nil, false},
		{"terminal", true, false, nil, true},
		{"NO_COLOR", true, true, nil, false},
		{"--no-color", true, false, []string{"--no-color"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			io := &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errOut, OutTTY: tc.tty, ErrTTY: tc.tty, colorOff: tc.off}
			runArgs(context.Background(), io, append([]string{"validate", bad}, tc.args...))
			if got := strings.Contains(out.String(), "\x1b["); got != tc.color {
				t.Fatalf("colour %v, want %v: %q", got, tc.color, out.String())
			}
		})
	}
}
