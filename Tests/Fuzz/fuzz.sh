#!/usr/bin/env bash
# Fuzzes the decoders that read untrusted bytes with libFuzzer (swiftc -sanitize=fuzzer,address):
#   json        the canonical JSON parsers (lenient and strict) and the encoder's round trip
#   submission  the submission wire decoder
#   entry       the stored-entry decoder
#   proof       inclusion/consistency proofs, retirement certificates, signed notes, checkpoints
# Seeds: Tests/Fuzz/corpus/<target> (in the repo); new inputs go to a scratch copy unless --grow.
# A crash, a timeout (hang) or a broken round-trip property stops the target and leaves the
# input in the artifacts directory printed at the end.
# usage: Tests/Fuzz/fuzz.sh [--target NAME|all] [--seconds N per target] [--seed S] [--grow]
# Last line: fuzz: targets=N runs=N crashes=N
set -euo pipefail
cd "$(dirname "$0")/../.."
targets="json submission entry proof"
seconds=60
seed=20261121
grow=0
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ "$2" = all ] || targets="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --grow) grow=1; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "usage: $0 [--target json|submission|entry|proof|all] [--seconds N] [--seed S] [--grow]" >&2; exit 2 ;;
  esac
done
case "$seconds$seed" in *[!0-9]*) echo "--seconds and --seed take whole numbers" >&2; exit 2 ;; esac
scripts/setup.sh >/dev/null
out=.build/fuzz
mkdir -p "$out"
artifacts=$(mktemp -d /tmp/carbonledger-fuzz.XXXXXX)
mapfile -t sources < <(find Sources/LedgerCore -name "*.swift" | sort)
sources+=(Tests/Fuzz/FuzzTarget.swift)
bin="$out/decoders"
if [ ! -x "$bin" ] || [ -n "$(find "${sources[@]}" -newer "$bin" | head -1)" ]; then
  echo "building $bin (libFuzzer + AddressSanitizer)"
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzLedger \
      "${sources[@]}" -I Sources/COpenSSL -o "$bin" >"$artifacts/build.log" 2>&1; then
    grep -E "error" "$artifacts/build.log" >&2 || cat "$artifacts/build.log" >&2
    exit 1
  fi
fi
total_runs=0
crashes=0
for t in $targets; do
  case "$t" in json|submission|entry|proof) ;; *) echo "unknown target $t (json, submission, entry, proof)" >&2; exit 2 ;; esac
  work="$artifacts/corpus-$t"
  mkdir -p "$work"
  cp Tests/Fuzz/corpus/"$t"/* "$work"/
  set +e
  CARBONLEDGER_FUZZ_TARGET="$t" SWIFT_BACKTRACE=enable=no "$bin" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$artifacts/$t-" -print_final_stats=1 "$work" >"$artifacts/$t.log" 2>&1
  status=$?
  set -e
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$artifacts/$t.log" | grep -oE "[0-9]+$" || echo 0)
  total_runs=$((total_runs + runs))
  if [ "$status" -ne 0 ]; then
    crashes=$((crashes + 1))
    echo "fuzz $t: FAILED (exit $status) after $runs runs; input and log in $artifacts" >&2
    grep -E "ERROR|fatal error|property broken|Fatal|timeout" "$artifacts/$t.log" | head -5 >&2
  else
    echo "fuzz $t: $runs runs in ${seconds}s, corpus $(ls "$work" | wc -l) inputs, no crash, no hang"
    if [ "$grow" = 1 ]; then
      CARBONLEDGER_FUZZ_TARGET="$t" "$bin" -merge=1 Tests/Fuzz/corpus/"$t" "$work" >/dev/null 2>&1
    fi
  fi
done
[ "$crashes" -eq 0 ] && rm -rf "$artifacts"
echo "fuzz: targets=$(echo $targets | wc -w) runs=$total_runs crashes=$crashes"
[ "$crashes" -eq 0 ]
