#!/usr/bin/env bash
# Audit rampart's own dependencies, offline, against the Go vulnerability
# database. The database is the Go module golang.org/x/vulndb (its data/osv/
# holds the advisories in OSV format), fetched through the module proxy like
# any module, so this needs nothing but GOPROXY. It exits non-zero when any
# known vulnerability affects go.mod's modules or the Go release it names
# (--fail-on low: the Go database rates no advisory, so every one counts), or
# when the audit could not run.
#
#   RAMPART_VULNDB_VERSION   golang.org/x/vulndb version (default: latest)
#   RAMPART_AUDIT_FAIL_ON    --fail-on level (default: low)
#   RAMPART_AUDIT_FORMAT     report format (default: text)
#   RAMPART_AUDIT_REACHABILITY=1  also run govulncheck's call-graph analysis
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.26.10}"   # build with 1.26.10 (see README)
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=${RAMPART_VULNDB_VERSION:-latest}
# Outside any module, so that rampart's go.mod and go.sum are not touched.
if ! info=$(cd "$tmp" && go mod download -json "golang.org/x/vulndb@$version"); then
  echo "audit-self: cannot download golang.org/x/vulndb@$version through the module proxy:" >&2
  echo "$info" >&2
  exit 1
fi
field() { printf '%s\n' "$info" | sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -1; }
dir=$(field Dir)
resolved=$(field Version)
if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then
  echo "audit-self: golang.org/x/vulndb@$version has no data/osv directory" >&2
  exit 1
fi
echo "audit-self: Go vulnerability database golang.org/x/vulndb@$resolved ($(ls "$dir/data/osv" | wc -l) advisories)"

go build -o "$tmp/rampart" ./cmd/rampart
args=(audit deps --offline --db "$dir" --fail-on "${RAMPART_AUDIT_FAIL_ON:-low}" --format "${RAMPART_AUDIT_FORMAT:-text}")
if [ "${RAMPART_AUDIT_REACHABILITY:-}" = 1 ]; then
  args+=(--reachability)
fi
status=0
"$tmp/rampart" "${args[@]}" "$root" || status=$?
if [ "$status" -ne 0 ]; then
  echo "audit-self: FAILED (exit $status): upgrade the modules above to their fixed versions" >&2
fi
exit "$status"
