package httpx

import (
	"net/netip"
	"strings"
)

// IsLoopback reports whether host (a name or an IP literal, without a port
// or brackets) is this machine by its spelling alone: "localhost" in any
// case, or a loopback IP with no zone. No DNS answer can point such a name
// elsewhere, which is what both its uses need: listen warns when it binds
// anything else, and the inspector answers only requests naming such a
// host (against DNS rebinding).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.IsLoopback()
}
