// Package cmd holds the cobra commands: flags, configuration, wiring and the
// choice of output. The work itself lives in capture, replay and fixtures.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
	ctx, stop := signalContext()
	defer stop()
	return runArgs(ctx, systemStreams(), os.Args[1:])
}

// signalContext is cancelled by the first Ctrl-C or SIGTERM, which asks the
// command to stop cleanly (listen prints its summary). The signals then go
// back to the system, so a second one ends the process even when the
// command cannot stop: stuck reading a named pipe, or a hung network disk.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// runArgs executes args against a fresh command tree and returns the exit code.
func runArgs(ctx context.Context, io *IOStreams, args []string) int {
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

// report prints the error a command ended with. Its text may quote a file
// name, a flag's value or a payload's bytes: whatever could drive the
// terminal is escaped (its lines are kept).
func report(io *IOStreams, root *cobra.Command, args []string, err error, interrupted bool) {
	var fe *flagError
	var ee *exitError
	msg := display.Text(err.Error())
	switch {
	case errors.As(err, &fe) || isCobraUsageError(err):
		fmt.Fprintf(io.Err, "Error: %s\n", msg)
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
		fmt.Fprintf(io.Err, "Error: %s\n", msg)
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
  check      find the bugs in your handler: the cases real delivery sends
  validate   check fixture files against the event schema (for CI)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Name() == cobra.ShellCompRequestCmd {
				return nil // completing a command line: nothing to configure, nothing to say
			}
			if err := loadConfig(f.Viper, configFile); err != nil {
				return err
			}
			warning := renderer(nil, f.IO.ColorErr() && !noColor).NewStyle().Foreground(colorWarn).Render("warning:")
			for _, w := range unknownKeys(cmd.Root(), f.Viper) {
				fmt.Fprintln(f.IO.Err, warning, w)
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
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{flagValueError(err)} })
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&configFile, "config", "", "config file (default ./portant-hooks.yaml, then the user config dir)")
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml", "json", "toml")
	root.PersistentFlags().BoolVar(&noColor, "no-color", false, "never print colour (also: NO_COLOR set to any non-empty value, or TERM=dumb)")

	root.AddCommand(
		newListenCmd(f),
		newValidateCmd(f),
		newSchemaCmd(f),
		newGenerateCmd(f),
		newSendCmd(f),
		newCheckCmd(f),
		newScrubCmd(f),
		newVersionCmd(f),
		newCompletionCmd(f),
	)
	root.InitDefaultHelpCmd()
	strictHelp(root)
	registerCompletions(root)
	return root
}

// flagValueError says what a flag's value must be, where pflag would pass
// on strconv's message ("strconv.ParseInt: parsing "x": invalid syntax").
func flagValueError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	flag := ive.GetFlag()
	name := "--" + flag.Name
	if flag.Shorthand != "" {
		name = "-" + flag.Shorthand + ", " + name
	}
	return fmt.Errorf("invalid value for %s: %s", name, badValue(flag, ive.GetValue(), errors.Unwrap(ive)))
}

// strictHelp makes "help nosuch" a usage error (exit 2) rather than a
// usage page and exit 0, so a typo in a script is noticed.
func strictHelp(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "help" {
			continue
		}
		show := c.Run
		c.Run = nil
		c.RunE = func(c *cobra.Command, args []string) error {
			if found, _, err := c.Root().Find(args); found == nil || err != nil {
				topic := strings.Join(args, " ")
				msg := fmt.Sprintf("unknown help topic %q", topic)
				if s := c.Root().SuggestionsFor(args[0]); len(s) > 0 {
					msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
				}
				return inputErrorf("%s: run '%s --help' for the list of commands", msg, c.Root().Name())
			}
			show(c, args)
			return nil
		}
	}
}

// argsUsage makes argument checks usage errors.
func argsUsage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &flagError{err}
		}
		return nil
	}
}

// noArgs is the argument check of a command that takes none: it names
// what it was given (cobra says "unknown command").
func noArgs(cmd *cobra.Command, args []string) error {
	return noArgsBut(cmd, args, "give its options as flags")
}

// noArgsBut is noArgs saying todo: what to type instead.
func noArgsBut(cmd *cobra.Command, args []string, todo string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments (got %s): %s", cmd.CommandPath(), quoted(args), todo)
	}
	return nil
}

// inputArgs is the argument check of a command that reads the files it is
// given, for what to do with them: "validate".
func inputArgs(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("name the files, directories or globs to %s (or - for standard input)", what)
		}
		return nil
	}
}

// quoted is args for a message: "a" "b".
func quoted(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}
