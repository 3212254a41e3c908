package replay

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// parseHeader reads one -H 'Name: value'. The name must be an HTTP token;
// the value is trimmed and may not hold CR, LF or other control characters
// (a header injection would otherwise be one flag away). An empty value
// means "do not send this header", as with curl.
func parseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("header %q has no colon: write it as 'Name: value'", s)
	}
	if name == "" {
		return "", "", fmt.Errorf("header %q has no name before the colon", s)
	}
	if !httpguts.ValidHeaderFieldName(name) {
		if strings.ContainsAny(name, " \t") {
			return "", "", fmt.Errorf("header name %q contains a space: write it as 'Name: value' with no space before the colon", name)
		}
		return "", "", fmt.Errorf("header name %q contains %q, which is not allowed in a header name", name, firstRune(name, httpguts.ValidHeaderFieldName))
	}
	value = strings.Trim(value, " \t")
	if !httpguts.ValidHeaderFieldValue(value) {
		return "", "", fmt.Errorf("header %s: value contains a control character (%q): headers are one line", name, firstRune(value, httpguts.ValidHeaderFieldValue))
	}
	name = http.CanonicalHeaderKey(name)
	switch name {
	case "Content-Length", "Transfer-Encoding":
		return "", "", fmt.Errorf("header %s is set from the body: leave it out", name)
	}
	return name, value, nil
}

// firstRune is the first rune of s that valid refuses on its own.
func firstRune(s string, valid func(string) bool) rune {
	for _, r := range s {
		if !valid(string(r)) {
			return r
		}
	}
	return 0
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
		name, value, err := parseHeader(f)
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

// CapturedHeader is the header of an event replayed with the headers it was
// captured with: the defaults, replaced by what was captured, replaced in
// turn by the -H flags (which parseHeader has accepted already).
func CapturedHeader(defaults, captured http.Header, flags []string) http.Header {
	h := defaults.Clone()
	for name, vs := range captured {
		h[name] = vs
	}
	_ = AddHeaders(h, flags)
	return h
}
