//go:build unix

package inputs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO returns what its writer has written so far: a short read is not
// the end. Expand does not mark it regular, so the Reader reads on. (The
// FIFO comes second in its directory, where the Reader has the directory
// open and knows its file system's reads are whole.)
func TestReaderReadsAFIFOToTheEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	os.WriteFile(filepath.Join(dir, "a.json"), []byte("{}"), 0o644)
	ins, err := Expand([]string{dir})
	if err != nil || len(ins) != 2 || !ins[0].Regular || ins[1].Regular {
		t.Fatalf("Expand: %+v, %v", ins, err)
	}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.Write([]byte(`{"first":`))
		time.Sleep(50 * time.Millisecond)
		w.Write([]byte(`"half"}`))
		w.Close()
	}()
	var r Reader
	defer r.Close()
	if got, err := r.ReadAppend(ins[0], nil, nil); err != nil || string(got) != "{}" {
		t.Fatalf("a.json: got %q, %v", got, err)
	}
	got, err := r.ReadAppend(ins[1], nil, nil)
	if err != nil || string(got) != `{"first":"half"}` {
		t.Fatalf("got %q, %v", got, err)
	}
}
