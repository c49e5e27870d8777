package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ZeroHash is the PrevHash of the first event of a chain.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is how Time appears in the canonical encoding: UTC, always six
// fractional digits.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// canonicalVersion starts every canonical encoding, so a future format can
// be told apart.
const canonicalVersion = "rampart-audit-v1"

// Canonical returns the bytes an event's Hash is computed over. It is a
// sequence of fields, each written as its length in bytes in decimal, a
// colon, the bytes themselves and a newline ("5:alice\n"), in this order:
//
//	"rampart-audit-v1", Seq (decimal), ID, Time (TimeFormat, UTC, truncated to
//	microseconds), Type, Actor, Subject, ClientIP, RequestID, Outcome ("unknown"
//	when empty), the number of Details (decimal), then for each detail in
//	byte order of its key: the key, then the value; finally PrevHash.
//
// Strings are UTF-8 as given. Because every field carries its length, no
// value can be mistaken for another field, whatever it contains. To verify a
// chain by hand: Hash = lowercase hex of SHA-256(Canonical(e)), and every
// event's PrevHash equals the Hash of the event with Seq one less (ZeroHash
// for Seq 1).
func Canonical(e Event) []byte {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte('\n')
	}
	field(canonicalVersion)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.ID)
	field(e.Time.UTC().Truncate(time.Microsecond).Format(TimeFormat))
	field(string(e.Type))
	field(e.Actor)
	field(e.Subject)
	field(e.ClientIP)
	field(e.RequestID)
	out := e.Outcome
	if out == "" {
		out = Unknown
	}
	field(string(out))
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	field(strconv.Itoa(len(keys)))
	for _, k := range keys {
		field(k)
		field(e.Details[k])
	}
	field(e.PrevHash)
	return []byte(b.String())
}

// ComputeHash returns the lower-case hex SHA-256 of Canonical(e).
func ComputeHash(e Event) string {
	sum := sha256.Sum256(Canonical(e))
	return hex.EncodeToString(sum[:])
}

// Head is the end of a chain: the last event's Seq and Hash. An empty chain
// has Seq 0 and Hash ZeroHash.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Chain links e after head: it sets Seq, PrevHash, normalises Time and
// Outcome as stored, and sets Hash. ID must be set before.
func Chain(e Event, head Head) Event {
	if head.Hash == "" {
		head.Hash = ZeroHash
	}
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if e.Outcome == "" {
		e.Outcome = Unknown
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	e.Hash = ComputeHash(e)
	return e
}
