package depaudit

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// writeText renders a report for a terminal: findings first, then outdated
// packages, registries not asked and problems, then a one-line summary.
func writeText(w io.Writer, rep *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "rampart audit deps: %s\n", rep.Root)
	fmt.Fprintf(bw, "advisories: %s\n", rep.Source)
	fmt.Fprintf(bw, "read %d file(s), %d pinned package(s)\n", len(rep.Files), len(rep.Packages))
	if len(rep.Findings) > 0 {
		fmt.Fprintf(bw, "\nVulnerable (%d):\n", len(rep.Findings))
		for _, f := range rep.Findings {
			ids := f.ID
			if len(f.Aliases) > 0 {
				ids += " (" + strings.Join(f.Aliases, ", ") + ")"
			}
			fmt.Fprintf(bw, "  %s %s %s  [%s]\n", f.Ecosystem, f.Name, f.Version, severityText(f.Severity))
			fmt.Fprintf(bw, "    %s: %s\n", ids, f.Summary)
			fmt.Fprintf(bw, "    fixed in: %s\n", fixedText(f))
			if f.Reachability != "" {
				fmt.Fprintf(bw, "    reachability: %s\n", f.Reachability)
			}
			fmt.Fprintf(bw, "    at %s  %s\n", location(f.Package), f.URL)
		}
	}
	if len(rep.Outdated) > 0 {
		fmt.Fprintf(bw, "\nOutdated (%d):\n", len(rep.Outdated))
		for _, o := range rep.Outdated {
			fmt.Fprintf(bw, "  %s %s %s -> %s  (%s)\n", o.Ecosystem, o.Name, o.Version, o.Latest, location(o.Package))
		}
	}
	if len(rep.NotAsked) > 0 {
		fmt.Fprintln(bw, "\nNot checked for newer versions:")
		for _, n := range rep.NotAsked {
			fmt.Fprintf(bw, "  %s\n", n)
		}
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(bw, "\nProblems (%d):\n", len(rep.Problems))
		for _, p := range rep.Problems {
			tag := "warning"
			if p.Fatal {
				tag = "error"
			}
			fmt.Fprintf(bw, "  %s: %s\n", tag, p)
		}
	}
	status := "no known vulnerabilities"
	if n := len(rep.Findings); n > 0 {
		status = fmt.Sprintf("%d vulnerable package version(s)", n)
	}
	if rep.Incomplete() {
		status += "; audit INCOMPLETE (see problems)"
	}
	fmt.Fprintf(bw, "\n%s, %d outdated\n", status, len(rep.Outdated))
	return bw.Flush()
}
