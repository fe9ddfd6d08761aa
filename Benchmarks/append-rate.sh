#!/usr/bin/env bash
# Measures durable append throughput of `cledger` (every rule on, batches of 1,000 events, one
# submission per commit) next to the floor: a plain C program writing the same entry bytes to
# LMDB with SHA-256, same batches, durable commits. Both run here, one after the other.
# usage: Benchmarks/append-rate.sh [--events N] (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=200000
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    *) echo "usage: $0 [--events N]" >&2; exit 2 ;;
  esac
done
batches=$(( events / 1000 ))
. Benchmarks/release-cledger.sh
work=$(mktemp -d /tmp/carbonledger-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/append_floor" Benchmarks/floor/append_floor.c $(pkg-config --cflags --libs lmdb libcrypto)

"$cledger" keygen --name bench-registry --out "$work/reg.key" >/dev/null
"$cledger" init --dir "$work/ledger" --origin bench.carbonledger/append --key "$work/reg.key" >/dev/null
line=$("$tools" stress-append --dir "$work/ledger" --batches "$batches" --events-per-batch 1000 --report)
echo "cledger: $line"
ingest=$(echo "$line" | sed -E 's/.* ([0-9]+) events\/s$/\1/')
mkdir "$work/floor"
fline=$("$work/append_floor" "$work/ledger" "$work/floor" 1000)
echo "$fline"
floor=$(echo "$fline" | sed -E 's/.* ([0-9]+) entries\/s.*/\1/')
echo "ingest_eps=$ingest floor_eps=$floor ratio=$(python3 -c "print(round($ingest/$floor, 3))")"
