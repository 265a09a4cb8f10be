#!/usr/bin/env bash
# Paired runs: the gateway and the naive proxy + Redis in alternation, on the newest `bench/run.sh --serve`.
#
#   bench/run.sh --serve --targets "naive-redis gateway" --scenarios chat --no-memory &
#   bench/profile/pairs.sh [PAIRS] [SECONDS]     # CONNS=64 by default; NAIVE_URL= another naive proxy to compare
#
# Warms both, then runs PAIRS pairs of SECONDS-long wrk runs (the order flips every pair) and prints each pair's
# req/s and ratio gateway / naive, then the median ratio. Pairs taken back to back see the same machine, so their
# ratio moves much less than the absolute req/s of separate runs on a shared or throttled host.
set -euo pipefail
pairs=${1:-6}; seconds=${2:-5}; conns=${CONNS:-64}
serve=$(ls -t /tmp/aoai-bench.*/serve.env 2>/dev/null | head -n 1)
[[ -n "$serve" ]] || { echo "no serve.env: start bench/run.sh --serve first" >&2; exit 1; }
# shellcheck disable=SC1090
source "$serve"
[[ -n "${NAIVE_URL:-}" ]] && URL_naive_redis=$NAIVE_URL
rate() {   # rate TARGET SECONDS -> req/s
  local url=URL_$1 headers=HEADERS_$1
  BENCH_BODY_FILE=$BODY_chat BENCH_HEADERS="${!headers}" BENCH_OUT=/dev/null \
    wrk -t2 -c"$conns" -d"$2"s -s "$WRK_SCRIPT" "${!url}" 2>/dev/null | awk '/Requests\/sec/ { print $2 }'
}
rate gateway 8 >/dev/null; rate naive_redis 4 >/dev/null   # unmeasured: lets tiered compilation settle
ratios=()
for i in $(seq "$pairs"); do
  if (( i % 2 )); then g=$(rate gateway "$seconds"); n=$(rate naive_redis "$seconds")
  else n=$(rate naive_redis "$seconds"); g=$(rate gateway "$seconds"); fi
  r=$(awk -v g="$g" -v n="$n" 'BEGIN { printf "%.3f", g / n }')
  ratios+=("$r"); echo "pair $i: gateway $g req/s, naive $n req/s, ratio $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk -v c="$conns" '{ a[NR] = $1 } END { printf "median ratio at %s connections: %.3f\n", c, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
