package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// newViper makes the config file reader. The environment is read by
// applyConfig itself (envName), flag by flag, so that a bad value names
// its variable.
func newViper() *viper.Viper { return viper.New() }

// loadConfig reads --config, else ./portant-hooks.yaml, else
// <user config dir>/portant-hooks/config.yaml. Only an explicit --config
// must exist.
func loadConfig(v *viper.Viper, explicit string) error {
	if explicit != "" {
		return readConfig(v, explicit)
	}
	candidates := []string{"portant-hooks.yaml"}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "portant-hooks", "config.yaml"))
	}
	for _, path := range candidates {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		return readConfig(v, path)
	}
	return nil
}

func readConfig(v *viper.Viper, path string) error {
	v.SetConfigFile(path)
	err := v.ReadInConfig()
	var pe *fs.PathError
	var parse viper.ConfigParseError
	var unsupported viper.UnsupportedConfigError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return inputErrorf("cannot read config file %s: %v", path, pe.Err)
	case errors.As(err, &unsupported):
		return inputErrorf("cannot read config file %s: its name must end in .yaml, .yml, .json or .toml", path)
	case errors.As(err, &parse) && strings.Contains(err.Error(), "cannot unmarshal"):
		// The file parsed but is not a mapping (a list, a lone value).
		return inputErrorf("config file %s: the top level must be a mapping of commands to their settings, such as\n  listen:\n    port: 7678", path)
	case errors.As(err, &parse):
		return inputErrorf("config file %s is not valid: %v", path, parse.Unwrap())
	}
	return inputErrorf("cannot read config file %s: %v", path, err)
}

// configKey is the viper key of a flag: "<command>.<flag>" for a command's
// own flags (send.to, listen.port), the flag name for global ones.
func configKey(cmd *cobra.Command, flag *pflag.Flag) string {
	if cmd.Root().PersistentFlags().Lookup(flag.Name) == flag {
		return flag.Name
	}
	path := strings.Fields(cmd.CommandPath())[1:] // drop the binary's name
	return strings.Join(append(path, flag.Name), ".")
}

// notConfigurable are the flags that have no config key: they choose the
// configuration or print help.
var notConfigurable = []string{"config", "help", "version"}

// applyConfig gives every flag the user did not set on the command line
// its value from the environment or the config file, so the command's
// options struct holds the resolved value whatever its source: flag > env
// > config file > default. Binding happens at run time, for the command
// being run only, so two commands with a flag of the same name never fight
// over a key.
func applyConfig(cmd *cobra.Command, v *viper.Viper) error {
	var errs []error
	cmd.Flags().VisitAll(func(flag *pflag.Flag) {
		if slices.Contains(notConfigurable, flag.Name) || flag.Changed {
			return
		}
		key := configKey(cmd, flag)
		if env := envName(key); os.Getenv(env) != "" { // viper ignores empty variables too
			if err := flag.Value.Set(os.Getenv(env)); err != nil {
				errs = append(errs, inputErrorf("environment variable %s: %s", env, badValue(flag, os.Getenv(env), err)))
				return
			}
			flag.Changed = true
			return
		}
		if !v.InConfig(key) {
			return
		}
		vals, err := configValues(flag, v.Get(key))
		if err == nil {
			for _, val := range vals {
				if err = flag.Value.Set(val); err != nil {
					err = errors.New(badValue(flag, val, err))
					break
				}
			}
		}
		if err != nil {
			errs = append(errs, inputErrorf("config file %s: %s: %v", v.ConfigFileUsed(), key, err))
			return
		}
		flag.Changed = true
	})
	return errors.Join(errs...)
}

// envName is the environment variable of a config key: send.to is
// PORTANT_HOOKS_SEND_TO, listen.max-body PORTANT_HOOKS_LISTEN_MAX_BODY.
func envName(key string) string {
	return "PORTANT_HOOKS_" + strings.ToUpper(envKeyReplacer.Replace(key))
}

var envKeyReplacer = strings.NewReplacer(".", "_", "-", "_")

// configValues turns a value from the config file into flag values: one for
// a scalar, one per element of a list for a repeatable flag (-H). Anything
// else is the wrong shape for the flag.
func configValues(flag *pflag.Flag, val any) ([]string, error) {
	_, repeatable := flag.Value.(pflag.SliceValue)
	switch x := val.(type) {
	case nil:
		return nil, fmt.Errorf("no value: expected %s", valueKind(flag))
	case []any:
		if !repeatable {
			return nil, fmt.Errorf("expected %s, got a list (only repeatable flags such as send.header take one)", valueKind(flag))
		}
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := scalarString(e)
			if !ok {
				return nil, fmt.Errorf("item %d: expected a string, got %s", i+1, shape(e))
			}
			out[i] = s
		}
		return out, nil
	}
	s, ok := scalarString(val)
	if !ok {
		return nil, fmt.Errorf("expected %s, got %s", valueKind(flag), shape(val))
	}
	return []string{s}, nil
}

// scalarString writes a YAML, JSON or TOML scalar as the flag would be
// given it on the command line (1000000, not 1e+06).
func scalarString(val any) (string, bool) {
	switch x := val.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int, int64, int32, uint, uint64, uint32:
		return fmt.Sprint(x), true
	}
	return "", false
}

func shape(val any) string {
	switch val.(type) {
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%v", val)
}

// valueKind says in words what a flag's value must be.
func valueKind(flag *pflag.Flag) string {
	switch flag.Value.Type() {
	case "int", "int8", "int16", "int32", "int64", "count":
		return "a whole number"
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number, 0 or more"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 500ms, 10s or 1m30s"
	case "stringArray", "stringSlice":
		return "a string, or a list of strings"
	}
	return "a string"
}

// builtinKinds are the flag types whose parse errors come from strconv or
// time and say nothing a user needs beyond the expected kind.
var builtinKinds = []string{"int", "int8", "int16", "int32", "int64", "count", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "bool", "duration"}

// badValue says why val cannot be the value of flag, in the user's terms
// rather than strconv's.
func badValue(flag *pflag.Flag, val string, cause error) string {
	if !slices.Contains(builtinKinds, flag.Value.Type()) {
		return fmt.Sprintf("%q: %v", val, cause)
	}
	if errors.Is(cause, strconv.ErrRange) {
		return fmt.Sprintf("%q is out of range: expected %s", val, valueKind(flag))
	}
	return fmt.Sprintf("expected %s, got %q", valueKind(flag), val)
}

// knownKeys lists every config key the command tree has.
func knownKeys(root *cobra.Command) []string {
	var keys []string
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(flag *pflag.Flag) {
			if !slices.Contains(notConfigurable, flag.Name) && !flag.Hidden {
				keys = append(keys, configKey(c, flag))
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// unknownKeys warns about every key of the config file that no flag has,
// with the nearest known key: a misspelt key is otherwise silently ignored.
func unknownKeys(root *cobra.Command, v *viper.Viper) []string {
	if v.ConfigFileUsed() == "" {
		return nil
	}
	known := knownKeys(root)
	var warnings []string
	keys := v.AllKeys()
	slices.Sort(keys)
	for _, key := range keys {
		if slices.Contains(known, key) || slices.ContainsFunc(known, func(k string) bool { return strings.HasPrefix(key, k+".") }) {
			continue // a known key holding a mapping: applyConfig reports its type
		}
		msg := fmt.Sprintf("config file %s: unknown key %s, ignored", v.ConfigFileUsed(), key)
		command, _, nested := strings.Cut(key, ".")
		if flags := keysUnder(command, known); !nested && len(flags) > 0 {
			warnings = append(warnings, fmt.Sprintf("config file %s: %s holds the settings of portant-hooks %s (%s), not a value: ignored", v.ConfigFileUsed(), key, command, strings.Join(flags, ", ")))
			continue
		}
		if near := nearest(key, known); near != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		} else if flags := keysUnder(command, known); len(flags) > 0 {
			msg += fmt.Sprintf(" (%s takes %s)", command, strings.Join(flags, ", "))
		} else {
			msg += " (keys are <command>.<flag>, such as listen.port or send.to)"
		}
		warnings = append(warnings, msg)
	}
	return warnings
}

// keysUnder lists the flags known under command.
func keysUnder(command string, known []string) []string {
	var flags []string
	for _, k := range known {
		if flag, ok := strings.CutPrefix(k, command+"."); ok {
			flags = append(flags, flag)
		}
	}
	return flags
}

// nearest returns the candidate closest to s by edit distance, if it is
// close enough to be the likely intent: a few typos, or the right flag
// under the wrong command.
func nearest(s string, candidates []string) string {
	best, bestDist := "", max(3, len(s)/4+1) // further is a guess, not a typo
	for _, c := range candidates {
		d := editDistance(s, c)
		if _, flag, ok := strings.Cut(c, "."); ok && strings.HasSuffix(s, "."+flag) {
			d = min(d, 2) // send.port when listen.port exists
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
