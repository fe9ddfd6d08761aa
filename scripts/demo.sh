#!/usr/bin/env bash
# Sets up, builds and runs the demo: `cledger demo` builds a Shenzhen carbon-inclusion city
# (registry, metro operator, bike-share app, EV-charging app, city programme; 2,000 residents,
# 30 days of behaviour with double reports, resent reports, capped days, reversals, redemptions,
# donations; then projects, verification, issuance, sales, retirements and a certificate) and
# verifies it; then the walkthrough reads it the way users do.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product cledger
cledger="$(swift build -c release --show-bin-path)/cledger"
work="${DEMO_DIR:-$(mktemp -d /tmp/carbonledger-demo.XXXXXX)}"
mkdir -p "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

step "$cledger" demo --dir "$work/city"
step "$cledger" account --dir "$work/city" r-00001 --history 8
step "$cledger" account --dir "$work/city" e-pingan --history 3
step "$cledger" stats --dir "$work/city" --by scenario,month
step "$cledger" stats --dir "$work/city" --by region --format csv
step "$cledger" replay --dir "$work/city" --as-of 20000
step "$cledger" info --dir "$work/city" | tee "$work/info.txt"
grep '^registry key: ' "$work/info.txt" | sed 's/^registry key: //' > "$work/registry.vkey"
echo "(an exchange or auditor verifies an entry offline, with only the registry's verifier key:)"
step "$cledger" proof inclusion --dir "$work/city" --seq 10000 > "$work/proof.json"
step "$cledger" proof verify "$work/proof.json" --key "$work/registry.vkey"
sed 's/"amount":\([0-9]*\)/"amount":9\1/' "$work/proof.json" > "$work/proof-forged.json"
echo "(the same proof with the behaviour's amount edited fails:)"
"$cledger" proof verify "$work/proof-forged.json" --key "$work/registry.vkey" || true
echo "(the project path: issued batches, the public retirement registry, a certificate an exchange verifies offline:)"
step "$cledger" retirements --dir "$work/city" --format csv
ret=$("$cledger" retirements --dir "$work/city" | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
step "$cledger" certificate --dir "$work/city" "$ret" --out "$work/certificate.json"
step "$cledger" certificate verify "$work/certificate.json" --key "$work/registry.vkey"
batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["batch"])' "$work/certificate.json")
step "$cledger" lineage --dir "$work/city" "$batch"
step "$cledger" certificate render "$work/certificate.json" --key "$work/registry.vkey" --out "$work/certificate.html"
echo "(the same check by an independent verifier written from SPEC.md alone, in Python:)"
step python3 Schemas/verify_certificate.py "$work/certificate.json" "$(cat "$work/registry.vkey")"
sed 's/"units":\([0-9]*\)/"units":1\1/' "$work/certificate.json" > "$work/certificate-forged.json"
echo "(a certificate whose amount was edited fails:)"
"$cledger" certificate verify "$work/certificate-forged.json" --key "$work/registry.vkey" || true
echo "(the registry, an admin, posts a notice:)"
printf '{"events":[{"type":"note","text":"Methodology sz-metro v2 takes effect on 2027-01-01","ref":"SZ-EEB-2026-42"}]}' > "$work/notice.json"
step "$cledger" submit --dir "$work/city" --sign "$work/city/registry.key" "$work/notice.json"
step "$cledger" verify --dir "$work/city"
echo
echo "done; the ledger is in $work/city"
