#!/usr/bin/env bash
# Profile one target of `bench/run.sh --serve` under load and print where its CPU goes.
#
#   BENCH_GATEWAY_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0" \
#     bench/run.sh --serve --targets "naive-redis gateway" --scenarios chat --no-memory &
#   bench/profile/record.sh gateway       # or naive-redis (started with the same variables exported)
#
# Warms the target with wrk at 64 connections (6 s), measures its CPU per request without perf (8 s), then records
# 8 s with perf under the same load, and prints bench/profile/breakdown.py's table.
set -euo pipefail
target=${1:?target name (gateway, naive-redis, bare)}
conns=${CONNS:-64}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
load_serve
key=${target//-/_}
url_var=URL_$key; headers_var=HEADERS_$key; pid_var=PID_$key
pid=${!pid_var:?unknown target $target}
ticks() { local line; read -r line <"/proc/$1/stat"; line=${line##*) }; local -a f=($line); echo $((f[11] + f[12])); }
out=$(mktemp -d)
run_wrk() { BENCH_BODY_FILE=$BODY_chat BENCH_HEADERS="${!headers_var}" BENCH_OUT=$out/$1.json \
  wrk -t2 -c"$conns" -d"$2"s -s "$WRK_SCRIPT" "${!url_var}" >"$out/$1.log" 2>&1; }
run_wrk warmup 6   # unmeasured: lets tiered compilation settle
before=$(ticks "$pid")
run_wrk plain 8
after=$(ticks "$pid")
requests=$(grep -oE '^\{"requests":[0-9]+' "$out/plain.json" | grep -oE '[0-9]+$')
us=$(( (after - before) * 10000 / requests ))   # clock ticks are 10 ms
echo "$target: $(grep Requests/sec "$out/plain.log" | awk '{print $2}') req/s, ${us} us of CPU per request (process only, without perf)"
run_wrk profiled 12 &
sleep 2
perf record -F 999 -g -p "$pid" -o "$out/perf.data" -- sleep 8 >/dev/null 2>&1
wait
perf script -i "$out/perf.data" 2>/dev/null | python3 "$here/breakdown.py" "$us"
rm -rf "$out"
