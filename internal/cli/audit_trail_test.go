package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/store"
)

// trailDB opens the database the CLI uses in this test, for tampering.
func trailDB(t *testing.T, dataDir string) *store.Store {
	t.Helper()
	u := os.Getenv("RAMPART_DATABASE_URL")
	if u == "" {
		u = "sqlite://" + filepath.Join(dataDir, "rampart.db")
	}
	st, err := store.Open(context.Background(), u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// withFileSink configures an audit file sink in the test's data dir and
// returns the dir and the sink's file.
func withFileSink(t *testing.T) (dir, sinkFile string) {
	t.Helper()
	dir = os.Getenv("RAMPART_DATA_DIR")
	sinkFile = filepath.Join(dir, "audit.jsonl")
	cfg := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfg, []byte("version: 1\naudit:\n  sinks:\n    - {type: file, path: "+sinkFile+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RAMPART_CONFIG", cfg)
	return dir, sinkFile
}

func searchJSON(t *testing.T, args ...string) []audit.Event {
	t.Helper()
	out := must(t, "", append([]string{"audit", "search", "--json"}, args...)...)
	var es []audit.Event
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var e audit.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		es = append(es, e)
	}
	return es
}

// Admin changes from the CLI land in the trail (and a file sink) without
// their secrets; `audit verify` passes an untouched chain and names the
// first bad event after each kind of tampering done directly in SQL.
func TestAuditTrailCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		dir, sinkFile := withFileSink(t)

		must(t, "", "role", "create", "analyst", "--permission", "data:read")
		must(t, pw, "user", "add", "alice", "--role", "analyst", "--password-stdin")
		key := strings.TrimSpace(must(t, "", "apikey", "create", "--user", "alice", "--scope", "data:read"))
		var client map[string]any
		json.Unmarshal([]byte(must(t, "", "client", "create", "--name", "svc", "--grant", "client_credentials", "--json")), &client)
		newSecret := must(t, "", "client", "rotate-secret", client["client_id"].(string))
		must(t, "", "user", "disable", "alice")
		must(t, "", "user", "enable", "alice")
		must(t, "new password 12345", "user", "set-password", "alice", "--password-stdin")
		must(t, "", "user", "grant", "alice", "admin")
		must(t, "", "keys", "rotate")

		es := searchJSON(t, "--limit", "1000")
		var types []string
		for _, e := range es {
			types = append(types, string(e.Type))
		}
		want := "admin.role.created admin.user.created admin.apikey.created admin.client.created admin.client.secret_rotated admin.user.disabled admin.user.enabled admin.user.password_set admin.user.roles_granted key.rotated"
		if got := strings.Join(types, " "); got != want {
			t.Fatalf("events:\n got %s\nwant %s", got, want)
		}
		if !strings.HasPrefix(es[0].Actor, "cli") || es[1].Subject != "alice" || es[2].Details["key_id"] == "" {
			t.Fatalf("events = %+v", es[:3])
		}
		// No secret in any event, in the database or the sink copy.
		sink, err := os.ReadFile(sinkFile)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(es)
		for _, s := range []string{pw, "new password 12345", key, strings.SplitN(key, "_", 3)[2] /* rk_<id>_<secret>; the secret may hold '_' itself */, client["client_secret"].(string), strings.TrimSpace(strings.TrimPrefix(newSecret, "client_secret:"))} {
			if strings.Contains(string(raw), s) || strings.Contains(string(sink), s) {
				t.Fatalf("a secret (%.8s…) is in the audit trail", s)
			}
		}
		if n := strings.Count(string(sink), "\n"); n != len(es) {
			t.Fatalf("sink has %d lines, database %d events", n, len(es))
		}

		// Search and tail.
		if got := searchJSON(t, "--type", "admin.user.disabled,admin.user.enabled", "--subject", "alice", "--since", "1h"); len(got) != 2 {
			t.Fatalf("search = %+v", got)
		}
		if got := searchJSON(t, "--until", "1h"); len(got) != 0 {
			t.Fatalf("search --until 1h = %+v", got)
		}
		if out := must(t, "", "audit", "tail", "-n", "2"); !strings.Contains(out, "SEQ") || !strings.Contains(out, "key.rotated") || strings.Contains(out, "password_set") {
			t.Fatalf("tail = %s", out)
		}
		fails(t, 2, "", []string{"audit", "search", "--type", "login.nope"}, "unknown event type")

		out := must(t, "", "audit", "verify")
		if !strings.Contains(out, "intact: 10 event(s)") {
			t.Fatalf("verify = %q", out)
		}

		st := trailDB(t, dir)
		db := st.DB()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(st.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		orig, err := st.AuditEvents(context.Background(), store.AuditQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		restore := func() {
			t.Helper()
			exec("DELETE FROM audit_events")
			for _, e := range orig {
				d, _ := json.Marshal(e.Details)
				exec("INSERT INTO audit_events (seq, id, at, type, actor, subject, client_ip, request_id, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					e.Seq, e.ID, e.Time.UnixMicro(), e.Type, e.Actor, e.Subject, e.ClientIP, e.RequestID, e.Outcome, string(d), e.PrevHash, e.Hash)
			}
			must(t, "", "audit", "verify")
		}
		renumberFrom := func(seq int64) { // make room at seq
			exec("UPDATE audit_events SET seq = seq + 1000 WHERE seq >= ?", seq)
			exec("UPDATE audit_events SET seq = seq - 999 WHERE seq >= ?", seq+1000)
		}
		id := func(seq int64) string { return orig[seq-1].ID }
		cases := []struct {
			name   string
			tamper func()
			want   string
		}{
			{"edit a field", func() { exec("UPDATE audit_events SET subject = 'mallory' WHERE seq = 3") },
				"first bad event: #3 (id " + id(3) + "): its hash does not match its content (edited)"},
			{"edit a detail", func() { exec(`UPDATE audit_events SET details = '{"roles":"admin,analyst"}' WHERE seq = 2`) },
				"first bad event: #2 (id " + id(2) + "): its hash does not match its content (edited)"},
			{"delete a row", func() { exec("DELETE FROM audit_events WHERE seq = 4") },
				"first bad event: #5 (id " + id(5) + "): the sequence jumps from #3 to #5"},
			{"delete the last row", func() { exec("DELETE FROM audit_events WHERE seq = 10") },
				"the chain ends at #9 but its recorded head is #10"},
			{"insert a forged row", func() {
				renumberFrom(4)
				p := orig[2]
				f := audit.Chain(audit.Event{ID: "evt_forged", Time: p.Time, Type: audit.AdminUserRolesGranted, Actor: "cli:root", Subject: "mallory", Outcome: audit.Success},
					audit.Head{Seq: p.Seq, Hash: p.Hash})
				exec("INSERT INTO audit_events (seq, id, at, type, actor, subject, client_ip, request_id, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, '', '', ?, '{}', ?, ?)",
					f.Seq, f.ID, f.Time.UnixMicro(), string(f.Type), f.Actor, f.Subject, string(f.Outcome), f.PrevHash, f.Hash)
			}, "first bad event: #4 (id evt_forged): it is not part of the chain"},
			{"swap two rows", func() {
				exec("UPDATE audit_events SET seq = -1 WHERE seq = 6")
				exec("UPDATE audit_events SET seq = 6 WHERE seq = 7")
				exec("UPDATE audit_events SET seq = 7 WHERE seq = -1")
			}, "first bad event: #6 (id " + id(7) + "): it is out of order"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				defer restore()
				tc.tamper()
				r := fails(t, 1, "", []string{"audit", "verify"}, tc.want)
				if strings.Contains(r.out, "intact") {
					t.Fatalf("verify printed intact: %s", r.out)
				}
			})
		}
		// The restored chain verifies again and keeps growing soundly.
		must(t, "", "role", "delete", "analyst", "--force")
		if out := must(t, "", "audit", "verify", "--json"); !strings.Contains(out, `"events": 11`) {
			t.Fatalf("verify --json = %s", out)
		}
	})
}

// `audit prune` deletes the oldest events and records that it did; the
// chain verifies from the last event deleted, a deletion past that start
// is still found, and the sink receives the audit.pruned event.
func TestAuditPruneCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		dir, sinkFile := withFileSink(t)
		fails(t, 2, "", []string{"audit", "prune"}, "--before is required")
		fails(t, 2, "", []string{"audit", "prune", "--before", "yesterday"}, "want a duration")
		if out := must(t, "", "audit", "prune", "--before", "1h"); !strings.Contains(out, "no audit event recorded before") {
			t.Fatalf("prune of an empty trail: %q", out)
		}
		must(t, "", "role", "create", "old1", "--permission", "data:read")
		must(t, "", "role", "create", "old2", "--permission", "data:read")
		must(t, "", "role", "create", "old3", "--permission", "data:read")
		cut := time.Now()
		time.Sleep(10 * time.Millisecond)
		must(t, "", "role", "create", "new1", "--permission", "data:read")
		must(t, "", "role", "create", "new2", "--permission", "data:read")

		out := must(t, "", "audit", "prune", "--before", cut.UTC().Format(time.RFC3339Nano))
		if !strings.Contains(out, "pruned 3 audit event(s)") || !strings.Contains(out, "starts after #3") {
			t.Fatalf("prune = %q", out)
		}
		es := searchJSON(t, "--limit", "100")
		var subjects []string
		for _, e := range es {
			subjects = append(subjects, e.Subject)
		}
		if len(es) != 3 || es[0].Subject != "new1" || es[1].Subject != "new2" || es[2].Type != audit.AuditPruned ||
			es[2].Details["events"] != "3" || es[2].Details["through_seq"] != "3" || !strings.HasPrefix(es[2].Actor, "cli") {
			t.Fatalf("after pruning: %v %+v", subjects, es)
		}
		if out := must(t, "", "audit", "verify"); !strings.Contains(out, "intact: 3 event(s) after #3") {
			t.Fatalf("verify after prune = %q", out)
		}
		if out := must(t, "", "audit", "prune", "--before", cut.UTC().Format(time.RFC3339Nano)); !strings.Contains(out, "no audit event") {
			t.Fatalf("second prune = %q", out)
		}
		// Deleting past the start is still tampering.
		st := trailDB(t, dir)
		if _, err := st.DB().Exec(st.Rebind("DELETE FROM audit_events WHERE seq = ?"), 4); err != nil {
			t.Fatal(err)
		}
		fails(t, 1, "", []string{"audit", "verify"}, "first bad event: #5")
		sink, err := os.ReadFile(sinkFile)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(sink), `"type":"audit.pruned"`) {
			t.Fatalf("the sink has no audit.pruned event:\n%s", sink)
		}
	})
}

// A secret the command has already made (a new client's, a new API key, a
// rotated client secret whose old one no longer works) is printed even when
// the audit write fails; the command still fails, naming the unrecorded change.
func TestSecretShownWhenAuditWriteFails(t *testing.T) {
	dir := isolate(t)
	must(t, pw, "user", "add", "alice", "--password-stdin")
	var c map[string]string
	json.Unmarshal([]byte(must(t, "", "client", "create", "--name", "svc", "--grant", "client_credentials", "--json")), &c)

	st := trailDB(t, dir)
	if _, err := st.DB().Exec("CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit is down'); END"); err != nil {
		t.Fatal(err)
	}
	const notRecorded = "its audit event could not be recorded"
	for _, tc := range []struct {
		args []string
		want string // on stdout
	}{
		{[]string{"client", "rotate-secret", c["client_id"]}, "client_secret: "},
		{[]string{"client", "rotate-secret", c["client_id"], "--json"}, `"client_secret": "`},
		{[]string{"client", "create", "--name", "svc2", "--grant", "client_credentials"}, "client_secret: "},
		{[]string{"client", "create", "--name", "svc3", "--grant", "client_credentials", "--json"}, `"client_secret": "`},
		{[]string{"apikey", "create", "--user", "alice"}, "rk_"},
		{[]string{"apikey", "create", "--user", "alice", "--json"}, `"key": "rk_`},
	} {
		r := fails(t, 1, "", tc.args, notRecorded, "audit is down")
		if !strings.Contains(r.out, tc.want) {
			t.Errorf("rampart %s: the secret was not printed; stdout %q", strings.Join(tc.args, " "), r.out)
		}
	}
}

// `audit tail --follow` refuses a poll interval that is not positive (a
// ticker cannot have one) instead of panicking.
func TestAuditTailBadInterval(t *testing.T) {
	isolate(t)
	for _, iv := range []string{"0", "-1s"} {
		fails(t, 2, "", []string{"audit", "tail", "--follow", "--interval", iv}, "--interval", "want a positive duration")
	}
}

// Following from an empty trail says so once, then prints the first rows
// that arrive under the table's header, which is not repeated after.
func TestEventWriterFollowFromEmpty(t *testing.T) {
	var b strings.Builder
	w := newEventWriter(&b, false)
	step := func(es ...audit.Event) string {
		t.Helper()
		b.Reset()
		if err := w.write(es); err != nil {
			t.Fatal(err)
		}
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := step(); got != "no audit events\n" {
		t.Fatalf("empty: %q", got)
	}
	if got := step(); got != "" {
		t.Fatalf("still empty: %q", got)
	}
	got := step(audit.Event{Seq: 1, Time: at, Type: audit.AdminUserCreated, Outcome: audit.Success, Subject: "alice"})
	if lines := strings.Split(strings.TrimSpace(got), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "SEQ ") || !strings.HasPrefix(lines[1], "1 ") {
		t.Fatalf("first rows: %q", got)
	}
	got = step(audit.Event{Seq: 2, Time: at, Type: audit.AdminUserDisabled, Outcome: audit.Success, Subject: "alice"})
	if lines := strings.Split(strings.TrimSpace(got), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "2 ") {
		t.Fatalf("later rows: %q", got)
	}
	if got := step(); got != "" {
		t.Fatalf("nothing new: %q", got)
	}
}
