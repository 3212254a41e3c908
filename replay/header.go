package replay

import (
	"fmt"
	"net/http"
	"strings"
)

// ParseHeader reads one -H 'Name: value'. The name must be an HTTP token;
// the value is trimmed and may not hold CR, LF or other control characters
// (a header injection would otherwise be one flag away). An empty value
// means "do not send this header", as with curl.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("header %q has no colon: write it as 'Name: value'", s)
	}
	if name == "" {
		return "", "", fmt.Errorf("header %q has no name before the colon", s)
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			if name[i] == ' ' || name[i] == '\t' {
				return "", "", fmt.Errorf("header name %q contains a space: write it as 'Name: value' with no space before the colon", name)
			}
			return "", "", fmt.Errorf("header name %q contains %q, which is not allowed in a header name", name, name[i])
		}
	}
	value = strings.Trim(value, " \t")
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "", "", fmt.Errorf("header %s: value contains a control character (%q): headers are one line", name, c)
		}
	}
	name = http.CanonicalHeaderKey(name)
	switch name {
	case "Content-Length", "Transfer-Encoding":
		return "", "", fmt.Errorf("header %s is set from the body: leave it out", name)
	}
	return name, value, nil
}

// isTokenChar reports whether c may appear in a header name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// DefaultHeader is what every request carries unless -H says otherwise.
func DefaultHeader(userAgent string) http.Header {
	return http.Header{
		"Content-Type": {"application/json"},
		"User-Agent":   {userAgent},
	}
}

// AddHeaders applies parsed -H flags to h: the first -H of a name replaces
// any default, later ones add values, and an empty value removes the
// header.
func AddHeaders(h http.Header, flags []string) error {
	seen := map[string]bool{}
	for _, f := range flags {
		name, value, err := ParseHeader(f)
		if err != nil {
			return err
		}
		switch {
		case value == "":
			h.Del(name)
			if name == "User-Agent" {
				h[name] = []string{""} // keep Go from adding its own
			}
		case seen[name]:
			h.Add(name, value)
		default:
			h.Set(name, value)
		}
		seen[name] = true
	}
	return nil
}

// hopByHop headers describe one connection, not the message: a replay
// must not copy them (RFC 9110 section 7.6.1), nor Host and Content-Length,
// which belong to the new request.
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true,
	"Proxy-Authenticate": true, "Proxy-Authorization": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Host": true, "Content-Length": true,
}

// redacted is how the listener writes a secret header it did not keep.
const redacted = "[redacted]"

// replayable keeps the captured headers a replay may send, and names the
// ones that were redacted at capture (they cannot be replayed).
func replayable(captured map[string][]string) (h http.Header, secrets []string) {
	h = http.Header{}
	drop := map[string]bool{}
	for name, vs := range captured {
		if http.CanonicalHeaderKey(name) == "Connection" {
			for _, v := range vs {
				for _, n := range strings.Split(v, ",") {
					drop[http.CanonicalHeaderKey(strings.TrimSpace(n))] = true
				}
			}
		}
	}
	for name, vs := range captured {
		key := http.CanonicalHeaderKey(name)
		if hopByHop[key] || drop[key] {
			continue
		}
		for _, v := range vs {
			if strings.EqualFold(strings.TrimSpace(v), redacted) {
				secrets = append(secrets, key)
				continue
			}
			if !validValue(v) {
				continue
			}
			h.Add(key, v)
		}
	}
	return h, secrets
}

func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// CapturedHeader is the header of an event replayed with the headers it was
// captured with: the defaults, replaced by what was captured, replaced in
// turn by the -H flags (which ParseHeader has accepted already).
func CapturedHeader(defaults, captured http.Header, flags []string) http.Header {
	h := defaults.Clone()
	for name, vs := range captured {
		h[name] = vs
	}
	_ = AddHeaders(h, flags)
	return h
}
