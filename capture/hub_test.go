package capture

import "testing"

func TestHubNeverBlocksOnASlowSubscriber(t *testing.T) {
	h := NewHub()
	fast, stopFast := h.Subscribe(10)
	defer stopFast()
	_, stopSlow := h.Subscribe(1)
	defer stopSlow()
	for i := 1; i <= 5; i++ {
		h.Publish(Record{Seq: uint64(i)})
	}
	for want := uint64(1); want <= 5; want++ {
		if got := (<-fast).Seq; got != want {
			t.Fatalf("fast subscriber got seq %d, want %d", got, want)
		}
	}
}

func TestHubUnsubscribeClosesTheChannel(t *testing.T) {
	h := NewHub()
	ch, stop := h.Subscribe(1)
	stop()
	stop() // twice is harmless
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after unsubscribe")
	}
	h.Publish(Record{Seq: 1}) // no panic on a closed subscriber
}
