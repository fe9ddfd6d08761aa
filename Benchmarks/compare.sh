#!/usr/bin/env bash
# Side by side on this machine, one invocation, one workload (the demo city's behaviour reports
# as signed batches of up to 1,000, every rule on, one durable commit per batch):
#   1. cledger ingest (it also writes the entry bytes the others reuse)
#   2. the floor: a C program writing the same entry bytes to LMDB with SHA-256, same batches;
#      then the state floor: a C program making the LMDB reads and writes of cledger's state
#      model for the same reports (state_floor.c), and of four smaller models
#   3. the usual alternative: SQLite with a hash-chain column (and PostgreSQL when a server runs)
#   4. cledger verify of the result, next to sha256sum over the same entry bytes
# The line before the last gives the ratios (and the state floor's events/s); the last line is
# `ingest_eps=N floor_eps=N sqlite_eps=N verify_eps=N sha256_eps=N`.
# Ingest comes from --clients concurrent submitters (default 4: platforms that each wait for
# their acknowledgement), so the sequencer's two stages overlap as they do in the service.
# usage: Benchmarks/compare.sh [--events N] (default 1,000,000) [--residents R] [--clients C]
set -euo pipefail
cd "$(dirname "$0")/.."
events=1000000
residents=50000
clients=4
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --residents) residents="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    *) echo "usage: $0 [--events N] [--residents R] [--clients C]" >&2; exit 2 ;;
  esac
done
. Benchmarks/release-cledger.sh
work=$(mktemp -d /tmp/carbonledger-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/append_floor" Benchmarks/floor/append_floor.c $(pkg-config --cflags --libs lmdb libcrypto)
cc -O2 -o "$work/state_floor" Benchmarks/floor/state_floor.c $(pkg-config --cflags --libs lmdb libcrypto)
"$cledger" keygen --name compare-registry --out "$work/reg.key" >/dev/null
# The behaviour workload is a simulated year ending yesterday: the report window must cover it.
"$cledger" init --dir "$work/ledger" --origin compare.carbonledger/city --key "$work/reg.key" --report-days 366 --reversal-days 366 >/dev/null
# About 0.95 events per submission slot of 1,000: ask for enough batches.
batches=$(( events / 950 + 1 ))

echo "== cledger ingest (every rule, durable, submissions of up to 1,000 from $clients concurrent platforms)"
line=$("$tools" stress-append --dir "$work/ledger" --workload behaviour --batches "$batches" --residents "$residents" --clients "$clients" --report --export "$work/workload.jsonl")
echo "$line"
ingest=$(echo "$line" | sed -E 's/.* ([0-9]+) events\/s$/\1/')

echo "== floor (C: same entry bytes, LMDB MDB_APPEND, SHA-256, same batch size, durable)"
mkdir "$work/floor"
fline=$("$work/append_floor" "$work/ledger" "$work/floor" 1000 "$work/entries.bin")
echo "$fline"
floor=$(echo "$fline" | sed -E 's/.* ([0-9]+) entries\/s.*/\1/')

echo "== state floor (C: the same LMDB reads and writes the rules make per behaviour report, no rules, no JSON; then four smaller state models)"
# Its source of keys and values: the ledger's rule records and read models as JSON.
"$tools" rules-json --dir "$work/ledger" --out "$work/rules-json" >/dev/null
for model in full short-values four-records compact behaviour-blobs; do
  mkdir "$work/state-$model"
  mline=$("$work/state_floor" "$work/ledger" "$work/rules-json" "$work/state-$model" 1000 "$model")
  echo "$mline"
  if [ "$model" = full ]; then state_floor=$(echo "$mline" | sed -E 's/.* ([0-9]+) events\/s .*/\1/'); fi
  rm -rf "$work/state-$model"
done

echo "== sqlite (Python sqlite3, WAL, synchronous=FULL, hash chain column)"
sline=$(python3 Benchmarks/sqlite_baseline.py "$work/workload.jsonl" "$work/events.sqlite")
echo "$sline"
sqlite=$(echo "$sline" | sed -E 's/.* ([0-9]+) events\/s$/\1/')
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q 2>/dev/null; then
  echo "== postgresql: a server is running, but this script has no PostgreSQL client baseline yet"
else
  echo "== postgresql: no server running here; skipped"
fi

echo "== cledger verify (hashes, chain, signatures, every rule, projections) and sha256sum"
entries=$("$cledger" info --dir "$work/ledger" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')
t0=$(date +%s.%N); "$cledger" verify --dir "$work/ledger"; t1=$(date +%s.%N)
verify=$(python3 -c "print(int($entries / ($t1 - $t0)))")
t0=$(date +%s.%N); sha256sum "$work/entries.bin" >/dev/null; t1=$(date +%s.%N)
sha=$(python3 -c "print(int($entries / ($t1 - $t0)))")
echo "bytes on disk: $(du -sb "$work/ledger" | cut -f1) for $entries entries"
ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }
echo "ratios: ingest/floor $(ratio "$ingest" "$floor") (target 0.5), ingest/state_floor $(ratio "$ingest" "$state_floor"), verify/sha256 $(ratio "$verify" "$sha") (target 0.7), verify/state_floor $(ratio "$verify" "$state_floor"); state_floor_eps=$state_floor"
echo "ingest_eps=$ingest floor_eps=$floor sqlite_eps=$sqlite verify_eps=$verify sha256_eps=$sha"
