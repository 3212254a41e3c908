package journal

import (
	"path/filepath"
	"strconv"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// idPrefixLen is how much of an eventId a file name keeps: enough to tell
// events apart at a glance (Portant's ids are 48 hex characters).
const idPrefixLen = 12

// FileName is the name a body is saved under in a capture directory:
// <UTC time>-<seq>-<TYPE>-<id prefix>.json, for example
// 20261130T224517.123456Z-000042-DOCUMENTS_CREATED-325d36e717d9.json.
// Names sort in arrival order, the sequence number keeps them unique when
// the same eventId arrives twice, and whatever the payload holds the name
// has only [A-Za-z0-9._-] and at most about 100 characters: the id part is
// cut to 12 safe characters and left out when none remain.
func FileName(received time.Time, seq uint64, typ fixtures.EventType, id string) string {
	b := make([]byte, 0, 80)
	b = received.UTC().AppendFormat(b, nameTime)
	b = append(b, '-')
	digits := strconv.AppendUint(nil, seq, 10)
	for range 6 - len(digits) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	b = append(b, '-')
	n := len(b)
	b = appendSafe(b, string(typ), 32)
	if len(b) == n {
		b = append(b, fixtures.Unknown...)
	}
	n = len(b)
	b = append(b, '-')
	b = appendSafe(b, id, idPrefixLen)
	if len(b) == n+1 { // no id, or nothing safe in it
		b = b[:n]
	}
	return string(append(b, ".json"...))
}

// appendSafe appends at most limit characters of s, keeping ASCII letters
// and digits and turning every run of anything else into one '_', with no
// '_' at either end.
func appendSafe(b []byte, s string, limit int) []byte {
	start := len(b)
	gap := false
	for i := 0; i < len(s) && len(b)-start < limit; i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			if gap && len(b) > start && len(b)-start < limit-1 {
				b = append(b, '_')
			}
			b = append(b, c)
			gap = false
			continue
		}
		gap = true
	}
	return b
}

// BodyPath is where the body a record names (its File) is in the capture
// directory dir. ok is false when the name could point anywhere else: the
// listener's names are [A-Za-z0-9._-] and never start with a dot, so "..",
// ".", hidden files and paths are refused whatever the journal says (it is
// a file any process may have written).
func BodyPath(dir, file string) (path string, ok bool) {
	if file == "" || file[0] == '.' || len(file) > 255 {
		return "", false
	}
	for i := 0; i < len(file); i++ {
		c := file[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", false
		}
	}
	return filepath.Join(dir, file), true
}

// timeLen is the length of the time at the start of a FileName.
const timeLen = len(nameTime)

// nameTime is the layout of the time in a FileName.
const nameTime = "20060102T150405.000000Z"

// SeqOfName reads the seq from a name FileName made; ok is false for any
// other name.
func SeqOfName(name string) (seq uint64, ok bool) {
	if len(name) < timeLen+3 || name[timeLen] != '-' {
		return 0, false
	}
	if _, err := time.Parse(nameTime, name[:timeLen]); err != nil {
		return 0, false
	}
	rest := name[timeLen+1:]
	i := 0
	for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(rest[:i], 10, 64)
	return n, err == nil
}
