package httpx

import (
	"net/http"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/internal/journal"
	"golang.org/x/net/http/httpguts"
)

// TokenHeader carries a listener's --token, as an alternative to the token
// query parameter. It is the listener's own secret, never the handler's: no
// replay or forward sends it on.
const TokenHeader = "X-Portant-Hooks-Token"

// hopByHop headers describe one connection, not the message (RFC 9110
// section 7.6.1), and the framing headers are set by whoever writes the
// message next: a forward or a replay never copies them.
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true,
	"Proxy-Authenticate": true, "Proxy-Authorization": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true,
}

// notReplayed are request headers that belong to the new request, not the
// captured one: Host names the listener (or the tunnel), and the sender
// negotiates its own Accept-Encoding so that it can read the answer.
var notReplayed = map[string]bool{
	"Host": true, "Accept-Encoding": true, TokenHeader: true,
}

// EndToEnd returns a copy of h without the headers that only describe the
// connection it came over: the hop-by-hop ones, any that its Connection
// header names, and Content-Length. It is what a forward copies from the
// handler's answer to the sender's.
func EndToEnd(h http.Header) http.Header {
	out := make(http.Header, len(h))
	drop := connectionNamed(h)
	for name, vs := range h {
		key := http.CanonicalHeaderKey(name)
		if hopByHop[key] || drop[key] {
			continue
		}
		out[key] = append(out[key], vs...)
	}
	return out
}

// Replayable returns the captured request headers that may be sent again, to
// a handler, as they came: not the end-to-end-only ones (see EndToEnd), not
// Host, Accept-Encoding or the listener's TokenHeader, and no value that is
// not one header line. Values the listener redacted are dropped too, and
// their names returned in secrets (in the order met), so the caller can say
// which ones to pass by hand.
func Replayable(captured map[string][]string) (h http.Header, secrets []string) {
	h = http.Header{}
	drop := connectionNamed(captured)
	for name, vs := range captured {
		key := http.CanonicalHeaderKey(name)
		if hopByHop[key] || drop[key] || notReplayed[key] {
			continue
		}
		for _, v := range vs {
			switch {
			case journal.IsRedacted(v): // cannot be sent again
				if !slices.Contains(secrets, key) {
					secrets = append(secrets, key)
				}
			case httpguts.ValidHeaderFieldValue(v):
				h[key] = append(h[key], v)
			}
		}
	}
	return h, secrets
}

// connectionNamed are the headers a Connection header lists: they too were
// for that connection only.
func connectionNamed(h map[string][]string) map[string]bool {
	var drop map[string]bool
	for name, vs := range h {
		if http.CanonicalHeaderKey(name) != "Connection" {
			continue
		}
		for _, v := range vs {
			for f := range strings.SplitSeq(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					if drop == nil {
						drop = map[string]bool{}
					}
					drop[http.CanonicalHeaderKey(f)] = true
				}
			}
		}
	}
	return drop
}
