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
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/ratelimit"
)

// Event is one announcement.
type Event struct {
	// Revocation is the deny-list entry made, when the change made one.
	Revocation *Revocation `json:"revocation,omitempty"`
	// Node is the sender; a node ignores its own events.
	Node string `json:"node"`
}

// Revocation is a deny-list entry (see store.Revocation).
type Revocation struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	RevokedAt time.Time `json:"revoked_at"`
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

// Publish announces e to every other node.
func (b *Bus) Publish(ctx context.Context, e Event) error {
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
