#!/usr/bin/env bash
# Scale run: ingest N events (default 20,000,000) in durable batches of 1,000, one million at a
# time into the same ledger, and report the rate of each million (the last must be within 20% of
# the first), the state's size, bytes on disk per event (log and state apart), peak memory of
# each ingest process, inclusion-proof latency at the final size, and a full verify with its
# peak memory.
# usage: Benchmarks/scale.sh [--events N] [--workload log|behaviour] [--dir DIR] [--skip-verify]
set -euo pipefail
cd "$(dirname "$0")/.."
events=20000000; workload=log; dir=""; verify=1
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --workload) workload="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --skip-verify) verify=0; shift ;;
    *) echo "usage: $0 [--events N] [--workload log|behaviour] [--dir DIR] [--skip-verify]" >&2; exit 2 ;;
  esac
done
. Benchmarks/release-cledger.sh
command -v /usr/bin/time >/dev/null 2>&1 || { apt-get install -y -qq time >/dev/null; }
work="${dir:-$(mktemp -d /tmp/carbonledger-scale.XXXXXX)}"
mkdir -p "$work"
"$cledger" keygen --name scale-registry --out "$work/reg.key" >/dev/null
# The behaviour workload is a simulated year ending yesterday: the report window must cover it.
"$cledger" init --dir "$work/ledger" --origin scale.carbonledger/test --key "$work/reg.key" --report-days 366 --reversal-days 366 >/dev/null
millions=$(( (events + 999999) / 1000000 ))
day=0
for m in $(seq 1 "$millions"); do
  if [ "$workload" = behaviour ]; then
    # Each million continues the city where the last one stopped (the setup is appended once).
    args=(--workload behaviour --batches 1053 --residents 200000 --clients 4 --first-day "$day")
  else
    args=(--batches 1000 --events-per-batch 1000)
  fi
  out=$(/usr/bin/time -f "peak_rss_kib=%M" "$tools" stress-append --dir "$work/ledger" "${args[@]}" --report 2>&1) \
    || { echo "million $m failed:"; echo "$out" | tail -5; exit 1; }
  rate=$(echo "$out" | grep -o '[0-9]* events/s' | grep -o '^[0-9]*')
  if [ "$workload" = behaviour ]; then
    day=$(( $(echo "$out" | sed -nE 's/.* of days [0-9]+-([0-9]+) .*/\1/p') + 1 ))
  fi
  rss=$(echo "$out" | grep -o 'peak_rss_kib=[0-9]*' | cut -d= -f2)
  written=$(echo "$out" | grep -o '[0-9]* per event' | grep -o '^[0-9]*' || true)
  state=$(du -sb "$work/ledger/state" | cut -f1)
  echo "million $m: $rate events/s, peak RSS $(( rss / 1024 )) MiB, ${written:-?} bytes written to the device per event, state $(( state / 1048576 )) MiB"
  [ "$m" = 1 ] && first=$rate
  last=$rate
done
size=$("$cledger" info --dir "$work/ledger" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')
bytes=$(du -sb "$work/ledger" | cut -f1)
state=$(du -sb "$work/ledger/state" | cut -f1)
echo "entries: $size; bytes on disk: $bytes ($(( bytes / size )) per event: log $(( (bytes - state) / size )), state $(( state / size )))"
echo "last million at $(python3 -c "print(round(100 * $last / $first))")% of the first ($last vs $first events/s)"
"$tools" bench-proofs --dir "$work/ledger" --samples 2000
if [ "$verify" = 1 ]; then
  /usr/bin/time -f "verify peak_rss_kib=%M" "$cledger" verify --dir "$work/ledger" 2>&1 | grep -E "OK|FAIL|peak_rss"
fi
