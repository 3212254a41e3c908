package capture

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func TestForwardCopiesTheEndToEndAnswer(t *testing.T) {
	headers := make(chan http.Header, 1)
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		headers <- r.Header.Clone()
		h := w.Header()
		h.Set("Connection", "X-Hop")
		h.Set("X-Hop", "for the connection only")
		h.Add("Set-Cookie", "a=1")
		h.Add("Set-Cookie", "b=2")
		h.Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, strings.Repeat("<p>no</p>", 1000))
	}))
	defer handler.Close()
	// A bare host:port/path, as with send --to.
	run := startListen(t, Config{ForwardTo: strings.TrimPrefix(handler.URL, "http://") + "/hook"})
	a := send(t, "POST", run.url, fixtures.Example(fixtures.EmailsCreated), map[string]string{
		"X-Forwarded-For": "34.1.2.3", "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip",
	})
	got := <-headers
	switch {
	case a.status != http.StatusTeapot || a.body != strings.Repeat("<p>no</p>", 1000):
		t.Errorf("the sender got %d, %d bytes", a.status, len(a.body))
	case a.header.Get("X-Hop") != "" || strings.Join(a.header.Values("Set-Cookie"), ",") != "a=1,b=2" || a.header.Get("Content-Type") != "text/html":
		t.Errorf("the sender got headers %v", a.header)
	case got.Get("X-Forwarded-For") != "34.1.2.3, 127.0.0.1" || got.Get("X-Forwarded-Proto") != "https" || got.Get("Accept-Encoding") != "":
		t.Errorf("the handler got headers %v", got)
	}
	run.stop(t)
	rec := run.journal(t)[0]
	if rec.Status != http.StatusTeapot || rec.Forward.URL != handler.URL+"/hook" || rec.Forward.Status != http.StatusTeapot || len(rec.Forward.BodyStart) != bodyStartLen {
		t.Errorf("journal %+v %+v", rec, rec.Forward)
	}
	if !strings.Contains(run.err.String(), "to "+handler.URL+"/hook") {
		t.Errorf("the banner does not show the URL forwarded to:\n%s", run.err.String())
	}
}

func TestForwardToAHandlerThatHangsUp(t *testing.T) {
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	}))
	defer handler.Close()
	run := startListen(t, Config{ForwardTo: handler.URL})
	a := send(t, "POST", run.url, []byte("{}"), nil)
	const why = "the server closed the connection without answering"
	if a.status != http.StatusBadGateway || a.body != "portant-hooks: "+handler.URL+": "+why+"\n" {
		t.Errorf("got %d %q", a.status, a.body)
	}
	run.stop(t)
	if rec := run.journal(t)[0]; rec.Status != http.StatusBadGateway || rec.Forward.Error != why {
		t.Errorf("journal %+v %+v", rec, rec.Forward)
	}
	if out := run.out.String(); !strings.Contains(out, "failed: "+why) || strings.Contains(out, "EOF") {
		t.Errorf("terminal:\n%s", out)
	}
}
