package cmd

import (
	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/spf13/cobra"
)

func newSchemaCmd(f *Factory) *cobra.Command {
	var strict bool
	cmd := &cobra.Command{
		Use:   "schema [--strict]",
		Short: "Print the JSON Schema (draft 2020-12) of a Portant event",
		Long: `Print the JSON Schema (draft 2020-12) that validate uses, for editors and
other languages' validators.

The default schema requires every documented field with its JSON type and
allows unknown extra properties (Portant may add fields). --strict also
refuses unknown properties, asserts formats (email, uri) and checks the
patterns of ids and statuses.`,
		Example: `  portant-hooks schema > portant-event.schema.json
  portant-hooks schema --strict | jq .title`,
		Args: argsUsage(noArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := f.IO.Out.Write(fixtures.Schema(strict))
			return err
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "print the strict schema")
	return cmd
}
