package capture

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"sync"
)

// net/http reads a request that has both Content-Length and
// Transfer-Encoding by the Transfer-Encoding, as RFC 9112 says, and drops
// the Content-Length header before a handler sees it. But RFC 9112 also says
// such a message "ought to be handled as an error": a tunnel or proxy in
// front of the listener that framed it by its Content-Length sees another
// request boundary than the listener does (request smuggling). So the
// listener watches the request heads on each connection itself, and
// refuses those ones with 400.

// framingListener hands out connections that watch their request heads.
type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framingConn{Conn: c}, nil
}

type framingKey struct{}

// withFramingConn is the http.Server's ConnContext: handlers find their
// connection's framingConn in the request's context.
func withFramingConn(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*framingConn); ok {
		return context.WithValue(ctx, framingKey{}, fc)
	}
	return ctx
}

// ambiguousFraming reports whether the request being handled on ctx's
// connection had both Content-Length and Transfer-Encoding.
func ambiguousFraming(ctx context.Context) bool {
	fc, _ := ctx.Value(framingKey{}).(*framingConn)
	return fc != nil && fc.claim()
}

// framingConn follows the bytes read from a connection as a sequence of
// HTTP/1.1 request heads and bodies, and notes for each head whether it
// framed its body both ways. Bodies framed by Content-Length are skipped by
// count. After a head with Transfer-Encoding it stops looking: the
// listener closes a connection after answering a chunked request (see
// ServeHTTP), so nothing after it is read as a request.
type framingConn struct {
	net.Conn

	mu      sync.Mutex
	line    []byte // the start of the head line being read
	started bool   // the request line has been read
	cl, te  bool   // this head has Content-Length, Transfer-Encoding
	length  int64  // its Content-Length
	skip    int64  // body bytes still to come
	done    bool   // a chunked body follows: no more heads are followed
	heads   []bool // ambiguous, per head read and not yet claimed by a handler
}

// framingLineKeep is how much of each head line is kept: enough for a
// Content-Length's name and value.
const framingLineKeep = 64

func (c *framingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.follow(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

func (c *framingConn) follow(p []byte) {
	for len(p) > 0 && !c.done {
		if c.skip > 0 {
			k := min(c.skip, int64(len(p)))
			c.skip -= k
			p = p[k:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if room := framingLineKeep - len(c.line); room > 0 {
			c.line = append(c.line, part[:min(room, len(part))]...)
		}
		if i < 0 {
			return
		}
		p = p[i+1:]
		c.endLine(bytes.TrimSuffix(c.line, []byte{'\r'}))
		c.line = c.line[:0]
	}
}

func (c *framingConn) endLine(line []byte) {
	if !c.started {
		c.started = len(line) > 0 // blank lines before a request are skipped
		return
	}
	if len(line) > 0 {
		name, value, ok := bytes.Cut(line, []byte{':'})
		switch {
		case !ok:
		case bytes.EqualFold(name, []byte("Content-Length")):
			c.cl = true
			c.length, _ = strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64)
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			c.te = true
		}
		return
	}
	// The end of the head.
	c.heads = append(c.heads, c.cl && c.te)
	switch {
	case c.te:
		c.done = true
	case c.cl && c.length > 0:
		c.skip = c.length
	}
	c.started, c.cl, c.te, c.length = false, false, false, 0
}

// claim takes the oldest head not yet claimed: net/http serves the requests
// of a connection one after another, in order.
func (c *framingConn) claim() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.heads) == 0 {
		return false
	}
	amb := c.heads[0]
	c.heads = c.heads[1:]
	return amb
}

// CloseWrite lets net/http half-close the connection before it closes it
// after an error answer, as it does a *net.TCPConn, so that the client
// reads the answer instead of a reset.
func (c *framingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
