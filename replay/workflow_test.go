package replay

import (
	"bytes"
	"slices"
	"testing"

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
