// Package cluster lets rampart nodes that share a database and a Redis act
// as one. A node that changes something other nodes cache — a revoked token,
// a revoked API key, a disabled user, a deleted client — announces it on a
// Redis pub/sub channel, and every node applies it at once instead of at its
// next database poll. The database stays the source of truth: a node that
// (re)subscribes reloads from it, since it may have missed announcements.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/ratelimit"
)

// Event is one announcement.
type Event struct {
	// Revocation is the deny-list entry made, when the change made one.
	Revocation *Revocation `json:"revocation,omitempty"`
	// Block is a client IP the brute-force detector blocked.
	Block *Block `json:"block,omitempty"`
	// Node is the sender; a node ignores its own events.
	Node string `json:"node"`
}

// Revocation is a deny-list entry (see store.Revocation).
type Revocation struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	RevokedAt time.Time `json:"revoked_at"`
}

// Block asks every node to refuse a client IP until a time.
type Block struct {
	IP    netip.Addr `json:"ip"`
	Until time.Time  `json:"until"`
}

// Dial connects to the Redis at url with every command bounded by timeout.
// It does not fail when Redis is down: commands fail until it is back.
func Dial(url string, timeout time.Duration) (*redis.Client, error) {
	opt, err := ratelimit.RedisOptions(url, timeout)
	if err != nil {
		return nil, errors.New("storage.redis_url: not a valid redis:// or rediss:// URL")
	}
	return redis.NewClient(opt), nil
}

// QuietRedisLog sends go-redis's own log lines (one per failed dial during
// an outage) to log at debug level; rampart logs outages once itself. It
// sets go-redis's process-wide logger.
func QuietRedisLog(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }

type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// Bus publishes and receives Events on one channel.
type Bus struct {
	rdb     *redis.Client
	channel string
	node    string
	log     *slog.Logger
}

// NewBus returns a bus on prefix+"events".
func NewBus(rdb *redis.Client, prefix string, log *slog.Logger) *Bus {
	b := make([]byte, 8)
	rand.Read(b)
	return &Bus{rdb: rdb, channel: prefix + "events", node: hex.EncodeToString(b), log: log}
}

// Publish announces e to every other node. It ignores ctx's cancellation
// (keeping its values): an announcement is usually made on behalf of a
// request that may be over by then, and a change the database already holds
// must still reach the other nodes. Redis's timeouts bound the call.
func (b *Bus) Publish(ctx context.Context, e Event) error {
	ctx = context.WithoutCancel(ctx)
	e.Node = b.node
	msg, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := b.rdb.Publish(ctx, b.channel, msg).Err(); err != nil {
		return fmt.Errorf("announcing to other nodes through Redis: %w", err)
	}
	return nil
}

// Run receives events until ctx ends, calling onEvent for each one from
// another node, and onSync each time the subscription is made or remade
// (after Redis was unreachable), when the caller reloads its state from the
// database. Redis outages are logged once each, with the recovery.
func (b *Bus) Run(ctx context.Context, onEvent func(Event), onSync func(context.Context)) {
	ps := b.rdb.Subscribe(ctx, b.channel)
	defer ps.Close()
	down := false
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !down {
				down = true
				b.log.Warn("cluster announcements unavailable (Redis); revocations from other nodes arrive through the database poll until it is back", "error", err)
			}
			select { // go-redis reconnects on the next Receive; do not spin
			case <-ctx.Done():
				return
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				if down {
					b.log.Info("cluster announcements restored (Redis)")
				}
				down = false
				onSync(ctx)
			}
		case *redis.Message:
			var e Event
			if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
				b.log.Warn("ignoring a malformed cluster announcement", "error", err)
				continue
			}
			if e.Node != b.node {
				onEvent(e)
			}
		}
	}
}

// DetectorCounts keeps the brute-force detector's failure counts in Redis,
// shared by every node (telemetry.SharedCounts). Each key is a sorted set
// of failure times on Redis's clock, trimmed to the window and to the
// threshold's worth of entries, expiring with the window; a marker key set
// with NX makes exactly one node report each crossing. Both keys of one
// count share a hash tag, so the script also runs on a Redis Cluster.
type DetectorCounts struct {
	rdb    *redis.Client
	prefix string
}

// NewDetectorCounts returns counts under prefix+"detect:".
func NewDetectorCounts(rdb *redis.Client, prefix string) *DetectorCounts {
	return &DetectorCounts{rdb: rdb, prefix: prefix + "detect:"}
}

// failureScript records one failure: KEYS[1] the failure times, KEYS[2] the
// detection marker; ARGV window (ms), threshold, a unique member suffix.
var failureScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, threshold = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
if n > threshold then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - threshold - 1)
  n = threshold
end
redis.call('PEXPIRE', KEYS[1], window)
if n >= threshold and redis.call('SET', KEYS[2], '1', 'NX', 'PX', window) then
  return {n, 1}
end
return {n, 0}
`)

// blockScript records one block in the sorted set KEYS[1] (member the IP,
// score the end in Unix ms): ARGV the end, the IP, now (Unix ms). Ended
// blocks are trimmed, and the set expires with its last block.
var blockScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.floor(tonumber(last[2]) - tonumber(ARGV[3])) + 1000)
return 1
`)

// blocksKey is the sorted set of blocks in force.
func (c *DetectorCounts) blocksKey() string { return c.prefix + "blocks" }

// RecordBlock keeps a block in Redis until it ends, for the nodes that
// start or reconnect after it was announced (see Blocks). Like Publish, it
// ignores ctx's cancellation: the request that triggered the block may be
// over. Redis's timeouts bound the call.
func (c *DetectorCounts) RecordBlock(ctx context.Context, b Block) error {
	ctx = context.WithoutCancel(ctx)
	now := time.Now()
	if !b.Until.After(now) {
		return nil
	}
	return blockScript.Run(ctx, c.rdb, []string{c.blocksKey()}, b.Until.UnixMilli(), b.IP.String(), now.UnixMilli()).Err()
}

// Blocks returns the blocks still in force: one read of one sorted set,
// whatever the size of the keyspace.
func (c *DetectorCounts) Blocks(ctx context.Context) ([]Block, error) {
	zs, err := c.rdb.ZRangeByScoreWithScores(ctx, c.blocksKey(), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(time.Now().UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Block, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		ip, err := netip.ParseAddr(m)
		if err != nil {
			continue
		}
		out = append(out, Block{IP: ip, Until: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return out, nil
}

// Failure implements telemetry.SharedCounts.
func (c *DetectorCounts) Failure(ctx context.Context, key string, window time.Duration, threshold int) (int, bool, error) {
	b := make([]byte, 8)
	rand.Read(b)
	res, err := failureScript.Run(ctx, c.rdb, []string{c.prefix + "{" + key + "}", c.prefix + "{" + key + "}:detected"},
		window.Milliseconds(), threshold, hex.EncodeToString(b)).Int64Slice()
	if err != nil {
		return 0, false, err
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("detector script answered %v", res)
	}
	return int(res[0]), res[1] == 1, nil
}
