#!/usr/bin/env bash
# Measures the gateway with wrk against a minimal upstream on loopback and
# prints requests/s, p50 and p99 for: the upstream direct; through rampart on
# a public route; through rampart on a fully guarded route (ES256 JWT or API
# key + authorization + per-IP and per-subject rate limits + security headers), each as a ratio to direct; and the
# guarded API-key case again on a second rampart with the access log and
# off ("…-nolog"; metrics stay on), to show what it costs; and, for
# calibration, Go's standard httputil.ReverseProxy doing nothing else
# ("stdlib-proxy", bench/stdproxy). Cases are interleaved
# (rounds) so they see the same machine load.
#   bench/gateway-load.sh [seconds-per-case] [connections] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.26.10}"   # build with 1.26.10 (see README)
secs=${1:-5}
conns=${2:-32}
rounds=${3:-2}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill ${pids:-} 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/rampart" ./cmd/rampart
go build -o "$work/upstream" ./bench/upstream
go build -o "$work/stdproxy" ./bench/stdproxy
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(free); gw=$(free); gw2=$(free); sp=$(free)
"$work/upstream" -listen "127.0.0.1:$up" & pids="$!"
"$work/stdproxy" -listen "127.0.0.1:$sp" -upstream "http://127.0.0.1:$up" & pids="$pids $!"

cat >"$work/rampart.yaml" <<YAML
version: 1
issuer: {url: "http://127.0.0.1:$gw"}
logging: {level: warn}
authenticators:
  own_jwt: {type: jwt}
  keys: {type: api_key}
routes:
  - name: open
    match: {path: /open}
    upstream: http://127.0.0.1:$up
    public: true
  - name: guarded
    match: {path: /api/data, methods: [GET]}
    upstream: http://127.0.0.1:$up
    authenticate: [own_jwt, keys]
    authorize: {scopes: [data:read]}
    rate_limits:                      # decided on every request, never reached
      - {key: ip, rate: 100000000/h}
      - {key: subject, rate: 100000000/h}
YAML
export RAMPART_DATA_DIR="$work/data" RAMPART_CONFIG="$work/rampart.yaml"
"$work/rampart" role create reader --permission data:read >/dev/null
printf 'bench password 123' | "$work/rampart" user add bench --role reader --password-stdin >/dev/null
key=$("$work/rampart" apikey create --user bench --scope data:read 2>/dev/null)
# The access log (stdout, the default) goes to a file, as a log shipper would read it.
RAMPART_ADMIN_LISTEN=127.0.0.1:0 "$work/rampart" serve --listen "127.0.0.1:$gw" >"$work/access.log" 2>"$work/serve.log" & pids="$pids $!"
RAMPART_ADMIN_LISTEN=127.0.0.1:0 RAMPART_LOGGING_ACCESS_LOG=off "$work/rampart" serve --listen "127.0.0.1:$gw2" >/dev/null 2>"$work/serve2.log" & pids="$pids $!"
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$sp/api/data" >/dev/null 2>&1 && break; sleep 0.1; done
for port in $gw $gw2; do
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
done
jwt=$(curl -fsS -u 'bench:bench password 123' -X POST "http://127.0.0.1:$gw/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')

run() { # name url [header]
  local out
  if [ -n "${3:-}" ]; then out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "$3" "$2")
  else out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "$2"); fi
  if grep -q "Non-2xx" <<<"$out"; then echo "$1: non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$1 $rps $p50 $p99"
}
wrk -t1 -c"$conns" -d1s "http://127.0.0.1:$up/" >/dev/null   # warm up
results=()
for r in $(seq "$rounds"); do
  results+=("$(run direct "http://127.0.0.1:$up/api/data")")
  results+=("$(run stdlib-proxy "http://127.0.0.1:$sp/api/data")")
  results+=("$(run public "http://127.0.0.1:$gw/open")")
  results+=("$(run "guarded-jwt" "http://127.0.0.1:$gw/api/data" "Authorization: Bearer $jwt")")
  results+=("$(run "guarded-apikey" "http://127.0.0.1:$gw/api/data" "Authorization: Bearer $key")")
  results+=("$(run "guarded-apikey-nolog" "http://127.0.0.1:$gw2/api/data" "Authorization: Bearer $key")")
done
echo "rampart $(git rev-parse --short HEAD 2>/dev/null || echo dev), $(nproc) cores, wrk -t1 -c$conns, ${secs}s x $rounds rounds (best round shown)"
printf '%s\n' "${results[@]}" | awk '
  { if (!($1 in best) || $2 > best[$1]) { best[$1]=$2; p50[$1]=$3; p99[$1]=$4 } }
  END {
    printf "| %-20s | %10s | %9s | %9s | %8s |\n", "case", "req/s", "p50", "p99", "vs direct"
    printf "|----------------------|------------|-----------|-----------|----------|\n"
    n = split("direct stdlib-proxy public guarded-jwt guarded-apikey guarded-apikey-nolog", order, " ")
    for (i = 1; i <= n; i++) { c = order[i]; printf "| %-20s | %10.0f | %9s | %9s | %7.2fx |\n", c, best[c], p50[c], p99[c], best[c]/best["direct"] }
    printf "the access log keeps %.0f%% of the guarded throughput (target >= 85%%)\n", 100*best["guarded-apikey"]/best["guarded-apikey-nolog"]
  }'
