package password

import (
	"errors"
	"fmt"
	"strings"
)

// The bounds that [CheckParams] enforces on the parameters of new hashes.
// The lower bounds follow the argon2id table of the OWASP Password Storage
// Cheat Sheet: every pair it lists (47104 KiB/1, 19456 KiB/2, 12288 KiB/3,
// 9216 KiB/4, 7168 KiB/5) costs at least 35840 KiB-passes.
const (
	MinMemoryKiB     = 7168    // the smallest memory in the OWASP table
	MaxMemoryKiB     = 4194304 // 4 GiB
	MinMemoryTimeKiB = 35840   // the smallest MemoryKiB*Time in the OWASP table
	MinTime          = 1
	MaxTime          = 64
	MinThreads       = 1
	MinSaltLen       = 16
	MinKeyLen        = 16
	MaxSaltLen       = 1024
	MaxKeyLen        = 1024
)

// ErrInvalidParams is wrapped by every error of [CheckParams].
var ErrInvalidParams = errors.New("invalid argon2id parameters")

// Params are argon2id parameters. The zero value is invalid; start from
// [DefaultParams].
type Params struct {
	// MemoryKiB is the memory cost m in KiB.
	MemoryKiB uint32
	// Time is the number of passes t over the memory.
	Time uint32
	// Threads is the degree of parallelism p (lanes). It does not change
	// the cost to an attacker, only how many cores one hash may use.
	Threads uint8
	// SaltLen is the length in bytes of the random salt of new hashes.
	SaltLen uint32
	// KeyLen is the length in bytes of the derived hash.
	KeyLen uint32
}

// DefaultParams returns the argon2id parameters that the OWASP Password
// Storage Cheat Sheet recommends: 19 MiB of memory, two passes, one lane,
// a 16-byte salt and a 32-byte hash.
func DefaultParams() Params {
	return Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// CheckParams reports whether p is fit for new hashes: not weaker than the
// OWASP argon2id table (MemoryKiB*Time at least [MinMemoryTimeKiB],
// MemoryKiB at least [MinMemoryKiB], Time at least 1, Threads at least 1,
// SaltLen and KeyLen at least 16 bytes) and not so large that a single hash
// takes unbounded time or memory. The error names every field that is out
// of bounds, with its value, in one error that wraps [ErrInvalidParams].
func CheckParams(p Params) error {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	switch {
	case p.MemoryKiB < MinMemoryKiB:
		bad("MemoryKiB %d is below the minimum %d", p.MemoryKiB, MinMemoryKiB)
	case p.MemoryKiB > MaxMemoryKiB:
		bad("MemoryKiB %d is above the maximum %d", p.MemoryKiB, MaxMemoryKiB)
	}
	switch {
	case p.Time < MinTime:
		bad("Time %d is below the minimum %d", p.Time, MinTime)
	case p.Time > MaxTime:
		bad("Time %d is above the maximum %d", p.Time, MaxTime)
	}
	if mt := uint64(p.MemoryKiB) * uint64(p.Time); p.Time >= MinTime && p.MemoryKiB >= MinMemoryKiB && mt < MinMemoryTimeKiB {
		bad("MemoryKiB*Time %d*%d = %d is below the minimum %d (OWASP pairs: 47104/1, 19456/2, 12288/3, 9216/4, 7168/5)",
			p.MemoryKiB, p.Time, mt, MinMemoryTimeKiB)
	}
	if p.Threads < MinThreads {
		bad("Threads %d is below the minimum %d", p.Threads, MinThreads)
	}
	switch {
	case p.SaltLen < MinSaltLen:
		bad("SaltLen %d is below the minimum %d", p.SaltLen, MinSaltLen)
	case p.SaltLen > MaxSaltLen:
		bad("SaltLen %d is above the maximum %d", p.SaltLen, MaxSaltLen)
	}
	switch {
	case p.KeyLen < MinKeyLen:
		bad("KeyLen %d is below the minimum %d", p.KeyLen, MinKeyLen)
	case p.KeyLen > MaxKeyLen:
		bad("KeyLen %d is above the maximum %d", p.KeyLen, MaxKeyLen)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidParams, strings.Join(problems, "; "))
}
