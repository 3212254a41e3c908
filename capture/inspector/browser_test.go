package inspector

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portant-hooks/portant-hooks/capture"
	"github.com/portant-hooks/portant-hooks/fixtures"
)

// findChromium returns a Chromium or Chrome to drive. Without one the
// browser test skips, except in CI (CI set), where it fails: CI installs
// Debian's chromium so that this test always runs there.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but no Chromium was found: install it (apt-get install -y chromium) so the inspector's browser test runs")
	}
	t.Skip("no Chromium found (apt-get install -y chromium): skipping the inspector's browser test")
	return ""
}

// inspBrowser starts a headless Chromium for the test and returns its tab, and
// a function that reports what the page logged as errors.
func inspBrowser(t *testing.T, chrome string) (context.Context, func() []string) {
	t.Helper()
	profile, err := os.MkdirTemp("", "inspector-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	root, stopAll := context.WithTimeout(context.Background(), 90*time.Second)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1360, 860),
	)
	allocCtx, stopAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, stopTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		stopTab()
		stopAlloc()
		stopAll()
		// Chromium's children can write to the profile for a moment after it stops.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError && !strings.Contains(e.Entry.Text, "favicon") {
				problems = append(problems, fmt.Sprintf("%s: %s", e.Entry.Source, e.Entry.Text))
			}
		}
	}); err != nil {
		t.Fatalf("start Chromium (%s): %v", chrome, err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the browser log: %v", err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// inspStep runs one step with its own deadline, so a hang names its step.
func inspStep(t *testing.T, ctx context.Context, name string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// inspWaitFor waits until a JavaScript expression is true in the page (an
// EventSource reconnects within its 2s retry, so 8s is plenty).
func inspWaitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 9*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(8*time.Second))); err != nil {
		var state string
		dctx, dcancel := context.WithTimeout(ctx, time.Second)
		defer dcancel()
		state, _ = chromedp.Run(dctx, chromedp.Evaluate[string](`document.querySelector('#events') ? Array.from(document.querySelectorAll('#events li')).map(li => li.textContent).join(' | ') : ''`))
		t.Fatalf("%s: %v\n(waited for %s; list: %s)", what, err, expr, state)
	}
}

func inspEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// inspJS quotes s for a JavaScript expression.
func inspJS(s string) string { return inspJSONString(s) }

func TestInspectorInABrowser(t *testing.T) {
	chrome := findChromium(t)
	dir := t.TempDir()
	gen := fixtures.NewGenerator(42, fixtures.CasingDocumented)
	// A first listen saves two events, and stops.
	first := startListener(t, capture.Config{Dir: dir})
	first.post(gen.Event(fixtures.SignaturesRequested))
	first.post(gen.Event(fixtures.EmailsCreated))
	first.stop()
	// A second listen on the same dir, with the inspector (which the test
	// restarts: the listener tells whichever is serving).
	var current atomic.Pointer[Inspector]
	second := startListener(t, capture.Config{Dir: dir, OnSave: func() {
		if in := current.Load(); in != nil {
			in.Notify()
		}
	}})
	defer second.stop()

	target := &inspHandlerRecorder{}
	handler := httptest.NewServer(target)
	defer handler.Close()
	// A poll slower than the test: events can only show up live through Notify.
	icfg := Config{Dir: dir, Poll: time.Hour}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, base := ln.Addr().String(), URL(ln)
	stopInspector := serveInspector(t, icfg, ln, second.url, &current)

	ctx, pageErrors := inspBrowser(t, chrome)
	inspStep(t, ctx, "open the inspector", 20*time.Second,
		chromedp.EmulateViewport(1360, 860),
		chromedp.Navigate(base),
	)
	inspWaitFor(t, ctx, "the events already in the dir are listed, newest selected",
		`document.querySelectorAll('#events li').length === 2 && document.querySelector('#events li').id === 'ev-2' &&
		 document.querySelector('#ev-2').getAttribute('aria-selected') === 'true' && !document.querySelector('#event').hidden`)
	inspWaitFor(t, ctx, "the live stream connects", `document.querySelector('#conn').dataset.state === 'live'`)
	types := make([]string, len(fixtures.Types))
	for i, ty := range fixtures.Types {
		types[i] = string(ty)
	}
	inspWaitFor(t, ctx, "the type filter offers the server's types, and a badge takes the colour of its type's place",
		`[...document.querySelectorAll('#type option')].map(o => o.value).join() === `+inspJS(","+strings.Join(types, ",")+",UNKNOWN")+` &&
		 document.querySelector('#ev-2 .badge').dataset.tone === '1' && getComputedStyle(document.querySelector('#ev-2 .badge')).color !== getComputedStyle(document.querySelector('#ev-1 .badge')).color`)
	inspEval[chromedp.Void](t, ctx, `window.__sameDocument = 'yes'`)

	// New events arrive live, without a reload.
	second.post(gen.Event(fixtures.DocumentsCreated))
	invalid := []byte(`{"data":{"documents":[{"id":"1Zk9","url":null,"name":"Quarterly Report Zeta"}]},"eventId":"` +
		inspHexID(77) + `","eventType":"DOCUMENTS_CREATED"}`)
	second.post(invalid)
	xssID := `<img src=x onerror="window.__xss=1">`
	xss := inspEvent(fixtures.DocumentsCreated, xssID, `<img src=x onerror="window.__xss=2">Contract.pdf`)
	second.post(xss)
	inspWaitFor(t, ctx, "three live events appear",
		`document.querySelectorAll('#events li').length === 5 && document.querySelector('#events li').id === 'ev-5'`)

	// The inspector goes away for a moment: the page reconnects by itself
	// and shows what was saved meanwhile.
	stopInspector()
	inspWaitFor(t, ctx, "the page sees the stream drop", `document.querySelector('#conn').dataset.state !== 'live'`)
	second.post(gen.Event(fixtures.SignaturesCompleted))
	if ln, err = Listen(addr); err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	serveInspector(t, icfg, ln, second.url, &current)
	inspWaitFor(t, ctx, "after reconnecting, the event saved meanwhile appears",
		`document.querySelector('#conn').dataset.state === 'live' &&
		 document.querySelectorAll('#events li').length === 6 && document.querySelector('#events li').id === 'ev-6'`)
	if got := inspEval[string](t, ctx, `window.__sameDocument`); got != "yes" {
		t.Fatal("the page reloaded to show new events")
	}

	// Filter by type, with a live event arriving while filtered, then by text.
	inspEval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#type'); s.value = 'EMAILS_CREATED'; s.dispatchEvent(new Event('change')); })()`)
	inspWaitFor(t, ctx, "the type filter keeps the EMAILS_CREATED event",
		`document.querySelectorAll('#events li').length === 1 && document.querySelector('#events li .badge').textContent === 'EMAILS_CREATED'`)
	second.post(gen.Event(fixtures.EmailsCreated))
	inspWaitFor(t, ctx, "a live event that matches the filter appears",
		`document.querySelectorAll('#events li').length === 2 && document.querySelector('#events li').id === 'ev-7'`)
	inspEval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#type'); s.value = ''; s.dispatchEvent(new Event('change')); })()`)
	inspStep(t, ctx, "type a text filter", 5*time.Second, chromedp.SendKeys(chromedp.CSS("#q"), "zeta"))
	inspWaitFor(t, ctx, "the text filter finds the document by name in the body",
		`document.querySelectorAll('#events li').length === 1 && document.querySelector('#events li').id === 'ev-4'`)
	inspEval[chromedp.Void](t, ctx, `(() => { const q = document.querySelector('#q'); q.value = ''; q.dispatchEvent(new Event('input')); q.blur(); })()`)
	inspWaitFor(t, ctx, "clearing the filter shows every event", `document.querySelectorAll('#events li').length === 7`)

	// The hostile payload: shown as text, nothing runs, no element made.
	inspStep(t, ctx, "open the event with markup in it", 5*time.Second, chromedp.Click(chromedp.CSS("#ev-5")))
	inspWaitFor(t, ctx, "its detail shows", `document.querySelector('#d-id').textContent === `+inspJS(xssID))
	if !inspEval[bool](t, ctx, `document.querySelector('#code').textContent.includes('<img src=x onerror=\\"window.__xss=2\\">Contract.pdf') &&
		document.querySelector('#ev-5 .eid').textContent === `+inspJS(xssID)) {
		t.Error("the payload's markup is not shown as text")
	}
	if n := inspEval[int](t, ctx, `document.querySelectorAll('main img, main script, main iframe').length`); n != 0 {
		t.Errorf("the payload made %d elements in the page", n)
	}
	if v := inspEval[string](t, ctx, `String(window.__xss)`); v != "undefined" {
		t.Errorf("the payload ran: window.__xss = %s", v)
	}

	// Replay it, with the keyboard, to a URL typed in.
	inspStep(t, ctx, "type the replay target", 5*time.Second,
		chromedp.SetValue(chromedp.CSS("#target"), handler.URL+"/webhooks/portant"),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`),
		chromedp.KeyEvent("r"),
	)
	inspWaitFor(t, ctx, "the replay shows the handler's status", `document.querySelector('#r-status').textContent === '202 Accepted'`)
	if lat := inspEval[string](t, ctx, `document.querySelector('#r-latency').textContent`); !strings.HasSuffix(lat, " ms") {
		t.Errorf("replay latency shown as %q", lat)
	}
	target.mu.Lock()
	if target.n != 1 || target.path != "/webhooks/portant" || !bytes.Equal(target.body, xss) || target.header.Get("Authorization") != "" {
		t.Errorf("the handler got %d requests, last %s %q auth %q", target.n, target.path, target.body, target.header.Get("Authorization"))
	}
	target.mu.Unlock()

	// Copy as curl and the download link.
	inspStep(t, ctx, "copy as curl", 5*time.Second, chromedp.Click(chromedp.CSS("#copy-curl")))
	inspWaitFor(t, ctx, "the curl command shows", `!document.querySelector('#curl').hidden && document.querySelector('#curl').textContent.startsWith("curl -sS -i '`+handler.URL+`/webhooks/portant'")`)
	disposition := inspEval[string](t, ctx, `fetch(document.querySelector('#download').href).then(r => r.headers.get('Content-Disposition'))`)
	file := inspEval[string](t, ctx, `document.querySelector('#d-file').textContent`)
	if disposition != `attachment; filename="`+file+`"` || !strings.Contains(file, "-DOCUMENTS_CREATED-") {
		t.Errorf("download: Content-Disposition %q", disposition)
	}

	// Down arrow: the next older event, whose problems are marked in its body.
	inspStep(t, ctx, "press the down arrow", 5*time.Second,
		chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`),
		chromedp.KeyEvent(kb.ArrowDown),
	)
	inspWaitFor(t, ctx, "the invalid event is selected with its problems marked",
		`document.querySelector('#ev-4').getAttribute('aria-selected') === 'true' && !document.querySelector('#problems').hidden &&
		 document.querySelectorAll('#code .err-mark').length >= 2 && document.querySelectorAll('#code .lens').length >= 2`)
	marked := inspEval[string](t, ctx, `Array.from(document.querySelectorAll('#code .err-mark')).map(e => e.textContent).join(' ')`)
	if marked != "{ null" { // the document missing its mimetype, and the url that is not a string
		t.Errorf("marked tokens %q, want the document object and the null url", marked)
	}

	// Replay this one too, to its own handler URL, so the picture shows a result.
	inspStep(t, ctx, "replay the invalid event", 5*time.Second, chromedp.KeyEvent("r"))
	inspWaitFor(t, ctx, "the second replay shows its status",
		`document.querySelector('#r-status').textContent === '202 Accepted' && !document.querySelector('#replay-result').hidden`)
	target.mu.Lock()
	if target.n != 2 || !bytes.Equal(target.body, invalid) {
		t.Errorf("the handler got %d requests, last %q", target.n, target.body)
	}
	target.mu.Unlock()

	inspEval[chromedp.Void](t, ctx, `document.querySelector('#toast').hidden = true`) // a passing notice, not the page
	inspPictures(t, ctx, "")
	if bg := inspEval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bg == "rgb(246, 247, 249)" {
		t.Errorf("dark mode kept the light background %s", bg)
	}

	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// inspPictures takes a picture of the page in light mode, then switches it
// to dark mode and takes another, into a test directory and, for a person
// to look at, beside the path PORTANT_HOOKS_INSPECTOR_SCREENSHOT names when
// it is set: P.png and P-dark.png for the main test (name ""), P-name.png
// and P-name-dark.png for the others.
func inspPictures(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	stem := "inspector"
	if name != "" {
		stem += "-" + name
	}
	shots := t.TempDir()
	light := inspScreenshot(t, ctx, filepath.Join(shots, stem+".png"))
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	})); err != nil {
		t.Fatalf("dark mode: %v", err)
	}
	dark := inspScreenshot(t, ctx, filepath.Join(shots, stem+"-dark.png"))
	keep := os.Getenv("PORTANT_HOOKS_INSPECTOR_SCREENSHOT")
	if keep == "" {
		return
	}
	base := strings.TrimSuffix(keep, ".png")
	if name != "" {
		base += "-" + name
	}
	if err := os.WriteFile(base+".png", light, 0o644); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(base+"-dark.png", dark, 0o644); err != nil {
		t.Error(err)
	}
}

func inspScreenshot(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return png
}

// testListener is a real capture.Serve on a free loopback port.
type testListener struct {
	t    *testing.T
	url  string
	stop func()
}

func startListener(t *testing.T, cfg capture.Config) *testListener {
	t.Helper()
	ready := make(chan string, 1)
	cfg.Port, cfg.Format = 0, capture.FormatQuiet
	cfg.OnReady = func(url string) error { ready <- url; return nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- capture.Serve(ctx, cfg) }()
	l := &testListener{t: t}
	select {
	case l.url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("listen: %v", err)
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("listen not ready within 5s")
	}
	l.stop = stopper(t, "listen", cancel, done, 10*time.Second)
	t.Cleanup(l.stop)
	return l
}

// post sends an event as Portant does, with a secret the listener redacts.
func (l *testListener) post(body []byte) {
	l.t.Helper()
	if status := postAs(l.t, l.url, body, map[string]string{"Authorization": "Bearer s3cret"}); status != http.StatusOK {
		l.t.Fatalf("listen answered %d %s", status, http.StatusText(status))
	}
}

// postAs sends an event to the listener at url as Portant does, with
// header's entries besides, and returns the status it answered.
func postAs(t testing.TB, url string, body []byte, header map[string]string) int {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json", "User-Agent": "Portant-Webhooks/1.0"}
	maps.Copy(h, header)
	status, _, _ := inspDo(t, http.MethodPost, url+"webhooks/portant", bytes.NewReader(body), h)
	return status
}

// serveInspector serves an inspector for the listener at webhook on ln,
// as current, until the returned func (or the end of the test) stops it.
func serveInspector(t *testing.T, cfg Config, ln net.Listener, webhook string, current *atomic.Pointer[Inspector]) (stop func()) {
	t.Helper()
	in, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in.SetWebhook(webhook)
	current.Store(in)
	return serve(t, in, ln)
}
