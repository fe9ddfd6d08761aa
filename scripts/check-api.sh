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
port=$(scripts/await-listening.sh "$work/serve.log" "$server")
python3 Schemas/check_openapi.py "http://127.0.0.1:$port"
