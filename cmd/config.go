package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

func newViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix("PORTANT_HOOKS")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()
	return v
}

// loadConfig reads --config, else ./portant-hooks.yaml, else
// <user config dir>/portant-hooks/config.yaml. Only an explicit --config
// must exist.
func loadConfig(v *viper.Viper, explicit string) error {
	if explicit != "" {
		v.SetConfigFile(explicit)
		if err := v.ReadInConfig(); err != nil {
			return inputErrorf("read config file %s: %v", explicit, unwrapPathError(err))
		}
		return nil
	}
	candidates := []string{"portant-hooks.yaml"}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "portant-hooks", "config.yaml"))
	}
	for _, path := range candidates {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return inputErrorf("read config file %s: %v", path, err)
		}
		return nil
	}
	return nil
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

// applyConfig gives every flag the user did not set on the command line
// its value from the environment or the config file, so the command's
// options struct holds the resolved value whatever its source: flag > env
// > config file > default. Binding happens at run time, for the command
// being run only, so two commands with a flag of the same name never fight
// over a key.
func applyConfig(cmd *cobra.Command, v *viper.Viper) error {
	var errs []error
	cmd.Flags().VisitAll(func(flag *pflag.Flag) {
		if flag.Name == "config" || flag.Name == "help" || flag.Changed {
			return
		}
		key := configKey(cmd, flag)
		v.SetDefault(key, flag.DefValue)
		if !v.IsSet(key) || !isExplicit(v, key) {
			return
		}
		for _, val := range configValues(v.Get(key)) {
			if err := flag.Value.Set(val); err != nil {
				errs = append(errs, flagErrorf("config %s (env %s): invalid value %q: %v", key, envName(key), val, err))
				return
			}
		}
		flag.Changed = true
	})
	return errors.Join(errs...)
}

// isExplicit reports whether a key was set by the environment or a config
// file rather than by the default we registered.
func isExplicit(v *viper.Viper, key string) bool {
	if _, ok := os.LookupEnv(envName(key)); ok {
		return true
	}
	return v.InConfig(key)
}

func envName(key string) string {
	return "PORTANT_HOOKS_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// configValues turns a config value into flag values: a list gives one
// value per element (for repeatable flags such as -H).
func configValues(val any) []string {
	switch x := val.(type) {
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	case []string:
		return x
	}
	return []string{fmt.Sprint(val)}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
