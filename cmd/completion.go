package cmd

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newCompletionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a shell completion script.

  bash:        source <(portant-hooks completion bash)
  zsh:         portant-hooks completion zsh > "${fpath[1]}/_portant-hooks"
  fish:        portant-hooks completion fish > ~/.config/fish/completions/portant-hooks.fish
  powershell:  portant-hooks completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: argsUsage(func(cmd *cobra.Command, args []string) error {
			shells := strings.Join(cmd.ValidArgs, ", ")
			switch {
			case len(args) != 1:
				return fmt.Errorf("name one shell: %s", shells)
			case !slices.Contains(cmd.ValidArgs, args[0]):
				return fmt.Errorf("%q is not a shell portant-hooks has completions for: use %s", args[0], shells)
			}
			return nil
		}),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), f.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}

// registerCompletions makes "no file names" the default: a flag that takes
// a value and has neither a completion of its own nor a file or directory
// mark (MarkFlagFilename, MarkFlagDirname) completes nothing, and so does
// the argument of a command that takes none. Shells otherwise offer the
// files of the current directory for --to, --port and the like.
func registerCompletions(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(flag *pflag.Flag) {
			_, marked := flag.Annotations[cobra.BashCompFilenameExt]
			_, dirs := flag.Annotations[cobra.BashCompSubdirsInDir]
			if _, has := c.GetFlagCompletionFunc(flag.Name); has || marked || dirs || flag.NoOptDefVal != "" {
				return // has its own, or takes no value (--strict)
			}
			_ = c.RegisterFlagCompletionFunc(flag.Name, cobra.NoFileCompletions)
		})
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 && c.Args != nil && c.Args(c, []string{"x"}) != nil {
			c.ValidArgsFunction = cobra.NoFileCompletions // takes no arguments
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeWords completes one of words, matched without regard to case
// and offered in the case the user started typing: for values the command
// reads case-insensitively (--casing CAMEL works, so CA<TAB> completes).
func completeWords(words ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, w := range words {
			if hasFoldPrefix(w, toComplete) {
				out = append(out, inCaseOf(toComplete, w))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeTypes completes an event type in whichever spelling the user
// started (DOCUMENTS_CREATED, documents_created, documents-created,
// documents.created: fixtures.ParseType takes them all), with "all" when
// withAll. With list, a comma-separated list is completed item by item
// (send --type documents_created,sig<TAB>).
func completeTypes(withAll, list bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done, current := "", toComplete
		if list {
			done, current = listItem(toComplete)
		}
		typed := current // the spelling to follow: this item's, else the list's so far
		if typed == "" {
			typed = done
		}
		sep := "_"
		if i := strings.IndexAny(typed, "-."); i >= 0 {
			sep = typed[i : i+1]
		}
		names := fixtures.TypeNames()
		if withAll {
			names = append(names, "all")
		}
		var out []cobra.Completion
		for _, name := range names {
			spelt := strings.ReplaceAll(name, "_", sep)
			if !hasFoldPrefix(spelt, current) {
				continue
			}
			if typed != "" || name == "all" {
				spelt = inCaseOf(typed, spelt)
			}
			out = append(out, done+spelt)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// listItem splits a comma-separated list being completed into the items
// done, with the comma after them, and the item being typed.
func listItem(toComplete string) (done, current string) {
	i := strings.LastIndexByte(toComplete, ',')
	return toComplete[:i+1], toComplete[i+1:]
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// inCaseOf writes word in the case of typed: upper case if typed has
// capitals and no small letters, lower case otherwise.
func inCaseOf(typed, word string) string {
	if strings.ContainsFunc(typed, unicode.IsUpper) && !strings.ContainsFunc(typed, unicode.IsLower) {
		return strings.ToUpper(word)
	}
	return strings.ToLower(word)
}
