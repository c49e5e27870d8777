package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/store"
)

// newAuditVerifyCmd is `rampart audit verify`: check the hash chain.
func newAuditVerifyCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit trail's hash chain; name the first edited, deleted, inserted or reordered event",
		Long: `Walks every stored audit event in sequence order and checks that each follows the
one before it (no gap), links to its hash, and still hashes to its own stored hash; the
chain must start right after its recorded start (the last event pruned, if any) and end
at the head recorded with the last append.

Exit status: 0 when the chain is intact; 1 when it is not (the first bad event is named)
or when it could not be read.`,
		Args: exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			res, err := a.Audit.Verify(ctx)
			if err != nil {
				return fmt.Errorf("audit verify: reading the chain: %w", err)
			}
			if asJSON {
				if err := printJSON(s.out, res); err != nil {
					return err
				}
			} else if res.Intact() && res.Start.Seq > 0 {
				fmt.Fprintf(s.out, "audit trail intact: %d event(s) after #%d (pruned up to there); head #%d %s\n", res.Events, res.Start.Seq, res.Head.Seq, res.Head.Hash)
			} else if res.Intact() {
				fmt.Fprintf(s.out, "audit trail intact: %d event(s); head #%d %s\n", res.Events, res.Head.Seq, res.Head.Hash)
			}
			if !res.Intact() {
				return exitf(1, "audit verify: first bad event: %s; the chain is intact up to #%d", res.First, res.Head.Seq)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// newAuditPruneCmd is `rampart audit prune`: retention by hand (or cron).
func newAuditPruneCmd(s *streams) *cobra.Command {
	var before string
	cmd := &cobra.Command{
		Use:   "prune --before AGE|TIME",
		Short: "Delete audit events older than a time; the rest of the chain still verifies",
		Long: `Deletes the audit events recorded before --before, in one transaction, and records an
audit.pruned event naming the last one deleted. That event becomes the chain's recorded
start: ` + "`rampart audit verify`" + ` checks the chain from it, and still names any event deleted
past it. Copies already sent to sinks are not touched. audit.retention in the
configuration makes ` + "`rampart serve`" + ` do this once a day.`,
		Example: `  rampart audit prune --before 400d
  rampart audit prune --before 2025-01-01T00:00:00Z`,
		Args: exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			if before == "" {
				return usagef("audit prune: --before is required (an age such as 400d, or an RFC 3339 time)")
			}
			t, err := parseWhen(before, time.Now())
			if err != nil {
				return usagef("--before: %v", err)
			}
			if t.After(time.Now()) {
				return usagef("--before %s: is in the future", before)
			}
			res, err := a.Audit.Prune(ctx, t, app.Operator())
			if err != nil {
				return err
			}
			if res.Events == 0 {
				fmt.Fprintf(s.out, "no audit event recorded before %s\n", t.UTC().Format(time.RFC3339))
				return nil
			}
			fmt.Fprintf(s.out, "pruned %d audit event(s) recorded before %s; the chain now starts after #%d %s\n",
				res.Events, t.UTC().Format(time.RFC3339), res.Through.Seq, res.Through.Hash)
			return nil
		}),
	}
	cmd.Flags().StringVar(&before, "before", "", "delete events recorded before: an age back from now (400d, 720h) or an RFC 3339 time")
	return cmd
}

// newAuditTailCmd is `rampart audit tail`: the latest events, optionally followed.
func newAuditTailCmd(s *streams) *cobra.Command {
	var n int
	var follow, asJSON bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "tail [-n N] [--follow]",
		Short: "Show the latest audit events (and follow new ones)",
		Args:  exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			if n < 1 || n > 10000 {
				return usagef("-n %d: want 1 to 10000", n)
			}
			if follow && every <= 0 {
				return usagef("--interval %s: want a positive duration", every)
			}
			es, err := a.Audit.Events(ctx, store.AuditQuery{Newest: true, Limit: n})
			if err != nil {
				return err
			}
			slices.Reverse(es)
			w := newEventWriter(s.out, asJSON)
			if err := w.write(es); err != nil {
				return err
			}
			if !follow {
				return w.flush()
			}
			last := int64(0)
			if len(es) > 0 {
				last = es[len(es)-1].Seq
			}
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				if err := w.flush(); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
				more, err := a.Audit.Events(ctx, store.AuditQuery{AfterSeq: last, Limit: 1000})
				if err != nil {
					return err
				}
				if len(more) > 0 {
					last = more[len(more)-1].Seq
					if err := w.write(more); err != nil {
						return err
					}
				}
			}
		}),
	}
	cmd.Flags().IntVarP(&n, "lines", "n", 20, "how many of the latest events to show")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events as they are recorded")
	cmd.Flags().DurationVar(&every, "interval", time.Second, "how often --follow polls the database")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON lines")
	return cmd
}

// newAuditSearchCmd is `rampart audit search`.
func newAuditSearchCmd(s *streams) *cobra.Command {
	var since, until, subject string
	var types []string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search [--since 1h] [--until T] [--type T]... [--subject S] [--json] [--limit N]",
		Short: "Find audit events by time, type and subject",
		Example: `  rampart audit search --since 1h --type login.failure --subject alice
  rampart audit search --since 2025-03-01T00:00:00Z --until 2025-03-02T00:00:00Z --json`,
		Args: exactArgs(0),
		RunE: withApp(s, func(ctx context.Context, a *app.App, _ *cobra.Command, _ []string) error {
			now := time.Now()
			q := store.AuditQuery{Subject: subject, Limit: limit}
			var err error
			if q.Since, err = parseWhen(since, now); err != nil {
				return usagef("--since: %v", err)
			}
			if q.Until, err = parseWhen(until, now); err != nil {
				return usagef("--until: %v", err)
			}
			if limit < 1 || limit > 10000 {
				return usagef("--limit %d: want 1 to 10000", limit)
			}
			known := audit.Types()
			for _, t := range types { // StringSliceVar has split "a,b" already
				if !slices.Contains(known, audit.Type(t)) {
					return usagef("--type %q: unknown event type (see docs/audit.md)", t)
				}
				q.Types = append(q.Types, t)
			}
			es, err := a.Audit.Events(ctx, q)
			if err != nil {
				return err
			}
			w := newEventWriter(s.out, asJSON)
			if err := w.write(es); err != nil {
				return err
			}
			return w.flush()
		}),
	}
	cmd.Flags().StringVar(&since, "since", "", "events at or after: a duration back from now (90m, 1h, 7d) or an RFC 3339 time")
	cmd.Flags().StringVar(&until, "until", "", "events before: a duration back from now or an RFC 3339 time")
	cmd.Flags().StringSliceVar(&types, "type", nil, "event type, e.g. login.failure (repeatable)")
	cmd.Flags().StringVar(&subject, "subject", "", "events about this subject (a user name, client id, key id …)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many events, oldest first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON lines")
	return cmd
}

// parseWhen reads "" (unbounded), a duration back from now ("1h", "7d") or an RFC 3339 time.
func parseWhen(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := parseLifetime(v); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want a duration like 1h or 7d, or an RFC 3339 time", v)
}

// eventWriter prints events as a table (header once) or as JSON lines.
type eventWriter struct {
	w      io.Writer
	json   bool
	headed bool // the table's header has been printed
	empty  bool // "no audit events" has been printed
	rows   [][]string
}

var eventHeader = []string{"SEQ", "TIME", "TYPE", "OUTCOME", "ACTOR", "SUBJECT", "CLIENT IP", "DETAILS"}

func newEventWriter(w io.Writer, asJSON bool) *eventWriter {
	return &eventWriter{w: w, json: asJSON}
}

func (ew *eventWriter) write(es []audit.Event) error {
	for _, e := range es {
		if ew.json {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(ew.w, "%s\n", b); err != nil {
				return err
			}
			continue
		}
		ew.rows = append(ew.rows, []string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), string(e.Type),
			string(e.Outcome), dash(e.Actor), dash(e.Subject), dash(e.ClientIP), detailsText(e.Details)})
	}
	return nil
}

// flush prints the table rows gathered so far, with the header the first
// time; when there are none and nothing was printed yet, it says so once.
func (ew *eventWriter) flush() error {
	if ew.json {
		return nil
	}
	if len(ew.rows) == 0 {
		if ew.headed || ew.empty {
			return nil
		}
		ew.empty = true
		_, err := fmt.Fprintln(ew.w, "no audit events")
		return err
	}
	var header []string
	if !ew.headed {
		header = eventHeader
	}
	rows := ew.rows
	ew.rows, ew.headed = nil, true
	return table(ew.w, header, rows)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// detailsText renders details as k=v pairs in key order.
func detailsText(d map[string]string) string {
	if len(d) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := d[k]
		if strings.ContainsAny(v, " \t") {
			v = strconv.Quote(v)
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}
