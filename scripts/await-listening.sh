#!/usr/bin/env bash
# Waits until `cledger serve`, started in the background with its output in LOG, says where it
# listens, and prints its port; fails if the server exits first. It waits for what the server
# does, not for a time; the 600 s guard only keeps a hung server from hanging a run.
# usage: scripts/await-listening.sh LOG PID
set -euo pipefail
log="$1" pid="$2"
for _ in $(seq 1 6000); do
  if port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$'); then
    echo "$port"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "the server exited before listening:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
echo "the server did not say where it listens in 600 s:" >&2
cat "$log" >&2
exit 1
