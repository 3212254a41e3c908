// Package cmd holds the cobra commands: flags, configuration, wiring and the
// choice of output. The work itself lives in capture, replay and fixtures.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// Factory is what every command is built from: one per run, so tests build
// a fresh tree with their own streams and configuration.
type Factory struct {
	IO    *IOStreams
	Viper *viper.Viper
}

// Main runs the command line and returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, System(), os.Args[1:])
}

// Run executes args against a fresh command tree and returns the exit code.
func Run(ctx context.Context, io *IOStreams, args []string) int {
	f := &Factory{IO: io, Viper: newViper()}
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	interrupted := ctx.Err() != nil
	if err != nil {
		report(f.IO, root, args, err, interrupted)
	}
	return exitCode(err, interrupted)
}

func report(io *IOStreams, root *cobra.Command, args []string, err error, interrupted bool) {
	var fe *FlagError
	var ee *ExitError
	switch {
	case errors.As(err, &fe) || isCobraUsageError(err):
		fmt.Fprintf(io.Err, "Error: %s\n", err)
		cmd, _, findErr := root.Find(args)
		if findErr != nil || cmd == nil {
			cmd = root
		}
		fmt.Fprintf(io.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
	case errors.As(err, &ee) && ee.err == nil:
		// the command printed its own report
	case interrupted && errors.Is(err, context.Canceled):
		fmt.Fprintln(io.Err, "Interrupted.")
	default:
		fmt.Fprintf(io.Err, "Error: %s\n", err)
	}
}

// isCobraUsageError recognises the errors cobra itself makes for unknown
// commands, which it does not type.
func isCobraUsageError(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ")
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	var (
		configFile string
		noColor    bool
	)
	root := &cobra.Command{
		Use:   "portant-hooks",
		Short: "Listen to, send and validate Portant webhook events",
		Long: `portant-hooks is the developer's companion for Portant webhooks.

  listen     capture the events Portant sends, show them, save them as fixtures
  send       send saved or synthetic events to your handler
  validate   check fixture files against the event schema (for CI)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := loadConfig(f.Viper, configFile); err != nil {
				return err
			}
			if err := applyConfig(cmd, f.Viper); err != nil {
				return err
			}
			if noColor {
				f.IO.DisableColor()
			}
			return nil
		},
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{err} })
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&configFile, "config", "", "config file (default ./portant-hooks.yaml, then the user config dir)")
	root.PersistentFlags().BoolVar(&noColor, "no-color", false, "never print colour (also: NO_COLOR set to anything)")

	root.AddCommand(
		newListenCmd(f),
		newValidateCmd(f),
		newSchemaCmd(f),
		newGenerateCmd(f),
		newSendCmd(f),
		newScrubCmd(f),
		newVersionCmd(f),
		newCompletionCmd(f),
	)
	return root
}

// argsUsage makes cobra's argument checks usage errors.
func argsUsage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &FlagError{err}
		}
		return nil
	}
}
