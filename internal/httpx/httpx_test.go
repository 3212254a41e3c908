package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"localhost:3000/hook", "http://localhost:3000/hook"},
		{"  localhost:3000/hook\n", "http://localhost:3000/hook"},
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"[::1]:3000/x", "http://[::1]:3000/x"},
		{"example.com", "http://example.com"},
		{"https://example.com/x?y=1", "https://example.com/x?y=1"},
		{"HTTPS://Example.com/x", "https://Example.com/x"},
		{"http://localhost:3000/hook#part", "http://localhost:3000/hook"},
		{"http://localhost:/hook", "http://localhost/hook"},
		{"http://user:pw@localhost:3000/", "http://user:pw@localhost:3000/"},
		{"localhost:3000/a%20b?q=%2F", "http://localhost:3000/a%20b?q=%2F"},
	} {
		u, err := ParseTarget(tt.in)
		if err != nil || u.String() != tt.want {
			t.Errorf("ParseTarget(%q) = %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, says string }{
		{"", "no URL given"},
		{"   ", "no URL given"},
		{"ftp://example.com", "only http:// and https://"},
		{"file:///etc/passwd", "only http:// and https://"},
		{"javascript:alert(1)", "only http:// and https://"},
		{"mailto:a@example.com", "only http:// and https://"},
		{"http://", "has no host"},
		{":3000/hook", "has no host"},
		{"3000", "has no host"},
		{"http:/localhost:3000", "two slashes"},
		{"https:localhost", "two slashes"},
		{"http://a b/", "is not a URL"},
		{"localhost:3000/\x7f", "is not a URL"},
		{"localhost:99999/hook", "99999 is not a port"},
		{"localhost:0/hook", "0 is not a port"},
	} {
		if u, err := ParseTarget(tt.in); err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParseTarget(%q) = %v, %v; want an error saying %q", tt.in, u, err, tt.says)
		}
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"localhost:3000/hook", "https://x/y?z#f", "http:/x", ":1", "[::1]:80", "a@b:c/d", "http://[fe80::1%25en0]/", " x "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseTarget(s)
		if err != nil {
			if strings.Contains(err.Error(), "EOF") {
				t.Fatalf("ParseTarget(%q): %v", s, err)
			}
			return
		}
		// Whatever is accepted can be sent to: http(s), a host, a port in
		// range, no fragment; and reading it again gives the same URL.
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.Fragment != "" {
			t.Fatalf("ParseTarget(%q) = %#v", s, u)
		}
		again, err := ParseTarget(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("ParseTarget(%q) = %s, which reads back as %v, %v", s, u, again, err)
		}
		if _, err := http.NewRequest(http.MethodPost, u.String(), nil); err != nil {
			t.Fatalf("ParseTarget(%q) = %s, which net/http refuses: %v", s, u, err)
		}
	})
}

func TestReplayable(t *testing.T) {
	h, secrets := Replayable(map[string][]string{
		"content-type":          {"application/json"},
		"User-Agent":            {"Portant/1.0"},
		"Host":                  {"abc.ngrok.app"},
		"Content-Length":        {"42"},
		"Connection":            {"keep-alive, X-Conn-Only"},
		"X-Conn-Only":           {"1"},
		"Keep-Alive":            {"timeout=5"},
		"Transfer-Encoding":     {"chunked"},
		"Te":                    {"trailers"},
		"Upgrade":               {"h2c"},
		"Proxy-Authorization":   {"Basic x"},
		"Accept-Encoding":       {"gzip"},
		"X-Portant-Hooks-Token": {"the listener's own"},
		"Authorization":         {"[REDACTED]"},
		"Cookie":                {"[REDACTED]", "[REDACTED]"},
		"X-Portant-Signature":   {" [redacted] "}, // an old or hand-edited journal
		"X-Note":                {"redacted later"},
		"X-Broken":              {"a\r\nb"},
		"X-Request-Id":          {"r1", "r2"},
		"X-Forwarded-For":       {"34.1.2.3"},
	})
	want := http.Header{
		"Content-Type":    {"application/json"},
		"User-Agent":      {"Portant/1.0"},
		"X-Note":          {"redacted later"},
		"X-Request-Id":    {"r1", "r2"},
		"X-Forwarded-For": {"34.1.2.3"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
	if got := strings.Join(slices.Sorted(slices.Values(secrets)), ","); got != "Authorization,Cookie,X-Portant-Signature" {
		t.Errorf("secrets %v: want each redacted header named once, and not the token header", secrets)
	}
	if h, secrets := Replayable(nil); len(h) != 0 || secrets != nil {
		t.Errorf("nothing captured: %v %v", h, secrets)
	}
}

func TestEndToEnd(t *testing.T) {
	got := EndToEnd(http.Header{
		"Content-Type": {"text/html"}, "Set-Cookie": {"a=1", "b=2"}, "Content-Length": {"9"},
		"Connection": {"close, X-Hop"}, "X-Hop": {"1"}, "Transfer-Encoding": {"chunked"}, "X-Handler": {"yes"},
	})
	want := http.Header{"Content-Type": {"text/html"}, "Set-Cookie": {"a=1", "b=2"}, "X-Handler": {"yes"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"::ffff:127.0.0.1": true,
		"":                 false, "0.0.0.0": false, "::": false, "192.168.1.2": false, "example.com": false,
		"localhost.": false, "evil.localhost": false, "127.0.0.1.nip.io": false, "fe80::1%lo": false,
		"::1%lo": false, "[::1]": false, "127.0.0.1:80": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestExplain(t *testing.T) {
	opErr := func(op string, err error) error {
		return &url.Error{Op: "Post", URL: "http://127.0.0.1:9/hook", Err: &net.OpError{Op: op, Net: "tcp", Err: err}}
	}
	for _, tt := range []struct {
		err         error
		says        string
		unreachable bool
	}{
		{opErr("dial", syscall.ECONNREFUSED), "connection refused", true},
		{opErr("read", syscall.ECONNRESET), "connection reset by the server", false},
		{opErr("dial", syscall.EHOSTUNREACH), "no route to the host", true},
		{&url.Error{Op: "Post", URL: "http://x.invalid/", Err: &net.DNSError{Name: "x.invalid", IsNotFound: true}}, "no such host x.invalid", true},
		{&url.Error{Op: "Post", URL: "http://x/", Err: io.EOF}, "the server closed the connection without answering", false},
		{opErr("read", io.ErrUnexpectedEOF), "the server closed the connection without answering", false},
		{&url.Error{Op: "Post", URL: "http://x/", Err: context.DeadlineExceeded}, "no answer within 10s", false},
		{opErr("dial", timeoutErr{}), "no answer within 10s", true},
		{fmt.Errorf("wrapped: %w", context.Canceled), "cancelled", false},
		{&url.Error{Op: "Post", URL: "https://x/", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, "the TLS certificate is not trusted", false},
		{errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0"`), "the answer is not HTTP", false},
		{errors.New("something else"), "something else", false},
	} {
		err := Explain(tt.err, 10*time.Second)
		if err == nil || !strings.HasPrefix(err.Error(), tt.says) || Unreachable(err) != tt.unreachable || !errors.Is(err, tt.err) {
			t.Errorf("Explain(%v) = %v (unreachable %v), want %q (unreachable %v)", tt.err, err, Unreachable(err), tt.says, tt.unreachable)
		}
		if strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "*") {
			t.Errorf("Explain(%v) = %q: no bare EOF, no Go type names", tt.err, err)
		}
		if again := Explain(err, time.Second); again != err {
			t.Errorf("Explain is not idempotent: %v, then %v", err, again)
		}
	}
	if Explain(nil, 0) != nil || Unreachable(nil) {
		t.Error("nil stays nil")
	}
	if got := Explain(&url.Error{Op: "Post", URL: "http://x/", Err: context.DeadlineExceeded}, 0).Error(); got != "no answer within the timeout" {
		t.Errorf("no timeout known: %q", got)
	}
	for _, tt := range []struct {
		err  error
		read int
		says string
	}{
		{io.ErrUnexpectedEOF, 10, "the answer broke off after 10 bytes: the server closed the connection"},
		{syscall.ECONNRESET, 1, "the answer broke off after 1 byte: connection reset by the server"},
		{timeoutErr{}, 5, "the answer did not finish within 10s"},
	} {
		if got := ExplainBroken(tt.err, tt.read, 10*time.Second); got.Error() != tt.says || !errors.Is(got, tt.err) {
			t.Errorf("ExplainBroken(%v) = %q, want %q", tt.err, got, tt.says)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestExplainReal checks the describer against what a real client sees
// from real servers: one that hangs up, one that does not answer in time.
func TestExplainReal(t *testing.T) {
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	}))
	defer hangUp.Close()
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server sees the client hang up
		<-r.Context().Done()
	}))
	defer stuck.Close()
	client := NewClient(ClientOptions{Timeout: 100 * time.Millisecond})
	for url, want := range map[string]string{
		hangUp.URL: "the server closed the connection without answering",
		stuck.URL:  "no answer within 100ms",
	} {
		resp, err := client.Post(url, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s answered %s", url, resp.Status)
		}
		if got := Explain(err, client.Timeout).Error(); got != want {
			t.Errorf("%s: %q, want %q (from %v)", url, got, want, err)
		}
	}
}

func TestNewClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.Header().Set("X-Accept-Encoding", r.Header.Get("Accept-Encoding"))
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{Timeout: 5 * time.Second, Connections: 8})
	resp, err := c.Post(srv.URL+"/moved", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("a redirect must be reported, not followed: %s", resp.Status)
	}
	resp, err = c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Accept-Encoding"); got != "" {
		t.Errorf("the client asked for a compressed answer: Accept-Encoding %q", got)
	}
	tr := c.Transport.(*http.Transport)
	if tr.MaxIdleConnsPerHost != 8 || tr.TLSClientConfig.InsecureSkipVerify || c.Timeout != 5*time.Second {
		t.Errorf("transport %+v", tr)
	}
	if !NewClient(ClientOptions{Insecure: true}).Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify {
		t.Error("Insecure not applied")
	}
}

func TestAClientRefusesTheProgramsOwnAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	own := &Own{}
	own.Add(srv.Listener.Addr())
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	client := NewClient(ClientOptions{Timeout: 5 * time.Second, NotTo: own})
	for _, host := range []string{"127.0.0.1", "localhost", "0.0.0.0"} {
		resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/")
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s:%s: answered %d, want refused", host, port, resp.StatusCode)
			continue
		}
		if !errors.Is(err, errOwnAddress) || !strings.Contains(Explain(err, 0).Error(), "own address") {
			t.Errorf("%s: %v", host, Explain(err, 0))
		}
	}
	// Another port on the same host is fine.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer other.Close()
	resp, err := client.Get(other.URL)
	if err != nil {
		t.Fatalf("another server: %v", err)
	}
	resp.Body.Close()
}
