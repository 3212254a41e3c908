package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// explained is a request that got no answer, or only part of one. Its
// message says why in a few words, for a person ("connection refused", "the
// server closed the connection without answering"): never a bare EOF, a Go
// type name or the whole URL again. errors.Is and errors.As see the
// transport's error through it.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// Explain wraps err, from an http.Client or from reading an answer's body,
// in an error that says why in plain words; nil stays nil, and an error
// Explain made is returned as is. timeout is the client's, to say how long
// it waited (0: unknown).
func Explain(err error, timeout time.Duration) error {
	if err == nil {
		return nil
	}
	var e *explained
	if errors.As(err, &e) {
		return err
	}
	return &explained{msg: reason(err, timeout), err: err}
}

// ExplainBroken is Explain for an answer whose body could not be read to
// its end, after read bytes: "the answer broke off after 120 bytes:
// connection reset by the server", "the answer did not finish within 10s".
func ExplainBroken(err error, read int, timeout time.Duration) error {
	if err == nil {
		return nil
	}
	if timedOut(err) && !errors.Is(err, context.Canceled) {
		return &explained{msg: "the answer did not finish " + within(timeout), err: err}
	}
	why := reason(err, timeout)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		why = "the server closed the connection"
	}
	bytes := "bytes"
	if read == 1 {
		bytes = "byte"
	}
	return &explained{msg: fmt.Sprintf("the answer broke off after %d %s: %s", read, bytes, why), err: err}
}

func reason(err error, timeout time.Duration) string {
	var (
		dns  *net.DNSError
		cert *tls.CertificateVerificationError
		rec  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, errOwnAddress):
		return errOwnAddress.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset by the server"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "DNS lookup of " + dns.Name + " failed"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without answering"
	case timedOut(err):
		return "no answer " + within(timeout)
	case errors.As(err, &cert):
		return "the TLS certificate is not trusted (self-signed? --insecure accepts it): " + cert.Err.Error()
	// net/http has no error values for these two: its messages are all
	// there is to go on.
	case errors.As(err, &rec), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server does not speak TLS: use http:// instead of https://"
	case strings.Contains(err.Error(), "malformed HTTP"):
		return "the answer is not HTTP: is another kind of server listening on that port?"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	return fmt.Sprint(err)
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// within says how long the client waited: "within 10s".
func within(timeout time.Duration) string {
	if timeout > 0 {
		return "within " + timeout.String()
	}
	return "within the timeout"
}

// Unreachable reports whether err means nothing answered at the target at
// all: refused, unknown host, no route, or no connection made.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.As(err, &dns):
		return true
	case errors.As(err, &op):
		return op.Op == "dial"
	}
	return false
}
