package audit

import (
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"
)

func sample(n int) []Event {
	h := Head{Hash: ZeroHash}
	var out []Event
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 678901234, time.UTC)
	for i := range n {
		e := Chain(Event{ID: fmt.Sprintf("evt_%d", i+1), Time: t0.Add(time.Duration(i) * time.Second), Type: LoginFailure,
			Subject: "alice", ClientIP: "192.0.2.7", Outcome: Failure, Details: map[string]string{"n": fmt.Sprint(i)}}, h)
		h = Head{Seq: e.Seq, Hash: e.Hash}
		out = append(out, e)
	}
	return out
}

func seq(es []Event) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func headOf(es []Event) *Head { l := es[len(es)-1]; return &Head{Seq: l.Seq, Hash: l.Hash} }

// The canonical form is pinned: outsiders re-implement it from the doc.
func TestCanonicalForm(t *testing.T) {
	e := Event{Seq: 2, ID: "evt_x", Time: time.Date(2025, 1, 2, 3, 4, 5, 600000999, time.FixedZone("X", 3600)),
		Type: LoginSuccess, Actor: "", Subject: "alice", Outcome: "", Details: map[string]string{"b": "2", "a": "1:\n"}, PrevHash: ZeroHash}
	want := "16:rampart-audit-v1\n1:2\n5:evt_x\n27:2025-01-02T02:04:05.600000Z\n13:login.success\n0:\n5:alice\n0:\n0:\n7:unknown\n1:2\n1:a\n3:1:\n\n1:b\n1:2\n64:" + ZeroHash + "\n"
	if got := string(Canonical(e)); got != want {
		t.Fatalf("Canonical =\n%q\nwant\n%q", got, want)
	}
	// Computed independently: printf '<the bytes above>' | sha256sum
	if got := ComputeHash(e); got != "3a3e086903bf23123b95859dbff5328be9ea640a31f3db40d5bfab5384efd555" {
		t.Fatalf("ComputeHash = %s", got)
	}
}

// Length prefixes keep fields apart: moving text between fields changes the hash.
func TestCanonicalUnambiguous(t *testing.T) {
	a := Event{Actor: "al", Subject: "ice"}
	b := Event{Actor: "ali", Subject: "ce"}
	if ComputeHash(a) == ComputeHash(b) {
		t.Fatal("different events share a hash")
	}
	c := Event{Details: map[string]string{"a": "b\n1:c"}}
	d := Event{Details: map[string]string{"a": "b", "c": ""}}
	if ComputeHash(c) == ComputeHash(d) {
		t.Fatal("details can be forged by embedding separators")
	}
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func([]Event) []Event
		head    func(orig []Event) *Head
		wantSeq int64
		wantID  string
		kind    Tampering
		reason  string
	}{
		{name: "intact", tamper: func(es []Event) []Event { return es }},
		{name: "edited field", tamper: func(es []Event) []Event { es[2].Subject = "mallory"; return es },
			wantSeq: 3, wantID: "evt_3", kind: Edited, reason: "does not match its content"},
		{name: "edited detail", tamper: func(es []Event) []Event { es[4].Details = map[string]string{"n": "99"}; return es },
			wantSeq: 5, wantID: "evt_5", kind: Edited},
		{name: "edited and rehashed", tamper: func(es []Event) []Event {
			es[2].Subject = "mallory"
			es[2].Hash = ComputeHash(es[2])
			return es
		}, wantSeq: 4, wantID: "evt_4", kind: Deleted, reason: "changed and rehashed"},
		{name: "deleted row", tamper: func(es []Event) []Event { return append(es[:2:2], es[3:]...) },
			wantSeq: 4, wantID: "evt_4", kind: Deleted, reason: "jumps from #2 to #4"},
		{name: "deleted and renumbered", tamper: func(es []Event) []Event {
			out := append(es[:2:2], es[3:]...)
			for i := 2; i < len(out); i++ {
				out[i].Seq--
			}
			return out
		}, wantSeq: 3, wantID: "evt_4", kind: Deleted},
		{name: "deleted last", tamper: func(es []Event) []Event { return es[:len(es)-1] },
			wantSeq: 6, kind: Deleted, reason: "last 1 event(s) are missing"},
		{name: "inserted forged in the middle", tamper: func(es []Event) []Event {
			forged := Chain(Event{ID: "evt_forged", Time: es[2].Time, Type: LoginSuccess, Subject: "mallory", Outcome: Success}, Head{Seq: 3, Hash: es[2].Hash})
			out := append(append(es[:3:3], forged), es[3:]...)
			for i := 4; i < len(out); i++ {
				out[i].Seq++
			}
			return out
		}, wantSeq: 4, wantID: "evt_forged", kind: Inserted},
		{name: "inserted garbage", tamper: func(es []Event) []Event {
			forged := es[2]
			forged.ID, forged.Seq, forged.Subject = "evt_junk", 4, "mallory"
			out := append(append(es[:3:3], forged), es[3:]...)
			for i := 4; i < len(out); i++ {
				out[i].Seq++
			}
			return out
		}, wantSeq: 4, wantID: "evt_junk", kind: Inserted},
		{name: "appended past head", tamper: func(es []Event) []Event {
			return append(es, Chain(Event{ID: "evt_tail", Type: LoginSuccess}, *headOf(es)))
		}, head: headOf, wantSeq: 7, wantID: "evt_tail", kind: Inserted},
		{name: "swapped", tamper: func(es []Event) []Event {
			es[2], es[3] = es[3], es[2]
			es[2].Seq, es[3].Seq = 3, 4
			return es
		}, wantSeq: 3, wantID: "evt_4", kind: Reordered, reason: "out of order"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := sample(6)
			head := headOf(orig)
			if tc.head != nil {
				head = tc.head(orig)
			}
			es := tc.tamper(append([]Event(nil), orig...))
			res, err := Verify(seq(es), head)
			if err != nil {
				t.Fatal(err)
			}
			if tc.kind == "" {
				if !res.Intact() || res.Events != 6 || res.Head != *head {
					t.Fatalf("intact chain: %+v", res)
				}
				return
			}
			if res.First == nil {
				t.Fatalf("tampering not detected: %+v", res)
			}
			f := *res.First
			if f.Seq != tc.wantSeq || f.ID != tc.wantID || f.Kind != tc.kind || !strings.Contains(f.Reason, tc.reason) {
				t.Fatalf("finding = %s, want #%d (id %s) %s containing %q", f, tc.wantSeq, tc.wantID, tc.kind, tc.reason)
			}
		})
	}
}

func TestVerifyEmpty(t *testing.T) {
	res, err := Verify(seq(nil), &Head{Hash: ZeroHash})
	if err != nil || !res.Intact() || res.Events != 0 {
		t.Fatalf("empty chain: %+v, %v", res, err)
	}
}
