#!/usr/bin/env bash
# Runs the whole system: the AppHost starts Redis, Cosmos DB, two simulated Azure OpenAI regions, the Api and the
# Worker, and prints the dashboard URL. Stop with Ctrl+C.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/prereqs.sh"
cd "$root"
exec dotnet run --project AppHost "$@"
