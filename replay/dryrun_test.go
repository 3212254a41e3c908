package replay

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestDryRun(t *testing.T) {
	events := []Event{
		newEvent("a.json", []byte(`{"eventId":"e1","eventType":"EMAILS_CREATED"}`)),
		{Source: "b.json", Body: []byte("not json"), Header: http.Header{"X-Captured": {"yes"}}},
	}
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {""}}
	for _, tt := range []struct {
		name, target string
		want         []string
	}{
		{"to a target", "http://localhost:3000/hook", []string{
			"### 1 a.json EMAILS_CREATED e1", "POST http://localhost:3000/hook", "Content-Type: application/json", "", `{"eventId":"e1","eventType":"EMAILS_CREATED"}`, "",
			"### 2 b.json", "POST http://localhost:3000/hook", "X-Captured: yes", "", "not json", "", ""}},
		{"no target yet", "", []string{
			"### 1 a.json EMAILS_CREATED e1", "POST {{url}}", "Content-Type: application/json", "", `{"eventId":"e1","eventType":"EMAILS_CREATED"}`, "",
			"### 2 b.json", "POST {{url}}", "X-Captured: yes", "", "not json", "", ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := DryRun(&out, slices.Values(events), tt.target, header, false)
			if err != nil || n != 2 {
				t.Fatalf("DryRun = %d, %v", n, err)
			}
			if got := strings.Split(out.String(), "\n"); !slices.Equal(got, tt.want) {
				t.Errorf("got:\n%s\nwant:\n%s", out.String(), strings.Join(tt.want, "\n"))
			}
			out.Reset()
			if _, err := DryRun(&out, slices.Values(events), tt.target, header, true); err != nil {
				t.Fatal(err)
			}
			var first map[string]any
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || len(lines) != 2 {
				t.Fatalf("not NDJSON: %s", out.String())
			}
			if url, ok := first["url"]; ok != (tt.target != "") || ok && url != tt.target {
				t.Errorf("url %v in %s", url, lines[0])
			}
		})
	}
}
