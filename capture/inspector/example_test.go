package inspector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/portant-hooks/portant-hooks/capture"
	"github.com/portant-hooks/portant-hooks/capture/inspector"
	"github.com/portant-hooks/portant-hooks/fixtures"
)

// The inspector beside a listener, as listen runs them: the listener saves
// each event in dir and tells the inspector, whose page and API list it.
func Example() {
	dir, err := os.MkdirTemp("", "events")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 2)
	defer func() { stop(); <-served; <-served }() // both stop with ctx

	in, err := inspector.New(inspector.Config{Dir: dir})
	if err != nil {
		panic(err)
	}
	page, err := inspector.Listen("127.0.0.1:0") // loopback only
	if err != nil {
		panic(err)
	}
	go func() { served <- in.Serve(ctx, page) }()

	hooks, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		served <- capture.Serve(ctx, capture.Config{Listener: hooks, Dir: dir, Format: capture.FormatQuiet, OnSave: in.Notify})
	}()

	resp, err := http.Post("http://"+hooks.Addr().String()+"/", "application/json", bytes.NewReader(fixtures.Example(fixtures.EmailsCreated)))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	// What the page lists, newest first.
	resp, err = http.Get(inspector.URL(page) + "/api/events")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var list struct {
		Events []struct {
			ID    int                `json:"id"`
			Type  fixtures.EventType `json:"eventType"`
			Valid bool               `json:"valid"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		panic(err)
	}
	for _, e := range list.Events {
		fmt.Println(e.ID, e.Type, e.Valid)
	}
	// Output:
	// 1 EMAILS_CREATED true
}
