package inspector

import "testing"

func TestWakeupsNeverBlockAndCoalesce(t *testing.T) {
	var w wakeups
	ch, stop := w.subscribe()
	for range 5 {
		w.notify() // would block on the second without room for one only
	}
	<-ch
	select {
	case <-ch:
		t.Fatal("five notifies before a look: want one wake-up, got two")
	default:
	}
	stop()
	w.notify()
	select {
	case <-ch:
		t.Fatal("woken after unsubscribing")
	default:
	}
}
