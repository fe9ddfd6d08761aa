#!/usr/bin/env bash
# Time to serving after a SIGKILL: grows one city's ledger on the simulated clock (every rule
# on, the default windows, durable commits) until it has reported --days simulated days, kills
# the writer with SIGKILL as it goes on to the next day, then times what a server does before it
# serves (`cledger-tools restart-time`: open, load the rule state and replay the tail), once
# after the kill and once more after that clean stop.
# The kill comes when the writer has printed its line on day --days - 1 (what it has observably
# done), not after a time. About 1.5 behaviour events per resident a day.
# The writer's line every --sample-days days (a divisor of --days; default --days) gives the
# rule state it holds and its anonymous RSS on the way.
# usage: Benchmarks/restart.sh [--residents N] [--days D] [--sample-days S] (defaults 20000, 120, D)
set -euo pipefail
cd "$(dirname "$0")/.."
residents=20000
days=120
sample=""
while [ $# -gt 0 ]; do
  case "$1" in
    --residents) residents="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --sample-days) sample="$2"; shift 2 ;;
    *) echo "usage: $0 [--residents N] [--days D] [--sample-days S]" >&2; exit 2 ;;
  esac
done
sample="${sample:-$days}"
if [ $(( days % sample )) -ne 0 ]; then echo "--sample-days $sample does not divide --days $days" >&2; exit 2; fi
. Benchmarks/release-cledger.sh
work=$(mktemp -d /tmp/carbonledger-restart.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$cledger" keygen --name restart-registry --out "$work/reg.key" >/dev/null
"$cledger" init --dir "$work/ledger" --origin bench.carbonledger/restart --key "$work/reg.key" >/dev/null
mkfifo "$work/out"
"$tools" stress-append --dir "$work/ledger" --workload behaviour --simulated-clock --report --batches 100000000 \
  --residents "$residents" --sample-days "$sample" > "$work/out" &
writer=$!
while IFS= read -r line; do
  echo "writer: $line"
  case "$line" in "day $((days - 1)):"*) break ;; esac
done < "$work/out"
kill -9 "$writer"
wait "$writer" 2>/dev/null || true
echo "killed with SIGKILL; $(du -sh "$work/ledger" | cut -f1) on disk"
echo "after the kill:"
"$tools" restart-time --dir "$work/ledger" | sed 's/^/  /'
echo "after a clean stop:"
"$tools" restart-time --dir "$work/ledger" | sed 's/^/  /'
"$cledger" info --dir "$work/ledger" | head -3
