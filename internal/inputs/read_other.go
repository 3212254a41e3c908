//go:build !unix

package inputs

import "os"

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
