package capture

import (
	"context"
	"errors"
	"fmt"
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

// errNoRoom is why a body stopped being read: the budget had no room for
// more of it.
var errNoRoom = errors.New("no room for more of the body")

// minBodyStep is the room a body reserves first when it declares more or
// nothing, and the least it reserves each time it grows: a webhook event
// is a few KiB.
const minBodyStep = 64 << 10

// readBody reads a request body into a buffer that grows in steps, each
// step's room reserved in the budget before it is allocated: the budget is
// charged by the memory the body really takes, never by the length it
// declares (256 connections declaring 1 MiB each and sending a byte every
// few seconds would otherwise hold all of it). A body of declared length
// (-1 when unknown, chunked) up to minBodyStep takes one allocation of
// exactly its size; larger ones double up to that length or to limit.
// held is the room reserved, which the caller releases once the request is
// answered, whatever err is. r must stop at limit (http.MaxBytesReader);
// its error past that is returned as it is.
func (b *budget) readBody(ctx context.Context, r io.Reader, declared, limit int64) (body []byte, held int64, err error) {
	end := limit // the most the buffer will need
	if declared >= 0 && declared < limit {
		end = declared
	}
	buf := []byte{}
	var scratch [1]byte
	for {
		if int64(len(buf)) == end {
			// Full: one more read says whether the body ends here.
			n, err := r.Read(scratch[:])
			if n == 0 && err == io.EOF {
				return buf, held, nil
			}
			if err == nil || err == io.EOF {
				err = fmt.Errorf("the body goes on past the %d bytes expected", end)
			}
			return buf, held, err
		}
		if len(buf) == cap(buf) {
			size := min(max(2*int64(cap(buf)), minBodyStep), end)
			if !b.reserve(ctx, size-int64(cap(buf))) {
				return buf, held, errNoRoom
			}
			held += size - int64(cap(buf))
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, held, nil
		}
		if err != nil {
			return buf, held, err
		}
	}
}
