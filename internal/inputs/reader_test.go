package inputs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Reader must return what Input.Read does, for every kind of input and
// in any order of directories, reusing one buffer throughout.
func TestReaderReadsWhatReadDoes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	big := strings.Repeat("x", 200<<10)
	files := map[string]string{
		"a/1.json": `{"a":1}`, "a/2.json": "", "a/3.json": big, "b/1.json": `[]`, "top.json": `{}`,
	}
	for name, body := range files {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ins, err := Expand([]string{"a", "b", "top.json", "a/3.json", filepath.Join(dir, "b", "1.json")})
	if err != nil {
		t.Fatal(err)
	}
	ins = append(ins, Input{Name: "a/1.json", Path: "a/1.json"}, // back to a directory left before
		Input{Name: "gone", Path: "a/gone.json", Regular: true}, Input{Name: "dir", Path: "a"},
		Input{Name: "nodir", Path: "nodir/x.json"}, Input{Name: "<stdin>"})
	var r Reader
	defer r.Close()
	buf := make([]byte, 0, 100)
	for _, in := range ins {
		want, wantErr := in.Read(strings.NewReader("from stdin"))
		got, err := r.ReadAppend(in, buf[:0], strings.NewReader("from stdin"))
		if string(got) != string(want) || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%s: got %d bytes, %v; want %d bytes, %v", in.Name, len(got), err, len(want), wantErr)
		}
		if err == nil {
			buf = got
		}
	}
}
