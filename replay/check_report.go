package replay

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/atomicfile"
)

// CheckSuiteName names check's reports.
const CheckSuiteName = "portant-hooks check"

// WriteCheckList writes the cases, a line each: name and purpose.
func WriteCheckList(w io.Writer, cases []CheckCase, st Styles) error {
	width := nameWidth(cases)
	var b []byte
	for _, c := range cases {
		b = append(b, c.Name...)
		b = pad(b, width-len(c.Name)+2)
		b = paint(st.Faint, b, c.Purpose)
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

func nameWidth(cases []CheckCase) int {
	n := 0
	for _, c := range cases {
		n = max(n, len(c.Name))
	}
	return n
}

// CheckText writes the report for a person as the run goes, so that they
// see each case as it ends: Start, then Case for each result (Check's
// Progress), then End. It writes a line per case (its verdict,
// name, status, latency and what it sent), for a case that failed or
// warned its purpose and the answer that shows why, then what the
// failures share and a closing line.
//
//	✗ shape/recipients    500  3.41ms  SIGNATURES_REQUESTED → SIGNATURES_COMPLETED · … · 1 document, 3 recipients
//	    3 people asked to sign, in order 1 to 3, and all three completing
//	    request 1 of 2, SIGNATURES_REQUESTED: Internal Server Error: {"error":"Cannot read properties of undefined"}
type CheckText struct {
	W      io.Writer
	Styles Styles
	width  int // of the longest case name
}

// Start writes the heading.
func (t *CheckText) Start(target string, cases []CheckCase, seed uint64) error {
	t.width = nameWidth(cases)
	_, err := fmt.Fprintf(t.W, "check %s: %s (seed %d)\n\n", target, plural(len(cases), "case", "cases"), seed)
	return err
}

// Case writes one case's lines.
func (t *CheckText) Case(res CheckResult) error {
	_, err := t.W.Write(appendCheckLine(nil, res, t.width, t.Styles))
	return err
}

// End writes what the failures share and the closing line.
func (t *CheckText) End(r *CheckReport) error {
	st := t.Styles
	var b []byte
	_, warned, failed := r.Counts()
	if failed > 0 {
		b = append(b, "\nWhat the failures share\n"...)
		for _, line := range r.Shared.Lines("case") {
			b = append(b, "  "...)
			b = append(b, line...)
			b = append(b, '\n')
		}
		b = append(b, "  answers: "...)
		b = append(b, answerCounts(r.Answers)...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	var verdict string
	switch {
	case failed > 0:
		b = paint(st.Bad, b, "✗")
		verdict = fmt.Sprintf(" %d of %s failed", failed, plural(len(r.Results), "case", "cases"))
	case len(r.Results) == 0:
		b = paint(st.Bad, b, "✗")
		verdict = " no case was run"
	default:
		b = paint(st.Good, b, "✓")
		verdict = " " + plural(len(r.Results), "case", "cases") + " passed"
		if len(r.Results) > 1 {
			verdict = " all" + verdict
		}
	}
	b = append(b, verdict...)
	if warned > 0 {
		b = append(b, " ("...)
		b = paint(st.Warn, b, fmt.Sprintf("%d with a warning", warned))
		b = append(b, ')')
	}
	b = append(b, " in "...)
	b = appendLatency(b, r.Time)
	b = fmt.Appendf(b, " (--seed %d sends the same requests again)\n", r.Seed)
	_, err := t.W.Write(b)
	return err
}

func appendCheckLine(b []byte, res CheckResult, width int, st Styles) []byte {
	mark, style := "✓", st.Good
	switch res.Verdict {
	case CaseWarned:
		mark, style = "!", st.Warn
	case CaseFailed:
		mark, style = "✗", st.Bad
	}
	b = paint(style, b, mark)
	b = append(b, ' ')
	b = append(b, res.Case.Name...)
	b = pad(b, width-len(res.Case.Name)+2)
	shown := res.Results[res.Shown]
	status := "ERR"
	if shown.Status > 0 {
		status = strconv.Itoa(shown.Status)
	}
	b = paint(style, b, status)
	lat := appendLatency(nil, shown.Latency)
	b = pad(b, 2+8-len(lat))
	b = append(b, lat...)
	b = append(b, "  "...)
	b = paint(st.Faint, b, res.Case.Describe())
	b = append(b, '\n')
	if res.Verdict == CasePassed {
		return b
	}
	b = append(b, "    "...)
	b = paint(st.Faint, b, res.Case.Purpose)
	b = append(b, "\n    "...)
	var where []string
	if n := len(res.Results); n > 1 {
		where = append(where, fmt.Sprintf("request %d of %d", res.Shown+1, n))
	}
	if t := shown.Event.Type; t != fixtures.Unknown {
		where = append(where, string(t))
	}
	if len(where) > 0 {
		b = append(b, strings.Join(where, ", ")...)
		b = append(b, ": "...)
	}
	b = paint(style, b, res.Why)
	return append(b, '\n')
}

// answerCounts writes counts by kind, most first: "3× 500, 1× no answer
// within 1s".
func answerCounts(counts map[string]int) string {
	kinds := slices.Sorted(maps.Keys(counts))
	slices.SortStableFunc(kinds, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d× %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// Suite is the report as a fixtures.Suite, for the JSON, JUnit and GitHub
// writers validate uses: a case per case, failed with one problem per
// failing answer, passed with a warning when it only warned, and a note of
// what the failures share.
func (r *CheckReport) Suite() fixtures.Suite {
	s := fixtures.Suite{Name: CheckSuiteName, Started: r.Started, Time: r.Time, Cases: make([]fixtures.Case, len(r.Results))}
	for i, res := range r.Results {
		group, _, _ := strings.Cut(res.Case.Name, "/")
		c := fixtures.Case{Name: res.Case.Name, Classname: "portant-hooks.check." + group, Time: res.Time}
		if res.Verdict == CaseWarned {
			c.Warning = res.Why
		}
		if res.Verdict == CaseFailed {
			for k, a := range res.Results {
				v, why := answerVerdict(res.Case.Expect, a, 0)
				if v != CaseFailed {
					continue
				}
				msg := why
				if t := a.Event.Type; t != fixtures.Unknown {
					msg = string(t) + ": " + msg
				}
				if len(res.Results) > 1 {
					msg = fmt.Sprintf("request %d of %d, %s", k+1, len(res.Results), msg)
				}
				if len(c.Problems) == 0 {
					msg += " (sent " + res.Case.Describe() + ": " + res.Case.Purpose + ")"
				}
				c.Problems = append(c.Problems, fixtures.Problem{Message: msg})
			}
			shown := res.Results[res.Shown].Event
			c.Event = &fixtures.Report{EventID: shown.ID, EventType: shown.Type}
		}
		s.Cases[i] = c
	}
	if _, _, failed := r.Counts(); failed > 0 {
		s.Notes = []string{"what the failures share: " + strings.Join(r.Shared.Lines("case"), "; ") + "; answers: " + answerCounts(r.Answers)}
	}
	return s
}

// SaveFailures writes the requests of every failing case into dir, a
// directory per case (its name with / as -), a file per request in the
// order sent: 01-signatures_requested.json, ... A directory of them is a
// regression test for send; bodies that are not events are saved as
// .txt (send sends JSON only). It returns the directories written.
func (r *CheckReport) SaveFailures(dir string) ([]string, error) {
	var dirs []string
	for _, res := range r.Results {
		if res.Verdict != CaseFailed {
			continue
		}
		caseDir := filepath.Join(dir, strings.ReplaceAll(res.Case.Name, "/", "-"))
		for i, ev := range res.Case.Requests() {
			name := fmt.Sprintf("%02d-%s.json", i+1, strings.ToLower(string(ev.Type)))
			if ev.Type == fixtures.Unknown {
				name = fmt.Sprintf("%02d-body.txt", i+1)
			}
			if err := atomicfile.WriteFile(filepath.Join(caseDir, name), ev.Body, 0o644); err != nil {
				return dirs, err
			}
		}
		dirs = append(dirs, caseDir)
	}
	return dirs, nil
}
