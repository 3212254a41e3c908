package cmd

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/replay"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	to           string
	headers      []string
	seed         uint64
	only         []string
	list         bool
	saveFailures string
	timeout      time.Duration
	format       string
	insecure     bool
}

func newCheckCmd(f *Factory) *cobra.Command {
	var opts checkOptions
	cmd := &cobra.Command{
		Use:   "check --to URL",
		Short: "Find the bugs in your handler: a suite of cases real delivery sends",
		Long: `Send your handler a suite of named cases that real Portant delivery produces
and happy-path tests miss, and say which held: every type in each spelling
the vendor's page uses (event_id or eventId, signature_url or signatureUrl,
message_id or messageId), several documents, recipients and emails, unknown
extra fields, unicode, right-to-left and long names, the same event twice and
several times at once, SIGNATURES_COMPLETED before its request, whole
workflow runs, and bodies that are no event (a 4xx is right for those).

Each result shows what was sent, the status, the latency and the answer (an
HTML error page reduced to its text); then what the failing cases share that
the passing ones do not ("all 3 failures have 2+ recipients"). --list shows
the cases; --only runs some, by name, group or pattern. --save-failures DIR
writes each failing case's requests as fixtures for send.

Every request must be answered within --timeout; an answer after half of it is
flagged as slow. The same --seed sends the same requests, eventIds included:
a handler that remembers ids sees a second run as duplicates.

Exit status: 0 when every case holds, 1 when any fails, 2 for usage errors.
The target and headers can live in the config file (check.to, check.header)
or the environment (PORTANT_HOOKS_CHECK_TO).`,
		Example: `  portant-hooks check --to localhost:3000/webhooks/portant
  portant-hooks check --list
  portant-hooks check --to $URL --only spelling,delivery/burst
  portant-hooks check --to $URL --seed 42 --save-failures regressions/
  portant-hooks check --to $URL --format junit > check.xml
  portant-hooks check --to $URL -H 'Authorization: Bearer dev-token'`,
		Args: argsUsage(func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 { // check URL, as send's --to is often typed
				return noArgsBut(cmd, args, "name the handler with --to "+args[0])
			}
			return noArgs(cmd, args)
		}),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("seed") {
				opts.seed = rand.Uint64()
			}
			started := time.Now()
			return reportUsageError(f, opts.format, replay.CheckSuiteName, started, checkRun(cmd, f, opts, started))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.to, "to", "", "URL of your handler (http:// is assumed without a scheme)")
	fl.StringArrayVarP(&opts.headers, "header", "H", nil, "add a request header 'Name: value' (repeatable; 'Name:' drops a default)")
	fl.Uint64Var(&opts.seed, "seed", 0, "random seed: the same seed sends the same requests (default: random)")
	fl.StringSliceVar(&opts.only, "only", nil, "run only these cases: names, groups (spelling, delivery) or patterns (*/signatures_*), comma-separated")
	fl.BoolVar(&opts.list, "list", false, "list the cases and what each checks; send nothing")
	fl.StringVar(&opts.saveFailures, "save-failures", "", "write each failing case's requests into this directory, as fixtures for send")
	fl.DurationVar(&opts.timeout, "timeout", 10*time.Second, "every request must be answered within this; half of it is flagged as slow")
	fl.StringVar(&opts.format, "format", "text", "output: "+strings.Join(fixtures.ReportFormats, "|"))
	fl.BoolVar(&opts.insecure, "insecure", false, "accept any TLS certificate (a handler with a self-signed one)")
	_ = cmd.MarkFlagDirname("save-failures")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(fixtures.ReportFormats...))
	_ = cmd.RegisterFlagCompletionFunc("only", completeCases)
	return cmd
}

func checkRun(cmd *cobra.Command, f *Factory, opts checkOptions, started time.Time) error {
	if !slices.Contains(fixtures.ReportFormats, opts.format) {
		return flagErrorf("unknown --format %q: use %s", opts.format, strings.Join(fixtures.ReportFormats, ", "))
	}
	if opts.timeout <= 0 {
		return flagErrorf("--timeout must be positive, got %s", opts.timeout)
	}
	suite := replay.CheckSuite(opts.seed)
	cases, err := replay.SelectCases(suite, opts.only)
	if err != nil {
		var unknown *replay.UnknownCaseError
		if errors.As(err, &unknown) {
			if near := nearest(unknown.Name, caseNames(suite)); near != "" {
				return flagErrorf("--only: %v (did you mean %s?)", err, near)
			}
		}
		return flagErrorf("--only: %v", err)
	}
	if opts.list {
		return replay.WriteCheckList(f.IO.Out, cases, resultStyles(f.IO.ColorOut()))
	}
	if opts.to == "" {
		return flagErrorf("no target: pass --to URL, like --to http://localhost:3000/webhook (or set check.to in portant-hooks.yaml)")
	}
	header := replay.DefaultHeader("portant-hooks/" + buildVersion())
	if err := replay.AddHeaders(header, opts.headers); err != nil {
		return flagErrorf("-H: %v", err)
	}
	client := httpx.NewClient(httpx.ClientOptions{Timeout: opts.timeout, Insecure: opts.insecure, Connections: replay.Lanes(cases)})
	sender, err := replay.NewSender(client, opts.to, replay.WithHeader(header))
	if err != nil {
		return flagErrorf("--to: %v", err)
	}
	// The text report goes out case by case, for a person watching.
	text := replay.CheckText{W: f.IO.Out, Styles: resultStyles(f.IO.ColorOut())}
	copts := replay.CheckOptions{Timeout: opts.timeout, Seed: opts.seed}
	if opts.format == "text" {
		copts.Progress = func(res replay.CheckResult) { _ = text.Case(res) }
		if err := text.Start(sender.Target(), cases, opts.seed); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	rep, err := replay.Check(cmd.Context(), sender, cases, copts)
	var dead *replay.UnreachableError
	switch {
	case errors.As(err, &dead):
		return &exitError{Code: exitFailed, err: fmt.Errorf("%v Check --to (config check.to); nothing more was sent", err)}
	case err != nil:
		return err // interrupted
	}
	if opts.format != "text" {
		if err := writeReport(f, opts.format, rep.Suite()); err != nil {
			return err
		}
	} else if err := text.End(rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if opts.saveFailures != "" {
		dirs, err := rep.SaveFailures(opts.saveFailures)
		if len(dirs) > 0 {
			fmt.Fprintf(f.IO.Err, "saved the requests of %s into %s; replay one with: portant-hooks send %s --to %s\n",
				plural(len(dirs), "failing case"), opts.saveFailures, dirs[0], sender.Target())
		}
		if err != nil {
			return &exitError{Code: exitUsage, reported: true,
				err: fmt.Errorf("--save-failures: %v (pass a directory you can write, or leave it out)", err)}
		}
	}
	if _, _, failed := rep.Counts(); failed > 0 {
		return errCheckFailed
	}
	return nil
}

func caseNames(cases []replay.CheckCase) []string {
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.Name
	}
	return names
}

// completeCases completes --only with case names and groups, item by item.
func completeCases(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, current := listItem(toComplete)
	var out []cobra.Completion
	seen := map[string]bool{}
	for _, name := range caseNames(replay.CheckSuite(0)) {
		group, _, _ := strings.Cut(name, "/")
		for _, n := range []string{group, name} {
			if !seen[n] && strings.HasPrefix(n, current) {
				seen[n] = true
				out = append(out, done+n)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
