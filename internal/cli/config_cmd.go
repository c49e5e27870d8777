package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/internal/config"
)

// newConfigCmd is `rampart config`: check a config file, print the defaults.
func newConfigCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check a config file or print the default one",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q (see --help)", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newConfigCheckCmd(s), newConfigDefaultsCmd(s))
	return cmd
}

func newConfigCheckCmd(s *streams) *cobra.Command {
	var printCfg bool
	cmd := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a config file without starting anything",
		Long: `Check reads FILE (or --config, or $RAMPART_CONFIG), applies RAMPART_*
environment overrides and validates the result. It prints "FILE: OK" and exits 0,
or prints every problem, one per line on stderr, and exits 1.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("%s: expected at most 1 argument, got %d (see --help)", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(cmd, args)
			if err != nil {
				return err
			}
			environ := os.Environ()
			for _, w := range config.EnvWarnings(environ) {
				fmt.Fprintf(s.err, "warning: %s\n", w)
			}
			cfg, err := config.Load(path, environ)
			if err != nil {
				var errs config.Errors
				if !errors.As(err, &errs) {
					return err
				}
				for _, e := range errs {
					fmt.Fprintln(s.err, e)
				}
				if len(errs) == 1 {
					return fmt.Errorf("%s: 1 problem", path)
				}
				return fmt.Errorf("%s: %d problems", path, len(errs))
			}
			if _, err := fmt.Fprintf(s.out, "%s: OK\n", path); err != nil {
				return err
			}
			if !printCfg {
				return nil
			}
			out, err := cfg.Redacted()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(s.out, "# effective configuration: file, then environment, over defaults; secrets redacted\n%s", out)
			return err
		},
	}
	cmd.Flags().BoolVar(&printCfg, "print", false, "also print the effective configuration, secrets redacted")
	return cmd
}

// configPath is the file to check: the argument, else --config, else
// $RAMPART_CONFIG.
func configPath(cmd *cobra.Command, args []string) (string, error) {
	flag, _ := cmd.Flags().GetString("config")
	switch {
	case len(args) == 1 && flag != "" && flag != args[0]:
		return "", usagef("%s: got FILE %q and --config %q; give one", cmd.CommandPath(), args[0], flag)
	case len(args) == 1:
		return args[0], nil
	case flag != "":
		return flag, nil
	case os.Getenv("RAMPART_CONFIG") != "":
		return os.Getenv("RAMPART_CONFIG"), nil
	}
	return "", usagef("%s: no config file given; pass FILE, --config FILE, or set RAMPART_CONFIG", cmd.CommandPath())
}

func newConfigDefaultsCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "defaults",
		Short: "Print a complete, commented config file with every default",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := s.out.Write(config.DefaultFile())
			return err
		},
	}
}
