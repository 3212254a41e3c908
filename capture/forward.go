package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// bodyStartLen is how much of the handler's answer is kept to show.
const bodyStartLen = 200

// forwarder sends each saved event on to a local handler (--forward-to)
// and answers the sender with the handler's answer.
type forwarder struct {
	target    *url.URL
	transport http.RoundTripper
	timeout   time.Duration
}

func newForwarder(raw string, transport http.RoundTripper, timeout time.Duration) (*forwarder, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("forward URL %q is not an http:// or https:// URL with a host, such as http://localhost:3000/webhooks", raw)
	}
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = timeout
		transport = t
	}
	return &forwarder{target: u, transport: transport, timeout: timeout}, nil
}

// serve forwards body with r's headers (hop-by-hop ones and the listener's
// own token removed) and copies the handler's status, headers and body to
// w, or answers 502 when the handler cannot be reached. finish journals
// rec once the status is known, before anything is written to w.
func (f *forwarder) serve(w http.ResponseWriter, r *http.Request, body []byte, rec *Record, finish func(*Record) error) {
	fw := &Forward{URL: f.target.String()}
	rec.Forward = fw
	ctx, cancel := context.WithTimeout(r.Context(), f.timeout)
	defer cancel()
	start := time.Now()
	journalFailed := errors.New("journal failed")
	proxy := &httputil.ReverseProxy{
		Transport: f.transport,
		ErrorLog:  discardLog,
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *f.target
			pr.Out.URL = &u
			pr.Out.Host = ""
			pr.Out.Body = io.NopCloser(bytes.NewReader(body))
			pr.Out.ContentLength = int64(len(body))
			pr.Out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			pr.Out.Header.Del(TokenHeader)
			pr.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error {
			fw.Status = resp.StatusCode
			fw.LatencyMS = millis(time.Since(start))
			br := bufio.NewReaderSize(resp.Body, bodyStartLen+16)
			peek, _ := br.Peek(bodyStartLen)
			fw.BodyStart = string(peek)
			resp.Body = readCloser{br, resp.Body}
			rec.Status = resp.StatusCode
			if finish(rec) != nil {
				return journalFailed
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			if errors.Is(err, journalFailed) {
				http.Error(w, "portant-hooks: the event was saved but not journalled (see the listener's terminal)", http.StatusInternalServerError)
				return
			}
			fw.LatencyMS = millis(time.Since(start))
			fw.Error = forwardError(err, f.timeout)
			rec.Status = http.StatusBadGateway
			_ = finish(rec)
			http.Error(w, "portant-hooks: could not reach "+fw.URL+": "+fw.Error, http.StatusBadGateway)
		},
	}
	proxy.ServeHTTP(w, r.WithContext(ctx))
}

type readCloser struct {
	io.Reader
	io.Closer
}

func forwardError(err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return unwrapNet(err).Error()
}

func millis(d time.Duration) float64 {
	return float64(d.Round(10*time.Microsecond)) / float64(time.Millisecond)
}
