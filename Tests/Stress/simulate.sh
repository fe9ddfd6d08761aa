#!/usr/bin/env bash
# The long deterministic simulation: the demo city and its market, then N random steps of valid
# and invalid traffic and adversaries, every invariant checked after every step; run twice from
# the same seed, the two logs must be identical (same outcomes, same signed checkpoint), and the
# log must pass `verify`. The CI runs 150 steps (Tests/CarbonLedgerTests/SimulationTests.swift).
# usage: Tests/Stress/simulate.sh [--steps N] (default 5000) [--seed S] (default 7000003)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=5000
seed=7000003
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "usage: $0 [--steps N] [--seed S]" >&2; exit 2 ;;
  esac
done
case "$steps$seed" in *[!0-9]*) echo "--steps and --seed take whole numbers" >&2; exit 2 ;; esac
scripts/setup.sh
swift build --build-tests >/dev/null
CARBONLEDGER_SIM_STEPS="$steps" CARBONLEDGER_SIM_SEED="$seed" \
  swift test --skip-build --filter SimulationTests 2>&1 | grep -E "simulation:|✘|passed after|failed after"
