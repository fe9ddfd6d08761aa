# Sourced by the benchmark scripts (from the repository's root): installs what they need and
# builds the release `cledger` and `cledger-tools` (the load generator and proof timer), whose
# paths it sets in $cledger and $tools.
scripts/setup.sh
swift build -c release --product cledger >/dev/null
swift build -c release --product cledger-tools >/dev/null
cledger="$(swift build -c release --show-bin-path)/cledger"
tools="$(swift build -c release --show-bin-path)/cledger-tools"
