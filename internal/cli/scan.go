package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rampart-sec/rampart/internal/scan"
)

// scanFlags are the options of `rampart scan`.
type scanFlags struct {
	openapi     string
	auth, auth2 string
	headers     []string
	active      bool
	maxRequests int
	rate        float64
	format      string
	out         string
	failOn      string
	caFile      string
	timeout     time.Duration
}

func newScanCmd(s *streams) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan URL",
		Short: "Probe a running API for the OWASP API Top 10 and common mistakes",
		Long: `scan probes the API at URL and reports each weakness with evidence and a fix.

It prints its plan first, never leaves URL's scheme+host+port, and stays within
--max-requests and --rate. Passive checks are the default; --active adds
state-changing requests and attack payloads (SQL injection, SSRF, mass
assignment): use it only against an API you own, never production data.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or connection error.
See docs/scan.md for every check and the JSON schema.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), s, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.openapi, "openapi", "", "OpenAPI 3.x / Swagger 2.0 description (file or URL); default: discover")
	fl.StringVar(&f.auth, "auth", "", "Authorization header value of the first identity, e.g. 'Bearer eyJ…'")
	fl.StringVar(&f.auth2, "auth2", "", "Authorization header value of a second, lower-privileged identity (authorization checks)")
	fl.StringArrayVar(&f.headers, "header", nil, "extra header 'Name: value' for every request (repeatable)")
	fl.BoolVar(&f.active, "active", false, "send state-changing requests and attack payloads")
	fl.IntVar(&f.maxRequests, "max-requests", scan.DefaultMaxRequests, "most requests to send")
	fl.Float64Var(&f.rate, "rate", scan.DefaultRate, "most requests per second")
	fl.StringVar(&f.format, "format", "text", "report format: text, json, sarif or html")
	fl.StringVarP(&f.out, "out", "o", "", "write the report to this file (default: stdout)")
	fl.StringVar(&f.failOn, "fail-on", "medium", "exit 1 when a finding is at or above: low, medium or high")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM file of CA certificates the target's certificate should chain to (default: system roots)")
	fl.DurationVar(&f.timeout, "timeout", scan.DefaultTimeout, "timeout of each request")
	return cmd
}

func runScan(ctx context.Context, s *streams, f scanFlags, target string) error {
	failOn, err := scan.ParseSeverity(f.failOn)
	if err != nil || failOn == scan.SeverityInfo {
		return usagef("--fail-on: want low, medium or high, got %q", f.failOn)
	}
	switch f.format {
	case "text", "json", "sarif", "html":
	default:
		return usagef("--format: want text, json, sarif or html, got %q", f.format)
	}
	if f.maxRequests <= 0 {
		return usagef("--max-requests: must be positive, got %d", f.maxRequests)
	}
	if f.rate <= 0 {
		return usagef("--rate: must be positive, got %g", f.rate)
	}
	if _, err := scan.ParseTarget(target); err != nil {
		return usageError{err}
	}
	headers := http.Header{}
	for _, h := range f.headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t") {
			return usagef("--header %q: want 'Name: value'", h)
		}
		headers.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	o := scan.Options{Target: target, Auth: f.auth, Auth2: f.auth2, Headers: headers, Active: f.active,
		MaxRequests: f.maxRequests, Rate: f.rate, Timeout: f.timeout, Plan: s.err}
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return usagef("--ca-file: %v", err)
		}
		o.RootCAs = x509.NewCertPool()
		if !o.RootCAs.AppendCertsFromPEM(pem) {
			return usagef("--ca-file %s: no PEM certificate in it", f.caFile)
		}
	}
	if f.openapi != "" {
		if o.OpenAPI, err = readSpec(ctx, f.openapi, f.timeout); err != nil {
			return usageError{err}
		}
		o.OpenAPISource = f.openapi
	}
	// A report for --out is rendered in memory and written once the scan
	// has succeeded: a scan that fails leaves the previous report alone.
	var out io.Writer = s.out
	var buf bytes.Buffer
	colour := false
	if f.out != "" {
		out = &buf
	} else if fd, ok := s.out.(*os.File); ok && f.format == "text" {
		colour = term.IsTerminal(int(fd.Fd())) && os.Getenv("NO_COLOR") == ""
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	report, err := scan.Run(ctx, o)
	if err != nil {
		if errors.Is(err, scan.ErrUnreachable) || errors.Is(err, scan.ErrBadSpec) || errors.Is(err, scan.ErrBadOptions) {
			return usageError{err}
		}
		return err
	}
	ver, _, _ := buildInfo()
	switch f.format {
	case "json":
		err = report.WriteJSON(out)
	case "sarif":
		err = report.WriteSARIF(out, ver)
	case "html":
		err = report.WriteHTML(out)
	default:
		err = report.WriteText(out, colour)
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if f.out != "" {
		if err := os.WriteFile(f.out, buf.Bytes(), 0o666); err != nil { // WriteFile reports a failed close
			return usagef("--out: %v", err)
		}
		fmt.Fprintf(s.err, "report written to %s\n", f.out)
	}
	if report.AtOrAbove(failOn) {
		n := 0
		for _, fd := range report.Findings {
			if fd.Severity >= failOn {
				n++
			}
		}
		return fmt.Errorf("%d finding(s) at or above %s", n, failOn)
	}
	return nil
}

// readSpec reads an OpenAPI description from a file or an http(s) URL. A URL
// given here is the user's explicit choice: it may be on another host.
func readSpec(ctx context.Context, src string, timeout time.Duration) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("--openapi: %w", err)
		}
		return b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("--openapi %s: %w", src, err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("--openapi: fetching %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("--openapi: fetching %s: status %s", src, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("--openapi: reading %s: %w", src, err)
	}
	return b, nil
}
