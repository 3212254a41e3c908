package capture

import (
	"context"
	"errors"
	"io"
	"time"

	"golang.org/x/sync/semaphore"
)

// budget bounds the bytes of request bodies the listener reads and holds
// at once. Each request reserves room for its body before reading it and
// gives it back once answered; one that finds no room within the wait is
// turned away (503). Without it, clients sending many large bodies at once
// (the port exposed through a tunnel without --token, say) could make the
// listener hold MaxBody for each of them.
type budget struct {
	sem  *semaphore.Weighted
	size int64
	wait time.Duration
}

func newBudget(size int64, wait time.Duration) *budget {
	return &budget{sem: semaphore.NewWeighted(size), size: size, wait: wait}
}

// reserve takes n bytes of room, waiting up to b.wait for it (less if ctx
// ends first). It reports whether it got them.
func (b *budget) reserve(ctx context.Context, n int64) bool {
	if n <= 0 {
		return true
	}
	if n > b.size {
		return false // never fits: do not queue behind it
	}
	if b.sem.TryAcquire(n) {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	return b.sem.Acquire(ctx, n) == nil
}

func (b *budget) release(n int64) {
	if n > 0 {
		b.sem.Release(n)
	}
}

// errNoRoom is why a body of unknown length stopped being read: the budget
// had no room for more of it.
var errNoRoom = errors.New("no room for more of the body")

// minBodyStep is the first room a body of unknown length reserves, and
// the least it reserves each time it grows: a webhook event is a few KiB.
const minBodyStep = 64 << 10

// growingBody reads a body whose length is not known in advance (chunked),
// reserving room in the budget ahead of what it reads, in steps that double
// up to limit. Past limit it lets one more byte through, so that the
// http.MaxBytesReader it wraps can tell a body that is too large.
type growingBody struct {
	ctx   context.Context
	r     io.Reader
	b     *budget
	limit int64
	held  int64 // reserved; released by the caller
	read  int64
}

func (g *growingBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	room := g.held - g.read
	if int64(len(p)) > room && g.held < g.limit {
		step := min(max(g.held, minBodyStep), g.limit-g.held)
		if !g.b.reserve(g.ctx, step) {
			return 0, errNoRoom
		}
		g.held += step
		room += step
	}
	p = p[:max(min(int64(len(p)), room), 1)]
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}
