#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against a real redis-server, the Node Cosmos DB-compatible server
# and the simulator, and the end-to-end test that starts the AppHost. Installs what it needs first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# chromium (Debian's package) is for the usage page's headless-browser test; Playwright downloads no browser of its own.
"$root/scripts/prereqs.sh" chromium
cd "$root"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet build AspireAoai.sln --nologo -clp:ErrorsOnly 2>&1 | tee "$log" || exit 1

# One project at a time: the integration tests start real servers and measure real windows, and on a 2-core
# machine several suites at once would only make each other slow and flaky.
for project in tests/*/*.Tests.csproj; do
  echo "== $project"
  dotnet test "$project" --no-build --nologo "$@" 2>&1 | tee -a "$log" || status=1
done

# Production's threading mode: Program turns on inline socket completions (Api/Forwarding/SocketCompletions.cs), but
# the tests host the Api in-process through GatewayApp.Build, without Program, so the runtime reads the switch from the
# test process's environment. The Api's tests (every in-process gateway, real Redis, Cosmos server and simulator) run
# a second time with it on, as production runs. One test class at a time: with the switch on, the process's few socket
# event threads run every in-process server's continuations, and a production Api has its process to itself, while
# test classes in parallel put several gateways, simulators and the test code that drives them on the same threads
# (in parallel, 4 timing tests of 604 failed here that pass alone and in this serial run).
echo "== tests/Api.Tests/Api.Tests.csproj with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, one class at a time"
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet test tests/Api.Tests/Api.Tests.csproj --no-build --nologo "$@" \
  -- xUnit.ParallelizeTestCollections=false 2>&1 | tee -a "$log" || status=1

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
