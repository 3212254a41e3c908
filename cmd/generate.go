package cmd

import (
	"math/rand/v2"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/spf13/cobra"
)

func newGenerateCmd(f *Factory) *cobra.Command {
	var (
		opts   fixtures.GenerateOptions
		casing string
	)
	cmd := &cobra.Command{
		Use:   "generate TYPE|all",
		Short: "Print realistic synthetic events, or write them as fixture files",
		Long: `Print realistic synthetic events of a type (or all four), or write them as
fixture files with --out. TYPE takes any common spelling: DOCUMENTS_CREATED,
documents_created, documents-created, documents.created.

Keys follow the vendor's documented examples unless --casing says otherwise.
The same --seed gives the same bytes.`,
		Example: `  portant-hooks generate documents_created
  portant-hooks generate all --count 5 --seed 42 --out fixtures/
  portant-hooks generate emails-created --casing snake --compact | jq .`,
		ValidArgs: append(fixtures.TypeNames(), "all"),
		Args:      argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Types, err = fixtures.ParseTypes(args[0]); err != nil {
				return flagErrorf("%v", err)
			}
			if opts.Casing, err = fixtures.ParseCasing(casing); err != nil {
				return flagErrorf("--casing: %v", err)
			}
			if opts.Count < 1 {
				return flagErrorf("--count must be at least 1, got %d", opts.Count)
			}
			if !cmd.Flags().Changed("seed") {
				opts.Seed = rand.Uint64()
			}
			opts.Stdout, opts.Stderr = f.IO.Out, f.IO.Err
			if err := fixtures.Generate(opts); err != nil {
				return inputErrorf("%v", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&opts.Count, "count", "n", 1, "events per type")
	fl.Uint64Var(&opts.Seed, "seed", 0, "random seed, for the same events every time (default: random)")
	fl.StringVar(&casing, "casing", "", "key spelling: camel, snake, or mixed for one picked per event (default: as the vendor's examples)")
	fl.StringVarP(&opts.Out, "out", "o", "", "write one file per event into this directory instead of printing")
	fl.BoolVar(&opts.Compact, "compact", false, "print one event per line (NDJSON)")
	_ = cmd.RegisterFlagCompletionFunc("casing", cobra.FixedCompletions(fixtures.CasingNames, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
