package replay

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/tidwall/gjson"
)

func collect(src Source) []Event { return slices.Collect(src.Events()) }

func ids(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func TestSyntheticMatchesGenerate(t *testing.T) {
	// The same seed gives the bytes `portant-hooks generate all --count 3` prints.
	for _, casing := range []fixtures.Casing{fixtures.CasingDocumented, fixtures.CasingCamel, fixtures.CasingSnake} {
		g := fixtures.NewGenerator(42, casing)
		var want [][]byte
		for range 3 {
			for _, ty := range fixtures.Types {
				want = append(want, g.Event(ty))
			}
		}
		got := collect(Synthetic{Types: fixtures.Types, Count: 3, Seed: 42, Casing: casing})
		if len(got) != len(want) {
			t.Fatalf("%d events, want %d", len(got), len(want))
		}
		for i := range got {
			m := fixtures.Peek(want[i])
			if !bytes.Equal(got[i].Body, want[i]) || got[i].Source != SyntheticSource || got[i].Type != m.Type || got[i].ID != m.ID || len(m.ID) != 48 {
				t.Fatalf("casing %q event %d: %+v", casing, i, got[i])
			}
		}
	}
}

func TestSyntheticSetsAndCheck(t *testing.T) {
	bad, _ := ParseSet("data.emails.0.to=not-an-email")
	syn := Synthetic{Types: []fixtures.EventType{fixtures.EmailsCreated, fixtures.DocumentsCreated}, Count: 2, Seed: 1, Set: []Set{bad}}
	v, _ := fixtures.NewValidator(fixtures.Options{Strict: true})
	problems, err := syn.Check(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems[fixtures.EmailsCreated]) != 1 || len(problems[fixtures.DocumentsCreated]) != 1 {
		t.Errorf("problems %v", problems)
	}
	for _, e := range collect(syn) {
		if gjson.GetBytes(e.Body, "data.emails.0.to").String() != "not-an-email" {
			t.Fatalf("not changed: %s", e.Body)
		}
	}
	onArray, _ := ParseSet("data.documents.name=x")
	if _, err := (Synthetic{Types: []fixtures.EventType{fixtures.DocumentsCreated}, Set: []Set{onArray}}).Check(v); err == nil {
		t.Error("a --set that cannot apply must fail Check")
	}
}

func TestPlanRepeatNewIDShuffle(t *testing.T) {
	src := Synthetic{Types: fixtures.Types, Count: 2, Seed: 9}
	base := collect(src)

	rep := slices.Collect(Plan{RepeatEach: 3}.Events(src))
	if len(rep) != 24 {
		t.Fatalf("%d events, want 24", len(rep))
	}
	for i, e := range rep {
		if e.ID != base[i/3].ID || !bytes.Equal(e.Body, base[i/3].Body) {
			t.Fatalf("repeat %d is not event %d", i, i/3)
		}
		if e.Copy != i%3+1 || e.Copies != 3 {
			t.Fatalf("repeat %d says it is copy %d/%d, want %d/3", i, e.Copy, e.Copies, i%3+1)
		}
	}
	if once := slices.Collect(Plan{RepeatEach: 1}.Events(src)); once[0].Copy != 0 || once[0].Copies != 0 {
		t.Errorf("an event sent once is copy %d/%d", once[0].Copy, once[0].Copies)
	}

	fresh := slices.Collect(Plan{NewID: true, RepeatEach: 2, Seed: 5}.Events(src))
	seen := map[string]int{}
	for i, e := range fresh {
		seen[e.ID]++
		if gjson.GetBytes(e.Body, "eventId").String() != e.ID || e.ID == base[i/2].ID || len(e.ID) != 48 {
			t.Fatalf("event %d: id %q, body %s", i, e.ID, e.Body)
		}
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct ids, want 8 (the repeats of an event share one)", len(seen))
	}
	again := slices.Collect(Plan{NewID: true, RepeatEach: 2, Seed: 5}.Events(src))
	if !slices.Equal(ids(again), ids(fresh)) {
		t.Error("the same seed must give the same new ids")
	}

	shuffled := slices.Collect(Plan{Shuffle: true, RepeatEach: 2, Seed: 7}.Events(src))
	if slices.Equal(ids(shuffled), ids(rep[:16])) {
		t.Error("not shuffled")
	}
	a, b := ids(shuffled), ids(slices.Collect(Plan{RepeatEach: 2}.Events(src)))
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		t.Error("shuffle lost or invented events")
	}
	if !slices.Equal(ids(shuffled), ids(slices.Collect(Plan{Shuffle: true, RepeatEach: 2, Seed: 7}.Events(src)))) {
		t.Error("the same seed must shuffle the same way")
	}
}

func TestNewIDKeepsSpelling(t *testing.T) {
	for _, tc := range []struct{ body, key string }{
		{`{"data":{},"eventId":"a","eventType":"X"}`, "eventId"},
		{"{\n  \"data\": {},\n  \"event_id\": \"a\"\n}", "event_id"},
		{`{"data":{}}`, "eventId"},
	} {
		ev := withID(newEvent("x", []byte(tc.body)), strings.Repeat("ab", 24))
		if gjson.GetBytes(ev.Body, tc.key).String() != strings.Repeat("ab", 24) || strings.Count(string(ev.Body), "vent") > strings.Count(tc.body, "vent")+1 {
			t.Errorf("%s -> %s", tc.body, ev.Body)
		}
		if tc.key == "event_id" && gjson.GetBytes(ev.Body, "eventId").Exists() {
			t.Errorf("added a second spelling: %s", ev.Body)
		}
	}
	ev := withID(newEvent("x", []byte(`[1]`)), "id")
	if string(ev.Body) != `[1]` {
		t.Errorf("a non-object changed: %s", ev.Body)
	}
}

func TestRounds(t *testing.T) {
	evs := Events{newEvent("a", []byte(`{}`)), newEvent("b", []byte(`{}`))}
	var names []string
	for _, e := range collect(Rounds(3, evs)) {
		names = append(names, e.Source)
	}
	if got := strings.Join(names, ""); got != "ababab" {
		t.Errorf("got %s", got)
	}
}
