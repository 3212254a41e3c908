//go:build !unix

package inputs

import "os"

func appendFile(dst []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := appendAll(dst, f)
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// dirHandle: outside Unix a Reader reads each file by its path.
type dirHandle struct{}

func (dirHandle) appendFile(dst []byte, path string, _ bool) ([]byte, error) {
	return appendFile(dst, path)
}

func (dirHandle) close() error { return nil }
