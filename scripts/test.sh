#!/usr/bin/env bash
# Sets up and runs every test: the Swift suites (core, LMDB ledger, CLI incl. the SIGKILL crash
# test, the HTTP server, the mirror and the explorer in headless Chromium), the JSON Schema checks
# (examples and live CLI output), the conformance vectors (Schemas/vectors/, against cledger and
# the Python verifiers), the OpenAPI check against a running server, the API fuzz suite
# (schemathesis over every route, scripts/fuzz-api.sh), and a short
# libFuzzer smoke run of the decoders (Tests/Fuzz/fuzz.sh; longer runs: --seconds N).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
python3 Schemas/check.py --cledger "$(swift build --show-bin-path)/cledger"
python3 Schemas/conformance.py --cledger "$(swift build --show-bin-path)/cledger"
scripts/check-api.sh "$(swift build --show-bin-path)/cledger"
scripts/fuzz-api.sh "$(swift build --show-bin-path)/cledger"
Tests/Fuzz/fuzz.sh --seconds 5
