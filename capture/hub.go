package capture

import "sync"

// Hub fans records out to subscribers (the inspector's live streams). A
// slow subscriber misses records rather than slowing capture: the store has
// them all.
type Hub struct {
	mu   sync.Mutex
	subs map[chan Record]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[chan Record]struct{}{}} }

// Subscribe returns a channel of records published from now on, and a
// function that ends the subscription.
func (h *Hub) Subscribe(buffer int) (<-chan Record, func()) {
	ch := make(chan Record, buffer)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
			close(ch)
		})
	}
}

// Publish sends r to every subscriber that has room for it, never blocking.
func (h *Hub) Publish(r Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- r:
		default:
		}
	}
}
