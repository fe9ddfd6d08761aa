#!/usr/bin/env bash
# The long crash test: a `cledger-tools stress-append` writer under load (1 to 3 concurrent clients,
# group commits) is killed with SIGKILL once it has acknowledged a random number (1-200) of
# submissions, while it goes on writing, N times; after every kill `verify` must pass, every
# acknowledged submission must be where it was acknowledged, and the new checkpoint must be consistent with every earlier one.
# A fresh ledger is started every 50 kills, so every verify stays the same size. The CI runs
# the same test with 50 kills (Tests/CLITests/CrashTests.swift).
# usage: Tests/Stress/crash.sh [--kills N] (default 500) [--seed S] (default 20261121)
# Last line: kills=N acknowledged_lost=N verify_failures=N
set -euo pipefail
cd "$(dirname "$0")/../.."
kills=500
seed=20261121
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "usage: $0 [--kills N] [--seed S]" >&2; exit 2 ;;
  esac
done
case "$kills$seed" in *[!0-9]*) echo "--kills and --seed take whole numbers" >&2; exit 2 ;; esac
scripts/setup.sh
swift build --build-tests >/dev/null
log=$(mktemp /tmp/carbonledger-crash.XXXXXX)
trap 'rm -f "$log"' EXIT
set +e
CARBONLEDGER_CRASH_KILLS="$kills" CARBONLEDGER_CRASH_SEED="$seed" \
  swift test --skip-build --filter CrashTests.sigkillLosesNoAcknowledgedSubmission 2>&1 | tee "$log" | grep -E "round [0-9]+:|✘"
status=${PIPESTATUS[0]}
set -e
line=$(grep -o "crash test: .*" "$log" | tail -1)
if [ -z "$line" ]; then
  echo "the crash test did not finish (exit $status); see the output above" >&2
  exit 1
fi
echo "$line"
echo "$line" | grep -oE "kills=[0-9]+ acknowledged_lost=[0-9]+ verify_failures=[0-9]+"
exit "$status"
