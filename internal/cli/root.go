// Package cli holds rampart's commands, one file per command group.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// streams are the standard streams a command reads and writes. Commands never
// touch os.Stdin/os.Stdout directly so tests can run them in process.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// usageError marks an error caused by how the command was invoked; it exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// Main runs rampart with args (without the program name) and returns the exit
// status: 0 on success, 1 on failure, 2 on a usage error.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := &streams{in: stdin, out: stdout, err: stderr}
	root := newRoot(s)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "rampart: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	var ec exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	return 1
}

func newRoot(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "rampart",
		Short:         "A secure front door for HTTP APIs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringP("config", "c", "", "config file (default: $RAMPART_CONFIG, else built-in defaults)")
	root.AddCommand(
		newVersionCmd(s),
		newServeCmd(s),
		newConfigCmd(s),
		newUserCmd(s),
		newRoleCmd(s),
		newAPIKeyCmd(s),
		newSecretsCmd(s),
		newClientCmd(s),
		newKeysCmd(s),
		newFernetCmd(s),
		newAuditCmd(s),
		newScanCmd(s),
	)
	return root
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s: expected %d argument(s), got %d (see --help)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
