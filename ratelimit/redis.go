package ratelimit

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix is the key prefix of a Redis backend without
// WithPrefix.
const DefaultRedisPrefix = "rampart:rl:"

// DefaultRedisTimeout bounds one decision on Redis without WithTimeout.
const DefaultRedisTimeout = 100 * time.Millisecond

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
// settings for rate limiting, where a late answer is worth less than none:
// no retries (of commands or of dials), 200 ms to dial, 100 ms to read or write, 100 ms to wait for a
// pooled connection, and context deadlines honoured. Timeouts given as URL
// parameters (dial_timeout, read_timeout, write_timeout, pool_timeout,
// max_retries) take precedence.
func NewRedisClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis URL: %w", err)
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 200 * time.Millisecond
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 100 * time.Millisecond
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = 100 * time.Millisecond
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = 100 * time.Millisecond
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
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
