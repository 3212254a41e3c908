package capture

import (
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"golang.org/x/time/rate"
)

// Wrong tokens are limited per client: after guessBurst wrong ones, a
// client may try one more every guessEvery, and until then its requests are
// answered 429 without their token being looked at, so guessing a token
// goes at about one try a second instead of as fast as the network allows.
// Senders with the right token are not slowed, as they are other clients.
const (
	guessBurst   = 20
	guessEvery   = time.Second
	guessClients = 4096 // clients remembered; past that they share one allowance
)

// guessLimiter keeps each client's allowance of wrong tokens.
type guessLimiter struct {
	mu       sync.Mutex
	clients  map[string]*rate.Limiter
	overflow *rate.Limiter
}

func newGuessLimiter() *guessLimiter {
	return &guessLimiter{clients: map[string]*rate.Limiter{}, overflow: newGuessAllowance()}
}

func newGuessAllowance() *rate.Limiter { return rate.NewLimiter(rate.Every(guessEvery), guessBurst) }

// wait is how long client must wait before its token is looked at again;
// 0 when it may try now.
func (g *guessLimiter) wait(client string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.clients[client]
	if !ok {
		if len(g.clients) < guessClients {
			return 0
		}
		l = g.overflow
	}
	if l.Tokens() >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - l.Tokens()) * float64(guessEvery)))
}

// wrong takes one try from client's allowance.
func (g *guessLimiter) wrong(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.clients[client]
	if !ok {
		if len(g.clients) >= guessClients {
			// Forget the clients whose allowance is whole again.
			for k, old := range g.clients {
				if old.Tokens() >= guessBurst {
					delete(g.clients, k)
				}
			}
		}
		l = g.overflow
		if len(g.clients) < guessClients {
			l = newGuessAllowance()
			g.clients[client] = l
		}
	}
	l.Allow()
}

// clientOf names the client a request came from, for the limiter: its
// address, or, when it came through a tunnel on this machine (ngrok,
// cloudflared), the address the tunnel saw, which it appends to
// X-Forwarded-For.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if httpx.IsLoopback(host) {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if last = strings.TrimSpace(last); last != "" {
				return last
			}
		}
	}
	return host
}
