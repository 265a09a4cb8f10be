#!/usr/bin/env bash
# A/B of runtime settings: the gateway of the newest `bench/run.sh --serve` (A) against a copy of it (B) started with
# the same environment plus EXTRA, on another port, sharing the same simulator, Redis and Cosmos server.
#
#   bench/run.sh --serve --targets "naive-redis gateway" --scenarios chat --no-memory &
#   bench/profile/ab.sh "DOTNET_gcServer=0" [PAIRS] [SECONDS]     # CONNS=64 by default
#   bench/profile/ab.sh "" 6 5                                     # A/A: how far apart two equal processes land
#   B_DIR=/tmp/api-b bench/profile/ab.sh "" 6 5                    # B runs from a copy of A's bin folder (an edited
#                                                                  # runtimeconfig.json: AppContext switches)
#
# Warms B for 15 s (it starts cold) and A for 4 s, then runs PAIRS pairs of SECONDS-long wrk runs
# (bench/profile/lib.sh) and prints the median ratio B / A. Run an A/A first: on this 2-core host it lands within
# about ±5%.
set -euo pipefail
extra=${1?EXTRA environment, "" for an A/A run}; pairs=${2:-6}; seconds=${3:-5}; conns=${CONNS:-64}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
load_serve
mapfile -d '' -t cmd <"/proc/$PID_gateway/cmdline"
mapfile -d '' -t environment <"/proc/$PID_gateway/environ"
if [[ -n "${B_DIR:-}" ]]; then
  a_dir=$(dirname "${cmd[1]}")
  cmd=("${cmd[@]//$a_dir/$B_DIR}")
fi
a_port=$(sed -E 's#^http://127\.0\.0\.1:([0-9]+)/.*#\1#' <<<"$URL_gateway")
b_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url_b=${URL_gateway/:$a_port\//:$b_port\/}
# shellcheck disable=SC2086
env -i "${environment[@]}" $extra "${cmd[@]/#http:\/\/127.0.0.1:$a_port/http://127.0.0.1:$b_port}" >"/tmp/ab-b.$$.log" 2>&1 &
b_pid=$!
trap 'kill $b_pid 2>/dev/null; rm -f /tmp/ab-b.$$.log' EXIT
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$b_port/alive" && break; sleep 0.2; done
wrk_rate "$url_b" "$HEADERS_gateway" 15 >/dev/null; wrk_rate "$URL_gateway" "$HEADERS_gateway" 4 >/dev/null   # unmeasured
run_pairs B "$url_b" "$HEADERS_gateway" A "$URL_gateway" "$HEADERS_gateway"
