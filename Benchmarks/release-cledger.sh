# Sourced by the benchmark scripts (from the repository's root): installs what they need and
# builds the release `cledger`, whose path it sets in $cledger.
scripts/setup.sh
swift build -c release --product cledger >/dev/null
cledger="$(swift build -c release --show-bin-path)/cledger"
