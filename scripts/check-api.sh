#!/usr/bin/env bash
# Serves a small demo city on a free loopback port and checks Schemas/openapi.yaml against it:
# every documented route answers as documented.
set -euo pipefail
cd "$(dirname "$0")/.."
cledger="${1:-$(swift build --show-bin-path)/cledger}"
source scripts/demo-server.sh
python3 Schemas/check_openapi.py "$base"
