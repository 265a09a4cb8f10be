#!/usr/bin/env bash
# Installs what running or testing AspireAoai needs beyond the .NET 10 SDK and Node.js, once:
#   - redis-server (Debian/Ubuntu package) for local-process infrastructure mode, and any tool named as an argument
#     (scripts/test.sh names chromium, for the usage page test; the benchmark names wrk);
#   - the npm packages of the local Cosmos DB-compatible server and of the npm-client tests.
# Safe to run again: it only installs what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '[prereqs] %s\n' "$*"; }

need() {
  command -v "$1" >/dev/null 2>&1 || { say "missing '$1': $2"; exit 1; }
}

need dotnet "install the .NET 10 SDK (https://dot.net)"
need node "install Node.js 20 or later"
need npm "install npm (it ships with Node.js)"

# Debian packages needed: redis-server always, plus any tool named as an argument (the benchmark asks for wrk).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
for tool in "$@"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing ${missing[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    say "installing ${missing[*]} with brew"
    brew install "${missing[@]/redis-server/redis}"
  else
    say "missing ${missing[*]} and no package manager I know is here: install them (Redis 6 or later)"
    exit 1
  fi
  # The Debian package may start a system Redis on 6379; ours run on their own ports, so leave it be.
fi

for dir in AppHost/LocalInfra/cosmos-server tests/Api.Tests/npm; do
  if [ -f "$root/$dir/package-lock.json" ] && [ ! -d "$root/$dir/node_modules" ]; then
    say "npm ci in $dir"
    (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
