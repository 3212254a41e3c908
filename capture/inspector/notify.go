package inspector

import (
	"sync"
	"sync/atomic"
)

// wakeups tells the live streams that the journal has grown. Each stream
// holds a channel with room for one wake-up: a stream that has not looked
// yet misses nothing by missing a second one, since it reads the journal,
// and a slow stream never slows the listener that calls Notify.
type wakeups struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
	gen  atomic.Uint64 // how many times notify was called: the follower looks once per new value
}

func (w *wakeups) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.subs == nil {
		w.subs = map[chan struct{}]struct{}{}
	}
	w.subs[ch] = struct{}{}
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.subs, ch)
		w.mu.Unlock()
	}
}

func (w *wakeups) notify() {
	w.gen.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs {
		select {
		case ch <- struct{}{}:
		default: // already woken
		}
	}
}
