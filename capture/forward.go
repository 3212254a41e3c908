package capture

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
	"github.com/portant-hooks/portant-hooks/replay"
)

// bodyStartLen is how much of the handler's answer the journal keeps to show.
const bodyStartLen = 200

// forwardBodyMax is how much of the handler's answer goes back to the
// sender. The answer is read whole before anything is written back, so that
// the event is journalled with it first; a webhook's answer is small, and
// Portant does not read it, so more than this is cut off.
const forwardBodyMax = 1 << 20

// forwardConnections is how many connections to the handler are kept alive
// for the events that arrive at once.
const forwardConnections = 32

// forwarder sends each saved event on to a local handler (--forward-to)
// and answers the sender with the handler's answer.
type forwarder struct {
	sender *replay.Sender
}

func newForwarder(target string, client *http.Client) (*forwarder, error) {
	s, err := replay.NewSender(client, target, replay.WithKeepBody(forwardBodyMax))
	if err != nil {
		return nil, err
	}
	return &forwarder{sender: s}, nil
}

// serve forwards body with r's replayable headers (httpx.Replayable: not the
// hop-by-hop ones, nor the listener's own token) and copies the handler's
// status, end-to-end headers and body to w, or answers 502 when the handler
// gave no answer. finish journals rec once the answer is known, before
// anything is written to w.
func (f *forwarder) serve(w http.ResponseWriter, r *http.Request, body []byte, rec *journal.Record, finish func(*journal.Record) error) {
	header, _ := httpx.Replayable(r.Header)
	if _, ok := header["User-Agent"]; !ok {
		header["User-Agent"] = []string{""} // as it came: none, not Go's
	}
	addForwarded(header, r)
	res := f.sender.Deliver(r.Context(), replay.Event{Body: body, Header: header})

	fw := &journal.Forward{URL: f.sender.Target(), LatencyMS: millis(res.Latency)}
	rec.Forward = fw
	if res.Err != nil {
		fw.Error = res.Err.Error()
		if r.Context().Err() != nil {
			fw.Error = "the sender hung up before the handler answered"
		}
		rec.Status = http.StatusBadGateway
		_ = finish(rec)
		msg := f.sender.Target() + ": " + fw.Error
		if httpx.Unreachable(res.Err) {
			msg = "could not reach " + msg
		}
		http.Error(w, "portant-hooks: "+msg, http.StatusBadGateway)
		return
	}
	fw.Status = res.Status
	fw.BodyStart = string(res.Body[:min(len(res.Body), bodyStartLen)])
	rec.Status = res.Status
	if finish(rec) != nil {
		http.Error(w, "portant-hooks: the event was saved but not journalled (see the listener's terminal)", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	for name, vs := range httpx.EndToEnd(res.Header) {
		h[name] = vs
	}
	if len(res.Body) > 0 {
		h.Set("Content-Length", strconv.Itoa(len(res.Body)))
	}
	w.WriteHeader(res.Status)
	_, _ = w.Write(res.Body)
}

// addForwarded says who the event came from, as a reverse proxy does: the
// sender's address appended to X-Forwarded-For, and the host and scheme it
// asked for unless a tunnel in front said so already.
func addForwarded(h http.Header, r *http.Request) {
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := h.Get("X-Forwarded-For"); prior != "" {
			ip = prior + ", " + ip
		}
		h.Set("X-Forwarded-For", ip)
	}
	if h.Get("X-Forwarded-Host") == "" {
		h.Set("X-Forwarded-Host", r.Host)
	}
	if h.Get("X-Forwarded-Proto") == "" {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		h.Set("X-Forwarded-Proto", proto)
	}
}

func millis(d time.Duration) float64 {
	return float64(d.Round(10*time.Microsecond)) / float64(time.Millisecond)
}
