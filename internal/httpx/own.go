package httpx

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// errOwnAddress is why a client given an Own refused to connect.
var errOwnAddress = errors.New("that is portant-hooks' own address (the listener or its inspector): a request sent there would come back round without end; send to your handler instead")

// Own is the addresses this program listens on (the listener, the
// inspector). A client made with ClientOptions.NotTo refuses to connect to
// any of them, whatever name the URL gives: checked at dial time, on the
// address the name resolved to. Without it, replaying an event to the
// inspector's own replay URL recursed until the process ran out of file
// descriptors, and --forward-to the listener's own port forwarded each
// event to itself. It is safe for concurrent use.
type Own struct {
	mu    sync.Mutex
	addrs []netip.AddrPort
}

// Add records an address this program listens on.
func (o *Own) Add(addr net.Addr) {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		o.mu.Lock()
		o.addrs = append(o.addrs, tcp.AddrPort())
		o.mu.Unlock()
	}
}

// refuses reports whether address (IP:port, as a dialer sees it) reaches
// one of the addresses added: the same IP and port, or the port on any of
// this machine's addresses when the listener is bound to all of them, or
// the unspecified address (which connects to this machine).
func (o *Own) refuses(address string) bool {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, own := range o.addrs {
		if own.Port() != ap.Port() {
			continue
		}
		oip := own.Addr().Unmap()
		if ip == oip || ip.IsUnspecified() || oip.IsUnspecified() && (ip.IsLoopback() || isLocal(ip)) {
			return true
		}
	}
	return false
}

func isLocal(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if local, ok := netip.AddrFromSlice(n.IP); ok && local.Unmap() == ip {
				return true
			}
		}
	}
	return false
}

// control is a net.Dialer's Control that refuses o's addresses.
func (o *Own) control(_, address string, _ syscall.RawConn) error {
	if o.refuses(address) {
		return fmt.Errorf("%s: %w", address, errOwnAddress)
	}
	return nil
}
