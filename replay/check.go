package replay

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CheckOptions say how Check runs.
type CheckOptions struct {
	// Timeout is how long a request may wait for its answer, as the
	// Sender's client enforces it; an answer after half of it is flagged
	// as slow. 0 flags nothing.
	Timeout time.Duration
	Seed    uint64 // the seed the cases were made from, for the report
	// Progress, when set, is called with each case's result as it ends.
	Progress func(CheckResult)
}

// Verdict is how a case went.
type Verdict int

const (
	CasePassed Verdict = iota // every answer as it should be
	CaseWarned                // passed, with something to look at: a slow answer, a 2xx for a body that is no event
	CaseFailed                // an answer that is wrong, or none
)

// CheckResult is how one case went.
type CheckResult struct {
	Case CheckCase
	// Results are the answers to the case's requests, in Requests order.
	Results []Result
	Verdict Verdict
	// Shown is the index in Results of the request the report shows: the
	// first that failed, else the first warned about, else the slowest.
	Shown int
	// Why says what is wrong with Results[Shown], "" when nothing is.
	Why    string
	Time   time.Duration // from the case's first request to its last answer
	Traits Traits        // Case.AllTraits
}

// CheckReport is a run of the suite.
type CheckReport struct {
	Target  string
	Seed    uint64
	Started time.Time
	Time    time.Duration
	Results []CheckResult
	// Shared is what the failing cases have in common that the passing
	// ones do not.
	Shared Shared
	// Answers counts the failing requests' answers: "500", or why none
	// came ("no answer within 1s").
	Answers map[string]int
}

// Counts returns how many cases passed, warned and failed.
func (r *CheckReport) Counts() (passed, warned, failed int) {
	for _, c := range r.Results {
		switch c.Verdict {
		case CasePassed:
			passed++
		case CaseWarned:
			warned++
		default:
			failed++
		}
	}
	return passed, warned, failed
}

// Check runs cases against s's target, one case after another, and judges
// each answer. It stops early, with an *UnreachableError, when nothing
// answers the first case (refused, or no answer within the timeout), and
// with ctx's error when ctx ends; the report then holds the cases run so
// far.
func Check(ctx context.Context, s *Sender, cases []CheckCase, o CheckOptions) (*CheckReport, error) {
	rep := &CheckReport{Target: s.Target(), Seed: o.Seed, Started: time.Now()}
	defer func() { rep.Time = time.Since(rep.Started) }()
	answered := false
	for _, c := range cases {
		res := runCase(ctx, s, c)
		if ctx.Err() != nil {
			break
		}
		for _, r := range res.Results {
			answered = answered || r.Status > 0
		}
		if !answered {
			// Refused, or no answer within the timeout: the rest would
			// fail the same way, a timeout each.
			return rep, &UnreachableError{Target: s.Target(), Err: res.Results[0].Err}
		}
		judge(&res, o.Timeout)
		rep.Results = append(rep.Results, res)
		if o.Progress != nil {
			o.Progress(res)
		}
	}
	rep.summarize()
	return rep, ctx.Err()
}

// runCase sends the case's lanes side by side, each request after the one
// before it in its lane is answered. Lanes start together: their first
// requests leave at once.
func runCase(ctx context.Context, s *Sender, c CheckCase) CheckResult {
	res := CheckResult{Case: c, Traits: c.AllTraits(), Results: make([]Result, len(c.Requests()))}
	start := time.Now()
	var (
		wg    sync.WaitGroup
		ready sync.WaitGroup
		gate  = make(chan struct{})
	)
	ready.Add(len(c.Lanes))
	at := 0
	for _, lane := range c.Lanes {
		first := at
		at += len(lane)
		wg.Go(func() {
			ready.Done()
			<-gate
			for i, ev := range lane {
				r := s.Deliver(ctx, ev)
				r.Seq = first + i + 1
				res.Results[first+i] = r
			}
		})
	}
	ready.Wait()
	close(gate)
	wg.Wait()
	res.Time = time.Since(start)
	return res
}

// judge sets a case's verdict from its answers.
func judge(res *CheckResult, timeout time.Duration) {
	res.Shown, res.Verdict = 0, CasePassed
	slowest := 0
	for i, r := range res.Results {
		v, why := answerVerdict(res.Case.Expect, r, timeout)
		if v > res.Verdict {
			res.Verdict, res.Shown, res.Why = v, i, why
		}
		if r.Latency > res.Results[slowest].Latency {
			slowest = i
		}
	}
	if res.Verdict == CasePassed {
		res.Shown = slowest
	}
}

// answerVerdict judges one answer, and says what is wrong with it.
func answerVerdict(expect Expect, r Result, timeout time.Duration) (Verdict, string) {
	answer := func() string {
		if ex := readableAnswer(r); ex != "" {
			return http.StatusText(r.Status) + ": " + ex
		}
		return http.StatusText(r.Status)
	}
	switch {
	case r.Err != nil:
		return CaseFailed, reason(r.Err)
	case expect == ExpectRejected && r.Status >= 400 && r.Status < 500:
	case expect == ExpectRejected && r.OK():
		return CaseWarned, "a 2xx for a body that is not a Portant event: a 4xx would say it was refused"
	case expect == ExpectRejected && r.Status >= 500:
		return CaseFailed, answer() + " (a 5xx says the handler broke: a 4xx is right here)"
	case !r.OK():
		return CaseFailed, answer()
	}
	if timeout > 0 && r.Latency >= timeout/2 {
		return CaseWarned, fmt.Sprintf("slow: answered after %s, over half the %s timeout", appendLatency(nil, r.Latency), timeout)
	}
	return CasePassed, ""
}

// summarize tallies what the failures share and how they were answered.
func (r *CheckReport) summarize() {
	var t tally
	r.Answers = map[string]int{}
	for _, c := range r.Results {
		t.Add(c.Traits, c.Verdict == CaseFailed)
		if c.Verdict != CaseFailed {
			continue
		}
		for _, a := range c.Results {
			if v, _ := answerVerdict(c.Case.Expect, a, 0); v == CaseFailed {
				r.Answers[answerKind(a)]++
			}
		}
	}
	r.Shared = t.Shared()
}

// answerKind is an answer's status, or why none came.
func answerKind(r Result) string {
	if r.Err != nil {
		return reason(r.Err)
	}
	return strconv.Itoa(r.Status)
}

// UnknownCaseError is SelectCases' error for a name that matches no case.
type UnknownCaseError struct{ Name string }

func (e *UnknownCaseError) Error() string {
	return fmt.Sprintf("no case matches %q: --list shows them all", e.Name)
}

// SelectCases returns the cases that match any of names, in suite order.
// A name matches a case by its whole name, by a group ("spelling", or
// "spelling/event_id"), or as a pattern in which * stands for any
// characters ("*/signatures_*").
func SelectCases(cases []CheckCase, names []string) ([]CheckCase, error) {
	if len(names) == 0 {
		return cases, nil
	}
	var out []CheckCase
	matched := make([]bool, len(names))
	for _, c := range cases {
		hit := false
		for i, n := range names {
			n = strings.Trim(strings.TrimSpace(n), "/")
			// '*' spans groups too: */signatures_completed
			ok, _ := path.Match(strings.ReplaceAll(n, "/", ":"), strings.ReplaceAll(c.Name, "/", ":"))
			if ok || c.Name == n || strings.HasPrefix(c.Name, n+"/") {
				matched[i], hit = true, true
			}
		}
		if hit {
			out = append(out, c)
		}
	}
	if i := slices.Index(matched, false); i >= 0 {
		return nil, &UnknownCaseError{Name: names[i]}
	}
	return out, nil
}

// Lanes is the most requests cases have in flight at once: the
// connections a client for them should keep.
func Lanes(cases []CheckCase) int {
	n := 1
	for _, c := range cases {
		n = max(n, len(c.Lanes))
	}
	return n
}
