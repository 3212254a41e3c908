// Package handlertest has webhook handlers for tests of `portant-hooks
// check`: a correct one, and the same with one bug each, the bugs real
// Portant handlers have. Each is a plain http.Handler, served by the tests
// with httptest or by a testscript command.
package handlertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Bug is what is wrong with a handler.
type Bug string

// The bugs. None is the correct handler.
const (
	None Bug = ""
	// CamelOnly reads eventId, eventType, messageId and signatureUrl only,
	// and fails with a 500 (a not-null constraint) on the other spellings.
	CamelOnly Bug = "camel-only"
	// Recipients crashes on a signature event with 2 or more recipients,
	// with an HTML error page as Express shows one.
	Recipients Bug = "recipients"
	// NotIdempotent fails an eventId it has stored already (a unique key).
	NotIdempotent Bug = "not-idempotent"
	// Racy checks for an eventId, then stores it after some work: the
	// same event twice at once passes the check twice and fails the store.
	Racy Bug = "racy"
	// NeedsRequested refuses a SIGNATURES_COMPLETED whose documents no
	// SIGNATURES_REQUESTED brought before.
	NeedsRequested Bug = "needs-requested"
	// StrictFields refuses any field it does not know, as a decoder with
	// DisallowUnknownFields does.
	StrictFields Bug = "strict-fields"
	// Slow takes Handler.SlowFor over every SIGNATURES_COMPLETED (it makes
	// the signed PDF while the sender waits).
	Slow Bug = "slow"
)

// Bugs lists every bug, for usage messages.
var Bugs = []Bug{CamelOnly, Recipients, NotIdempotent, Racy, NeedsRequested, StrictFields, Slow}

// raceWindow is how long the Racy handler works between its check and its
// store: time for a second copy sent at the same moment to arrive.
const raceWindow = 50 * time.Millisecond

// New returns a handler with bug: correct in every other way. It answers
// 200 to every Portant event, once or several times, in any order and
// either spelling, and 400 to a body that is no Portant event.
func New(bug Bug) *Handler {
	return &Handler{bug: bug, SlowFor: 2 * time.Second, stored: map[string]bool{}, requested: map[string]bool{}, arriving: map[string]chan struct{}{}}
}

// Handler is a webhook handler with one bug, or none.
type Handler struct {
	// SlowFor is how long the Slow handler takes; set it before serving.
	SlowFor   time.Duration
	bug       Bug
	mu        sync.Mutex
	stored    map[string]bool          // eventIds
	requested map[string]bool          // document ids of signature requests
	arriving  map[string]chan struct{} // Racy: closed when a second copy arrives
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil || probe["data"] == nil {
		jsonError(w, http.StatusBadRequest, "not a Portant event")
		return
	}
	var ev fixtures.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	if h.bug == CamelOnly {
		if msg := camelMissing(probe, ev); msg != "" {
			jsonError(w, http.StatusInternalServerError, msg)
			return
		}
	}
	if ev.ID == "" || fixtures.Peek(body).Type == fixtures.Unknown {
		jsonError(w, http.StatusBadRequest, "not a Portant event: no eventId or no known eventType")
		return
	}
	signatures := ev.Type == fixtures.SignaturesRequested || ev.Type == fixtures.SignaturesCompleted
	switch {
	case h.bug == Recipients && signatures && len(ev.Data.Recipients) > 1:
		expressCrash(w, "TypeError: Cannot read properties of undefined (reading 'signatureUrl')")
		return
	case h.bug == StrictFields:
		if name := unknownField(ev); name != "" {
			jsonError(w, http.StatusBadRequest, fmt.Sprintf("json: unknown field %q", name))
			return
		}
	case h.bug == Slow && ev.Type == fixtures.SignaturesCompleted:
		select {
		case <-time.After(h.SlowFor):
		case <-r.Context().Done():
			return
		}
	}
	if status, msg := h.store(ev); status != http.StatusOK {
		jsonError(w, status, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"ok":true}`)
}

// store records the event, idempotently unless the bug says otherwise.
func (h *Handler) store(ev fixtures.Event) (int, string) {
	key := ""
	if len(ev.Data.Documents) > 0 {
		key = ev.Data.Documents[0].ID
	}
	h.mu.Lock()
	if h.bug == NeedsRequested && ev.Type == fixtures.SignaturesCompleted && !h.requested[key] {
		h.mu.Unlock()
		return http.StatusNotFound, "no signature request for document " + key
	}
	if ev.Type == fixtures.SignaturesRequested {
		h.requested[key] = true
	}
	seen := h.stored[ev.ID]
	switch {
	case seen && h.bug == NotIdempotent:
		h.mu.Unlock()
		return http.StatusInternalServerError, `duplicate key value violates unique constraint "events_pkey"`
	case seen:
		h.mu.Unlock()
		return http.StatusOK, "" // done already: answer as the first time
	case h.bug != Racy:
		h.stored[ev.ID] = true
		h.mu.Unlock()
		return http.StatusOK, ""
	}
	// Racy: the check is done; work, then store without checking again.
	arrived, first := h.arriving[ev.ID]
	if !first {
		arrived = make(chan struct{})
		h.arriving[ev.ID] = arrived
	} else {
		close(arrived) // wake the first copy: this one is at the store first
		delete(h.arriving, ev.ID)
		arrived = nil
	}
	h.mu.Unlock()
	if arrived != nil {
		select {
		case <-arrived:
		case <-time.After(raceWindow):
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stored[ev.ID] {
		return http.StatusInternalServerError, `duplicate key value violates unique constraint "events_pkey"`
	}
	h.stored[ev.ID] = true
	return http.StatusOK, ""
}

// camelMissing names the first camelCase key a camel-only handler looks
// for and does not find.
func camelMissing(top map[string]json.RawMessage, ev fixtures.Event) string {
	missing := func(key string) string {
		return fmt.Sprintf("null value in column %q violates not-null constraint", key)
	}
	for _, key := range []string{"eventId", "eventType"} {
		if top[key] == nil {
			return missing(key)
		}
	}
	if ev.Spelling.MessageID == fixtures.CasingSnake || ev.Spelling.MessageID == fixtures.CasingMixed {
		return missing("messageId")
	}
	if ev.Spelling.SignatureURL == fixtures.CasingSnake || ev.Spelling.SignatureURL == fixtures.CasingMixed {
		return missing("signatureUrl")
	}
	return ""
}

// unknownField names a member the model does not know, if there is one.
func unknownField(ev fixtures.Event) string {
	first := func(extra map[string]json.RawMessage) string {
		for name := range extra {
			return name
		}
		return ""
	}
	names := []string{first(ev.Extra), first(ev.Data.Extra)}
	for _, d := range ev.Data.Documents {
		names = append(names, first(d.Extra))
	}
	for _, e := range ev.Data.Emails {
		names = append(names, first(e.Extra))
	}
	for _, r := range ev.Data.Recipients {
		names = append(names, first(r.Extra))
	}
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n'))
}

// expressCrash answers as Express does when a route throws.
func expressCrash(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
<style>body { font-family: monospace }</style>
</head>
<body>
<pre>%s<br> &nbsp; &nbsp;at handlePortant (/app/routes/webhooks.js:42:31)<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)</pre>
</body>
</html>
`, msg)
}
