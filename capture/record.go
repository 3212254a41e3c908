// Package capture is the listener: the HTTP server that accepts Portant's
// events, the store that keeps them on disk byte for byte, the terminal
// rendering of each event, and the inspector web page.
package capture

import (
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Record describes one request the listener received. It is one line of
// <dir>/events.ndjson, and what the terminal and the inspector show.
type Record struct {
	Seq      uint64              `json:"seq"`            // arrival order, from 1
	File     string              `json:"file,omitempty"` // base name of the saved body in the store dir; "" when not saved
	Received time.Time           `json:"received"`       // UTC
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Query    string              `json:"query,omitempty"`
	Headers  map[string][]string `json:"headers"`            // secret-bearing ones redacted unless --keep-secrets
	Remote   string              `json:"remote"`             // client address
	Size     int64               `json:"size"`               // body bytes
	SHA256   string              `json:"sha256"`             // of the body, hex
	EventID  string              `json:"eventId,omitempty"`  // either spelling in the body
	Type     fixtures.EventType  `json:"eventType"`          // UNKNOWN for non-JSON or non-Portant bodies
	Valid    bool                `json:"valid"`              // under the default schema
	Problems []fixtures.Problem  `json:"problems,omitempty"` // when not valid
	Status   int                 `json:"status,omitempty"`   // what the listener answered
	Forward  *Forward            `json:"forward,omitempty"`  // with --forward-to: what the handler answered
}

// Forward is what the --forward-to handler made of an event.
type Forward struct {
	URL       string  `json:"url"`
	Status    int     `json:"status,omitempty"`    // the handler's status; 0 when unreachable
	LatencyMS float64 `json:"latencyMs"`           // until the handler's response headers
	Error     string  `json:"error,omitempty"`     // why the handler could not be reached
	BodyStart string  `json:"bodyStart,omitempty"` // the first bytes of the handler's response body
}
