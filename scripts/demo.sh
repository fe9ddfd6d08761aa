#!/usr/bin/env bash
# Sets up, builds and walks through CarbonLedger with the real CLI: keys, a ledger, signed
# submissions from a metro platform, checkpoints, proofs verified offline, and a full verify.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product cledger
cledger="$(swift build --show-bin-path)/cledger"
work="${DEMO_DIR:-$(mktemp -d /tmp/carbonledger-demo.XXXXXX)}"
mkdir -p "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

echo "demo directory: $work"
step "$cledger" keygen --name shenzhen-registry --out "$work/registry.key" | tee "$work/registry.vkey"
step "$cledger" keygen --name shenzhen-metro --out "$work/metro.key"
step "$cledger" init --dir "$work/ledger" --origin carbonledger.example/shenzhen --key "$work/registry.key"

# Two batches of behaviour reports from the metro platform (pseudonymous account ids only).
cat > "$work/metro-batch-1.json" <<'JSON'
{"events":[
  {"type":"behaviour.metro","account":"p-7f3a91","distance_m":12400,"source_ref":"SZMTR-20261121-000001"},
  {"type":"behaviour.metro","account":"p-02bc44","distance_m":8100,"source_ref":"SZMTR-20261121-000002"},
  {"type":"behaviour.bus","account":"p-7f3a91","distance_m":5600,"source_ref":"SZMTR-20261121-000003"}
]}
JSON
cat > "$work/metro-batch-2.json" <<'JSON'
{"events":[{"type":"behaviour.metro","account":"p-5d0e12","distance_m":21900,"source_ref":"SZMTR-20261121-000004"}]}
JSON
step "$cledger" submit --dir "$work/ledger" --sign "$work/metro.key" "$work/metro-batch-1.json" "$work/metro-batch-2.json"
echo "(submitting the same signed batch again is refused as a replay:)"
"$cledger" submit --dir "$work/ledger" --sign "$work/metro.key" "$work/metro-batch-2.json" || true
step "$cledger" info --dir "$work/ledger"
step "$cledger" checkpoint --dir "$work/ledger"
step "$cledger" proof inclusion --dir "$work/ledger" --seq 2 > "$work/proof-2.json"
echo "(an exchange or auditor verifies offline, with only the registry's verifier key:)"
step "$cledger" proof verify "$work/proof-2.json" --key "$work/registry.vkey"
sed 's/"distance_m":8100/"distance_m":81000/' "$work/proof-2.json" > "$work/proof-2-forged.json"
echo "(a proof whose entry was edited fails:)"
"$cledger" proof verify "$work/proof-2-forged.json" --key "$work/registry.vkey" || true
step "$cledger" proof consistency --dir "$work/ledger" --from 1 > "$work/consistency.json"
step "$cledger" proof verify "$work/consistency.json" --key "$work/registry.vkey"
step "$cledger" stress-append --dir "$work/ledger" --batches 100 --events-per-batch 1000 --clients 4 --report
step "$cledger" verify --dir "$work/ledger"
echo
echo "done; everything is in $work"
