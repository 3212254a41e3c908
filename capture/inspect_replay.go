package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReplayResult is POST /api/events/{id}/replay: what the handler answered.
type ReplayResult struct {
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
}

const (
	replayBodyShown = 64 << 10 // of the response, for the page
	replayDrainMax  = 4 << 20  // read and dropped so the connection can be reused
)

// curlPlaceholderURL stands in for the handler in a curl command when no
// target is known yet.
const curlPlaceholderURL = "http://localhost:3000/webhook"

// replayTarget checks a URL typed in or given with --forward-to.
func replayTarget(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("replay target %q is not an http(s) URL: give your handler's address, like %s", s, curlPlaceholderURL)
	}
	return u, nil
}

// replayEvent sends a saved event again, as it arrived: same method, body byte
// for byte, and the recorded headers that make sense to resend.
func replayEvent(ctx context.Context, client *http.Client, rec Record, body []byte, target *url.URL) ReplayResult {
	res := ReplayResult{To: target.String()}
	method := rec.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), bytes.NewReader(body))
	if err != nil {
		res.Error = fmt.Sprintf("cannot build a %s request to %s: %v", method, target, err)
		return res
	}
	req.Header = replayHeaders(rec.Headers)
	start := time.Now()
	resp, err := client.Do(req)
	res.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		res.Error = describeReplayError(target, err)
		return res
	}
	defer resp.Body.Close()
	res.Status, res.StatusText = resp.StatusCode, resp.Status
	res.Headers = resp.Header
	shown, err := io.ReadAll(io.LimitReader(resp.Body, replayBodyShown+1))
	if len(shown) > replayBodyShown {
		shown, res.BodyTruncated = shown[:replayBodyShown], true
	}
	res.Body = displayText(shown)
	if err != nil {
		res.Body += fmt.Sprintf("\n[the response body broke off: %v]", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, replayDrainMax))
	return res
}

func describeReplayError(target *url.URL, err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ue != nil && ue.Timeout() {
		return fmt.Sprintf("%s did not answer in time: is the handler stuck?", target)
	}
	return fmt.Sprintf("could not reach %s: %v (is your handler running there?)", target, err)
}

// replayHeaders are the recorded headers worth sending again: not the
// hop-by-hop ones (they described the old connection), not Host and
// Content-Length (the new request has its own), not Accept-Encoding (the
// page wants to read the answer), not the listener's own token, and not a
// value the listener redacted.
func replayHeaders(recorded map[string][]string) http.Header {
	drop := map[string]bool{
		"Host": true, "Content-Length": true, "Accept-Encoding": true,
		"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
		"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
		TokenHeader: true, // the listener's own secret, not the handler's
	}
	for name, vs := range recorded {
		if http.CanonicalHeaderKey(name) == "Connection" {
			for _, v := range vs {
				for f := range strings.SplitSeq(v, ",") {
					drop[http.CanonicalHeaderKey(strings.TrimSpace(f))] = true
				}
			}
		}
	}
	out := http.Header{}
	for name, vs := range recorded {
		key := http.CanonicalHeaderKey(name)
		if drop[key] {
			continue
		}
		for _, v := range vs {
			if !redactedValue(v) {
				out.Add(key, v)
			}
		}
	}
	return out
}

// redactedValue recognises the placeholder the listener journals instead
// of a secret: resending it would only confuse the handler.
func redactedValue(v string) bool { return v == Redacted }

// curlInlineMax is the largest body a curl command carries inline; bigger or
// binary bodies are read from the saved file instead.
const curlInlineMax = 256 << 10

// curlCommand is a POSIX shell command that sends the event as replay does.
// Every argument is single-quoted, so no payload can break out of it.
func curlCommand(rec Record, body []byte, path, to string) string {
	var sb strings.Builder
	sb.WriteString("curl -sS -i")
	if rec.Method != "" && rec.Method != http.MethodPost {
		sb.WriteString(" -X " + quoteShell(rec.Method))
	}
	sb.WriteString(" " + quoteShell(to))
	h := replayHeaders(rec.Headers)
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
