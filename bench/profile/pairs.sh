#!/usr/bin/env bash
# Paired runs: the gateway and the naive proxy + Redis in alternation, on the newest `bench/run.sh --serve`.
#
#   bench/run.sh --serve --targets "naive-redis gateway" --scenarios chat --no-memory &
#   bench/profile/pairs.sh [PAIRS] [SECONDS]     # CONNS=64 by default; NAIVE_URL= another naive proxy to compare
#
# Warms both, then runs PAIRS pairs of SECONDS-long wrk runs (bench/profile/lib.sh) and prints each pair's req/s
# and ratio gateway / naive, then the median ratio.
set -euo pipefail
pairs=${1:-6}; seconds=${2:-5}; conns=${CONNS:-64}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
load_serve
[[ -n "${NAIVE_URL:-}" ]] && URL_naive_redis=$NAIVE_URL
wrk_rate "$URL_gateway" "$HEADERS_gateway" 8 >/dev/null   # unmeasured: lets tiered compilation settle
wrk_rate "$URL_naive_redis" "$HEADERS_naive_redis" 4 >/dev/null
run_pairs gateway "$URL_gateway" "$HEADERS_gateway" naive "$URL_naive_redis" "$HEADERS_naive_redis"
