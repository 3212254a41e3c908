package journal

import (
	"net/http"
	"net/url"
	"strings"
)

// Redacted is journalled (and shown) in place of the value of a
// secret-bearing header or query parameter.
const Redacted = "[REDACTED]"

// IsRedacted reports whether a journalled value is the Redacted marker, not
// a value to send again. Journals are text that people edit, so case and
// surrounding space do not matter.
func IsRedacted(v string) bool { return strings.EqualFold(strings.TrimSpace(v), Redacted) }

// secretHeaders are redacted by name; any other header or query parameter
// whose name contains one of secretWords is redacted too (the listener's
// own X-Portant-Hooks-Token among them).
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

var secretWords = []string{"token", "secret", "password", "passwd", "api-key", "apikey", "auth", "session", "signature", "credential"}

// isSecretName reports whether a header or query parameter name suggests
// that its value is a secret.
func isSecretName(name string) bool {
	if secretHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	lower := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	switch lower {
	case "key", "sig", "code":
		return true
	}
	return false
}

// RedactHeaders returns a copy of h with the values of secret-bearing
// headers replaced by Redacted, or an exact copy with keep. The value
// slices of other headers are shared with h: net/http makes new ones for
// every request and never changes them afterwards.
func RedactHeaders(h http.Header, keep bool) map[string][]string {
	out := make(map[string][]string, len(h))
	for name, vals := range h {
		if !keep && isSecretName(name) {
			red := make([]string, len(vals))
			for i := range red {
				red[i] = Redacted
			}
			out[name] = red
			continue
		}
		out[name] = vals
	}
	return out
}

// RedactQuery replaces the values of secret-looking parameters in a raw
// query with Redacted, keeping everything else as it was sent; with keep it
// returns raw as it is.
func RedactQuery(raw string, keep bool) string {
	if keep || raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if dec, err := url.QueryUnescape(name); err == nil {
			name = dec
		}
		if hasValue && isSecretName(name) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + Redacted
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}
