package testenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisURL returns the URL of the test Redis server (RAMPART_TEST_REDIS_URL,
// e.g. redis://127.0.0.1:6379/0) after checking that it answers. Tests that
// share it keep to their own key prefix (see RedisPrefix).
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("RAMPART_TEST_REDIS_URL")
	if u == "" {
		Unavailable(t, "RAMPART_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("RAMPART_TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		Unavailable(t, "Redis at RAMPART_TEST_REDIS_URL is unreachable: "+err.Error())
	}
	return u
}

// RedisPrefix returns a key prefix no other test uses ("rampart:test:<random>:")
// and deletes every key under it from the Redis at url when t ends.
func RedisPrefix(t testing.TB, url string) string {
	t.Helper()
	prefix := "rampart:test:" + randHex(8) + ":"
	t.Cleanup(func() {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
			return
		}
		c := redis.NewClient(opt)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
			return
		}
		for len(keys) > 0 {
			n := min(len(keys), 1000)
			if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
				t.Errorf("cleaning up %s*: %v", prefix, err)
				return
			}
			keys = keys[n:]
		}
	})
	return prefix
}
