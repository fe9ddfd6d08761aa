#!/usr/bin/env bash
# Load test of the HTTP service on loopback, bounded in time: many concurrent clients submit
# signed batches; no acknowledged submission may be lost or duplicated; memory must stay flat.
# usage: Benchmarks/load.sh [--clients N] [--seconds S] [--events E]
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
. Benchmarks/release-cledger.sh
work=$(mktemp -d /tmp/carbonledger-load.XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
vkey=$("$cledger" keygen --name load-registry --out "$work/reg.key")
"$cledger" init --dir "$work/ledger" --origin load.carbonledger/test --key "$work/reg.key" >/dev/null
"$cledger" serve --dir "$work/ledger" --port 0 --rate 1000000 >"$work/serve.log" 2>&1 &
server=$!
port=$(scripts/await-listening.sh "$work/serve.log" "$server")
python3 Benchmarks/load.py --base "http://127.0.0.1:$port" --key "$work/reg.key" --vkey "$vkey" \
  --origin load.carbonledger/test --pid "$server" "${args[@]}"
kill -TERM "$server"; wait "$server" || true; server=""
"$cledger" verify --dir "$work/ledger"
