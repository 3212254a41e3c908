package cmd

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/spf13/cobra"
)

type scrubOptions struct {
	out     string
	seed    uint64
	seedSet bool
	inPlace bool
}

func newScrubCmd(f *Factory) *cobra.Command {
	var opts scrubOptions
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
under the same name (a directory's layout is kept; its events.ndjson journal,
which holds headers and addresses, is not copied). The input is never
overwritten unless you pass --in-place.`,
		Example: `  portant-hooks scrub portant-events/20260101T100000.000000Z-000001-EMAILS_CREATED-eac17961e3ed.json
  portant-hooks scrub portant-events/ --out testdata/events/
  portant-hooks scrub captured.json --seed 7 > fixtures/signed.json
  portant-hooks scrub fixtures/real/*.json --in-place`,
		Args: argsUsage(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.seedSet = cmd.Flags().Changed("seed")
			return scrubRun(f, opts, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.out, "out", "o", "", "write the scrubbed files into this directory, under the same names")
	fl.Uint64Var(&opts.seed, "seed", 0, "random seed, for the same replacements every time (default: random)")
	fl.BoolVar(&opts.inPlace, "in-place", false, "overwrite each input with its scrubbed version")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

// scrubItem is one input and the name its output gets under --out.
type scrubItem struct {
	in  inputs.Input
	rel string
}

func scrubRun(f *Factory, opts scrubOptions, args []string) error {
	if opts.out != "" && opts.inPlace {
		return flagErrorf("--out and --in-place cannot be combined: choose where the scrubbed files go")
	}
	if n := countStdin(args); n > 1 {
		return flagErrorf("standard input (-) can be named only once")
	}
	var items []scrubItem
	sawDir := false
	for _, arg := range args {
		if arg == inputs.Stdin {
			if opts.out != "" || opts.inPlace {
				return flagErrorf("standard input (-) is scrubbed to standard output: drop --out/--in-place, or redirect")
			}
			items = append(items, scrubItem{in: inputs.Input{Name: "<stdin>"}})
			continue
		}
		ins, err := inputs.Expand([]string{arg})
		if err != nil {
			return inputErrorf("%v", err)
		}
		info, statErr := os.Stat(arg)
		isDir := statErr == nil && info.IsDir()
		sawDir = sawDir || isDir
		for _, in := range ins {
			rel := filepath.Base(in.Path)
			if isDir {
				if r, err := filepath.Rel(arg, in.Path); err == nil {
					rel = r
				}
			}
			items = append(items, scrubItem{in: in, rel: rel})
		}
	}
	if opts.out == "" && !opts.inPlace && (len(items) > 1 || sawDir) {
		return flagErrorf("scrubbing %s needs --out DIR (or --in-place to overwrite them)", plural(len(items), "file"))
	}
	if opts.out != "" {
		seen := map[string]string{}
		for _, it := range items {
			if prev, ok := seen[it.rel]; ok {
				return flagErrorf("%s and %s would both be written to %s: scrub them into different --out directories", prev, it.in.Name, filepath.Join(opts.out, it.rel))
			}
			seen[it.rel] = it.in.Name
		}
	}
	if !opts.seedSet {
		opts.seed = rand.Uint64()
	}
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		return err
	}
	failed, written := 0, 0
	for _, it := range items {
		if err := scrubOne(f, v, opts, it); err != nil {
			fmt.Fprintln(f.IO.Err, err)
			failed++
			continue
		}
		written++
	}
	if opts.out != "" || opts.inPlace {
		where := "in place"
		if opts.out != "" {
			where = "into " + opts.out
		}
		fmt.Fprintf(f.IO.Err, "scrubbed %s %s (seed %d)\n", plural(written, "file"), where, opts.seed)
	}
	if failed > 0 {
		return inputErrorf("%s could not be scrubbed (above)", plural(failed, "file"))
	}
	return nil
}

func scrubOne(f *Factory, v *fixtures.Validator, opts scrubOptions, it scrubItem) error {
	doc, err := it.in.Read(f.IO.In)
	if err != nil {
		return err
	}
	before := v.Validate(doc)
	if before.Syntax {
		p := before.Problems[0]
		return fmt.Errorf("%s:%d:%d: %s", it.in.Name, p.Line, p.Column, p.Message)
	}
	seed := opts.seed
	if !it.in.IsStdin() {
		// Each file its own replacements: two captures do not share
		// synthetic people by accident.
		h := fnv.New64a()
		h.Write([]byte(filepath.Base(it.in.Path)))
		seed ^= h.Sum64()
	}
	out, err := fixtures.Scrub(doc, seed)
	if err != nil {
		return fmt.Errorf("%s: %v", it.in.Name, err)
	}
	if before.Valid() {
		if after := v.Validate(out); !after.Valid() {
			return fmt.Errorf("%s: the scrubbed event no longer validates (%s): this is a bug, please report it", it.in.Name, after.Problems[0].Message)
		}
	}
	var dest string
	switch {
	case opts.inPlace:
		dest = it.in.Path
	case opts.out != "":
		dest = filepath.Join(opts.out, it.rel)
		if same(dest, it.in.Path) {
			return fmt.Errorf("%s: --out would overwrite the input: choose another directory, or pass --in-place", it.in.Name)
		}
	default:
		_, err := f.IO.Out.Write(out)
		return err
	}
	if err := writeFileAtomic(dest, out); err != nil {
		return fmt.Errorf("write %s: %v", dest, unwrapPathError(err))
	}
	fmt.Fprintln(f.IO.Out, dest)
	return nil
}

func same(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}

// writeFileAtomic writes through a temporary file in the same directory
// and a rename, so a reader (or a crash) never sees half a fixture.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".scrub-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
