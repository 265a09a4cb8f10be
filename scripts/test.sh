#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against a real redis-server, the Node Cosmos DB-compatible server
# and the simulator, and the end-to-end test that starts the AppHost. Installs what it needs first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/prereqs.sh"
cd "$root"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test AspireAoai.sln --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every test project, e.g. "Tests: 120 passed, 0 failed, 1 skipped".
awk '
  /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") { gsub(",", "", $(i+1)); f += $(i+1) }
      if ($i == "Passed:") { gsub(",", "", $(i+1)); p += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
    }
  }
  END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit "$status"
