package replay

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/golden"
	"github.com/portant-hooks/portant-hooks/internal/handlertest"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

// runCheck runs the whole suite against a handler with bug.
func runCheck(t *testing.T, bug handlertest.Bug, timeout time.Duration) *CheckReport {
	t.Helper()
	h := handlertest.New(bug)
	h.SlowFor = 2 * timeout
	srv := httptest.NewServer(h)
	defer srv.Close()
	s, err := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: timeout, Connections: burst}), srv.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), s, CheckSuite(42), CheckOptions{Timeout: timeout, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func failedCases(rep *CheckReport) (failed, warned []string) {
	for _, r := range rep.Results {
		switch r.Verdict {
		case CaseFailed:
			failed = append(failed, r.Case.Name)
		case CaseWarned:
			warned = append(warned, r.Case.Name)
		}
	}
	return failed, warned
}

// A correct handler passes every case: no false alarms.
func TestCheckCorrectHandlerPasses(t *testing.T) {
	rep := runCheck(t, handlertest.None, 5*time.Second)
	if failed, warned := failedCases(rep); len(failed)+len(warned) > 0 || len(rep.Results) != len(CheckSuite(1)) {
		t.Fatalf("failed %v, warned %v, of %d cases", failed, warned, len(rep.Results))
	}
	for _, r := range rep.Results {
		if len(r.Results) != len(r.Case.Requests()) {
			t.Fatalf("%s: %d answers for %d requests", r.Case.Name, len(r.Results), len(r.Case.Requests()))
		}
	}
}

// Each bug is found, and named by the trait every failing case has and no
// passing case has.
func TestCheckFindsEachBugByItsTrait(t *testing.T) {
	for _, tc := range []struct {
		bug     handlertest.Bug
		trait   Trait
		timeout time.Duration
		answer  string
	}{
		{handlertest.CamelOnly, TraitSnakeKey, 0, "500"},
		{handlertest.Recipients, TraitRecipients, 0, "500"},
		{handlertest.NotIdempotent, TraitRepeat, 0, "500"},
		{handlertest.Racy, TraitBurst, 0, "500"},
		{handlertest.NeedsRequested, TraitCompletedFirst, 0, "404"},
		{handlertest.StrictFields, TraitUnknownFields, 0, "400"},
		{handlertest.Slow, TraitSignaturesCompleted, 200 * time.Millisecond, "no answer within 200ms"},
	} {
		t.Run(string(tc.bug), func(t *testing.T) {
			t.Parallel()
			rep := runCheck(t, tc.bug, cmpOr(tc.timeout, 5*time.Second))
			failed, _ := failedCases(rep)
			if len(failed) == 0 {
				t.Fatal("no case failed")
			}
			if !slices.Contains(rep.Shared.All, tc.trait) {
				t.Fatalf("failures %v share %v, not %q", failed, rep.Shared.All, tc.trait)
			}
			for _, r := range rep.Results {
				if r.Traits.Has(tc.trait) != (r.Verdict == CaseFailed) {
					t.Errorf("%s: %v, with the trait %v", r.Case.Name, r.Verdict, r.Traits.Has(tc.trait))
				}
			}
			if len(rep.Answers) != 1 || rep.Answers[tc.answer] == 0 {
				t.Errorf("answers %v, want only %s", rep.Answers, tc.answer)
			}
		})
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// The reports of a run, latencies pinned so that they can be compared.
func TestCheckReportsMatchGoldenFiles(t *testing.T) {
	rep := runCheck(t, handlertest.Recipients, 5*time.Second)
	rep.Target = "http://127.0.0.1:3000/hook"
	rep.Started = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	rep.Time = 123 * time.Millisecond
	for i := range rep.Results {
		rep.Results[i].Time = time.Duration(i+1) * 100 * time.Microsecond
		for k := range rep.Results[i].Results {
			rep.Results[i].Results[k].Latency = time.Duration(1000+10*i+k) * time.Microsecond
		}
	}
	var text, junit bytes.Buffer
	if err := writeCheckText(&text, rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/check.txt", text.Bytes(), *update)
	if err := fixtures.WriteJUnit(&junit, rep.Suite()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/check.junit.xml", junit.Bytes(), *update)
	var js, gh bytes.Buffer
	if err := fixtures.WriteJSON(&js, rep.Suite()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/check.json", js.Bytes(), *update)
	if err := fixtures.WriteGitHub(&gh, rep.Suite()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/check.github", gh.Bytes(), *update)

	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint not found: install libxml2-utils")
		}
		t.Skip("xmllint not found (apt-get install libxml2-utils)")
	}
	path := filepath.Join(t.TempDir(), "check.xml")
	if err := os.WriteFile(path, junit.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", "../fixtures/testdata/jenkins-junit-10.xsd", path).CombinedOutput(); err != nil {
		t.Fatalf("the JUnit report is not valid against the Jenkins schema: %s", out)
	}
}

func TestSelectCases(t *testing.T) {
	suite := CheckSuite(1)
	names := func(cs []CheckCase) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		only []string
		want string
	}{
		{[]string{"shape/recipients"}, "shape/recipients"},
		{[]string{"delivery", "body/empty"}, "delivery/duplicate delivery/burst delivery/completed-first body/empty"},
		{[]string{"spelling/*/signatures_completed"}, "spelling/documented/signatures_completed spelling/event_id/signatures_completed spelling/signature_url/signatures_completed"},
		{[]string{" workflow/ "}, "workflow/sequential workflow/concurrent"},
		{[]string{"*/unknown-*", "*burst"}, "shape/unknown-fields delivery/burst"},
	} {
		got, err := SelectCases(suite, tc.only)
		if err != nil || names(got) != tc.want {
			t.Errorf("%q: %s, %v; want %s", tc.only, names(got), err, tc.want)
		}
	}
	if _, err := SelectCases(suite, []string{"shape", "shapes/recipients"}); err == nil || !regexp.MustCompile(`no case matches "shapes/recipients"`).MatchString(err.Error()) {
		t.Errorf("unknown name: %v", err)
	}
}

// Saved failures are fixtures send replays: a directory per case, the
// requests in the order sent.
func TestSaveFailures(t *testing.T) {
	rep := runCheck(t, handlertest.NeedsRequested, 5*time.Second)
	dir := t.TempDir()
	dirs, err := rep.SaveFailures(dir)
	if err != nil || len(dirs) != 1 || dirs[0] != filepath.Join(dir, "delivery-completed-first") {
		t.Fatalf("saved %v, %v", dirs, err)
	}
	got, _ := filepath.Glob(filepath.Join(dirs[0], "*"))
	want := []string{filepath.Join(dirs[0], "01-signatures_completed.json"), filepath.Join(dirs[0], "02-signatures_requested.json")}
	if !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	b, _ := os.ReadFile(want[0])
	if !bytes.Equal(b, rep.Results[slices.IndexFunc(rep.Results, func(r CheckResult) bool { return r.Case.Name == "delivery/completed-first" })].Case.Requests()[0].Body) {
		t.Error("the saved request differs from the one sent")
	}
}

// BenchmarkCheck runs the default suite against a bare handler answering
// 200, as a developer runs check on every change of a handler: it must
// take well under 2s (issue 11).
func BenchmarkCheck(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	cases := CheckSuite(1)
	for b.Loop() {
		s, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 10 * time.Second, Connections: Lanes(cases)}), srv.URL)
		if _, err := Check(context.Background(), s, cases, CheckOptions{Timeout: 10 * time.Second}); err != nil {
			b.Fatal(err)
		}
	}
}

// writeCheckText writes a finished run's text report, plain, as check
// writes it case by case.
func writeCheckText(w io.Writer, r *CheckReport) error {
	cases := make([]CheckCase, len(r.Results))
	for i, res := range r.Results {
		cases[i] = res.Case
	}
	t := CheckText{W: w}
	err := t.Start(r.Target, cases, r.Seed)
	for _, res := range r.Results {
		err = cmp.Or(err, t.Case(res))
	}
	return cmp.Or(err, t.End(r))
}
