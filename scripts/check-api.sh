#!/usr/bin/env bash
# Serves a small demo city on a free loopback port and checks Schemas/openapi.yaml against it:
# every documented route answers as documented.
set -euo pipefail
cd "$(dirname "$0")/.."
cledger="${1:-$(swift build --show-bin-path)/cledger}"
work=$(mktemp -d /tmp/carbonledger-api.XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$cledger" demo --dir "$work/city" --residents 100 --days 2 >/dev/null
"$cledger" serve --dir "$work/city" --port 0 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 150); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | grep -o '[0-9]*$')
python3 Schemas/check_openapi.py "http://127.0.0.1:$port"
