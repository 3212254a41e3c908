package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/spf13/cobra"
)

type validateOptions struct {
	strict       bool
	typ          string
	schema       string
	assertFormat bool
	format       string
}

func newValidateCmd(f *Factory) *cobra.Command {
	var opts validateOptions
	cmd := &cobra.Command{
		Use:   "validate [FILE|DIR|GLOB|-]...",
		Short: "Check fixture files against the Portant event schema",
		Long: `Check fixture files against the Portant event schema.

Directories are walked for *.json (hidden files and directories such as .git
are skipped), globs are expanded (** included), and "-" reads standard input.
Every problem names the file, line and column, the JSON pointer and what is
wrong:

  fixtures/bad.json:7:19: /data/documents/0/url: not a URI (no scheme, such as https:): "docs/123"

Every document is judged by the schema that "portant-hooks schema" prints
(--strict: "schema --strict"), or by yours with --schema, as JSON Schema
draft 2020-12 says. JSON is read as RFC 8259 says: a file that is not UTF-8
is not JSON, and a member name given twice in one object is a problem.

With --schema, "format" is an annotation, as draft 2020-12 has it, unless
your schema's metaschema turns on the format-assertion vocabulary or you
pass --assert-format. $refs reach the built-in schemas by their $id and
files by their path, never the network.

Exit status: 0 all valid, 1 any invalid, 2 usage error or unreadable input.`,
		Example: `  portant-hooks validate fixtures/
  portant-hooks validate 'testdata/**/*.json' --strict
  portant-hooks validate --format github fixtures/      # annotations in GitHub Actions
  portant-hooks validate --format junit fixtures/ > report.xml
  curl -s https://example.com/hook.json | portant-hooks validate -
  portant-hooks validate --schema our-rules.json fixtures/`,
		Args: argsUsage(inputArgs("validate")),
		RunE: func(cmd *cobra.Command, args []string) error {
			started := time.Now()
			err := validateRun(cmd.Context(), f, opts, args, started)
			return reportUsageError(f, opts.format, fixtures.ValidateSuiteName, started, err)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.strict, "strict", false, "refuse unknown properties, assert formats and id patterns")
	fl.StringVar(&opts.typ, "type", "", "require every event to be of this type")
	fl.StringVar(&opts.schema, "schema", "", "validate against your own draft 2020-12 schema (it may $ref "+fixtures.SchemaID+")")
	fl.BoolVar(&opts.assertFormat, "assert-format", false, "with --schema: check \"format\" (email, uri, date-time, ...) instead of taking it as an annotation")
	fl.StringVar(&opts.format, "format", "text", "output: "+strings.Join(fixtures.ReportFormats, "|"))
	_ = cmd.MarkFlagFilename("schema", "json")
	_ = cmd.RegisterFlagCompletionFunc("type", completeTypes(false, false))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(fixtures.ReportFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func validateRun(ctx context.Context, f *Factory, opts validateOptions, args []string, started time.Time) error {
	if !slices.Contains(fixtures.ReportFormats, opts.format) {
		return flagErrorf("unknown --format %q: use %s", opts.format, strings.Join(fixtures.ReportFormats, ", "))
	}
	vopts := fixtures.Options{Strict: opts.strict, SchemaFile: opts.schema, AssertFormat: opts.assertFormat}
	if opts.typ != "" {
		t, err := fixtures.ParseType(opts.typ)
		if err != nil {
			return flagErrorf("--type: %v", err)
		}
		vopts.Type = t
	}
	if opts.schema != "" && opts.strict {
		return flagErrorf("--schema and --strict cannot be combined: $ref %s from your schema instead", fixtures.StrictSchemaID)
	}
	if opts.assertFormat && opts.schema == "" {
		return flagErrorf("--assert-format applies to --schema: the built-in schemas already say which formats they check")
	}
	if n := countStdin(args); n > 1 {
		return flagErrorf("standard input (-) can be named only once")
	}
	ins, err := inputs.Expand(args)
	if err != nil {
		return inputErrorf("%v", err)
	}
	tuneGC(0)
	v, err := fixtures.NewValidator(vopts)
	if err != nil {
		return inputErrorf("%v", err)
	}
	names := make([]string, len(ins))
	byName := make(map[string]inputs.Input, len(ins))
	for i, in := range ins {
		names[i], byName[in.Name] = in.Name, in
	}
	results, err := v.ValidateFiles(ctx, names, func(name string) ([]byte, error) { return byName[name].Read(f.IO.In) })
	if err != nil {
		return err // interrupted
	}

	if err := writeReport(f, opts.format, fixtures.ValidationSuite(results, started, time.Since(started))); err != nil {
		return err
	}
	sum := fixtures.Summarize(results)
	if opts.format == "text" {
		fmt.Fprintln(f.IO.Err, summaryLine(sum, f.IO.ColorErr()))
	}
	switch {
	case sum.Unreadable > 0:
		return &exitError{Code: exitUsage}
	case sum.Invalid > 0:
		return errCheckFailed
	}
	return nil
}

func writeReport(f *Factory, format string, s fixtures.Suite) error {
	out := f.IO.Out
	var err error
	switch format {
	case "json":
		err = fixtures.WriteJSON(out, s)
	case "github":
		err = fixtures.WriteGitHub(out, s)
	case "junit":
		err = fixtures.WriteJUnit(out, s)
	default:
		err = fixtures.WriteText(out, s, textStyles(f.IO.ColorOut()))
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// reportUsageError writes a machine-read report (json, junit, github),
// named suite, for a run of validate or check that stopped with a message
// before it had one (a usage error, input it cannot use, a target it
// cannot reach), so CI shows the reason rather than an empty or missing
// report. The error still goes to stderr and sets the exit status.
func reportUsageError(f *Factory, format, suite string, started time.Time, err error) error {
	var fe *flagError
	var ee *exitError
	if format == "text" || !slices.Contains(fixtures.ReportFormats, format) ||
		!(errors.As(err, &fe) || errors.As(err, &ee) && ee.err != nil && !ee.reported) {
		return err
	}
	if werr := writeReport(f, format, fixtures.UsageSuite(suite, err, started, time.Since(started))); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

func countStdin(args []string) int {
	n := 0
	for _, a := range args {
		if a == inputs.Stdin {
			n++
		}
	}
	return n
}

func textStyles(color bool) fixtures.Styles {
	if !color {
		return fixtures.Styles{}
	}
	r := renderer(nil, true)
	return fixtures.Styles{
		File:     r.NewStyle().Bold(true).Render,
		Position: r.NewStyle().Faint(true).Render,
		Pointer:  r.NewStyle().Foreground(colorAccent).Render,
		Message:  r.NewStyle().Foreground(colorBad).Render,
	}
}

func summaryLine(s fixtures.Summary, color bool) string {
	r := renderer(nil, color)
	good, bad := r.NewStyle().Foreground(colorGood).Bold(true), r.NewStyle().Foreground(colorBad).Bold(true)
	files := plural(s.Files, "file")
	switch {
	case s.Invalid == 0 && s.Unreadable == 0:
		return good.Render("✓ ") + fmt.Sprintf("%s valid", files)
	case s.Unreadable == 0:
		return bad.Render("✗ ") + fmt.Sprintf("%d of %s invalid (%s)", s.Invalid, files, plural(s.Problems, "problem"))
	}
	return bad.Render("✗ ") + fmt.Sprintf("%d of %s invalid (%s), %d unreadable", s.Invalid, files, plural(s.Problems, "problem"), s.Unreadable)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
