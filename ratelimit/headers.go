package ratelimit

import (
	"strconv"
	"time"
)

// The RateLimit-Policy and RateLimit fields follow
// draft-ietf-httpapi-ratelimit-headers-10 (September 2025): each field is a
// Structured Fields List (RFC 9651) of items whose value is the policy name
// as an sf-string, with parameters:
//
//	RateLimit-Policy: "burst";q=20;w=2, "daily";q=10000;w=86400
//	RateLimit: "burst";r=19;t=1, "daily";r=9999;t=9
//
// For a GCRA limit, the quota q is the burst (what may be spent at once)
// and the window w is the time the burst takes to refill; r is what remains
// now and t the seconds until the whole burst is available again. Seconds
// are rounded up and never below 1 for w.

// policyItem renders one RateLimit-Policy list member.
func policyItem(name string, l Limit) string {
	b := make([]byte, 0, len(name)+32)
	b = appendName(b, name)
	b = append(b, ";q="...)
	b = strconv.AppendInt(b, int64(l.EffectiveBurst()), 10)
	b = append(b, ";w="...)
	b = strconv.AppendInt(b, max(ceilSeconds(l.Window()), 1), 10)
	return string(b)
}

// appendLimitItem appends one RateLimit list member.
func appendLimitItem(b []byte, name string, r Result) []byte {
	b = appendName(b, name)
	b = append(b, ";r="...)
	b = strconv.AppendInt(b, int64(r.Remaining), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, ceilSeconds(r.Reset), 10)
	return b
}

// appendName appends name as an sf-string. Policy names are validated to
// need no escaping.
func appendName(b []byte, name string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"')
}

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
