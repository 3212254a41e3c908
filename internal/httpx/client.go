package httpx

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// ClientOptions shape the client NewClient makes.
type ClientOptions struct {
	// Timeout bounds one attempt, the answer's body included; 0 means none.
	Timeout time.Duration
	// Insecure skips TLS certificate checks (a handler with a self-signed
	// certificate); the user asks for it with --insecure.
	Insecure bool
	// Connections is how many requests are in flight at once: that many
	// connections to the target are kept alive for reuse.
	Connections int
	// NotTo, when set, is the program's own addresses: the client refuses
	// to connect to them (see Own).
	NotTo *Own
}

// NewClient returns the one kind of client portant-hooks sends with:
// connections kept alive and reused (as many as Connections), a timeout per
// attempt, TLS verified unless Insecure, and redirects not followed (a
// webhook sender reports a 3xx; following it would turn the POST into a GET
// somewhere else).
//
// It does not ask for compressed answers: answers are read to show them to a
// person, and a handler that is not asked to compress does not.
func NewClient(o ClientOptions) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	conns := max(o.Connections, 2)
	tr.MaxIdleConns = max(conns, 100)
	tr.MaxIdleConnsPerHost = conns
	tr.DisableCompression = true
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if o.NotTo != nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: o.NotTo.control}
		tr.DialContext = d.DialContext
	}
	if o.Insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the user asked, with --insecure
	}
	return &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
