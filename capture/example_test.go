package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/portant-hooks/portant-hooks/capture"
	"github.com/portant-hooks/portant-hooks/fixtures"
)

// A test of code that sends webhooks: run a listener on a free loopback
// port, point the sender at it, and read what it saved. A 2xx answer means
// the body is on disk, byte for byte.
func ExampleServe() {
	dir, err := os.MkdirTemp("", "events")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// A listener bound before Serve starts: its address is known at once,
	// and a request sent now waits for Serve to accept it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- capture.Serve(ctx, capture.Config{Listener: ln, Dir: dir, Format: capture.FormatQuiet})
	}()

	// The code under test sends an event.
	event := fixtures.Example(fixtures.DocumentsCreated)
	resp, err := http.Post("http://"+ln.Addr().String()+"/webhooks/portant", "application/json", bytes.NewReader(event))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// Each event is a file, <UTC time>-<seq>-<TYPE>-<id prefix>.json.
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		saved, _ := os.ReadFile(f)
		_, name, _ := strings.Cut(filepath.Base(f), "Z-") // after the time
		fmt.Println(name, bytes.Equal(saved, event))
	}

	stop() // as Ctrl-C: requests in flight finish, then Serve returns
	if err := <-served; err != nil {
		fmt.Println(err)
	}
	// Output:
	// 200 OK
	// 000001-DOCUMENTS_CREATED-325d36e717d9.json true
}
