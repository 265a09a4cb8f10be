#!/usr/bin/env bash
# Gateway overhead benchmark (issue 8): one command, everything on loopback, everything stopped at the end.
#
#   bench/run.sh            full run: 5 s per measurement, 3 rounds, 1/8/64 connections, fixed rate, memory, streams at scale (about 18 minutes)
#   bench/run.sh --quick    smoke run: 2 s per measurement, 1 round (about 3 minutes)
#   bench/run.sh --help     every option
#
# Starts: the simulator (fixed-answer, zero latency), redis-server, the Cosmos DB-compatible server, the Api in
# Release with every feature on, the Portkey gateway (npm), and two naive proxies built from bench/ only; then
# drives each target with wrk, alternating targets, and writes bench/results/<timestamp>.md and latest.md.
# See bench/README.md for how to read the tables.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

DURATION=5
ROUNDS=3
WARMUP=3
CONNECTIONS="1 8 64"
SCENARIOS="chat stream cache"
TARGETS="direct bare naive-redis gateway portkey"
MEMORY=1
STREAMS=500
BUILD=1
KEEP=0
SERVE=0
QUICK=0
WRK_TIMEOUT=10s
FIXED_ROUNDS=3
STREAMS_SCALE="2000 5000 max"
FD_CHECK="1000:1200"
FIXED_SECONDS=10
FIXED_CONNS=32
FIXED_QPS=94

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]
  --quick               smoke run: --duration 2 --rounds 1 --warmup 1 (numbers are only a sanity check)
  --duration SECONDS    length of each measured wrk run (default 5)
  --rounds N            rounds; targets alternate inside a round, medians are over rounds (default 3)
  --warmup SECONDS      unmeasured run per target and scenario before the first round (default 3)
  --connections "1 8 64"  wrk connection counts (default "1 8 64")
  --scenarios "chat stream cache"  which scenarios (default all three)
  --targets "direct bare naive-redis gateway portkey"  which targets (default all)
  --streams N           concurrent streams of the memory test (default 500)
  --no-memory           skip the memory test
  --fixed-rounds N      fixed-rate rounds (hey -c 32 -q 94 = 3,008 req/s, bare proxy and gateway alternating, fresh
                        processes: round 1 starts right after readiness); 0 skips them (default 3)
  --fixed-seconds S     length of each fixed-rate run (default 10)
  --streams-scale "2000 5000 max"  stream counts of the streams-at-scale runs (bench/streams/run.sh, after the
                        report; "max" = what the open-file limit allows); --quick uses "500"
  --no-streams-scale    skip them (and the descriptor check)
  --fd-check "STREAMS:LIMIT"  after the streams at scale, STREAMS streams through a gateway whose open-file limit is
                        LIMIT (prlimit), so it runs out of descriptors on purpose: the deployment must stay healthy
                        and the streams over its connection cap get 503 gateway_overloaded (default "1000:1200")
  --no-fd-check         skip it
  --no-build            use the existing Release builds and node_modules
  --keep                keep the work directory (logs, raw JSON) after the run
  --serve               start the targets, warm them up, write their URLs, headers and pids to
                        <work>/serve.env, then wait (Ctrl-C stops everything): for profiling by hand
Environment: BENCH_GATEWAY_ENV="Key=Value ..." adds configuration to the gateway processes (e.g.
  "Logging__LogLevel__AspireAoai=Debug"); the report lists it. BENCH_API_DLL=path runs that Api.dll as the
  gateway instead of the Release build here (e.g. a build of another commit, with --no-build, to compare).
  BENCH_UPSTREAM_HTTP2=1 has the gateway call the simulator over HTTP/2 (Gateway:UpstreamHttpVersion=2; the
  simulator gets a second, HTTP/2-only port); with --no-memory.
EOF
}

while (($# > 0)); do
  case "$1" in
    --quick) QUICK=1; DURATION=2; ROUNDS=1; WARMUP=1 ;;
    --duration) DURATION=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --streams) STREAMS=$2; shift ;;
    --no-memory) MEMORY=0 ;;
    --fixed-rounds) FIXED_ROUNDS=$2; shift ;;
    --streams-scale) STREAMS_SCALE=$2; shift ;;
    --no-streams-scale) STREAMS_SCALE=""; FD_CHECK="" ;;
    --fd-check) FD_CHECK=$2; shift ;;
    --no-fd-check) FD_CHECK="" ;;
    --fixed-seconds) FIXED_SECONDS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --serve) SERVE=1; KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

for n in "$DURATION" "$ROUNDS" "$WARMUP" "$STREAMS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "run.sh: '$n' is not a whole number" >&2; exit 2; }
done
((DURATION >= 1 && DURATION <= 600 && ROUNDS >= 1 && ROUNDS <= 10 && STREAMS >= 1 && STREAMS <= 5000)) \
  || { echo "run.sh: duration 1-600 s, rounds 1-10, streams 1-5000" >&2; exit 2; }

for n in "$FIXED_ROUNDS" "$FIXED_SECONDS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "run.sh: '$n' is not a whole number" >&2; exit 2; }
done
if ((QUICK)); then
  FIXED_ROUNDS=$((FIXED_ROUNDS > 1 ? 1 : FIXED_ROUNDS)); FIXED_SECONDS=3
  [[ "$STREAMS_SCALE" == "2000 5000 max" ]] && STREAMS_SCALE=500
fi
FIXED_TOOLS=()
((FIXED_ROUNDS > 0)) && FIXED_TOOLS=(hey)
"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/prereqs.sh" wrk "${FIXED_TOOLS[@]}"
for tool in dotnet node npm wrk redis-server redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is required (see bench/README.md)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aoai-bench.XXXXXX")
declare -A PID=()      # process name -> pid
declare -a STARTED=()  # names in start order, stopped in reverse

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  # One at a time, newest first: a gateway stops before the Redis and Cosmos servers it uses.
  local i name pid
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    name=${STARTED[$i]}; pid=${PID[$name]:-}
    [[ -z "$pid" ]] && continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((status != 0)); then
    log "failed (exit $status); logs kept in $WORK"
  elif ((KEEP)); then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# start NAME COMMAND...: runs the command in the background with its output in $WORK/NAME.log.
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  STARTED+=("$name")
}

alive_or_die() {
  local name=$1
  if ! kill -0 "${PID[$name]}" 2>/dev/null; then
    log "$name exited early; last lines of its log:"
    tail -n 30 "$WORK/$name.log" >&2 || true
    exit 1
  fi
}

# wait_until NAME SECONDS COMMAND...: polls COMMAND until it succeeds while NAME keeps running.
wait_until() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive_or_die "$name"
    ((SECONDS < deadline)) || { log "$name not ready after ${seconds}s"; tail -n 30 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.2
  done
}

# post_ok URL BODYFILE HEADER...: one POST that must answer 200.
post_ok() {
  local url=$1 body=$2; shift 2
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$url" -H 'content-type: application/json' \
    "${args[@]}" --data-binary "@$body") == 200 ]]
}

# ------------------------------------------------------------------------------------------------ build
SIM_DLL=$ROOT/Simulator/bin/Release/net10.0/Simulator.dll
API_DLL=${BENCH_API_DLL:-$ROOT/Api/bin/Release/net10.0/Api.dll}
PROXY_DLL=$BENCH_DIR/NaiveProxy/bin/Release/net10.0/NaiveProxy.dll
PORTKEY_DIR=$BENCH_DIR/portkey
COSMOS_LAUNCHER=$ROOT/AppHost/LocalInfra/cosmos-server/launcher.mjs
GATEWAY_NOTE=""
[[ -n "${BENCH_API_DLL:-}" ]] && GATEWAY_NOTE="the gateway ran $BENCH_API_DLL (BENCH_API_DLL), not this commit's Release build"
API_BUILD_FAILED=0

has_target() { [[ " $TARGETS " == *" $1 "* ]]; }

build() {
  local project=$1
  log "dotnet build -c Release $project"
  dotnet build "$ROOT/$project" -c Release -nologo -v quiet >"$WORK/build-$(basename "$project" .csproj).log" 2>&1
}

if ((BUILD)); then
  if ! build Simulator/Simulator.csproj; then
    grep -E 'error' "$WORK/build-Simulator.log" | sort -u | head -n 10 >&2 || true
    [[ -f "$SIM_DLL" ]] || { log "the simulator does not build and has no earlier Release build"; exit 1; }
    GATEWAY_NOTE="the simulator did not build; an earlier Release build of it was used"
    log "WARNING: $GATEWAY_NOTE"
  fi
  if has_target bare || has_target naive-redis; then
    build bench/NaiveProxy/NaiveProxy.csproj || { tail -n 20 "$WORK/build-NaiveProxy.log" >&2; exit 1; }
  fi
  if has_target gateway || ((MEMORY)); then
    if ! build Api/Api.csproj; then
      API_BUILD_FAILED=1
      GATEWAY_NOTE="${GATEWAY_NOTE:+$GATEWAY_NOTE; }the Api did not build in Release: gateway rows and the memory test were skipped"
      log "WARNING: the Api did not build in Release; gateway rows and the memory test are skipped"
      grep -E 'error' "$WORK/build-Api.log" | sort -u | head -n 10 >&2 || true
    fi
  fi
  if has_target portkey; then
    log "npm ci (bench/portkey)"
    (cd "$PORTKEY_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$WORK/npm-portkey.log" 2>&1) \
      || { tail -n 20 "$WORK/npm-portkey.log" >&2; exit 1; }
  fi
fi

if ((API_BUILD_FAILED)) || [[ ! -f "$API_DLL" ]]; then
  ((API_BUILD_FAILED)) || GATEWAY_NOTE="${GATEWAY_NOTE:+$GATEWAY_NOTE; }no Api build at $API_DLL: gateway rows and the memory test were skipped"
  TARGETS=$(sed -e 's/\bgateway\b//g' <<<"$TARGETS")
  MEMORY=0
fi

# ------------------------------------------------------------------------------------------------ bodies
SIM_KEY="bench-simulator-key"
CLIENT_KEY="bench-client-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CLIENT_KEY_HASH=$(printf '%s' "$CLIENT_KEY" | sha256sum | cut -d' ' -f1)
COSMOS_KEY="C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
API_VERSION=2024-10-21
MODEL=gpt-4o-mini
MESSAGES='[{"role":"system","content":"You are a concise assistant for an engineering team."},{"role":"user","content":"In one sentence, why does every production service want a gateway in front of its model API?"}]'
printf '{"model":"%s","messages":%s,"temperature":0.7,"max_tokens":100}' "$MODEL" "$MESSAGES" >"$WORK/body-chat.json"
printf '{"model":"%s","messages":%s,"temperature":0.7,"max_tokens":100,"stream":true}' "$MODEL" "$MESSAGES" >"$WORK/body-stream.json"
printf '{"model":"%s","messages":%s,"temperature":0,"max_tokens":100}' "$MODEL" "$MESSAGES" >"$WORK/body-cache.json"

# ------------------------------------------------------------------------------------------------ processes
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
QUIET_DOTNET=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
  Logging__LogLevel__Microsoft.AspNetCore=Warning OTEL_EXPORTER_OTLP_ENDPOINT= APPLICATIONINSIGHTS_CONNECTION_STRING=)

# simulator NAME PORT FIXED FIRST_TOKEN_MS PER_TOKEN_MS
start_simulator() {
  local name=$1 port=$2 fixed=$3 first=$4 per=$5
  # Two endpoints: PORT speaks HTTP/1.1; SIM_H2_PORT (when set) only HTTP/2, for BENCH_UPSTREAM_HTTP2.
  local endpoints=(Kestrel__Endpoints__h1__Url="http://127.0.0.1:$port")
  [[ -n "${SIM_H2_PORT:-}" && "$name" == sim ]] && endpoints+=(Kestrel__Endpoints__h2__Url="http://127.0.0.1:$SIM_H2_PORT"
    Kestrel__Endpoints__h2__Protocols=Http2)
  start "$name" env "${QUIET_DOTNET[@]}" "${endpoints[@]}" \
    Simulator__FixedAnswer="$fixed" Simulator__ApiKey="$SIM_KEY" Simulator__Region=bench \
    Simulator__Latency__TimeToFirstTokenMs="$first" Simulator__Latency__PerTokenMs="$per" \
    Simulator__Deployments__0__Name="$MODEL" Simulator__Deployments__0__Tpm=2000000000 \
    Simulator__Deployments__0__Rpm=2000000000 \
    dotnet "$SIM_DLL" --contentRoot "$(dirname "$SIM_DLL")"
  wait_until "$name" 60 post_ok "http://127.0.0.1:$port/openai/deployments/$MODEL/chat/completions?api-version=$API_VERSION" \
    "$WORK/body-chat.json" "api-key: $SIM_KEY"
}

# gateway NAME PORT UPSTREAM_PORT: the Api with every feature on (client key with limits far above the load,
# rate-limit admission, cache on (the 0.7-temperature bodies skip the lookup), usage events, telemetry), with its
# build folder as content root so its appsettings.json applies, as in a container.
start_gateway() {
  local name=$1 port=$2 upstream=$3
  local cosmos_env=()
  [[ -n "${COSMOS_PORT:-}" ]] && cosmos_env=(
    "ConnectionStrings__cosmos=AccountEndpoint=http://127.0.0.1:$COSMOS_PORT/;AccountKey=$COSMOS_KEY;")
  start "$name" env "${QUIET_DOTNET[@]}" \
    "ConnectionStrings__redis=127.0.0.1:$REDIS_PORT" "${cosmos_env[@]}" \
    Gateway__Deployments__0__Name=bench-local Gateway__Deployments__0__Endpoint="http://127.0.0.1:$upstream/" \
    Gateway__Deployments__0__Deployment="$MODEL" Gateway__Deployments__0__Model="$MODEL" \
    Gateway__Deployments__0__Region=bench Gateway__Deployments__0__Priority=1 Gateway__Deployments__0__Weight=1 \
    Gateway__Deployments__0__ApiKey="$SIM_KEY" \
    Gateway__Deployments__0__CapacityTpm=2000000000 Gateway__Deployments__0__CapacityRpm=2000000000 \
    Gateway__Clients__0__Id=bench Gateway__Clients__0__KeyHash="$CLIENT_KEY_HASH" \
    Gateway__Clients__0__Rpm=2000000000 Gateway__Clients__0__Tpm=2000000000 Gateway__Clients__0__MaxConcurrentRequests=0 \
    Gateway__RateLimits__Enabled=true Gateway__Cache__Enabled=true Gateway__Usage__Enabled=true \
    DOTNET_TC_CallCountingDelayMs=0 ${BENCH_GATEWAY_ENV:-} dotnet "$API_DLL" --urls "http://127.0.0.1:$port" --contentRoot "$(dirname "$API_DLL")"
  wait_until "$name" 90 post_ok "http://127.0.0.1:$port/openai/deployments/$MODEL/chat/completions?api-version=$API_VERSION" \
    "$WORK/body-chat.json" "api-key: $CLIENT_KEY"
}

REDIS_PORT=$(free_port)
log "redis-server on 127.0.0.1:$REDIS_PORT"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --save "" --appendonly no
wait_until redis 20 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping

COSMOS_PORT=""
if has_target gateway || ((MEMORY)); then
  if [[ -f "$COSMOS_LAUNCHER" ]]; then
    COSMOS_PORT=$(free_port)
    log "cosmos-server on 127.0.0.1:$COSMOS_PORT"
    start cosmos node "$COSMOS_LAUNCHER" --port "$COSMOS_PORT" --host 127.0.0.1
    wait_until cosmos 180 grep -q "listening" "$WORK/cosmos.log"
  else
    GATEWAY_NOTE="${GATEWAY_NOTE:+$GATEWAY_NOTE; }no Cosmos launcher at $COSMOS_LAUNCHER: the gateway ran without its cache store"
    log "WARNING: no Cosmos launcher; the gateway runs without a cache store"
  fi
fi

[[ "${BENCH_UPSTREAM_HTTP2:-}" == 1 ]] && ((MEMORY)) && { echo "run.sh: BENCH_UPSTREAM_HTTP2=1 needs --no-memory" >&2; exit 2; }
SIM_PORT=$(free_port)
SIM_H2_PORT=""
GATEWAY_UPSTREAM_PORT=$SIM_PORT
if [[ "${BENCH_UPSTREAM_HTTP2:-}" == 1 ]]; then
  SIM_H2_PORT=$(free_port)
  GATEWAY_UPSTREAM_PORT=$SIM_H2_PORT
  BENCH_GATEWAY_ENV="${BENCH_GATEWAY_ENV:+$BENCH_GATEWAY_ENV }Gateway__UpstreamHttpVersion=2"
  GATEWAY_NOTE="${GATEWAY_NOTE:+$GATEWAY_NOTE; }the gateway called the simulator over HTTP/2 (BENCH_UPSTREAM_HTTP2=1; the other proxies over HTTP/1.1)"
fi
log "simulator (fixed answer) on 127.0.0.1:$SIM_PORT${SIM_H2_PORT:+ (HTTP/2 only: $SIM_H2_PORT)}"
start_simulator sim "$SIM_PORT" true 0 0

declare -A URL=() HEADERS=() OWN=()
DEPLOYMENT_PATH="/openai/deployments/$MODEL/chat/completions?api-version=$API_VERSION"
URL[direct]="http://127.0.0.1:$SIM_PORT$DEPLOYMENT_PATH"; HEADERS[direct]="api-key: $SIM_KEY"; OWN[direct]="sim"

if has_target bare; then
  port=$(free_port); log "bare proxy on 127.0.0.1:$port"
  start bare env "${QUIET_DOTNET[@]}" dotnet "$PROXY_DLL" --urls "http://127.0.0.1:$port" \
    --Proxy:Upstream="http://127.0.0.1:$SIM_PORT"
  URL[bare]="http://127.0.0.1:$port$DEPLOYMENT_PATH"; HEADERS[bare]="api-key: $SIM_KEY"; OWN[bare]="bare"
  wait_until bare 60 post_ok "${URL[bare]}" "$WORK/body-chat.json" "${HEADERS[bare]}"
fi
if has_target naive-redis; then
  port=$(free_port); log "bare proxy + Redis EVALSHA/XADD on 127.0.0.1:$port"
  start naive-redis env "${QUIET_DOTNET[@]}" dotnet "$PROXY_DLL" --urls "http://127.0.0.1:$port" \
    --Proxy:Upstream="http://127.0.0.1:$SIM_PORT" --Proxy:Redis="127.0.0.1:$REDIS_PORT"
  URL[naive-redis]="http://127.0.0.1:$port$DEPLOYMENT_PATH"; HEADERS[naive-redis]="api-key: $SIM_KEY"
  OWN[naive-redis]="naive-redis redis"
  wait_until naive-redis 60 post_ok "${URL[naive-redis]}" "$WORK/body-chat.json" "${HEADERS[naive-redis]}"
fi
if has_target gateway; then
  port=$(free_port); log "gateway (Api, Release) on 127.0.0.1:$port"
  start_gateway gateway "$port" "$GATEWAY_UPSTREAM_PORT"
  URL[gateway]="http://127.0.0.1:$port$DEPLOYMENT_PATH"; HEADERS[gateway]="api-key: $CLIENT_KEY"
  OWN[gateway]="gateway redis${COSMOS_PORT:+ cosmos}"
fi
if has_target portkey; then
  port=$(free_port); log "Portkey gateway $(node -p 'require(process.argv[1]).version' \
    "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json") on 127.0.0.1:$port"
  start portkey env NODE_ENV=production node --require "$PORTKEY_DIR/listen-loopback.cjs" \
    --require "$PORTKEY_DIR/stream-headers.cjs" \
    "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js" --port="$port" --headless
  URL[portkey]="http://127.0.0.1:$port/v1/chat/completions"
  HEADERS[portkey]=$(printf '%s\n' "x-portkey-provider: openai" \
    "x-portkey-custom-host: http://127.0.0.1:$SIM_PORT/openai/v1" "authorization: Bearer $SIM_KEY")
  OWN[portkey]="portkey"
  mapfile -t pk_headers <<<"${HEADERS[portkey]}"
  wait_until portkey 60 post_ok "${URL[portkey]}" "$WORK/body-chat.json" "${pk_headers[@]}"
fi

# Every listening socket of ours must be on loopback.
for name in "${STARTED[@]}"; do
  if ss -Hltnp 2>/dev/null | grep "pid=${PID[$name]}," | awk '{print $4}' | grep -vqE '^(127\.0\.0\.1|\[::1\]):'; then
    log "$name listens on a non-loopback address:"; ss -Hltnp | grep "pid=${PID[$name]}," >&2; exit 1
  fi
done

# ------------------------------------------------------------------------------------------------ measuring
CLK_TCK=$(getconf CLK_TCK)
RUNS=$WORK/runs.jsonl
: >"$RUNS"

# cpu_ticks PID: utime + stime from /proc/PID/stat (fields 14 and 15; the name in field 2 may hold spaces).
cpu_ticks() {
  local line rest
  read -r line <"/proc/$1/stat" || { echo 0; return; }
  rest=${line##*) }
  local -a f=($rest)
  echo $((f[11] + f[12]))
}

cpu_snapshot() {
  local name out=""
  for name in "${STARTED[@]}"; do
    out+="\"$name\":$(cpu_ticks "${PID[$name]}"),"
  done
  echo "{${out%,}}"
}

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

targets_for() {
  case "$1" in
    cache) echo "direct naive-redis gateway" ;;  # only the gateway caches; the others show what a miss costs
    *) echo "$TARGETS" ;;
  esac
}

# wrk_run SCENARIO TARGET CONNECTIONS SECONDS OUTFILE
wrk_run() {
  local scenario=$1 target=$2 conns=$3 seconds=$4 out=$5
  local threads=$((conns < 2 ? 1 : 2))
  local count=""
  [[ "$scenario" == cache ]] && count="x-aoai-cache: HIT"
  BENCH_BODY_FILE="$WORK/body-$scenario.json" BENCH_HEADERS="${HEADERS[$target]}" BENCH_OUT="$out" \
    BENCH_COUNT_HEADER="$count" \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout "$WRK_TIMEOUT" -s "$BENCH_DIR/wrk/post.lua" \
    "${URL[$target]}" >"$WORK/wrk.last.log" 2>&1
}

SCENARIO_LIST=()
for s in $SCENARIOS; do
  case "$s" in chat|stream|cache) SCENARIO_LIST+=("$s") ;; *) log "unknown scenario '$s'"; exit 2 ;; esac
done

if ((WARMUP > 0)); then
  for scenario in "${SCENARIO_LIST[@]}"; do
    for target in $(targets_for "$scenario"); do
      [[ -n "${URL[$target]:-}" ]] || continue
      log "warm-up $scenario / $target (${WARMUP}s)"
      wrk_run "$scenario" "$target" 8 "$WARMUP" "$WORK/warmup.json" || true
    done
  done
fi

if ((SERVE)); then
  {
    for target in "${!URL[@]}"; do
      key=${target//-/_}
      printf 'URL_%s=%q\nHEADERS_%s=%q\n' "$key" "${URL[$target]}" "$key" "${HEADERS[$target]:-}"
    done
    for name in "${STARTED[@]}"; do printf 'PID_%s=%s\n' "${name//-/_}" "${PID[$name]}"; done
    printf 'BODY_%s=%q\n' chat "$WORK/body-chat.json" stream "$WORK/body-stream.json" cache "$WORK/body-cache.json"
    printf 'WRK_SCRIPT=%q\n' "$BENCH_DIR/wrk/post.lua"
  } >"$WORK/serve.env"
  log "serving; environment in $WORK/serve.env (wrk: BENCH_BODY_FILE=\$BODY_chat BENCH_HEADERS=\$HEADERS_gateway wrk -s \$WRK_SCRIPT \$URL_gateway)"
  cat "$WORK/serve.env" >&2
  while true; do sleep 3600; done
fi

# Cache scenario: after the warm-up (which stored the answer), check that the gateway answers from its cache.
CACHE_CHECK="not run"
if [[ " ${SCENARIO_LIST[*]} " == *" cache "* ]] && [[ -n "${URL[gateway]:-}" ]]; then
  # A cold store can time out under the warm-up's load and open the cache's circuit breaker for a while:
  # wait (bounded) until the gateway answers from the cache again, so the runs measure hits.
  deadline=$((SECONDS + 30))
  while :; do
    CACHE_CHECK=$(curl -s -D - -o /dev/null --max-time 5 -X POST "${URL[gateway]}" -H 'content-type: application/json' \
      -H "${HEADERS[gateway]}" --data-binary "@$WORK/body-cache.json" | tr -d '\r' \
      | awk -F': ' 'tolower($1) == "x-aoai-cache" { print $2 }')
    CACHE_CHECK=${CACHE_CHECK:-"no x-aoai-cache header"}
    [[ "$CACHE_CHECK" == HIT ]] || ((SECONDS >= deadline)) && break
    sleep 1
  done
  log "gateway cache check: $CACHE_CHECK"
fi

total=0
for scenario in "${SCENARIO_LIST[@]}"; do
  for t in $(targets_for "$scenario"); do [[ -n "${URL[$t]:-}" ]] && total=$((total + ROUNDS * $(wc -w <<<"$CONNECTIONS"))); done
done
done_runs=0
for round in $(seq 1 "$ROUNDS"); do
  for scenario in "${SCENARIO_LIST[@]}"; do
    read -ra order <<<"$(targets_for "$scenario")"
    # Alternate: each round starts one target further along, so no target always runs first or last.
    shift_by=$(((round - 1) % ${#order[@]}))
    order=("${order[@]:shift_by}" "${order[@]:0:shift_by}")
    for conns in $CONNECTIONS; do
      for target in "${order[@]}"; do
        [[ -n "${URL[$target]:-}" ]] || continue
        done_runs=$((done_runs + 1))
        log "[$done_runs/$total] round $round, $scenario, $target, $conns conn(s), ${DURATION}s"
        before=$(cpu_snapshot)
        if ! wrk_run "$scenario" "$target" "$conns" "$DURATION" "$WORK/wrk.json"; then
          log "wrk failed against $target:"; cat "$WORK/wrk.last.log" >&2; exit 1
        fi
        after=$(cpu_snapshot)
        printf '{"kind":"run","round":%d,"scenario":"%s","target":"%s","connections":%d,"wrk":%s,"cpu_before":%s,"cpu_after":%s}\n' \
          "$round" "$scenario" "$target" "$conns" "$(cat "$WORK/wrk.json")" "$before" "$after" >>"$RUNS"
      done
    done
  done
done

for name in "${STARTED[@]}"; do
  printf '{"kind":"memory","process":"%s","vmhwm_kb":%s,"vmrss_kb":%s}\n' "$name" \
    "$(status_kb "${PID[$name]}" VmHWM)" "$(status_kb "${PID[$name]}" VmRSS)" >>"$RUNS"
done

# ------------------------------------------------------------------------------------------------ memory test
MEMORY_JSON=$WORK/memory.json
if ((MEMORY)); then
  SLOW_PORT=$(free_port)
  log "memory test: simulator with per-token latency on 127.0.0.1:$SLOW_PORT"
  start_simulator sim-slow "$SLOW_PORT" false 500 40
  port=$(free_port)
  log "memory test: a fresh gateway on 127.0.0.1:$port"
  start_gateway gateway-mem "$port" "$SLOW_PORT"
  log "memory test: $STREAMS concurrent streams"
  node "$BENCH_DIR/memory/streams.mjs" --url "http://127.0.0.1:$port$DEPLOYMENT_PATH" \
    --header "api-key: $CLIENT_KEY" --body "$WORK/body-stream.json" --streams "$STREAMS" \
    --pid "${PID[gateway-mem]}" --timeout-ms 120000 >"$MEMORY_JSON" 2>"$WORK/memory.log" \
    || { log "memory client failed:"; cat "$WORK/memory.log" >&2; }
fi

# ------------------------------------------------------------------------------------------------ fixed rate
# The tail at a fixed rate, as agentgateway and TensorZero publish theirs: hey holds 32 connections at 94 req/s each
# (3,008 req/s) against a fresh bare proxy and a fresh gateway, alternating. Round 1 starts as soon as both say ready
# (the gateway's /health), so it shows what a replica that has just joined the load balancer costs.
if ((FIXED_ROUNDS > 0)) && has_target gateway && has_target bare && [[ -n "${URL[gateway]:-}" ]]; then
  declare -A FIXED_URL=()
  port=$(free_port); log "fixed rate: a fresh bare proxy on 127.0.0.1:$port"
  start bare-fixed env "${QUIET_DOTNET[@]}" dotnet "$PROXY_DLL" --urls "http://127.0.0.1:$port" --Proxy:Upstream="http://127.0.0.1:$SIM_PORT"
  FIXED_URL[bare]="http://127.0.0.1:$port$DEPLOYMENT_PATH"
  wait_until bare-fixed 60 post_ok "${FIXED_URL[bare]}" "$WORK/body-chat.json" "${HEADERS[bare]}"
  port=$(free_port); log "fixed rate: a fresh gateway on 127.0.0.1:$port"
  start_gateway gateway-fixed "$port" "$GATEWAY_UPSTREAM_PORT"
  wait_until gateway-fixed 60 curl -sf --max-time 5 "http://127.0.0.1:$port/health"
  FIXED_URL[gateway]="http://127.0.0.1:$port$DEPLOYMENT_PATH"
  for round in $(seq 1 "$FIXED_ROUNDS"); do
    order=(bare gateway)
    ((round % 2 == 0)) && order=(gateway bare)
    for target in "${order[@]}"; do
      log "fixed rate round $round/$FIXED_ROUNDS: $target, hey -c $FIXED_CONNS -q $FIXED_QPS -z ${FIXED_SECONDS}s"
      hey -c "$FIXED_CONNS" -q "$FIXED_QPS" -z "${FIXED_SECONDS}s" -t 10 -m POST -T application/json -H "${HEADERS[$target]}" \
        -D "$WORK/body-chat.json" "${FIXED_URL[$target]}" >"$WORK/hey.txt" 2>&1 || true
      printf '{"kind":"fixed","round":%d,"target":"%s","connections":%d,"qps_per_connection":%d,"seconds":%d,"hey":%s}\n' \
        "$round" "$target" "$FIXED_CONNS" "$FIXED_QPS" "$FIXED_SECONDS" "$(node "$BENCH_DIR/fixedrate/parse-hey.mjs" <"$WORK/hey.txt")" >>"$RUNS"
    done
  done
fi

# ------------------------------------------------------------------------------------------------ report
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BENCH_DIR/results"
REPORT=$BENCH_DIR/results/$STAMP.md
API_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
node "$BENCH_DIR/lib/report.mjs" --runs "$RUNS" --memory "$MEMORY_JSON" --clk-tck "$CLK_TCK" \
  --duration "$DURATION" --rounds "$ROUNDS" --warmup "$WARMUP" --quick "$QUICK" --connections "$CONNECTIONS" \
  --commit "$API_COMMIT" --cache-check "$CACHE_CHECK" --note "$GATEWAY_NOTE" --gateway-env "${BENCH_GATEWAY_ENV:-}" \
  --gateway-log "$WORK/gateway.log" \
  --own "$(for t in "${!OWN[@]}"; do printf '%s=%s;' "$t" "${OWN[$t]// /,}"; done)" >"$REPORT"
cp "$REPORT" "$BENCH_DIR/results/latest.md"
cat "$REPORT"
log "written: ${REPORT#"$ROOT"/} and bench/results/latest.md"

# ------------------------------------------------------------------------------------------------ streams at scale
# Its own processes (a paced simulator, a fresh gateway per count) and report: bench/results/streams-<timestamp>.md.
stop_all_now() { local i; for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do kill -TERM "${PID[${STARTED[$i]}]}" 2>/dev/null || true; done; wait 2>/dev/null || true; }
if [[ -n "$STREAMS_SCALE" ]] && ((!API_BUILD_FAILED)) && [[ -f "$API_DLL" ]]; then
  stop_all_now  # the closed-loop processes are done: free the cores and descriptors for the streams
  PID=(); STARTED=()
  log "streams at scale: bench/streams/run.sh --no-build --streams \"$STREAMS_SCALE\""
  "$BENCH_DIR/streams/run.sh" --no-build --streams "$STREAMS_SCALE" ${BENCH_STREAMS_NOTE:+--note "$BENCH_STREAMS_NOTE"} \
    || log "streams at scale failed (exit $?)"
fi

# ------------------------------------------------------------------------------------------------ out of descriptors
# A gateway under a small open-file limit, flooded with streams: it must stay up, answer what is over its connection
# cap with 503 gateway_overloaded, and leave the deployment healthy (issue 26; docs/gateway.md, Gateway:MaxConnections).
if [[ -n "$FD_CHECK" ]] && ((!API_BUILD_FAILED)) && [[ -f "$API_DLL" ]]; then
  stop_all_now
  PID=(); STARTED=()
  log "out of descriptors: bench/streams/run.sh --no-build --streams ${FD_CHECK%%:*} --gateway-fd-limit ${FD_CHECK#*:} --no-direct"
  "$BENCH_DIR/streams/run.sh" --no-build --streams "${FD_CHECK%%:*}" --gateway-fd-limit "${FD_CHECK#*:}" --no-direct \
    --note "the gateway runs out of descriptors on purpose: the deployment must stay healthy" \
    || log "descriptor check failed (exit $?)"
fi
