#!/usr/bin/env bash
# Load test of the HTTP service on loopback, bounded in time: many concurrent clients submit
# signed batches; no acknowledged submission may be lost or duplicated; memory must stay flat.
# usage: Benchmarks/load.sh [--clients N] [--seconds S] [--events E]
#        Benchmarks/load.sh --workload behaviour [--batches B] [--residents R] [--clients N] [--seconds S]
# The first submits note events the load generator signs (E per submission); the second the demo
# city's behaviour reports with every rule on (B submissions of up to 1,000 reports, as
# `Benchmarks/compare.sh` appends them directly), after posting the city's setup one by one.
set -euo pipefail
cd "$(dirname "$0")/.."
workload=notes
batches=200
residents=50000
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workload) workload="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --residents) residents="$2"; shift 2 ;;
    --clients|--seconds|--events) args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: $0 [--workload notes|behaviour] [--batches B] [--residents R] [--clients N] [--seconds S] [--events E]" >&2; exit 2 ;;
  esac
done
case "$workload" in notes|behaviour) ;; *) echo "$0: --workload is notes or behaviour" >&2; exit 2 ;; esac
. Benchmarks/release-cledger.sh
work=$(mktemp -d /tmp/carbonledger-load.XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
vkey=$("$cledger" keygen --name load-registry --out "$work/reg.key")
if [ "$workload" = behaviour ]; then
  # The city's year ends yesterday: the windows must reach back over it.
  "$cledger" init --dir "$work/ledger" --origin load.carbonledger/test --key "$work/reg.key" --report-days 366 --reversal-days 366 >/dev/null
  "$tools" stress-append --dir "$work/ledger" --workload behaviour --report --batches "$batches" --residents "$residents" \
    --export "$work/work.jsonl" --export-setup "$work/setup.jsonl" --export-only
  args+=(--setup "$work/setup.jsonl" --submissions "$work/work.jsonl")
  [[ " ${args[*]} " == *" --seconds "* ]] || args+=(--seconds 600)
else
  "$cledger" init --dir "$work/ledger" --origin load.carbonledger/test --key "$work/reg.key" >/dev/null
fi
"$cledger" serve --dir "$work/ledger" --port 0 --rate 1000000 >"$work/serve.log" 2>&1 &
server=$!
port=$(scripts/await-listening.sh "$work/serve.log" "$server")
python3 Benchmarks/load.py --base "http://127.0.0.1:$port" --key "$work/reg.key" --vkey "$vkey" \
  --origin load.carbonledger/test --pid "$server" "${args[@]}"
kill -TERM "$server"; wait "$server" || true; server=""
"$cledger" verify --dir "$work/ledger"
