package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/internal/depaudit"
)

// newAuditCmd is the parent of the audit commands. It holds no flags of its
// own so that each subcommand (deps, and the audit-trail commands) stays
// independent.
func newAuditCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit dependencies and the audit trail",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("%s: name a subcommand (see --help)", cmd.CommandPath())
		},
	}
	cmd.AddCommand(newAuditDepsCmd(s), newAuditVerifyCmd(s), newAuditTailCmd(s), newAuditSearchCmd(s), newAuditPruneCmd(s))
	return cmd
}

// auditDepsFlags are the flags of `rampart audit deps`.
type auditDepsFlags struct {
	format  string
	failOn  string
	offline bool
	db      string
	osvAPI  string
	timeout time.Duration
	reach   bool
}

// newAuditDepsCmd is `rampart audit deps`: vulnerable and outdated
// dependencies of the Go, Python and Node projects under a directory.
func newAuditDepsCmd(s *streams) *cobra.Command {
	var f auditDepsFlags
	cmd := &cobra.Command{
		Use:   "deps [DIR]",
		Short: "Find vulnerable and outdated Go, Python and Node dependencies",
		Long: `Reads go.mod/go.sum, requirements*.txt, poetry.lock, Pipfile.lock and
package-lock.json under DIR (default: the current directory; node_modules,
vendor, testdata and hidden folders are skipped), matches every pinned
version against OSV advisories, and asks each registry for newer releases.

Online, advisories come from the OSV API and newer versions from the Go module
proxy (GOPROXY, GONOPROXY/GOPRIVATE), PyPI and the npm registry
(NPM_CONFIG_REGISTRY). With --offline --db DIR nothing is asked over the
network: advisories are read from OSV JSON files in DIR (a folder of *.json,
or a golang.org/x/vulndb tree with data/osv/), and the report says which
registries were not asked.

Exit status: 0 when no finding is at or above --fail-on and every file was
read; 1 when one is (a finding whose advisory has no severity, as in the Go
database, counts at every level) or when a file could not be parsed, so the
audit is incomplete; 2 for a usage error.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("%s: expected at most 1 argument, got %d (see --help)", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runAuditDeps(cmd.Context(), s, dir, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "report format: "+strings.Join(depaudit.Formats(), ", "))
	fl.StringVar(&f.failOn, "fail-on", "low", "exit 1 on a finding at or above this severity: low, medium, high, critical")
	fl.BoolVar(&f.offline, "offline", false, "ask no network service; read advisories from --db")
	fl.StringVar(&f.db, "db", "", "directory of OSV JSON advisories (required with --offline)")
	fl.StringVar(&f.osvAPI, "osv-api", depaudit.DefaultOSVAPI, "base URL of the OSV API (online mode)")
	fl.BoolVar(&f.reach, "reachability", false, "for Go modules, run govulncheck (golang.org/x/vuln) to tell called, imported and merely required vulnerable code apart; needs the go command and the module's dependencies")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up on network lookups after this long")
	return cmd
}

// runAuditDeps runs the audit, writes the report to stdout, and turns the
// result into the exit status.
func runAuditDeps(ctx context.Context, s *streams, dir string, f auditDepsFlags) error {
	if !slices.Contains(depaudit.Formats(), f.format) {
		return usagef("--format %q: want one of %s", f.format, strings.Join(depaudit.Formats(), ", "))
	}
	level, err := depaudit.ParseLevel(f.failOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	if f.offline && f.db == "" {
		return usagef("--offline needs --db DIR (a directory of OSV JSON files)")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	client := &http.Client{Timeout: time.Minute}
	opts := depaudit.Options{Offline: f.offline}
	if f.db != "" {
		db, err := depaudit.LoadDB(f.db)
		if err != nil {
			return err
		}
		opts.Source = db
	} else {
		opts.Source = depaudit.NewOSVClient(f.osvAPI, client)
	}
	if !f.offline {
		opts.Registries = map[depaudit.Ecosystem]depaudit.Registry{
			depaudit.Go:   depaudit.NewGoProxy(os.Getenv, client),
			depaudit.PyPI: depaudit.NewPyPIRegistry(os.Getenv("RAMPART_PYPI_URL"), client),
			depaudit.Npm:  depaudit.NewNpmRegistry(os.Getenv("NPM_CONFIG_REGISTRY"), client),
		}
	}
	rep, err := depaudit.Audit(ctx, dir, opts)
	if err != nil {
		return err
	}
	if f.reach {
		govulnDB := depaudit.DefaultGoVulnDB
		if f.db != "" {
			if govulnDB, err = depaudit.GoVulnDBURL(f.db); err != nil {
				return err
			}
		}
		depaudit.AnnotateReachability(ctx, rep, govulnDB, os.Environ())
	}
	if err := depaudit.Write(s.out, rep, f.format); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	switch {
	case rep.Fails(level):
		return exitf(1, "audit deps: %d finding(s) at or above %s (or of unknown severity)", rep.CountFailing(level), level)
	case rep.Incomplete():
		return exitf(1, "audit deps: incomplete: a lock file could not be read (see the report's problems)")
	}
	return nil
}
