package cmd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/spf13/cobra"
)

func newGenerateCmd(f *Factory) *cobra.Command {
	var (
		opts     fixtures.GenerateOptions
		casing   string
		workflow string
	)
	cmd := &cobra.Command{
		Use:   "generate TYPE|all | --workflow BLOCKS",
		Short: "Print realistic synthetic events, or write them as fixture files",
		Long: `Print realistic synthetic events of a type (or all four), or write them as
fixture files with --out. TYPE takes any common spelling: DOCUMENTS_CREATED,
documents_created, documents-created, documents.created.

With --workflow (blocks in order: docs, email, signature) and --items N, print
the events such a workflow sends for each of N source items, item by item:
documents, recipients and people emailed shared as Portant shares them, and
SIGNATURES_COMPLETED after its SIGNATURES_REQUESTED.

Events carry 1 to 3 documents, emails and recipients, and names in several
scripts and lengths. Keys follow the vendor's documented examples unless
--casing says otherwise. The same --seed gives the same bytes.`,
		Example: `  portant-hooks generate documents_created
  portant-hooks generate all --count 5 --seed 42 --out fixtures/
  portant-hooks generate emails-created --casing snake --compact | jq .
  portant-hooks generate --workflow docs,email,signature --items 3 --out run/`,
		ValidArgsFunction: completeTypes(true, false),
		Args: argsUsage(func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("name one type (or all), got %s", quoted(args))
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Casing, err = fixtures.ParseCasing(casing); err != nil {
				return flagErrorf("--casing: %v", err)
			}
			if !cmd.Flags().Changed("seed") {
				opts.Seed = rand.Uint64()
			}
			switch {
			case workflow != "" && len(args) > 0:
				return flagErrorf("give a TYPE or --workflow, not both")
			case workflow != "" && cmd.Flags().Changed("count"):
				return flagErrorf("--count is for TYPE: a workflow takes --items")
			case workflow != "":
				if opts.Workflow, err = parseWorkflow(workflow, opts.Workflow.Count, opts.Seed, opts.Casing); err != nil {
					return err
				}
			case len(args) == 0:
				return flagErrorf("name a type (or all), or a workflow with --workflow docs,email,signature")
			case cmd.Flags().Changed("items"):
				return flagErrorf("--items needs --workflow")
			default:
				if opts.Types, err = fixtures.ParseTypes(args[0]); err != nil {
					return flagErrorf("%v", err)
				}
				if opts.Count < 1 {
					return flagErrorf("--count must be at least 1, got %d", opts.Count)
				}
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
	fl.StringVar(&workflow, "workflow", "", "the events of a workflow with these blocks, in order: docs, email, signature (comma-separated)")
	fl.IntVar(&opts.Workflow.Count, "items", 1, "with --workflow: source items, each sending the workflow's events")
	_ = cmd.MarkFlagDirname("out")
	_ = cmd.RegisterFlagCompletionFunc("casing", completeWords(fixtures.CasingNames...))
	_ = cmd.RegisterFlagCompletionFunc("workflow", completeBlocks)
	return cmd
}

// parseWorkflow reads --workflow and --items, for generate and send.
func parseWorkflow(blocks string, items int, seed uint64, casing fixtures.Casing) (fixtures.Workflow, error) {
	bs, err := fixtures.ParseBlocks(blocks)
	if err != nil {
		return fixtures.Workflow{}, flagErrorf("--workflow: %v", err)
	}
	if items < 1 {
		return fixtures.Workflow{}, flagErrorf("--items must be at least 1, got %d", items)
	}
	return fixtures.Workflow{Blocks: bs, Count: items, Seed: seed, Casing: casing}, nil
}

// completeBlocks completes a --workflow list block by block
// (docs,em<TAB>), offering the blocks not yet in it.
func completeBlocks(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, current := listItem(toComplete)
	var out []cobra.Completion
	for _, b := range fixtures.BlockNames {
		if !slices.Contains(strings.Split(done, ","), b) && hasFoldPrefix(b, current) {
			out = append(out, done+inCaseOf(current, b))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
