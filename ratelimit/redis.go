package ratelimit

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix is the key prefix of a Redis backend without
// WithPrefix.
const DefaultRedisPrefix = "rampart:rl:"

// DefaultRedisTimeout bounds one decision on Redis without WithTimeout. It
// is not tighter because a decision that times out is made on local counts,
// which admits more than the shared limit: at 100 ms, deadlines expired
// under a burst of 1,000 concurrent requests on 2 cores while Redis was fine.
const DefaultRedisTimeout = 500 * time.Millisecond

//go:embed gcra.lua
var gcraLua string

// Redis is a Backend that keeps state in Redis, so that every process
// sharing the Redis server enforces one limit between them. Each decision,
// however many limits it covers, is one atomic round trip: a Lua script
// (EVALSHA, falling back to EVAL when the server does not have the script
// cached) that checks every bucket, then records them all only if all admit
// the request.
//
// # Time
//
// The script reads the Redis server's clock (TIME), not the caller's, so
// nodes with skewed clocks still agree. Each bucket is stored as its
// theoretical arrival time in microseconds, under the prefix, with a PEXPIRE
// at the moment it will have refilled completely: idle buckets vanish by
// themselves.
//
// # Failure
//
// A decision is bounded by its timeout (DefaultRedisTimeout, WithTimeout)
// whatever the caller's context allows, so a dead or hung Redis costs a
// request at most that long, and the error wraps ErrUnavailable. Build the
// client with NewRedisClient, whose timeouts and retries fit this use, and
// wrap the backend in a Fallback so that requests keep being decided while
// Redis is away.
//
// # Redis Cluster
//
// The keys of one decision must share a hash slot. With a prefix that holds
// a hash tag, such as "{rampart:rl}:", every limiter key lands in one slot.
type Redis struct {
	client  redis.Scripter
	prefix  string
	timeout time.Duration
	script  *redis.Script
}

var _ Backend = (*Redis)(nil)

// RedisOption configures a Redis backend.
type RedisOption func(*Redis)

// WithPrefix sets the prefix of every key the backend writes
// (DefaultRedisPrefix without it). Give each deployment, or each test, its
// own.
func WithPrefix(prefix string) RedisOption {
	return func(r *Redis) { r.prefix = prefix }
}

// WithTimeout bounds each decision (DefaultRedisTimeout without it). A
// non-positive d keeps the default.
func WithTimeout(d time.Duration) RedisOption {
	return func(r *Redis) {
		if d > 0 {
			r.timeout = d
		}
	}
}

// NewRedis returns a Redis backend that runs its script through client: a
// *redis.Client, *redis.ClusterClient or *redis.Ring.
func NewRedis(client redis.Scripter, opts ...RedisOption) *Redis {
	r := &Redis{client: client, prefix: DefaultRedisPrefix, timeout: DefaultRedisTimeout, script: redis.NewScript(gcraLua)}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	return r
}

// NewRedisClient returns a client for a redis:// or rediss:// URL with
// settings for rate limiting, where a late answer is worth less than none
// (RedisOptions with DefaultRedisTimeout).
func NewRedisClient(url string) (*redis.Client, error) {
	opt, err := RedisOptions(url, DefaultRedisTimeout)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opt), nil
}

// RedisOptions parses a redis:// or rediss:// URL into client options that
// never let a caller wait long on a dead or frozen Redis: no retries (of
// commands or of dials), timeout to read, write or wait for a pooled
// connection, twice that (at least 200 ms) to dial, context deadlines
// honoured, and a pool large enough (64, or 10 per CPU) that a burst of
// concurrent decisions does not queue for a connection and time out waiting
// — which would look like Redis being down. Values given as URL parameters
// (dial_timeout, read_timeout, write_timeout, pool_timeout, max_retries,
// pool_size) take precedence. The error never repeats the URL, which may
// hold a password.
func RedisOptions(url string, timeout time.Duration) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("ratelimit: not a valid redis:// or rediss:// URL")
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = max(2*timeout, 200*time.Millisecond)
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = timeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = timeout
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = timeout
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	if opt.PoolSize == 0 {
		opt.PoolSize = max(64, 10*runtime.GOMAXPROCS(0))
	}
	opt.ContextTimeoutEnabled = true
	return opt, nil
}

// Allow implements Backend.
func (r *Redis) Allow(ctx context.Context, reqs []Request, out []Result) (bool, error) {
	if err := checkOut(reqs, out); err != nil {
		return false, err
	}
	keys := make([]string, len(reqs))
	args := make([]any, 0, 4*len(reqs))
	for i := range reqs {
		p, err := reqs[i].params()
		if err != nil {
			return false, err
		}
		keys[i] = r.prefix + storedKey(reqs[i].Key)
		peek := "0"
		if reqs[i].Peek {
			peek = "1"
		}
		if pp := reqs[i].pre; pp != nil && pp.limit == reqs[i].Limit {
			// The policy's arguments, formatted once.
			cost := pp.ivArg
			if p.cost != p.interval {
				cost = strconv.FormatInt(p.cost, 10)
			}
			args = append(args, cost, pp.ivArg, pp.tauArg, peek)
			continue
		}
		args = append(args, strconv.FormatInt(p.cost, 10), strconv.FormatInt(p.interval, 10), strconv.FormatInt(p.tau, 10), peek)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	vals, err := r.script.Run(ctx, r.client, keys, args...).Int64Slice()
	if err != nil {
		return false, fmt.Errorf("%w: redis: %w", ErrUnavailable, err)
	}
	if len(vals) != 1+4*len(reqs) {
		return false, fmt.Errorf("%w: redis: script returned %d values for %d requests", ErrUnavailable, len(vals), len(reqs))
	}
	for i := range reqs {
		v := vals[1+4*i:]
		out[i] = Result{
			Allowed:    v[0] == 1,
			Remaining:  int(v[1]),
			RetryAfter: time.Duration(v[2]) * time.Microsecond,
			Reset:      time.Duration(v[3]) * time.Microsecond,
		}
	}
	return vals[0] == 1, nil
}
