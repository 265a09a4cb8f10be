#!/usr/bin/env bash
# A/B of runtime settings: the gateway of the newest `bench/run.sh --serve` (A) against a copy of it (B) started with
# the same environment plus EXTRA, on another port, sharing the same simulator, Redis and Cosmos server.
#
#   bench/run.sh --serve --targets "naive-redis gateway" --scenarios chat --no-memory &
#   bench/profile/ab.sh "DOTNET_gcServer=0" [PAIRS] [SECONDS]     # CONNS=64 by default
#   bench/profile/ab.sh "" 6 5                                     # A/A: how far apart two equal processes land
#
# Warms B for 15 s (it starts cold) and A for 4 s, then runs PAIRS pairs of SECONDS-long wrk runs (the order flips
# every pair) and prints the median ratio B / A. Run an A/A first: on this 2-core host it lands within about ±5%.
set -euo pipefail
extra=${1?EXTRA environment, "" for an A/A run}; pairs=${2:-6}; seconds=${3:-5}; conns=${CONNS:-64}
serve=$(ls -t /tmp/aoai-bench.*/serve.env 2>/dev/null | head -n 1)
[[ -n "$serve" ]] || { echo "no serve.env: start bench/run.sh --serve first" >&2; exit 1; }
# shellcheck disable=SC1090
source "$serve"
mapfile -d '' -t cmd <"/proc/$PID_gateway/cmdline"
a_port=$(sed -E 's#^http://127\.0\.0\.1:([0-9]+)/.*#\1#' <<<"$URL_gateway")
b_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url_b=${URL_gateway/:$a_port\//:$b_port\/}
mapfile -d '' -t environment <"/proc/$PID_gateway/environ"
# shellcheck disable=SC2086
env -i "${environment[@]}" $extra "${cmd[@]/#http:\/\/127.0.0.1:$a_port/http://127.0.0.1:$b_port}" >"/tmp/ab-b.$$.log" 2>&1 &
b_pid=$!
trap 'kill $b_pid 2>/dev/null; rm -f /tmp/ab-b.$$.log' EXIT
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$b_port/alive" && break; sleep 0.2; done
rate() {   # rate URL SECONDS -> req/s
  BENCH_BODY_FILE=$BODY_chat BENCH_HEADERS="$HEADERS_gateway" BENCH_OUT=/dev/null \
    wrk -t2 -c"$conns" -d"$2"s -s "$WRK_SCRIPT" "$1" 2>/dev/null | awk '/Requests\/sec/ { print $2 }'
}
rate "$url_b" 15 >/dev/null; rate "$URL_gateway" 4 >/dev/null   # unmeasured: tiered compilation settles
ratios=()
for i in $(seq "$pairs"); do
  if (( i % 2 )); then b=$(rate "$url_b" "$seconds"); a=$(rate "$URL_gateway" "$seconds")
  else a=$(rate "$URL_gateway" "$seconds"); b=$(rate "$url_b" "$seconds"); fi
  r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
  ratios+=("$r"); echo "pair $i: A $a req/s, B $b req/s, ratio B/A $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk -v c="$conns" '{ a[NR] = $1 } END { printf "median B/A at %s connections: %.3f\n", c, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
