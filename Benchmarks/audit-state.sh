#!/usr/bin/env bash
# Verifying what was appended since the last verify (`verify --audit-state`, SPEC.md 9.1) against
# a full verify, on one behaviour ledger: ingest N behaviour events (default 1,000,000) of the
# demo city (200,000 residents, whose setup is about 680,000 entries), run a plain `verify` and
# a first `verify --audit-state` (both replay everything) alternately, then append increments of
# the given sizes and verify each from the audit state. Prints the time of each run and, as its
# last line,
#   full_s=S audit_first_s=S increment_events=N,N,... increment_s=S,S,... ingest_s=S,S,...
# (the increments' ingest times, for comparison: a run from the audit state replays what the
# ingest did, with every rule).
# usage: Benchmarks/audit-state.sh [--events N] [--increments N,N,...] [--dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
events=1000000; increments=10000,100000,1000000; dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --increments) increments="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "usage: $0 [--events N] [--increments N,N,...] [--dir DIR]" >&2; exit 2 ;;
  esac
done
. Benchmarks/release-cledger.sh
work="${dir:-$(mktemp -d /tmp/carbonledger-audit.XXXXXX)}"
mkdir -p "$work"
"$cledger" keygen --name audit-registry --out "$work/reg.key" >/dev/null
# The behaviour workload is a simulated year ending yesterday: the report window must cover it.
"$cledger" init --dir "$work/ledger" --origin audit.carbonledger/test --key "$work/reg.key" --report-days 366 --reversal-days 366 >/dev/null
city=(--workload behaviour --residents 200000 --clients 4 --report)
day=0
# Appends about $1 behaviour events (submissions of 1,000) from day $day on, the next day after
# the last one it used; sets appended_s (not in a subshell, so that $day carries over).
append() {
  local out
  out=$("$tools" stress-append --dir "$work/ledger" "${city[@]}" --batches $(( ($1 + 999) / 1000 )) --first-day "$day") \
    || { echo "stress-append failed" >&2; exit 1; }
  day=$(( $(echo "$out" | sed -nE 's/.* of days [0-9]+-([0-9]+) .*/\1/p') + 1 ))
  appended_s=$(echo "$out" | sed -nE 's/.* commits, ([0-9.]+) s .*/\1/p')
}
# Runs verify with the given options; prints its OK line to stderr and its seconds.
timed_verify() {
  local start end out
  start=$(date +%s.%N)
  out=$("$cledger" verify --dir "$work/ledger" "$@") || { echo "verify failed" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$out" | head -1 >&2
  python3 -c "print(round($end - $start, 2))"
}
append "$events"
echo "ledger: $("$cledger" info --dir "$work/ledger" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])') entries"
full=(); first=()
for round in 1 2; do
  full+=("$(timed_verify)")
  rm -rf "$work/audit"
  first+=("$(timed_verify --audit-state "$work/audit")")
  echo "round $round: verify ${full[-1]} s, first verify --audit-state ${first[-1]} s"
done
sizes=(); secs=(); ingest=()
for n in ${increments//,/ }; do
  append "$n"
  ingest+=("$appended_s")
  secs+=("$(timed_verify --audit-state "$work/audit")")
  sizes+=("$n")
  echo "increment of $n events: ingest ${ingest[-1]} s, verify --audit-state ${secs[-1]} s"
done
join() { local IFS=,; echo "$*"; }
echo "full_s=$(join "${full[@]}") audit_first_s=$(join "${first[@]}") increment_events=$(join "${sizes[@]}") increment_s=$(join "${secs[@]}") ingest_s=$(join "${ingest[@]}")"
