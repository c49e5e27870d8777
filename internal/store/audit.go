package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AuditEvent is one stored audit event, a link of the hash chain. The
// package audit defines what its fields mean and how Hash is computed; the
// store only keeps them and serialises appends.
type AuditEvent struct {
	Seq       int64
	ID        string
	Time      time.Time
	Type      string
	Actor     string
	Subject   string
	ClientIP  string
	RequestID string
	Outcome   string
	Details   map[string]string
	PrevHash  string
	Hash      string
}

// AuditHead is the end of the chain as recorded by the last append: the
// last event's Seq and Hash (0 and 64 zeros for an empty chain).
type AuditHead struct {
	Seq  int64
	Hash string
}

// AppendAuditEvents appends events in one transaction. It locks the chain
// head (SELECT … FOR UPDATE on PostgreSQL; SQLite's write transactions are
// serialised), calls seal with it, inserts the events seal returns and moves
// the head to the last, all in one transaction: two writers, on one node or
// many, can never link two events to the same predecessor. seal must return
// events numbered from head.Seq+1, the first linked to head.Hash and each
// next one to the one before.
func (s *Store) AppendAuditEvents(ctx context.Context, seal func(head AuditHead) ([]AuditEvent, error)) ([]AuditEvent, error) {
	var out []AuditEvent
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		h, err := s.lockAuditHead(ctx, tx)
		if err != nil {
			return err
		}
		es, err := seal(h)
		if err != nil {
			return err
		}
		if err := s.insertAuditEvents(ctx, tx, h, es); err != nil {
			return err
		}
		out = es
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recording audit events: %w", err)
	}
	return out, nil
}

// lockAuditHead reads the chain head and holds it until tx ends (SELECT …
// FOR UPDATE on PostgreSQL; SQLite's write transactions are serialised).
func (s *Store) lockAuditHead(ctx context.Context, tx *sql.Tx) (AuditHead, error) {
	q := "SELECT seq, hash FROM audit_chain_head WHERE id = 1"
	if s.dialect == Postgres {
		q += " FOR UPDATE"
	}
	var h AuditHead
	if err := tx.QueryRowContext(ctx, q).Scan(&h.Seq, &h.Hash); err != nil {
		return h, fmt.Errorf("reading the audit chain head: %w", err)
	}
	return h, nil
}

// insertAuditEvents inserts es, which must follow head one after the
// other, and moves the recorded head to the last of them.
func (s *Store) insertAuditEvents(ctx context.Context, tx *sql.Tx, head AuditHead, es []AuditEvent) error {
	prev := head
	for _, e := range es {
		if e.Seq != prev.Seq+1 || e.PrevHash != prev.Hash {
			return fmt.Errorf("audit event sealed as #%d after %q, but the head is #%d %q", e.Seq, e.PrevHash, prev.Seq, prev.Hash)
		}
		details := []byte("{}")
		if len(e.Details) > 0 {
			var err error
			if details, err = json.Marshal(e.Details); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO audit_events (seq, id, at, type, actor, subject, client_ip, request_id, outcome, details, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, e.ID, e.Time.UnixMicro(), e.Type, e.Actor, e.Subject, e.ClientIP, e.RequestID, e.Outcome, string(details), e.PrevHash, e.Hash); err != nil {
			return err
		}
		prev = AuditHead{Seq: e.Seq, Hash: e.Hash}
	}
	if len(es) == 0 {
		return nil
	}
	_, err := s.exec(ctx, tx, "UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1", prev.Seq, prev.Hash)
	return err
}

// AuditChainStart returns where the stored chain starts: the last pruned
// event's Seq and Hash (0 and 64 zeros when nothing was pruned).
func (s *Store) AuditChainStart(ctx context.Context) (AuditHead, error) {
	var h AuditHead
	err := s.db.QueryRowContext(ctx, "SELECT start_seq, start_hash FROM audit_chain_head WHERE id = 1").Scan(&h.Seq, &h.Hash)
	return h, s.mapErr(err)
}

// AuditPrune is what PruneAuditEvents removed.
type AuditPrune struct {
	// Events is how many events were deleted.
	Events int64
	// Through is the last deleted event: the chain's new start.
	Through AuditHead
}

// PruneAuditEvents deletes the events recorded before before, in one
// transaction that holds the chain head: the chain's start moves to the
// last deleted event, and seal's event (the record of the pruning, sealed
// after the current head) is appended. Nothing is deleted or appended when
// no event is that old.
func (s *Store) PruneAuditEvents(ctx context.Context, before time.Time, seal func(head AuditHead, pruned AuditPrune) (AuditEvent, error)) (AuditPrune, error) {
	var res AuditPrune
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		h, err := s.lockAuditHead(ctx, tx)
		if err != nil {
			return err
		}
		var through AuditHead
		err = tx.QueryRowContext(ctx, s.Rebind("SELECT seq, hash FROM audit_events WHERE at < ? ORDER BY seq DESC LIMIT 1"), before.UnixMicro()).
			Scan(&through.Seq, &through.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		r, err := s.exec(ctx, tx, "DELETE FROM audit_events WHERE seq <= ?", through.Seq)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		res = AuditPrune{Events: n, Through: through}
		if _, err := s.exec(ctx, tx, "UPDATE audit_chain_head SET start_seq = ?, start_hash = ? WHERE id = 1", through.Seq, through.Hash); err != nil {
			return err
		}
		e, err := seal(h, res)
		if err != nil {
			return err
		}
		return s.insertAuditEvents(ctx, tx, h, []AuditEvent{e})
	})
	if err != nil {
		return AuditPrune{}, fmt.Errorf("pruning audit events: %w", err)
	}
	return res, nil
}

// AuditChain returns the chain's recorded start and head, read together in
// one query so that they belong to the same moment.
func (s *Store) AuditChain(ctx context.Context) (start, head AuditHead, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT start_seq, start_hash, seq, hash FROM audit_chain_head WHERE id = 1").
		Scan(&start.Seq, &start.Hash, &head.Seq, &head.Hash)
	return start, head, s.mapErr(err)
}

// AuditChainHead returns the recorded head of the chain.
func (s *Store) AuditChainHead(ctx context.Context) (AuditHead, error) {
	var h AuditHead
	err := s.db.QueryRowContext(ctx, "SELECT seq, hash FROM audit_chain_head WHERE id = 1").Scan(&h.Seq, &h.Hash)
	return h, s.mapErr(err)
}

// AuditQuery selects audit events. The zero value selects every event,
// oldest first, up to the default limit.
type AuditQuery struct {
	// Since and Until bound the events' time: Since ≤ time < Until. Zero: unbounded.
	Since, Until time.Time
	// Types keeps only events of these types. Empty: every type.
	Types []string
	// Subject keeps only events with this subject (exact). Empty: any.
	Subject string
	// AfterSeq keeps only events after this sequence number (for following).
	AfterSeq int64
	// Newest returns the newest events first (the last Limit events).
	Newest bool
	// Limit caps the number of events. Zero means 100; at most 10000.
	Limit int
}

const auditColumns = "seq, id, at, type, actor, subject, client_ip, request_id, outcome, details, prev_hash, hash"

// AuditEvents returns the events q selects.
func (s *Store) AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error) {
	var where []string
	var args []any
	if !q.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, q.Since.UnixMicro())
	}
	if !q.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, q.Until.UnixMicro())
	}
	if len(q.Types) > 0 {
		where = append(where, "type IN (?"+strings.Repeat(", ?", len(q.Types)-1)+")")
		for _, t := range q.Types {
			args = append(args, t)
		}
	}
	if q.Subject != "" {
		where, args = append(where, "subject = ?"), append(args, q.Subject)
	}
	if q.AfterSeq > 0 {
		where, args = append(where, "seq > ?"), append(args, q.AfterSeq)
	}
	query := "SELECT " + auditColumns + " FROM audit_events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if q.Newest {
		query += " ORDER BY seq DESC"
	} else {
		query += " ORDER BY seq"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query += " LIMIT ?"
	args = append(args, min(limit, 10000))
	return collect(ctx, s, s.db, query, scanAuditEvent, args...)
}

// auditWalkPage is how many events WalkAuditEvents reads per query.
const auditWalkPage = 1000

// WalkAuditEvents calls fn with every event up to seq through (inclusive) in
// ascending seq order, reading a page at a time so that memory stays flat
// whatever the chain's length; events appended after through are not read.
// An error from fn stops the walk and is returned.
func (s *Store) WalkAuditEvents(ctx context.Context, through int64, fn func(AuditEvent) error) error {
	var after int64 = -1 << 62
	for {
		page, err := collect(ctx, s, s.db, "SELECT "+auditColumns+" FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", scanAuditEvent, after, through, auditWalkPage)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if len(page) < auditWalkPage {
			return nil
		}
	}
}

func scanAuditEvent(sc scanner) (AuditEvent, error) {
	var e AuditEvent
	var at int64
	var details string
	if err := sc.Scan(&e.Seq, &e.ID, &at, &e.Type, &e.Actor, &e.Subject, &e.ClientIP, &e.RequestID, &e.Outcome, &details, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.Time = time.UnixMicro(at).UTC()
	if details != "" && details != "{}" {
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			// A tampered row must still reach the verifier, which reports it.
			e.Details = map[string]string{"\x00undecodable": details}
		}
	}
	return e, nil
}
