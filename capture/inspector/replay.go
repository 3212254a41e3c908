package inspector

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
	"github.com/portant-hooks/portant-hooks/replay"
)

// replayResult is POST /api/events/{id}/replay: what the handler answered.
type replayResult struct {
	ID         int                 `json:"id"`
	To         string              `json:"to"`
	Status     int                 `json:"status,omitempty"` // 0 when no answer came
	StatusText string              `json:"statusText,omitempty"`
	LatencyMS  float64             `json:"latencyMs"`
	Headers    map[string][]string `json:"headers,omitempty"`
	// Body is the start of the response body, as text.
	Body          string `json:"body"`
	BodyTruncated bool   `json:"bodyTruncated,omitempty"`
	Error         string `json:"error,omitempty"` // why no answer came
	// SkippedHeaders were redacted at capture, so they could not be sent.
	SkippedHeaders []string `json:"skippedHeaders,omitempty"`
}

// replayBodyShown is how much of the answer the page shows.
const replayBodyShown = 64 << 10

// curlPlaceholderURL stands in for the handler in a curl command when no
// target is known yet.
const curlPlaceholderURL = "http://localhost:3000/webhook"

// replayTarget checks a URL typed in or given with --forward-to, as every
// target is read (httpx.ParseTarget: "localhost:3000/hook" works).
func replayTarget(s string) (*url.URL, error) {
	u, err := httpx.ParseTarget(s)
	if err != nil {
		return nil, fmt.Errorf("replay target %v", err)
	}
	return u, nil
}

// replayEvent sends a saved event again, through the one sender: the body
// byte for byte, with the recorded headers that may be sent again.
func replayEvent(ctx context.Context, client *http.Client, rec journal.Record, body []byte, target *url.URL) replayResult {
	res := replayResult{To: target.String()}
	sender, err := replay.NewSender(client, res.To, replay.WithKeepBody(replayBodyShown))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	header, skipped := httpx.Replayable(rec.Headers)
	slices.Sort(skipped)
	res.SkippedHeaders = skipped
	r := sender.Deliver(ctx, replay.Event{Body: body, Header: header})
	res.LatencyMS = float64(r.Latency.Microseconds()) / 1000
	if r.Status == 0 {
		res.Error = res.To + ": " + r.Err.Error()
		if httpx.Unreachable(r.Err) {
			res.Error = "could not reach " + res.Error + " (is your handler running there?)"
		}
		return res
	}
	res.Status, res.StatusText = r.Status, strconv.Itoa(r.Status)+" "+http.StatusText(r.Status)
	res.Headers = r.Header
	res.Body, res.BodyTruncated = displayText(r.Body), r.Truncated
	if r.Err != nil {
		res.Body += "\n[" + r.Err.Error() + "]"
	}
	return res
}

// curlInlineMax is the largest body a curl command carries inline; bigger or
// binary bodies are read from the saved file instead.
const curlInlineMax = 256 << 10

// curlCommand is a POSIX shell command that sends the event as replay does.
// Every argument is single-quoted, so no payload can break out of it.
func curlCommand(rec journal.Record, body []byte, path, to string) string {
	var sb strings.Builder
	sb.WriteString("curl -sS -i")
	if rec.Method != "" && rec.Method != http.MethodPost {
		sb.WriteString(" -X " + quoteShell(rec.Method))
	}
	sb.WriteString(" " + quoteShell(to))
	h, _ := httpx.Replayable(rec.Headers)
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			sb.WriteString(" \\\n  -H " + quoteShell(name+": "+v))
		}
	}
	switch {
	case len(body) == 0:
	case len(body) <= curlInlineMax && utf8.Valid(body) && bytes.IndexByte(body, 0) < 0:
		sb.WriteString(" \\\n  --data-binary " + quoteShell(string(body)))
	default:
		sb.WriteString(" \\\n  --data-binary @" + quoteShell(path))
	}
	return sb.String()
}

// quoteShell single-quotes s for a POSIX shell: inside single quotes nothing
// is special, and each single quote in s closes the quotes, adds an escaped
// quote and opens them again.
func quoteShell(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
