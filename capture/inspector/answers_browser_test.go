package inspector

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portant-hooks/portant-hooks/capture"
	"github.com/portant-hooks/portant-hooks/fixtures"
)

// crashingHandler answers as a small Express app with a bug would: an
// event whose body holds "crash" gets Express's 500 page, one holding
// "reject" a 422 in JSON, any other 200. It counts what it was sent.
type crashingHandler struct {
	page   string
	mu     sync.Mutex
	bodies [][]byte
}

func (h *crashingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, b)
	h.mu.Unlock()
	switch {
	case bytes.Contains(b, []byte("crash")):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, h.page)
	case bytes.Contains(b, []byte("reject")):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"error": "unknown recipient", "field": "data.emails.0.to", "hint": "`+strings.Repeat("a recipient must exist before it is mailed; ", 6)+`"}`)
	default:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}
}

func (h *crashingHandler) received() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.bodies...)
}

// The handler behind listen --forward-to crashes: the inspector shows its
// 500 and the error's text in the list and the detail pane without a
// replay, filters by the answer, and replays the event with a body edited
// in the page.
func TestInspectorShowsTheHandlersAnswerInABrowser(t *testing.T) {
	chrome := findChromium(t)
	dir := t.TempDir()
	handler := &crashingHandler{page: expressPage(t)}
	srv := httptest.NewServer(handler)
	defer srv.Close()
	var current atomic.Pointer[Inspector]
	listener := startListener(t, capture.Config{Dir: dir, ForwardTo: srv.URL + "/webhooks/portant", OnSave: func() {
		if in := current.Load(); in != nil {
			in.Notify()
		}
	}})
	// listen's Format is quiet, its Out discarded: the terminal is another test's.
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := URL(ln)
	serveInspector(t, Config{Dir: dir, ForwardTo: srv.URL + "/webhooks/portant", Poll: time.Hour}, ln, listener.url, &current)

	ctx, pageErrors := inspBrowser(t, chrome)
	inspStep(t, ctx, "open the inspector on an empty dir", 20*time.Second,
		chromedp.EmulateViewport(1360, 900),
		chromedp.Navigate(base),
	)
	// The empty state: the command to send a test event, with a copy button.
	inspWaitFor(t, ctx, "the empty state offers a test command to copy",
		`!document.querySelector('#empty').hidden && document.querySelector('#empty .cmd code').textContent === `+
			inspJS("portant-hooks send --type all --to "+listener.url)+` && document.querySelector('#empty .cmd button.copy') !== null`)
	inspStep(t, ctx, "copy it", 5*time.Second, chromedp.Click(chromedp.CSS("#empty .cmd button.copy")))
	inspWaitFor(t, ctx, "the copy button says what it did", `!document.querySelector('#toast').hidden && /Copied the command|Select the text/.test(document.querySelector('#toast').textContent)`)
	inspWaitFor(t, ctx, "the live stream connects", `document.querySelector('#conn').dataset.state === 'live'`)

	gen := fixtures.NewGenerator(7, fixtures.CasingDocumented)
	ok := gen.Event(fixtures.DocumentsCreated)
	crash := inspEvent(fixtures.EmailsCreated, inspHexID(500), "crash on this one")
	reject := inspEvent(fixtures.EmailsCreated, inspHexID(422), "reject this one")
	for _, ev := range []struct {
		body   []byte
		status int
	}{{ok, 200}, {crash, 500}, {reject, 422}} {
		if got := postAs(t, listener.url, ev.body, nil); got != ev.status {
			t.Fatalf("listen answered %d, want the handler's %d", got, ev.status)
		}
	}
	inspWaitFor(t, ctx, "the three events arrive live, each with the handler's status",
		`document.querySelectorAll('#events li').length === 3 &&
		 [...document.querySelectorAll('#events li .answer')].map(a => a.textContent).join() === '422,500,200' &&
		 document.querySelector('#ev-2 .answer').dataset.class === '5' && document.querySelector('#ev-3 .answer').dataset.class === '4'`)
	if got := inspEval[string](t, ctx, `document.querySelector('#ev-2 .answer-text').textContent`); !strings.HasPrefix(got, "Error — TypeError: Cannot read properties of undefined (reading 'email')") {
		t.Errorf("the 500's row reads %q, want the error page's text", got)
	}
	if n := inspEval[int](t, ctx, `document.querySelectorAll('#ev-1 .answer-text').length`); n != 0 {
		t.Error("a 2xx row shows its answer's text")
	}

	// The 500: its stored answer, without a replay.
	inspStep(t, ctx, "open the event the handler answered 500", 5*time.Second, chromedp.Click(chromedp.CSS("#ev-2")))
	inspWaitFor(t, ctx, "the detail pane shows the handler's stored answer",
		`!document.querySelector('#answer').hidden && document.querySelector('#d-id').textContent === `+inspJS(inspHexID(500))+` &&
		 document.querySelector('#a-status').textContent === '500 Internal Server Error' &&
		 document.querySelector('#a-excerpt').textContent.startsWith("Error — TypeError: Cannot read properties of undefined (reading 'email') at /app/server.js:14:31")`)
	if !inspEval[bool](t, ctx, `document.querySelector('#replay-result').hidden && document.querySelector('#a-body').textContent.includes('<pre>TypeError')`) {
		t.Error("the answer's body is not in the pane, or a replay result shows")
	}
	if n := len(handler.received()); n != 3 {
		t.Fatalf("the handler got %d requests: reading the answer sent the event again", n)
	}

	// shown is true once the detail pane shows event n (its eventId is
	// inspHexID(n)) with its stored answer.
	shown := func(n int, status string) string {
		return `!document.querySelector('#event').hidden && document.querySelector('#d-id').textContent === ` + inspJS(inspHexID(n)) +
			` && !document.querySelector('#answer').hidden && document.querySelector('#a-status').textContent === ` + inspJS(status)
	}
	// Filter by 5xx: the count follows, the selection stays.
	setStatus := func(v string) {
		inspEval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#status'); s.value = `+inspJS(v)+`; s.dispatchEvent(new Event('change')); })()`)
	}
	setStatus("5xx")
	inspWaitFor(t, ctx, "the 5xx filter keeps the crash, and the count says so",
		`document.querySelectorAll('#events li').length === 1 && document.querySelector('#events li').id === 'ev-2' &&
		 document.querySelector('#count').textContent === '1 of 3 events' && !document.querySelector('#event').hidden`)
	// A filter that hides the selected event empties the pane.
	setStatus("2xx")
	inspWaitFor(t, ctx, "the 2xx filter hides the selected crash and clears the pane",
		`document.querySelectorAll('#events li').length === 1 && document.querySelector('#events li').id === 'ev-1' &&
		 document.querySelector('#event').hidden && !document.querySelector('#placeholder').hidden &&
		 document.querySelector('#count').textContent === '1 of 3 events'`)
	setStatus("5xx")
	inspWaitFor(t, ctx, "back to 5xx", `document.querySelectorAll('#events li').length === 1 && document.querySelector('#events li').id === 'ev-2'`)
	inspStep(t, ctx, "select the crash again", 5*time.Second, chromedp.Click(chromedp.CSS("#ev-2")))
	inspWaitFor(t, ctx, "its answer shows", shown(500, "500 Internal Server Error"))

	// Edit the body and replay it: the handler gets the change.
	inspStep(t, ctx, "open the editor", 5*time.Second, chromedp.Click(chromedp.CSS("#edit")))
	inspWaitFor(t, ctx, "the editor holds the saved body and headers",
		`!document.querySelector('#editor').hidden && document.querySelector('#e-body').value === `+inspJS(string(crash))+` &&
		 document.querySelector('#e-headers').value === 'Content-Type: application/json\nUser-Agent: Portant-Webhooks/1.0'`)
	fixed := strings.Replace(string(crash), "crash on this one", "all good now", 1)
	inspStep(t, ctx, "change the body and send it", 5*time.Second,
		chromedp.SetValue(chromedp.CSS("#e-body"), fixed),
		chromedp.Click(chromedp.CSS("#e-send")),
	)
	inspWaitFor(t, ctx, "the changed replay shows the handler's 200",
		`!document.querySelector('#replay-result').hidden && document.querySelector('#r-status').textContent === '200 OK' &&
		 !document.querySelector('#r-edited').hidden`)
	got := handler.received()
	if len(got) != 4 || string(got[3]) != fixed {
		t.Fatalf("the handler got %d requests, the last %q; want the edited body", len(got), got[len(got)-1])
	}
	// The stored answer is still the captured one: edits are never saved.
	if s := inspEval[string](t, ctx, `document.querySelector('#a-status').textContent`); s != "500 Internal Server Error" {
		t.Errorf("after the replay, the stored answer reads %q", s)
	}

	// Long lines scroll or wrap, by choice: the 422's JSON has one long line.
	setStatus("")
	inspWaitFor(t, ctx, "every event again", `document.querySelectorAll('#events li').length === 3`)
	inspStep(t, ctx, "open the 422", 5*time.Second, chromedp.Click(chromedp.CSS("#ev-3")))
	inspWaitFor(t, ctx, "its JSON answer is open and highlighted",
		shown(422, "422 Unprocessable Entity")+` && document.querySelector('#a-body-box').open &&
		 document.querySelectorAll('#a-body .j-key').length === 3`)
	whiteSpace := `getComputedStyle(document.querySelector('#a-body .line')).whiteSpace`
	if ws := inspEval[string](t, ctx, whiteSpace); ws != "pre" {
		t.Errorf("long lines %s by default, want them to scroll (pre)", ws)
	}
	inspStep(t, ctx, "wrap long lines", 5*time.Second, chromedp.Click(chromedp.CSS("#wrap")))
	if ws := inspEval[string](t, ctx, whiteSpace); ws != "pre-wrap" {
		t.Errorf("long lines %s after the toggle, want them wrapped", ws)
	}
	if fits := inspEval[bool](t, ctx, `(() => { const c = document.querySelector('#a-body'); return c.scrollWidth <= c.clientWidth + 1; })()`); !fits {
		t.Error("wrapped, the answer still scrolls sideways")
	}
	inspStep(t, ctx, "back to scrolling", 5*time.Second, chromedp.Click(chromedp.CSS("#wrap")))

	// The pictures: the crash selected, its answer and the changed replay.
	inspStep(t, ctx, "select the crash for the pictures", 5*time.Second, chromedp.Click(chromedp.CSS("#ev-2")))
	inspWaitFor(t, ctx, "its answer shows", shown(500, "500 Internal Server Error"))
	inspStep(t, ctx, "replay it with a change", 5*time.Second, chromedp.Click(chromedp.CSS("#edit")))
	inspWaitFor(t, ctx, "the editor opens", `!document.querySelector('#editor').hidden`)
	inspStep(t, ctx, "send the change", 5*time.Second,
		chromedp.SetValue(chromedp.CSS("#e-body"), fixed),
		chromedp.Click(chromedp.CSS("#e-send")),
	)
	inspWaitFor(t, ctx, "the replay's result", `document.querySelector('#r-status').textContent === '200 OK'`)
	inspStep(t, ctx, "close the editor", 5*time.Second, chromedp.Click(chromedp.CSS("#e-cancel")))
	inspEval[chromedp.Void](t, ctx, `document.querySelector('#toast').hidden = true; document.querySelector('.detail').scrollTop = 0`)
	inspPictures(t, ctx, "answer")
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// An event that came gzip-compressed shows decoded, and the editor starts
// from that text: its replay sends what the editor holds, uncompressed and
// without the Content-Encoding that would call it gzip.
func TestInspectorEditsACompressedEventAsText(t *testing.T) {
	chrome := findChromium(t)
	dir := t.TempDir()
	type request struct {
		body     []byte
		encoding string
	}
	got := make(chan request, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- request{b, r.Header.Get("Content-Encoding")}
	}))
	defer srv.Close()
	var current atomic.Pointer[Inspector]
	listener := startListener(t, capture.Config{Dir: dir, ForwardTo: srv.URL, OnSave: func() {
		if in := current.Load(); in != nil {
			in.Notify()
		}
	}})
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveInspector(t, Config{Dir: dir, ForwardTo: srv.URL, Poll: time.Hour}, ln, listener.url, &current)

	event := inspEvent(fixtures.EmailsCreated, inspHexID(9), "sent compressed")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(event)
	zw.Close()
	if status := postAs(t, listener.url, gz.Bytes(), map[string]string{"Content-Encoding": "gzip"}); status != http.StatusOK {
		t.Fatalf("listen answered %d", status)
	}
	if fwd := <-got; !bytes.Equal(fwd.body, gz.Bytes()) || fwd.encoding != "gzip" {
		t.Fatalf("the forward sent %q (%s), want the body as it came", fwd.body, fwd.encoding)
	}

	ctx, pageErrors := inspBrowser(t, chrome)
	inspStep(t, ctx, "open the inspector", 20*time.Second, chromedp.EmulateViewport(1360, 900), chromedp.Navigate(URL(ln)))
	inspWaitFor(t, ctx, "the event arrives", `document.querySelectorAll('#events li').length === 1`)
	inspStep(t, ctx, "open it", 5*time.Second, chromedp.Click(chromedp.CSS("#ev-1")))
	inspWaitFor(t, ctx, "the body shows decoded, and the note says so",
		`document.querySelector('#code').textContent.includes('sent compressed') && !document.querySelector('#body-note').hidden && document.querySelector('#body-note').textContent.startsWith('Content-Encoding: gzip')`)
	inspStep(t, ctx, "open the editor", 5*time.Second, chromedp.Click(chromedp.CSS("#edit")))
	inspWaitFor(t, ctx, "the editor holds the decoded JSON and no Content-Encoding",
		`!document.querySelector('#editor').hidden && document.querySelector('#e-body').value.includes('"subject": "sent compressed"') &&
		 !/Content-Encoding/i.test(document.querySelector('#e-headers').value)`)
	inspStep(t, ctx, "change it and send it", 5*time.Second,
		chromedp.SetValue(chromedp.CSS("#e-body"), strings.Replace(string(event), "sent compressed", "edited", 1)),
		chromedp.Click(chromedp.CSS("#e-send")),
	)
	select {
	case r := <-got:
		if !bytes.Contains(r.body, []byte(`"edited"`)) || r.encoding != "" {
			t.Errorf("the edited replay sent %q with Content-Encoding %q, want the edited text and none", r.body, r.encoding)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the edited replay never reached the handler")
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}
