package audit

import (
	"fmt"
	"iter"
)

// Tampering is the kind of damage Verify found.
type Tampering string

// The kinds of damage.
const (
	// Edited means an event's stored content no longer matches its hash.
	Edited Tampering = "edited"
	// Deleted means events are missing: a gap in the sequence, a link to an
	// event that is gone, or a chain shorter than its recorded head.
	Deleted Tampering = "deleted"
	// Inserted means an event that was never part of the chain sits in it.
	Inserted Tampering = "inserted"
	// Reordered means events are present but out of their chained order.
	Reordered Tampering = "reordered"
)

// Finding names the first bad event of a chain and why it is bad.
type Finding struct {
	// Seq and ID identify the first bad event as stored.
	Seq int64  `json:"seq"`
	ID  string `json:"id"`
	// Kind is the damage.
	Kind Tampering `json:"kind"`
	// Reason says what does not match, in a sentence fragment.
	Reason string `json:"reason"`
}

// String renders the finding as "#N (id ID): REASON (KIND)".
func (f Finding) String() string {
	return fmt.Sprintf("#%d (id %s): %s (%s)", f.Seq, f.ID, f.Reason, f.Kind)
}

// Result is what Verify found.
type Result struct {
	// Start is where the chain was checked from: the last event removed by
	// pruning (Seq 0 and ZeroHash when nothing was).
	Start Head `json:"start"`
	// Events is how many events were read.
	Events int64 `json:"events"`
	// Head is the last event read that was intact.
	Head Head `json:"head"`
	// First is the first bad event; nil when the chain is intact.
	First *Finding `json:"first_bad,omitempty"`
}

// Intact reports whether no damage was found.
func (r Result) Intact() bool { return r.First == nil }

// verifyWindow is how many recent hashes Verify remembers to tell an
// insertion from a deletion, and how far it reads ahead to tell a
// reordering from a deletion.
const verifyWindow = 4096

// Verify walks events in the order they are stored (ascending Seq) and
// returns where the chain first breaks. head, when not nil, is the chain
// head recorded apart from the events (the store keeps one); a chain that
// stops short of it lost its last events. An error from events ends the walk
// and is returned.
//
// For each event, in turn: its Seq must follow the previous one (else events
// were deleted); its PrevHash must be the previous event's Hash (else events
// were inserted, reordered or deleted: Verify looks back and ahead to say
// which); and its Hash must be the SHA-256 of its canonical encoding (else it
// was edited, or forged if the next event links past it).
//
// A hash chain proves order and integrity, not authorship: someone who can
// rewrite the whole table and the head can recompute every hash. Compare the
// head with a copy kept elsewhere (a sink) to rule that out.
func Verify(events iter.Seq2[Event, error], head *Head) (Result, error) {
	return VerifyFrom(events, Head{Hash: ZeroHash}, head)
}

// VerifyFrom is Verify for a chain whose events up to start were removed on
// purpose (retention): the first event must be start.Seq+1 and link to
// start.Hash, so a deletion past the recorded start still shows.
func VerifyFrom(events iter.Seq2[Event, error], start Head, head *Head) (Result, error) {
	if start.Hash == "" {
		start.Hash = ZeroHash
	}
	next, stop := iter.Pull2(events)
	defer stop()
	v := &verifier{next: next, seen: map[string]Event{}, bySeq: map[int64]Event{}}
	return v.run(start, head)
}

type verifier struct {
	next   func() (Event, error, bool)
	buf    []Event // read ahead, not yet checked
	seen   map[string]Event
	bySeq  map[int64]Event
	order  []string
	res    Result
	ended  bool
	expect int64
	prev   string
}

// pull returns the next event, from the read-ahead buffer first.
func (v *verifier) pull() (Event, bool, error) {
	if len(v.buf) > 0 {
		e := v.buf[0]
		v.buf = v.buf[1:]
		return e, true, nil
	}
	if v.ended {
		return Event{}, false, nil
	}
	e, err, ok := v.next()
	if err != nil {
		return Event{}, false, err
	}
	if !ok {
		v.ended = true
	}
	return e, ok, nil
}

// ahead returns the i-th event after the current one (0: the next), reading
// more when needed.
func (v *verifier) ahead(i int) (Event, bool, error) {
	for len(v.buf) <= i && !v.ended {
		e, err, ok := v.next()
		if err != nil {
			return Event{}, false, err
		}
		if !ok {
			v.ended = true
			break
		}
		v.buf = append(v.buf, e)
	}
	if i < len(v.buf) {
		return v.buf[i], true, nil
	}
	return Event{}, false, nil
}

func (v *verifier) remember(e Event) {
	v.seen[e.Hash] = e
	v.bySeq[e.Seq] = e
	v.order = append(v.order, e.Hash)
	if len(v.order) > verifyWindow {
		old := v.seen[v.order[0]]
		delete(v.seen, v.order[0])
		delete(v.bySeq, old.Seq)
		v.order = v.order[1:]
	}
}

func (v *verifier) run(start Head, head *Head) (Result, error) {
	v.expect, v.prev = start.Seq+1, start.Hash
	v.res.Start, v.res.Head = start, start
	for {
		cur, ok, err := v.pull()
		if err != nil {
			return v.res, err
		}
		if !ok {
			break
		}
		v.res.Events++
		f, err := v.check(cur)
		if err != nil {
			return v.res, err
		}
		if f != nil {
			v.res.First = f
			return v.res, nil
		}
		v.remember(cur)
		v.prev, v.expect = cur.Hash, cur.Seq+1
		v.res.Head = Head{Seq: cur.Seq, Hash: cur.Hash}
	}
	if head != nil && head.Seq > 0 {
		last := v.res.Head
		switch {
		case head.Seq > last.Seq:
			v.res.First = &Finding{Seq: last.Seq + 1, Kind: Deleted,
				Reason: fmt.Sprintf("the chain ends at #%d but its recorded head is #%d: the last %d event(s) are missing", last.Seq, head.Seq, head.Seq-last.Seq)}
		case head.Seq < last.Seq:
			e := v.bySeq[head.Seq+1]
			v.res.First = &Finding{Seq: e.Seq, ID: e.ID, Kind: Inserted,
				Reason: fmt.Sprintf("it lies past the recorded chain head #%d", head.Seq)}
		case head.Seq == last.Seq && head.Hash != last.Hash:
			e := v.bySeq[last.Seq]
			v.res.First = &Finding{Seq: last.Seq, ID: e.ID, Kind: Edited, Reason: "the last event's hash differs from the recorded chain head"}
		}
	}
	return v.res, nil
}

// check returns the finding for cur, or nil when it is sound.
func (v *verifier) check(cur Event) (*Finding, error) {
	at := func(e Event, k Tampering, format string, args ...any) *Finding {
		return &Finding{Seq: e.Seq, ID: e.ID, Kind: k, Reason: fmt.Sprintf(format, args...)}
	}
	if cur.Seq > v.expect {
		return at(cur, Deleted, "the sequence jumps from #%d to #%d: %d event(s) before it are missing", v.expect-1, cur.Seq, cur.Seq-v.expect), nil
	}
	if cur.Seq < v.expect {
		return at(cur, Reordered, "its sequence number goes back (expected #%d)", v.expect), nil
	}
	if cur.PrevHash != v.prev {
		// The next event follows its true predecessor: cur does not belong.
		if n, ok, err := v.ahead(0); err != nil {
			return nil, err
		} else if ok && n.Hash == cur.PrevHash {
			return at(cur, Reordered, "it is out of order: the event it follows (id %s) is stored after it, at #%d", n.ID, n.Seq), nil
		} else if ok && n.PrevHash == v.prev {
			return at(cur, Inserted, "it is not part of the chain: the next event #%d (id %s) links past it", n.Seq, n.ID), nil
		}
		// Links to an older event: everything after that one was inserted.
		if j, ok := v.seen[cur.PrevHash]; ok {
			ins := v.bySeq[j.Seq+1]
			return at(ins, Inserted, "it is not part of the chain: #%d (id %s) links past it to #%d", cur.Seq, cur.ID, j.Seq), nil
		}
		for i := 0; i < verifyWindow; i++ {
			e, ok, err := v.ahead(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			if e.Hash == cur.PrevHash {
				return at(cur, Reordered, "it is out of order: the event it follows (id %s) is stored after it, at #%d", e.ID, e.Seq), nil
			}
			if e.PrevHash == v.prev {
				return at(cur, Inserted, "it is not part of the chain: #%d (id %s) is the true successor of #%d", e.Seq, e.ID, cur.Seq-1), nil
			}
		}
		return at(cur, Deleted, "the event it follows is missing (deleted, or changed and rehashed)"), nil
	}
	if ComputeHash(cur) != cur.Hash {
		if n, ok, err := v.ahead(0); err != nil {
			return nil, err
		} else if ok && n.PrevHash == v.prev && n.PrevHash != cur.Hash {
			return at(cur, Inserted, "its hash does not match its content and the next event links past it"), nil
		}
		return at(cur, Edited, "its hash does not match its content"), nil
	}
	return nil, nil
}
