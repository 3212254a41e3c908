package replay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/replay"
)

// A handler test: send the vendor's four documented events to the handler
// under test and read what it answered to each.
func Example() {
	// The handler under test; here, one that does not take emails yet.
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			EventType string `json:"eventType"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, `{"error":"not JSON"}`, http.StatusBadRequest)
			return
		}
		if ev.EventType == "EMAILS_CREATED" {
			http.Error(w, `{"error":"emails are not handled"}`, http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer handler.Close()

	var events []replay.Event
	for _, t := range fixtures.Types {
		events = append(events, replay.Event{Source: "example", Type: t, Body: fixtures.Example(t)})
	}
	// A nil client: the one portant-hooks uses (10s per attempt, no
	// redirects followed). One worker keeps the order.
	sender, err := replay.NewSender(nil, handler.URL+"/webhooks/portant", replay.WithHeader(replay.DefaultHeader("handler-test")))
	if err != nil {
		panic(err)
	}
	for r := range sender.Send(context.Background(), slices.Values(events)) {
		line := fmt.Sprint(r.Event.Type, " ", r.Status, " ", r.OK(), " ", string(r.Body))
		fmt.Println(strings.TrimSpace(line))
	}
	// Output:
	// DOCUMENTS_CREATED 204 true
	// EMAILS_CREATED 422 false {"error":"emails are not handled"}
	// SIGNATURES_REQUESTED 204 true
	// SIGNATURES_COMPLETED 204 true
}

// Deliver sends one event, and tells why when no answer came.
func ExampleSender_Deliver() {
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack() // a handler that crashes mid-request
		c.Close()
	}))
	defer handler.Close()

	sender, err := replay.NewSender(nil, handler.URL)
	if err != nil {
		panic(err)
	}
	r := sender.Deliver(context.Background(), replay.Event{Body: fixtures.Example(fixtures.DocumentsCreated)})
	fmt.Println(r.Status, r.Err)
	// Output:
	// 0 the server closed the connection without answering
}
