package cmd

import (
	"errors"
	"math/rand/v2"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
	"github.com/spf13/cobra"
)

func newScrubCmd(f *Factory) *cobra.Command {
	var opts fixtures.ScrubOptions
	cmd := &cobra.Command{
		Use:   "scrub FILE|DIR|GLOB|-... [--out DIR]",
		Short: "Replace the personal data in captured events with synthetic values",
		Long: `Rewrite the personal data in captured events (email addresses, names,
subjects, URLs, document ids, message ids, the eventId) into synthetic values
of the same shape, so a real capture can be committed as a fixture.

The same value gets the same replacement everywhere in a file (a document id
and its URL stay matched), and nothing else changes: key order, key spelling
and formatting are kept, so the event still validates.

One file goes to standard output. With --out DIR every file is written there
(a directory's layout is kept) under its name with the new eventId in place
of the old one, and beside them an events.ndjson journal for them, from the
inputs' journal: the captured headers with their secrets redacted and ids
rewritten as in the bodies, without the client's address or the handler's
answer, so that "send DIR --with-headers" replays them as they came. The
input is never overwritten unless you pass --in-place, which rewrites the
inputs' lines in their journal the same way.`,
		Example: `  portant-hooks scrub portant-events/20260101T100000.000000Z-000001-EMAILS_CREATED-eac17961e3ed.json
  portant-hooks scrub portant-events/ --out testdata/events/
  portant-hooks scrub captured.json --seed 7 > fixtures/signed.json
  portant-hooks scrub fixtures/real/*.json --in-place`,
		Args: argsUsage(inputArgs("scrub")),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("seed") {
				opts.Seed = rand.Uint64()
			}
			opts.Stdin, opts.Stdout, opts.Stderr = f.IO.In, f.IO.Out, f.IO.Err
			opts.Journal = journal.WriteScrubbed
			var usage *fixtures.ScrubUsageError
			switch err := fixtures.ScrubFiles(args, opts); {
			case errors.As(err, &usage):
				return &flagError{err}
			case err != nil:
				return inputErrorf("%v", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Out, "out", "o", "", "write the scrubbed files into this directory, named after their new eventIds, with a journal of their headers")
	fl.Uint64Var(&opts.Seed, "seed", 0, "random seed, for the same replacements every time (default: random)")
	fl.BoolVar(&opts.InPlace, "in-place", false, "overwrite each input with its scrubbed version, and its line in the journal beside it")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}
