# Sourced by the API checks: serves a small demo city on a free loopback port. Needs `cledger`
# set; sets `work` (removed on exit), `server` (its pid), `base` (its URL) and `port`.
work=$(mktemp -d /tmp/carbonledger-api.XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$cledger" demo --dir "$work/city" --residents 100 --days 2 >/dev/null
"$cledger" serve --dir "$work/city" --port 0 >"$work/serve.log" 2>&1 &
server=$!
port=$(scripts/await-listening.sh "$work/serve.log" "$server")
base="http://127.0.0.1:$port"
