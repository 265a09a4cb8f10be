# Sourced by the scripts in bench/profile: the newest `bench/run.sh --serve` and paired wrk runs against it.

# Sources the newest serve.env (URL_*, HEADERS_*, PID_*, BODY_*, WRK_SCRIPT) or exits.
load_serve() {
  local serve
  serve=$(ls -t /tmp/aoai-bench.*/serve.env 2>/dev/null | head -n 1)
  [[ -n "$serve" ]] || { echo "no serve.env: start bench/run.sh --serve first" >&2; exit 1; }
  # shellcheck disable=SC1090
  source "$serve"
}

# wrk_rate URL HEADERS SECONDS -> req/s of the chat body at $conns connections
wrk_rate() {
  BENCH_BODY_FILE=$BODY_chat BENCH_HEADERS="$2" BENCH_OUT=/dev/null \
    wrk -t2 -c"$conns" -d"$3"s -s "$WRK_SCRIPT" "$1" 2>/dev/null | awk '/Requests\/sec/ { print $2 }'
}

# run_pairs NAME_X URL_X HEADERS_X NAME_Y URL_Y HEADERS_Y: $pairs pairs of $seconds-long runs, the order flipping
# every pair, each pair's req/s and ratio X / Y, then the median ratio. Pairs taken back to back see the same
# machine, so their ratio moves much less than the absolute req/s of separate runs on a shared or throttled host.
run_pairs() {
  local i x y r ratios=()
  for i in $(seq "$pairs"); do
    if (( i % 2 )); then x=$(wrk_rate "$2" "$3" "$seconds"); y=$(wrk_rate "$5" "$6" "$seconds")
    else y=$(wrk_rate "$5" "$6" "$seconds"); x=$(wrk_rate "$2" "$3" "$seconds"); fi
    r=$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.3f", x / y }')
    ratios+=("$r"); echo "pair $i: $1 $x req/s, $4 $y req/s, ratio $r"
  done
  printf '%s\n' "${ratios[@]}" | sort -n | awk -v c="$conns" -v label="$1 / $4" '{ a[NR] = $1 } END {
    printf "median %s at %s connections: %.3f\n", label, c, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}
