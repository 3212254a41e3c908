// Package packaging holds what the release puts into packages beside the
// binary (see .goreleaser.yaml); its test keeps the copyright file true.
package packaging

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/cmd"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// paragraphs reads a Debian control-style file: paragraphs separated by
// blank lines, fields "Name: value" with continuation lines.
func paragraphs(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]string
	cur, last := map[string]string{}, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur, last = map[string]string{}, ""
		case line[0] == ' ' || line[0] == '\t':
			if last == "" {
				t.Fatalf("%s: continuation line without a field: %q", path, line)
			}
			cur[last] += "\n" + strings.TrimSpace(line)
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("%s: not a field: %q", path, line)
			}
			if _, dup := cur[name]; dup {
				t.Fatalf("%s: field %s twice in one paragraph", path, name)
			}
			cur[name], last = strings.TrimSpace(value), name
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// TestCopyrightIsMachineReadable checks the file against Debian's
// copyright format 1.0: a header, Files paragraphs with a Copyright and a
// License, and the text of every licence named.
func TestCopyrightIsMachineReadable(t *testing.T) {
	ps := paragraphs(t, "copyright")
	if ps[0]["Format"] != "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" || ps[0]["Upstream-Name"] != "portant-hooks" {
		t.Fatalf("header paragraph: %v", ps[0])
	}
	named, texts := map[string]bool{}, map[string]bool{}
	for _, p := range ps[1:] {
		license, ok := p["License"]
		if !ok {
			t.Fatalf("paragraph without License: %v", p)
		}
		short, text, _ := strings.Cut(license, "\n")
		if _, files := p["Files"]; files {
			if p["Copyright"] == "" {
				t.Errorf("Files %s: no Copyright", p["Files"])
			}
			for _, name := range strings.Split(short, " and ") {
				named[name] = true
			}
			continue
		}
		if text == "" {
			t.Errorf("stand-alone License %s has no text", short)
		}
		texts[short] = true
	}
	for name := range named {
		if !texts[name] {
			t.Errorf("licence %s is named but its text is not in the file", name)
		}
	}
}

// TestCopyrightNamesEveryLinkedModule fails when the program links a Go
// module (on any platform it is released for) that the copyright file does
// not name: add a Files paragraph for it, with its licence.
func TestCopyrightNamesEveryLinkedModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	var files []string
	for _, p := range paragraphs(t, "copyright") {
		files = append(files, strings.Fields(p["Files"])...)
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "github.com/portant-hooks/portant-hooks")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOFLAGS=-mod=mod")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v", goos, err)
		}
		mods := strings.Fields(string(out))
		slices.Sort(mods)
		for _, mod := range slices.Compact(mods) {
			if mod == "github.com/portant-hooks/portant-hooks" {
				continue
			}
			// vendor/<path>/* covers the module and a major version's /vN path.
			if !slices.ContainsFunc(files, func(f string) bool {
				dir := strings.TrimSuffix(strings.TrimPrefix(f, "vendor/"), "/*")
				return mod == dir || strings.HasPrefix(mod, dir+"/v")
			}) {
				t.Errorf("GOOS=%s links %s, which packaging/copyright does not name", goos, mod)
			}
		}
	}
}

// TestCaskShipsEveryManPage keeps the cask's list of man pages (Homebrew
// takes no glob) the same as the pages internal/mangen writes: one per
// command.
func TestCaskShipsEveryManPage(t *testing.T) {
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Casks []struct {
			Manpages []string `yaml:"manpages"`
		} `yaml:"homebrew_casks"`
	}
	if err := yaml.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	want := []string{"manpages/portant-hooks.1.gz"}
	root := cmd.NewRootCmd(&cmd.Factory{IO: cmd.Test(strings.NewReader(""), io.Discard, io.Discard), Viper: viper.New()})
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			want = append(want, "manpages/portant-hooks-"+c.Name()+".1.gz")
		}
	}
	for _, cask := range conf.Casks {
		got := slices.Clone(cask.Manpages)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the cask ships man pages\n  %v\nbut internal/mangen writes\n  %v", got, want)
		}
	}
	if len(conf.Casks) == 0 {
		t.Fatal("no homebrew_casks in .goreleaser.yaml")
	}
}
