package httpx

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strings"
)

// ErrTooLarge says a compressed body decodes to more than the limit.
var ErrTooLarge = errors.New("decodes to more than the limit")

// ContentEncoding is the Content-Encoding of h, lower-cased and trimmed.
func ContentEncoding(h http.Header) string {
	return strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
}

// Decodes reports whether Decode undoes the content coding enc.
func Decodes(enc string) bool {
	return enc == "gzip" || enc == "x-gzip" || enc == "deflate"
}

// Decode undoes the content coding enc (gzip, x-gzip or deflate) of body,
// reading at most limit bytes of the result, so a zip bomb stops there
// with ErrTooLarge.
func Decode(enc string, body []byte, limit int64) ([]byte, error) {
	var (
		zr  io.ReadCloser
		err error
	)
	if enc == "deflate" {
		zr, err = zlib.NewReader(bytes.NewReader(body))
	} else {
		zr, err = gzip.NewReader(bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, ErrTooLarge
	}
	return out, nil
}
