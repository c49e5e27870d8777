package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/password"
)

// loadConfig reads the file named by --config or $RAMPART_CONFIG (none: the
// defaults) and applies the environment.
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		path = os.Getenv("RAMPART_CONFIG")
	}
	return config.Load(path, os.Environ())
}

// openApp loads the config and opens the database and keyring. Warnings (such
// as a newly created master key file) go to stderr.
func openApp(cmd *cobra.Command, s *streams) (*app.App, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return app.Open(cmd.Context(), cfg, log)
}

// withApp runs fn with an open App and closes it afterwards.
func withApp(s *streams, fn func(ctx context.Context, a *app.App, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := openApp(cmd, s)
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(cmd.Context(), a, cmd, args)
	}
}

// readSecretStdin reads a password or key from stdin: everything up to EOF,
// without one trailing newline. Secrets never travel on argv, where any local
// user can read them with ps.
func readSecretStdin(in io.Reader, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(in, 64<<10))
	if err != nil {
		return "", fmt.Errorf("reading %s from stdin: %w", what, err)
	}
	v := strings.TrimSuffix(string(b), "\n")
	v = strings.TrimSuffix(v, "\r")
	if v == "" {
		return "", fmt.Errorf("reading %s from stdin: got nothing", what)
	}
	if strings.ContainsAny(v, "\r\n") {
		return "", fmt.Errorf("reading %s from stdin: more than one line", what)
	}
	return v, nil
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes rows aligned in columns, under header unless it is nil.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// timeText renders a time for tables: RFC 3339 in UTC, or "-" when zero.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// timeJSON renders a time for JSON: RFC 3339 in UTC, or nil when zero.
func timeJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func listText(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ",")
}

// parseLifetime parses "90d", "12h", "30m", "1y" or "never" (0).
func parseLifetime(s string) (time.Duration, error) {
	if s == "never" {
		return 0, nil
	}
	bad := usagef("--expires %q: want a duration like 90d, 12h or 30m, or \"never\"", s)
	if s == "" {
		return 0, bad
	}
	unit := s[len(s)-1]
	if unit == 'd' || unit == 'y' || unit == 'w' {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 {
			return 0, bad
		}
		day := 24 * time.Hour
		switch unit {
		case 'd':
			return time.Duration(n) * day, nil
		case 'w':
			return time.Duration(n) * 7 * day, nil
		default:
			return time.Duration(n) * 365 * day, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// errorsJoinLines renders errors one per line.
func errorsJoinLines(errs []error) error {
	var b bytes.Buffer
	for i, e := range errs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return errors.New(b.String())
}

// hashScheme names the scheme of a stored password hash for listings.
func hashScheme(hash string) string {
	if hash == "" {
		return "none"
	}
	sc, err := password.Identify(hash)
	if err != nil {
		return "unusable"
	}
	return string(sc)
}
