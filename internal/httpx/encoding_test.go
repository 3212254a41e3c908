package httpx

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"net/http"
	"testing"
)

func compress(t testing.TB, enc string, b []byte) []byte {
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	if enc == "deflate" {
		w = zlib.NewWriter(&buf)
	} else {
		w = gzip.NewWriter(&buf)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

func TestDecodeUndoesTheCodingWithinTheLimit(t *testing.T) {
	body := []byte(`{"eventType":"EMAILS_CREATED"}`)
	for _, enc := range []string{"gzip", "x-gzip", "deflate"} {
		if !Decodes(enc) {
			t.Fatalf("Decodes(%q) = false", enc)
		}
		got, err := Decode(enc, compress(t, enc, body), 1<<10)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: %q, %v", enc, got, err)
		}
		if _, err := Decode(enc, compress(t, enc, body), int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s one byte over the limit: %v, want ErrTooLarge", enc, err)
		}
		if _, err := Decode(enc, body, 1<<10); err == nil {
			t.Errorf("%s: plain JSON decoded without an error", enc)
		}
	}
	if Decodes("br") || Decodes("") {
		t.Error("Decodes takes a coding it cannot undo")
	}
	if got := ContentEncoding(http.Header{"Content-Encoding": {"  GZip "}}); got != "gzip" {
		t.Errorf("ContentEncoding = %q", got)
	}
}

// Whatever a sender claims is gzip, Decode returns at most limit bytes or
// an error.
func FuzzDecode(f *testing.F) {
	f.Add(compress(f, "gzip", []byte(`{"a":1}`)), false)
	f.Add(compress(f, "deflate", bytes.Repeat([]byte("x"), 5000)), true)
	f.Add([]byte("\x1f\x8b\x08\x00"), false)
	f.Fuzz(func(t *testing.T, body []byte, deflate bool) {
		enc := "gzip"
		if deflate {
			enc = "deflate"
		}
		const limit = 4 << 10
		out, err := Decode(enc, body, limit)
		if err == nil && len(out) > limit {
			t.Fatalf("%d bytes past a limit of %d", len(out), limit)
		}
	})
}
