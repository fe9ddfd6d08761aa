#!/usr/bin/env bash
# Sets up and runs every test: the Swift suites (core, LMDB ledger, CLI incl. the SIGKILL crash
# test) and the JSON Schema checks (examples and live CLI output).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
python3 Schemas/check.py --cledger "$(swift build --show-bin-path)/cledger"
