#!/usr/bin/env bash
# The HTTP API under schema-driven fuzzing: schemathesis (PyPI) generates requests for every
# route of Schemas/openapi.yaml (documented examples, boundary and out-of-bound values for every
# parameter, random and malformed bodies, sequences of calls) against `cledger serve` on a demo
# city. Passes only if: no answer is a 5xx, every answer (errors included, which must carry
# error.schema.json) matches the document, invalid input is refused with a 4xx, the server is
# still up, and the log is unchanged (everything sent is unsigned or forged, so every submission
# must be refused). usage: fuzz-api.sh [CLEDGER] [--examples N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
cledger="$(swift build --show-bin-path)/cledger"
examples=30
seed=20261203
while [ $# -gt 0 ]; do
  case "$1" in
    --examples) examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    -*) echo "fuzz-api: unknown option $1" >&2; exit 64 ;;
    *) cledger="$1"; shift ;;
  esac
done
command -v schemathesis >/dev/null || { echo "fuzz-api: schemathesis is missing; run scripts/setup.sh" >&2; exit 1; }
source scripts/demo-server.sh
fetch() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=60).read().decode())' "$1"; }
counter() { fetch "$base/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
log_before=$(fetch "$base/v1/info" | python3 -c 'import json, sys; i = json.load(sys.stdin); print(i["size"], i["head"])')
requests_before=$(counter carbonledger_http_requests_total)

status=0
(cd "$work" && schemathesis run "$OLDPWD/Schemas/openapi.yaml" --url "$base" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance,negative_data_rejection \
  --mode all --phases examples,coverage,fuzzing,stateful --max-examples "$examples" --seed "$seed" \
  --generation-database none --no-color >"$work/schemathesis.txt" 2>&1) || status=$?

fail() { echo "fuzz-api: FAIL: $*" >&2; tail -60 "$work/schemathesis.txt" >&2; echo "--- server log (last lines)" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
[ "$status" -eq 0 ] || fail "schemathesis found failures (seed $seed)"
kill -0 "$server" 2>/dev/null || fail "the server exited"
[ "$(fetch "$base/healthz")" = "ok" ] || fail "/healthz does not answer ok"
log_after=$(fetch "$base/v1/info" | python3 -c 'import json, sys; i = json.load(sys.stdin); print(i["size"], i["head"])')
[ "$log_before" = "$log_after" ] || fail "the log changed: $log_before -> $log_after"
if grep -E 'status=5[0-9][0-9]' "$work/serve.log" >/dev/null; then fail "the server answered 5xx: $(grep -E 'status=5' "$work/serve.log" | head -3)"; fi
requests=$(( $(counter carbonledger_http_requests_total) - requests_before ))
read -r operations parameters < <(python3 -c '
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
ops = [(p, m, o) for p, ms in doc["paths"].items() for m, o in ms.items()]
params = sum(len(o.get("parameters", [])) + (1 if "requestBody" in o else 0) for _, _, o in ops)
print(len(ops), params)' Schemas/openapi.yaml)
cases=$(grep -Eo '[0-9]+ generated' "$work/schemathesis.txt" | head -1 | cut -d' ' -f1)
echo "fuzz-api: $operations operations, $parameters parameters and bodies, ${cases:-?} generated cases, $requests requests: no 5xx, every answer as documented, log unchanged ($log_after), seed $seed"
