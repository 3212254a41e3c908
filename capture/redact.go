package capture

import (
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces the value of a secret-bearing header or query parameter
// in the journal, the terminal and the inspector.
const Redacted = "[REDACTED]"

// TokenHeader carries the --token of a listener, as an alternative to the
// token query parameter.
const TokenHeader = "X-Portant-Hooks-Token"

// secretHeaders are redacted by name; any other header whose name contains
// one of secretWords is redacted too.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	TokenHeader:           true,
}

var secretWords = []string{"token", "secret", "password", "passwd", "api-key", "apikey", "auth", "session", "signature", "credential"}

// isSecretName reports whether a header or query parameter name suggests it
// carries a secret.
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

// redactHeaders returns a copy of h with secret-bearing values replaced,
// or an exact copy with keep. The value slices are shared with h: net/http
// makes new ones for every request and never changes them afterwards.
func redactHeaders(h http.Header, keep bool) map[string][]string {
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

// redactQuery replaces the values of secret-looking parameters in a raw
// query, keeping everything else as it was sent.
func redactQuery(raw string, keep bool) string {
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
