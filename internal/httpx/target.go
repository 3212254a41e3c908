package httpx

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ParseTarget reads the URL of a handler, wherever one is given: send --to,
// listen --forward-to, the inspector's replay target. A URL without a scheme
// gets http://, as with stripe listen --forward-to, so "localhost:3000/hook"
// is http://localhost:3000/hook. Surrounding spaces are ignored, and a
// #fragment is dropped (it is never sent).
//
// Its errors say what is wrong with the URL, not which flag it came from:
// callers add that.
func ParseTarget(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("no URL given: write your handler's address, like localhost:3000/webhook")
	}
	raw := s
	if !strings.Contains(s, "://") {
		if lower := strings.ToLower(s); strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:") {
			return nil, fmt.Errorf("%q: write the scheme with two slashes, like http://localhost:3000/webhook", s)
		}
		if hasScheme(s) {
			return nil, fmt.Errorf("%q: only http:// and https:// URLs can receive webhooks", s)
		}
		raw = "http://" + s
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: only http:// and https:// URLs can receive webhooks", s)
	}
	host := u.Hostname()
	if host == "" || strings.Trim(host, "0123456789") == "" {
		return nil, fmt.Errorf("%q has no host: write it like localhost:3000/webhook", s)
	}
	if strings.Contains(host, "%") {
		return nil, fmt.Errorf("%q: an IPv6 zone (%%...) cannot be a webhook's host", s)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q: %s is not a port: use 1 to 65535", s, p)
		}
	} else {
		u.Host = strings.TrimSuffix(u.Host, ":") // "host:" is the default port
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// hasScheme reports whether s starts like "mailto:x" or "javascript:x": a
// scheme, not a host followed by its port.
func hasScheme(s string) bool {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" || rest == "" || rest[0] >= '0' && rest[0] <= '9' || rest[0] == '/' {
		return false
	}
	for i, c := range name {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}
