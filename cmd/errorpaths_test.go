package cmd

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// Every error a user can reach says what failed in words: no bare EOF, no
// Go type or function names. The testscripts reach the error paths; this
// keeps a copy of everything portant-hooks printed in them (and of the
// journals listen wrote) and fails on any line that gives Go's internals
// away.

// outputLogEnv names the directory where a script's portant-hooks runs
// keep a copy of their output.
const outputLogEnv = "PORTANT_HOOKS_TEST_OUTPUT_LOG"

// leaks are what a user must never read. The package list is Go's and
// ours: "strconv.ParseInt", "*url.Error", "*fs.PathError", "json.SyntaxError".
var leaks = regexp.MustCompile(`\bEOF\b|` +
	`\*?\b(errors|fmt|strconv|net|url|http|os|fs|io|json|jsontext|xml|syscall|time|tls|x509|yaml|mapstructure|viper|pflag|cobra|fixtures|capture|replay|inputs|journal|httpx|jsonschema)\.[A-Z]\w*|` +
	`%!\w\(|interface \{\}|map\[string\]|goroutine \d+ \[|panic: `)

// knownLeaks are lines that still leak, each with the fix that removes it.
// The test fails on any other leak, and on an entry here that no script
// reaches any more (remove it then).
var knownLeaks = []struct {
	script, pattern, fix string
}{}

// scriptMain is portant-hooks as the testscripts run it: Main, with a copy
// of stdout and stderr in the directory outputLogEnv names.
func scriptMain() int {
	dir := os.Getenv(outputLogEnv)
	if dir == "" {
		return Main()
	}
	ctx, stop := signalContext()
	defer stop()
	log, err := os.CreateTemp(dir, "run-*.log")
	if err != nil {
		return Main()
	}
	defer log.Close()
	fmt.Fprintf(log, "$ portant-hooks %s\n", strings.Join(os.Args[1:], " "))
	s := systemStreams()
	s.Out = io.MultiWriter(s.Out, log)
	s.Err = io.MultiWriter(s.Err, log)
	return runArgs(ctx, s, os.Args[1:])
}

// setupOutputLog gives a script its log directory under root, and copies
// the journals the script's listeners wrote into it when the script ends.
func setupOutputLog(env *testscript.Env, root string) error {
	dir := filepath.Join(root, strings.TrimPrefix(filepath.Base(env.WorkDir), "script-"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	env.Setenv(outputLogEnv, dir)
	work := env.WorkDir
	env.Defer(func() {
		filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == "events.ndjson" {
				if b, err := os.ReadFile(path); err == nil {
					os.WriteFile(filepath.Join(dir, "journal-"+strings.ReplaceAll(strings.TrimPrefix(path, work+"/"), "/", "_")+".log"), b, 0o644)
				}
			}
			return nil
		})
	})
	return nil
}

// checkOutputLogs fails on every leaking line in the logs under root.
func checkOutputLogs(t *testing.T, root string) {
	scripts, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	used := make([]bool, len(knownLeaks))
	for _, script := range scripts {
		logs, _ := filepath.Glob(filepath.Join(root, script.Name(), "*.log"))
		for _, path := range logs {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			command := filepath.Base(path)
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				line := sc.Text()
				if c, ok := strings.CutPrefix(line, "$ portant-hooks "); ok {
					command = c
					continue
				}
				leak := leaks.FindString(line)
				if leak == "" {
					continue
				}
				i := slices.IndexFunc(knownLeaks, func(k struct{ script, pattern, fix string }) bool {
					return k.script == script.Name() && regexp.MustCompile(k.pattern).MatchString(line)
				})
				if i >= 0 {
					used[i] = true
					continue
				}
				t.Errorf("%s.txtar: portant-hooks %s: %q gives Go's internals away:\n\t%s", script.Name(), command, leak, line)
			}
			f.Close()
		}
	}
	for i, k := range knownLeaks {
		if !used[i] && slices.ContainsFunc(scripts, func(d fs.DirEntry) bool { return d.Name() == k.script }) {
			t.Errorf("%s.txtar no longer prints %q (%s): remove it from knownLeaks", k.script, k.pattern, k.fix)
		}
	}
}

func TestLeakPattern(t *testing.T) {
	for _, line := range []string{
		"Error: read: EOF",
		"forward failed: unexpected EOF",
		`invalid argument "x" for "--port" flag: strconv.ParseInt: parsing "x": invalid syntax`,
		"cannot unmarshal !!seq into map[string]interface {}",
		"error: *url.Error",
		"%!v(MISSING)",
	} {
		if !leaks.MatchString(line) {
			t.Errorf("not caught: %s", line)
		}
	}
	for _, line := range []string{
		"Error: the server closed the connection without answering",
		`config file portant-hooks.yaml: listen.port: expected a whole number, got a list`,
		"contact@portant.co  docs.google.com/document/d/1AbC",
		"EOFs and GEOFF",
	} {
		if leaks.MatchString(line) {
			t.Errorf("caught by mistake: %s", line)
		}
	}
}
