#!/usr/bin/env bash
# Measures POST /oauth2/token (client_credentials → ES256 JWT) over HTTP with wrk
# against the real binary on loopback, SQLite in a temp dir, and prints a table.
#   bench/token-load.sh [seconds] [connections]
# Needs wrk (apt-get install -y wrk). Client, server and load share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.26.10}"   # build with 1.26.10 (see README)
secs=${1:-10}
conns=${2:-32}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/rampart" ./cmd/rampart
export RAMPART_DATA_DIR="$work/data" RAMPART_LOGGING_LEVEL=warn
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

creds=$("$work/rampart" client create --name bench --grant client_credentials --scope data:read --json 2>/dev/null)
id=$(printf '%s' "$creds" | sed -n 's/.*"client_id": "\([^"]*\)".*/\1/p')
secret=$(printf '%s' "$creds" | sed -n 's/.*"client_secret": "\([^"]*\)".*/\1/p')
export AUTH="Basic $(printf '%s:%s' "$id" "$secret" | base64 -w0)"

RAMPART_ADMIN_LISTEN=127.0.0.1:0 "$work/rampart" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# Warm up, then measure.
wrk -t1 -c"$conns" -d2s -s bench/token.lua "http://127.0.0.1:$port/oauth2/token" >/dev/null
echo "rampart $(git rev-parse --short HEAD 2>/dev/null || echo dev), $(nproc) cores, wrk -t1 -c$conns -d${secs}s"
echo "| case                         |   tokens/s | p50 (ms) | p99 (ms) | errors |"
echo "|------------------------------|------------|----------|----------|--------|"
wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/token.lua "http://127.0.0.1:$port/oauth2/token" | grep '^|'
