package journal

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

var safeName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// maxNameLen bounds FileName: time (23) + seq (up to 20) + type (32) + id
// (12) + separators and ".json".
const maxNameLen = 23 + 1 + 20 + 1 + 32 + 1 + idPrefixLen + 5

func TestFileName(t *testing.T) {
	at := time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		seq  uint64
		typ  fixtures.EventType
		id   string
		want string
	}{
		{"documented", 1, fixtures.DocumentsCreated, "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f",
			"20261130T214517.123456Z-000001-DOCUMENTS_CREATED-325d36e717d9.json"},
		{"no id", 42, fixtures.Unknown, "", "20261130T214517.123456Z-000042-UNKNOWN.json"},
		{"path separators", 3, fixtures.Unknown, "../../etc/passwd", "20261130T214517.123456Z-000003-UNKNOWN-etc_passwd.json"},
		{"backslashes", 3, fixtures.Unknown, `..\..\windows\system32`, "20261130T214517.123456Z-000003-UNKNOWN-windows_syst.json"},
		{"only dots", 4, fixtures.Unknown, "..", "20261130T214517.123456Z-000004-UNKNOWN.json"},
		{"NUL and newline", 5, fixtures.EmailsCreated, "ab\x00cd\nef", "20261130T214517.123456Z-000005-EMAILS_CREATED-ab_cd_ef.json"},
		{"unicode", 6, fixtures.Unknown, "évènement-ü", "20261130T214517.123456Z-000006-UNKNOWN-v_nement.json"},
		{"long id", 7, fixtures.SignaturesCompleted, strings.Repeat("a", 5000), "20261130T214517.123456Z-000007-SIGNATURES_COMPLETED-aaaaaaaaaaaa.json"},
		{"big seq", 1234567, fixtures.SignaturesRequested, "x", "20261130T214517.123456Z-1234567-SIGNATURES_REQUESTED-x.json"},
		{"hostile type", 8, fixtures.EventType("../x y"), "id", "20261130T214517.123456Z-000008-x_y-id.json"},
		{"empty type", 9, "", "id", "20261130T214517.123456Z-000009-UNKNOWN-id.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FileName(at, tt.seq, tt.typ, tt.id)
			if got != tt.want {
				t.Errorf("FileName = %q, want %q", got, tt.want)
			}
			if !safeName.MatchString(got) || len(got) > maxNameLen {
				t.Errorf("FileName = %q: not a safe name", got)
			}
			if p, ok := BodyPath("dir", got); !ok || p != filepath.Join("dir", got) {
				t.Errorf("BodyPath refuses the listener's own name %q", got)
			}
		})
	}
}

// FuzzFileName: whatever a payload says its id and type are, the name is
// safe, bounded, and one BodyPath accepts.
func FuzzFileName(f *testing.F) {
	f.Add("DOCUMENTS_CREATED", "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f", uint64(1))
	f.Add("../..", "\x00\xff/\\", uint64(1<<63))
	at := time.Date(2026, 11, 30, 22, 45, 17, 0, time.UTC)
	f.Fuzz(func(t *testing.T, typ, id string, seq uint64) {
		name := FileName(at, seq, fixtures.EventType(typ), id)
		if !safeName.MatchString(name) || len(name) > maxNameLen || strings.HasPrefix(name, ".") {
			t.Fatalf("unsafe name %q", name)
		}
		if _, ok := BodyPath("d", name); !ok {
			t.Fatalf("BodyPath refuses %q", name)
		}
	})
}

func TestBodyPathRefusesWhatCouldPointElsewhere(t *testing.T) {
	for _, name := range []string{"", ".", "..", "../x.json", "a/b.json", `a\b.json`, ".hidden.json", "x\x00.json", "é.json", strings.Repeat("a", 256)} {
		if p, ok := BodyPath("dir", name); ok {
			t.Errorf("BodyPath(%q) = %q, accepted", name, p)
		}
	}
}
