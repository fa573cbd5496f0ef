#!/usr/bin/env bash
# Runs the platform on its embedded default (no external servers): installs the few Debian packages the
# runtime needs (CPython for feature logic) and the web UI's npm package (uPlot), then starts FeatureApi on http://127.0.0.1:5080.
# Extra arguments go to the host, e.g. --urls http://127.0.0.1:6000.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh runtime
./scripts/install-web.sh   # the web UI's charting library from npm (web/node_modules)
exec dotnet run --project src/FeatureApi -c Release -- "$@"
