package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// A workflow source sends the bytes generate --workflow prints, item by
// item; with lanes, items interleave and each keeps its order.
func TestWorkflowSource(t *testing.T) {
	wf := fixtures.Workflow{Blocks: []fixtures.Block{fixtures.BlockDocs, fixtures.BlockEmail, fixtures.BlockSignature}, Count: 5, Seed: 3}
	var want [][]byte
	for events := range wf.Items() {
		for _, ev := range events {
			b, err := ev.Pretty()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, b)
		}
	}
	got := collect(Workflow{Workflow: wf})
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, ev := range got {
		if !bytes.Equal(ev.Body, want[i]) || ev.Item != i/4+1 || ev.Source != SyntheticSource {
			t.Fatalf("event %d: item %d, %s", i, ev.Item, ev.Body)
		}
	}

	lanes := collect(Workflow{Workflow: wf, Lanes: 2})
	var items []int
	var types []fixtures.EventType
	for _, ev := range lanes {
		items = append(items, ev.Item)
		types = append(types, ev.Type)
	}
	if want := []int{1, 2, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 3, 4, 5, 5, 5, 5}; !slices.Equal(items, want) {
		t.Fatalf("items in the order %v, want %v", items, want)
	}
	if types[0] != fixtures.DocumentsCreated || types[1] != fixtures.DocumentsCreated || types[7] != fixtures.SignaturesCompleted {
		t.Fatalf("types in the order %v", types)
	}
	slices.SortStableFunc(lanes, func(a, b Event) int { return a.Item - b.Item })
	for i := range lanes {
		if !bytes.Equal(lanes[i].Body, got[i].Body) {
			t.Fatalf("event %d of its item differs with lanes", i)
		}
	}
}

func TestWorkflowCheckSets(t *testing.T) {
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wf := fixtures.Workflow{Blocks: []fixtures.Block{fixtures.BlockEmail}, Seed: 1}
	bad, _ := ParseSet("data.emails=3")
	problems, err := Workflow{Workflow: wf, Set: []Set{bad}}.Check(v)
	if err != nil || len(problems[fixtures.EmailsCreated]) == 0 {
		t.Fatalf("Check: %v, %v", problems, err)
	}
	for _, ev := range collect(Workflow{Workflow: wf, Set: []Set{bad}}) {
		if !bytes.Contains(ev.Body, []byte(`"emails": 3`)) && !bytes.Contains(ev.Body, []byte(`"emails":3`)) {
			t.Fatalf("the change was not made: %s", ev.Body)
		}
	}
}

// Under concurrency a workflow item's events still go one after the
// other: the next is sent once the one before it is answered, while other
// items' events are in flight beside them.
func TestSendKeepsEachItemsOrder(t *testing.T) {
	const items, perItem = 6, 4
	var (
		mu       sync.Mutex
		inFlight = map[int]bool{}
		next     = map[int]int{}
		most     int // events in flight at once, over all items
		now      int
		problems []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Item, K int }
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		if inFlight[ev.Item] || next[ev.Item] != ev.K {
			problems = append(problems, fmt.Sprintf("item %d: event %d arrived while %v in flight, %d expected", ev.Item, ev.K, inFlight[ev.Item], next[ev.Item]))
		}
		inFlight[ev.Item] = true
		now++
		most = max(most, now)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a handler's work, so that requests overlap
		mu.Lock()
		inFlight[ev.Item] = false
		next[ev.Item] = ev.K + 1
		now--
		mu.Unlock()
	}))
	defer srv.Close()
	var events []Event
	for k := range perItem { // item-major would do too; this is what Workflow yields with lanes
		for item := 1; item <= items; item++ {
			ev := newEvent("x", []byte(fmt.Sprintf(`{"item":%d,"k":%d}`, item, k)))
			ev.Item = item
			events = append(events, ev)
		}
	}
	// A second pass, item-major: workers then wait on each other.
	for item := 1; item <= items; item++ {
		for k := perItem; k < 2*perItem; k++ {
			ev := newEvent("x", []byte(fmt.Sprintf(`{"item":%d,"k":%d}`, item, k)))
			ev.Item = item
			events = append(events, ev)
		}
	}
	results := sendAll(t, newSender(t, srv.URL, WithConcurrency(4)), events)
	if len(results) != len(events) {
		t.Fatalf("%d results for %d events", len(results), len(events))
	}
	for _, r := range results {
		if !r.OK() {
			t.Fatalf("event %d: %d %v", r.Seq, r.Status, r.Err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
	if most < 2 {
		t.Errorf("at most %d request in flight: items did not interleave", most)
	}
}
