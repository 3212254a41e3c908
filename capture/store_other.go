//go:build !linux

package capture

// saveUnnamed is Linux only (O_TMPFILE); elsewhere Save renames a named
// temporary file.
func (s *store) saveUnnamed(string, []byte) error { return errNoUnnamed }
