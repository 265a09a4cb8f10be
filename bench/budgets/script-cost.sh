#!/usr/bin/env bash
# Server-side cost of one admission call (the Lua script of Api/RateLimiting/SlidingWindowScript.cs) with and without
# budgets: a private redis-server, redis-benchmark sending the same EVALSHA N times, and the server's own microseconds per
# call from INFO commandstats (what the script costs Redis's single thread, without the network).
# Usage: bench/budgets/script-cost.sh [requests=50000] [clients=8]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-50000}
C=${2:-8}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
SCRIPT=$(python3 - <<'PY'
import re
s = open("Api/RateLimiting/SlidingWindowScript.cs").read()
body = s.split('public const string Text = """', 1)[1].split('""";', 1)[0]
lines = body.split("\n")[1:-1]
indent = min(len(l) - len(l.lstrip()) for l in lines if l.strip())
print("\n".join(l[indent:] for l in lines))
PY
)
SHA=$(redis-cli -p "$PORT" SCRIPT LOAD "$SCRIPT")
BIG=1000000000000000000   # a $1,000,000 budget in picodollars: never refuses
COST=150000000            # a worst case of $0.00015 reserved per call
# ARGV: mode now bucket W ttl tokens rpm tpm day month D bd bm lr lt fill gbd gbm cost life bucketms
COMMON="a 0 1000 60 62000 100 1000000000 1000000000 0 0 0"
run() {
  local name=$1; shift
  redis-cli -p "$PORT" FLUSHALL >/dev/null
  redis-cli -p "$PORT" CONFIG RESETSTAT >/dev/null
  local rps
  rps=$(redis-benchmark -p "$PORT" -n "$N" -c "$C" -q EVALSHA "$SHA" "$@" | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1)
  local usec
  usec=$(redis-cli -p "$PORT" INFO commandstats | grep '^cmdstat_evalsha:' | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/')
  printf '%-28s %8s us/call (server)   %s\n' "$name" "$usec" "$rps"
}
echo "redis $(redis-server --version | grep -o 'v=[0-9.]*'), N=$N, clients=$C"
run "no budget"            1 aoai:rl:client:b $COMMON 0 0 0 0 0.5 0 0 0 0 0
run "client budget"        4 aoai:rl:client:b aoai:spend:b:2026-12-06 aoai:spend:b:2026-12 aoai:resv:b \
    $COMMON $BIG $BIG 0 0 0.5 0 0 $COST 900000 10000
run "client + group budget" 7 aoai:rl:client:b aoai:spend:b:2026-12-06 aoai:spend:b:2026-12 aoai:resv:b \
    aoai:gspend:g:2026-12-06 aoai:gspend:g:2026-12 aoai:gresv:g $COMMON $BIG $BIG 0 0 0.5 $BIG $BIG $COST 900000 10000
