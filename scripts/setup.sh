#!/usr/bin/env bash
# Installs what CarbonLedger needs beside the Swift toolchain, when missing: liblmdb-dev,
# libssl-dev, libjemalloc-dev (with pkg-config) and lmdb-utils from Debian, and Python's jsonschema and
# cryptography for the schema checks and the independent certificate verifier, and schemathesis
# for the API fuzz suite.
set -euo pipefail

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
pkg-config --exists lmdb 2>/dev/null || need_apt+=(liblmdb-dev)
pkg-config --exists libcrypto 2>/dev/null || need_apt+=(libssl-dev)
# cledger's allocator (Sources/CLISupport/Allocator.swift says why).
pkg-config --exists jemalloc 2>/dev/null || need_apt+=(libjemalloc-dev)
# mdb_copy, the README's way to back up a ledger while it is written (tested in CommandTests).
command -v mdb_copy >/dev/null 2>&1 || need_apt+=(lmdb-utils)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
# The explorer page is tested in a real headless Chromium.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need_apt[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import jsonschema, referencing, cryptography, yaml' 2>/dev/null; then
  echo "setup: installing Python jsonschema, cryptography and PyYAML (schema and OpenAPI checks, independent certificate verifier)"
  python3 -m pip install --quiet 'jsonschema>=4.18' cryptography pyyaml 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages 'jsonschema>=4.18' cryptography pyyaml
fi
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "setup: installing Python schemathesis (the HTTP API's fuzz suite, scripts/fuzz-api.sh)"
  python3 -m pip install --quiet schemathesis 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages schemathesis
fi
command -v swift >/dev/null 2>&1 || { echo "setup: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }
