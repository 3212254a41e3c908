//go:build !linux

package capture

// saveUnnamed is Linux only (O_TMPFILE); elsewhere Save uses a named
// temporary file and a rename.
func (s *Store) saveUnnamed(string, []byte) (bool, error) { return false, nil }
