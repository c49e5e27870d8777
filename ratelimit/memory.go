package ratelimit

import (
	"context"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"time"
)

// DefaultMaxKeys is the key capacity of a Memory built with maxKeys <= 0.
// At roughly 100 bytes a key it bounds the state to about 10 MB.
const DefaultMaxKeys = 100_000

const (
	shardCount = 64
	// evictSample is how many entries a full shard looks at to choose the
	// one to evict.
	evictSample = 8
	// minSweepGap bounds how often a full shard scans all of its entries
	// for expired ones.
	minSweepGap = int64(time.Second / time.Microsecond)
)

// Memory is a Backend that keeps state in this process: one int64 (the
// theoretical arrival time) per key, in 64 shards locked independently.
// Limits it enforces hold per process, not across a cluster.
//
// # Bounded memory
//
// Memory holds at most maxKeys keys (rounded up to a multiple of 64, one
// 64th per shard). A key whose bucket has refilled completely carries no
// state and is dropped when room is needed. When a shard is full and
// nothing in it has expired, Memory evicts, from a random sample of 8
// entries, the one closest to expiring: the bucket with the least debt, so
// the one whose loss forgives its owner the least. A flood of new keys (one
// request each from many addresses) therefore evicts the flood's own
// near-empty entries, not the bucket of a client that is being held back:
// to push out a bucket with an hour of debt, an attacker must fill the shard
// with entries that each carry more than an hour of debt, which costs the
// requests that debt stands for. New keys are never refused for lack of
// room: refusing them would let the same flood deny service to every new
// client.
//
// The zero value is ready to use, with DefaultMaxKeys and time.Now.
type Memory struct {
	once     sync.Once
	seed     maphash.Seed
	now      func() time.Time
	maxKeys  int
	perShard int
	shards   [shardCount]memShard
}

type memShard struct {
	mu   sync.Mutex
	tats map[string]int64 // key → theoretical arrival time, µs
	// nextSweep is the earliest time (µs) at which a scan for expired
	// entries can find one.
	nextSweep int64
	_         [40]byte // keep shards on separate cache lines
}

var _ Backend = (*Memory)(nil)

// MemoryOption configures a Memory.
type MemoryOption func(*Memory)

// WithClock makes a Memory read time from now instead of time.Now.
func WithClock(now func() time.Time) MemoryOption {
	return func(m *Memory) { m.now = now }
}

// NewMemory returns a Memory holding at most maxKeys keys; maxKeys <= 0
// means DefaultMaxKeys.
func NewMemory(maxKeys int, opts ...MemoryOption) *Memory {
	m := &Memory{maxKeys: maxKeys}
	for _, o := range opts {
		if o != nil {
			o(m)
		}
	}
	m.init()
	return m
}

func (m *Memory) init() {
	m.once.Do(func() {
		m.seed = maphash.MakeSeed()
		if m.now == nil {
			m.now = time.Now
		}
		if m.maxKeys <= 0 {
			m.maxKeys = DefaultMaxKeys
		}
		m.perShard = max((m.maxKeys+shardCount-1)/shardCount, 2)
	})
}

// Cap returns the most keys m holds.
func (m *Memory) Cap() int {
	m.init()
	return m.perShard * shardCount
}

// Len returns the number of keys m holds, expired ones included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

// memBatch is the per-call scratch of Allow; small batches live on the stack.
type memBatch struct {
	keys  []string
	shard []uint8
	p     []params
	tat   []int64 // stored TAT before the decision
	next  []int64 // TAT the decision would store
}

const stackBatch = 4

// Allow implements Backend. It never blocks on I/O and ignores ctx.
func (m *Memory) Allow(_ context.Context, reqs []Request, out []Result) (bool, error) {
	if err := checkOut(reqs, out); err != nil {
		return false, err
	}
	m.init()
	var (
		keys  [stackBatch]string
		shard [stackBatch]uint8
		ps    [stackBatch]params
		tat   [stackBatch]int64
		next  [stackBatch]int64
	)
	b := memBatch{keys[:0], shard[:0], ps[:0], tat[:0], next[:0]}
	var locks uint64
	for i := range reqs {
		p, err := reqs[i].params()
		if err != nil {
			return false, err
		}
		k := storedKey(reqs[i].Key)
		sh := uint8(maphash.String(m.seed, k) % shardCount)
		b.keys = append(b.keys, k)
		b.shard = append(b.shard, sh)
		b.p = append(b.p, p)
		locks |= 1 << sh
	}
	// Lock every shard involved in ascending order, so concurrent
	// multi-key decisions cannot deadlock.
	for l := locks; l != 0; l &= l - 1 {
		m.shards[bits.TrailingZeros64(l)].mu.Lock()
	}
	defer func() {
		for l := locks; l != 0; l &= l - 1 {
			m.shards[bits.TrailingZeros64(l)].mu.Unlock()
		}
	}()

	now := m.now().UnixMicro()
	all := true
	for i := range reqs {
		t := m.shards[b.shard[i]].tats[b.keys[i]]
		// A key repeated in this call sees the earlier occurrence's charge.
		for j := i - 1; j >= 0; j-- {
			if b.keys[j] == b.keys[i] && !reqs[j].Peek {
				t = b.next[j]
				break
			}
		}
		nt, ok := gcra(now, t, b.p[i])
		b.tat = append(b.tat, t)
		b.next = append(b.next, nt)
		out[i] = Result{Allowed: ok}
		all = all && ok
	}
	for i := range reqs {
		p := b.p[i]
		switch {
		case all && !reqs[i].Peek:
			m.shards[b.shard[i]].store(b.keys[i], b.next[i], now, m.perShard)
			out[i] = describe(now, b.next[i], p)
			out[i].Allowed = true
		case out[i].Allowed:
			out[i] = describe(now, b.tat[i], p)
			out[i].Allowed = true
		default:
			out[i] = describe(now, b.tat[i], p)
			out[i].RetryAfter = retryAfter(now, b.next[i], p)
		}
	}
	return all, nil
}

// store records tat for key, making room first when the shard is full.
// The caller holds s.mu.
func (s *memShard) store(key string, tat, now int64, capacity int) {
	if s.tats == nil {
		s.tats = make(map[string]int64)
	}
	if _, ok := s.tats[key]; ok || len(s.tats) < capacity {
		s.tats[key] = tat
		return
	}
	if now >= s.nextSweep {
		s.sweep(now)
	}
	if len(s.tats) >= capacity {
		s.evict()
	}
	s.tats[key] = tat
}

// sweep deletes every entry whose bucket has refilled and schedules the
// next sweep for when the earliest remaining entry expires (but not sooner
// than minSweepGap, so a shard full of short-lived entries is not scanned
// on every insert).
func (s *memShard) sweep(now int64) {
	earliest := int64(math.MaxInt64)
	for k, t := range s.tats {
		if t <= now {
			delete(s.tats, k)
		} else if t < earliest {
			earliest = t
		}
	}
	s.nextSweep = max(earliest, now+minSweepGap)
}

// evict deletes, among a sample of entries (map iteration starts at a
// random place), the one with the earliest TAT: the least state lost.
func (s *memShard) evict() {
	victim, earliest, n := "", int64(math.MaxInt64), 0
	for k, t := range s.tats {
		if t < earliest {
			victim, earliest = k, t
		}
		if n++; n == evictSample {
			break
		}
	}
	delete(s.tats, victim)
}
