//go:build unix

package inputs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe in a directory is listed as unreadable, never opened:
// opening one that nobody writes to waits forever (validate hung, and
// SIGTERM could not stop it in the middle of open). A link to a file is
// read as the file.
func TestExpandNeverOpensANamedPipe(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.json")
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.json"), 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	if err := os.Symlink("a.json", filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pipe.json", filepath.Join(dir, "to-pipe.json")); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{dir, filepath.Join(dir, "*.json")} {
		ins, err := Expand([]string{arg})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, in := range ins {
			err := in.Err
			if !strings.Contains(in.Path, "pipe") { // reading a pipe would block
				_, err = in.Read(nil)
			}
			got = append(got, filepath.Base(in.Path)+" "+errText(err))
		}
		want := "a.json ok|link.json ok|pipe.json it is a named pipe|to-pipe.json it is a named pipe"
		if strings.Join(got, "|") != want {
			t.Errorf("%s: got %q, want %q", arg, strings.Join(got, "|"), want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "cannot read: "); ok {
		msg, _, _ = strings.Cut(rest, ",")
	}
	return msg
}
