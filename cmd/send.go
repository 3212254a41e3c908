package cmd

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/portant-hooks/portant-hooks/replay"
	"github.com/spf13/cobra"
)

type sendOptions struct {
	to          string
	headers     []string
	typ         string
	count       int
	seed        uint64
	seedSet     bool
	casing      string
	workflow    string
	items       int
	itemsSet    bool
	sets        []string
	newID       bool
	repeatEach  int
	shuffle     bool
	withHeaders bool
	concurrency int
	rate        string
	timeout     time.Duration
	retries     int
	insecure    bool
	json        bool
	dryRun      bool
}

// colorWarn marks warnings and 3xx/4xx answers (yellow).
const colorWarn = lipgloss.Color("214")

// maxWarned is how many schema-breaking events get their problems printed
// before the rest are only counted.
const maxWarned = 10

func newSendCmd(f *Factory) *cobra.Command {
	var opts sendOptions
	cmd := &cobra.Command{
		Use:     "send [FILE|DIR|GLOB|-]... | --type TYPE|all --to URL",
		Aliases: []string{"replay"},
		Short:   "Send saved or synthetic events to your handler",
		Long: `Send events to your webhook handler: files, directories (every *.json, in
name order, so a listen capture directory replays in arrival order), globs,
"-" for standard input (one event, or NDJSON); or synthetic events of a type,
or all four, with --type; or with --workflow and --items, the events a
workflow with those blocks sends for each source item, in order, sharing
documents and recipients as Portant does.

Saved files are sent byte for byte unless you ask for a change: --set
PATH=VALUE (gjson path; VALUE is JSON if it parses, else a string), --new-id
for fresh eventIds, --repeat-each N to deliver each event N times with the
same eventId, --shuffle to mix the order.

A source that is not JSON stops the run before anything is sent (exit 2); an
event that breaks the schema is sent with a warning, so you can test your
handler's error path. Exit status: 0 when every event got a 2xx, 1 when any
did not, 2 for usage errors and unreadable sources.

The target and headers can live in the config file (send.to, send.header) or
the environment (PORTANT_HOOKS_SEND_TO).`,
		Example: `  portant-hooks send portant-events/ --to localhost:3000/webhooks/portant
  portant-hooks send --type all --count 25 -c 8 --to http://localhost:3000/hook
  portant-hooks send --workflow docs,email,signature --items 20 -c 4 --to $URL
  portant-hooks send fixtures/signed.json --repeat-each 3 --shuffle --to $URL
  portant-hooks send capture.json --set data.recipients.0.status=DECLINED --to $URL
  portant-hooks send portant-events/ --with-headers -H 'X-Portant-Hooks-Token: s3cret' --to $URL
  portant-hooks generate all --compact | portant-hooks send - --json --to $URL | jq .status
  portant-hooks send --type emails_created --dry-run --to $URL`,
		Args: argsUsage(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.seedSet = cmd.Flags().Changed("seed")
			opts.itemsSet = cmd.Flags().Changed("items")
			return sendRun(cmd.Context(), f, opts, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.to, "to", "", "URL of your handler (http:// is assumed without a scheme)")
	fl.StringArrayVarP(&opts.headers, "header", "H", nil, "add a request header 'Name: value' (repeatable; 'Name:' drops a default)")
	fl.StringVar(&opts.typ, "type", "", "send synthetic events of this type (or several, comma-separated, or all)")
	fl.IntVarP(&opts.count, "count", "n", 1, "events per type with --type; times over the saved events otherwise")
	fl.Uint64Var(&opts.seed, "seed", 0, "random seed for synthetic events, --new-id and --shuffle (default: random)")
	fl.StringVar(&opts.casing, "casing", "", "key spelling of synthetic events: camel, snake, or mixed for one picked per event (default: as the vendor's examples)")
	fl.StringVar(&opts.workflow, "workflow", "", "send the events of a workflow with these blocks, in order: docs, email, signature (comma-separated)")
	fl.IntVar(&opts.items, "items", 1, "with --workflow: source items, each sending the workflow's events in order (items interleave under -c)")
	fl.StringArrayVar(&opts.sets, "set", nil, "change a field before sending: PATH=VALUE (repeatable)")
	fl.BoolVar(&opts.newID, "new-id", false, "give every event a fresh eventId (to get past a handler's deduplication)")
	fl.IntVar(&opts.repeatEach, "repeat-each", 1, "send every event N times in a row with the same eventId")
	fl.BoolVar(&opts.shuffle, "shuffle", false, "send in a random order (reproducible with --seed)")
	fl.BoolVar(&opts.withHeaders, "with-headers", false, "replay the headers captured with each file (from events.ndjson beside it)")
	fl.IntVarP(&opts.concurrency, "concurrency", "c", 1, "requests in flight at once (1 keeps the order)")
	fl.StringVar(&opts.rate, "rate", "0", "at most this many requests, retries included: 50 or 50/s, 300/m, 1/500ms (0: no limit)")
	fl.DurationVar(&opts.timeout, "timeout", 10*time.Second, "give up on an attempt after this long")
	fl.IntVar(&opts.retries, "retries", 0, "retry an event up to N times after a connection error, 5xx or 429 (backoff with jitter, Retry-After honoured)")
	fl.BoolVar(&opts.insecure, "insecure", false, "accept any TLS certificate (a handler with a self-signed one)")
	fl.BoolVar(&opts.json, "json", false, "print one NDJSON result per event on stdout, nothing else")
	fl.BoolVar(&opts.dryRun, "dry-run", false, "print the requests that would be sent, send nothing")
	_ = cmd.RegisterFlagCompletionFunc("type", completeTypes(true, true))
	_ = cmd.RegisterFlagCompletionFunc("casing", completeWords(fixtures.CasingNames...))
	_ = cmd.RegisterFlagCompletionFunc("workflow", completeBlocks)
	return cmd
}

func sendRun(ctx context.Context, f *Factory, opts sendOptions, args []string) error {
	switch {
	case opts.count < 1:
		return flagErrorf("--count must be at least 1, got %d", opts.count)
	case opts.repeatEach < 1:
		return flagErrorf("--repeat-each must be at least 1, got %d", opts.repeatEach)
	case opts.concurrency < 1:
		return flagErrorf("--concurrency must be at least 1, got %d", opts.concurrency)
	case opts.retries < 0:
		return flagErrorf("--retries cannot be negative, got %d", opts.retries)
	case opts.timeout <= 0:
		return flagErrorf("--timeout must be positive, got %s", opts.timeout)
	case countStdin(args) > 1:
		return flagErrorf("standard input (-) can be named only once")
	}
	perSecond, err := replay.ParseRate(opts.rate)
	if err != nil {
		return flagErrorf("--rate: %v", err)
	}
	defaults := replay.DefaultHeader("portant-hooks/" + buildVersion())
	header := defaults.Clone()
	if err := replay.AddHeaders(header, opts.headers); err != nil {
		return flagErrorf("-H: %v", err)
	}
	var sets []replay.Set
	for _, s := range opts.sets {
		set, err := replay.ParseSet(s)
		if err != nil {
			return flagErrorf("--set %v", err)
		}
		sets = append(sets, set)
	}
	var types []fixtures.EventType
	if opts.typ != "" {
		for _, part := range strings.Split(opts.typ, ",") {
			ts, err := fixtures.ParseTypes(part)
			if err != nil {
				return flagErrorf("--type: %v", err)
			}
			types = append(types, ts...)
		}
	}
	casing, err := fixtures.ParseCasing(opts.casing)
	if err != nil {
		return flagErrorf("--casing: %v", err)
	}
	if !opts.seedSet {
		opts.seed = rand.Uint64()
	}
	var workflow *replay.Workflow
	switch {
	case opts.workflow != "":
		wf, err := parseWorkflow(opts.workflow, opts.items, opts.seed, casing)
		if err != nil {
			return err
		}
		workflow = &replay.Workflow{Workflow: wf, Set: sets, Lanes: opts.concurrency}
	case opts.itemsSet:
		return flagErrorf("--items needs --workflow")
	}
	if len(args) == 0 && len(types) == 0 && workflow == nil {
		return flagErrorf("nothing to send: name files, directories or globs, - for standard input, --type TYPE|all for synthetic events, or --workflow docs,email,signature")
	}
	var target string // checked before anything is read, sent or not
	switch {
	case opts.to != "":
		u, err := httpx.ParseTarget(opts.to)
		if err != nil {
			return flagErrorf("--to: %v", err)
		}
		target = u.String()
	case !opts.dryRun:
		return flagErrorf("no target: pass --to URL, like --to http://localhost:3000/webhook (or set send.to in portant-hooks.yaml)")
	}

	validator, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		return err
	}
	w := newWarner(f)
	var sources []replay.Source
	if len(args) > 0 {
		ins, err := inputs.Expand(args)
		if err != nil {
			return inputErrorf("%v", err)
		}
		events, err := replay.Load(ins, f.IO.In, replay.LoadOptions{
			Validator: validator, Set: sets, WithHeaders: opts.withHeaders, Warn: w.warn,
		})
		if err != nil {
			return sourceErrors(f, err)
		}
		for i, ev := range events {
			if ev.Header != nil {
				events[i].Header = replay.CapturedHeader(defaults, ev.Header, opts.headers)
			}
			w.invalid(ev.Source, ev.Problems)
		}
		sources = append(sources, replay.Rounds(opts.count, events))
	}
	if len(types) > 0 {
		syn := replay.Synthetic{Types: types, Count: opts.count, Seed: opts.seed, Casing: casing, Set: sets}
		problems, err := syn.Check(validator)
		if err != nil {
			return inputErrorf("%v; nothing was sent", err)
		}
		for _, t := range types {
			w.invalid("synthetic "+string(t)+" (after --set)", problems[t])
		}
		sources = append(sources, syn)
	}
	if workflow != nil {
		problems, err := workflow.Check(validator)
		if err != nil {
			return inputErrorf("%v; nothing was sent", err)
		}
		for _, t := range workflow.Types() {
			w.invalid("workflow "+string(t)+" (after --set)", problems[t])
		}
		sources = append(sources, *workflow)
	}
	w.done()
	plan := replay.Plan{RepeatEach: opts.repeatEach, NewID: opts.newID, Shuffle: opts.shuffle, Seed: opts.seed}
	events := plan.Events(sources...)

	if opts.dryRun {
		n, err := replay.DryRun(f.IO.Out, events, target, header, opts.json)
		if err != nil {
			return fmt.Errorf("write dry run: %w", err)
		}
		to := target
		if to == "" {
			to = replay.URLVariable + " (no --to given)"
		}
		fmt.Fprintf(f.IO.Err, "dry run: %s to %s, nothing sent\n", plural(n, "request"), to)
		return nil
	}
	client := httpx.NewClient(httpx.ClientOptions{Timeout: opts.timeout, Insecure: opts.insecure, Connections: opts.concurrency})
	sender, err := replay.NewSender(client, target,
		replay.WithHeader(header),
		replay.WithConcurrency(opts.concurrency),
		replay.WithRate(perSecond),
		replay.WithRetries(opts.retries),
	)
	if err != nil {
		return flagErrorf("--to: %v", err)
	}
	width := f.IO.OutWidth
	if f.IO.OutTTY && width == 0 {
		width = replay.LineWidth
	}
	stats, err := replay.Run(ctx, sender, events, replay.Output{
		Out: f.IO.Out, JSON: opts.json, Live: f.IO.OutTTY, Width: width, Err: f.IO.Err,
		OutStyles: resultStyles(f.IO.ColorOut()), ErrStyles: resultStyles(f.IO.ColorErr()),
	})
	seeded := len(types) > 0 || workflow != nil || opts.newID || opts.shuffle
	if seeded && !opts.seedSet && stats.Sent > 0 {
		fmt.Fprintf(f.IO.Err, "  seed %d (--seed %d sends the same events in the same order again)\n", opts.seed, opts.seed)
	}
	var dead *replay.UnreachableError
	switch {
	case errors.As(err, &dead):
		return &exitError{Code: exitFailed, err: fmt.Errorf("%v Check --to (config send.to); nothing more was sent", dead)}
	case errors.Is(err, replay.ErrFailed):
		return errCheckFailed
	}
	return err
}

// sourceErrors reports sources that cannot be sent: each on its own line,
// then why nothing was sent.
func sourceErrors(f *Factory, err error) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	if len(errs) == 1 {
		return inputErrorf("%v; nothing was sent", errs[0])
	}
	for _, e := range errs {
		fmt.Fprintln(f.IO.Err, display.Text(e.Error()))
	}
	return inputErrorf("%d sources cannot be sent (above); nothing was sent", len(errs))
}

// warner prints warnings on stderr, and the schema problems of the first
// few events that break it.
type warner struct {
	f       *Factory
	prefix  string
	warned  int
	skipped int
}

func newWarner(f *Factory) *warner {
	r := renderer(nil, f.IO.ColorErr())
	return &warner{f: f, prefix: r.NewStyle().Foreground(colorWarn).Render("warning:") + " "}
}

// warn prints msg, which may name a source (a file name is anybody's
// bytes), with whatever could drive the terminal escaped.
func (w *warner) warn(msg string) { fmt.Fprintln(w.f.IO.Err, w.prefix+display.Line(msg)) }

func (w *warner) invalid(source string, problems []fixtures.Problem) {
	if len(problems) == 0 {
		return
	}
	if w.warned == maxWarned {
		w.skipped++
		return
	}
	w.warned++
	for _, p := range problems {
		msg := fmt.Sprintf("%s:%d:%d: ", source, p.Line, p.Column)
		if p.Pointer != "" {
			msg += p.Pointer + ": "
		}
		w.warn(msg + p.Message + " (sent anyway)")
	}
}

func (w *warner) done() {
	if w.skipped > 0 {
		w.warn(fmt.Sprintf("%d more events break the schema (sent anyway); run portant-hooks validate on them for details", w.skipped))
	}
}

func resultStyles(color bool) replay.Styles {
	if !color {
		return replay.Styles{}
	}
	r := renderer(nil, true)
	return replay.Styles{
		Good:  r.NewStyle().Foreground(colorGood).Bold(true).Render,
		Warn:  r.NewStyle().Foreground(colorWarn).Bold(true).Render,
		Bad:   r.NewStyle().Foreground(colorBad).Bold(true).Render,
		Faint: r.NewStyle().Faint(true).Render,
	}
}
