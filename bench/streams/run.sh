#!/usr/bin/env bash
# Streams at scale (issue 26, deliverable 3): N realistic streams (200 chunks, 20 ms apart) held at once, directly
# against the simulator and through one gateway (Api, Release, every feature on), for each N in --streams.
#
#   bench/streams/run.sh                          2,000 / 5,000 / the most the open-file limit allows
#   bench/streams/run.sh --streams "500"          a quick check
#   bench/streams/run.sh --help
#
# Reports per N and target: completed, HTTP statuses and errors, time to first byte p50/p99, the gateway's peak
# working set (VmHWM of a fresh process), CPU per stream (gateway; simulator), and whether the deployment cooled.
# Writes bench/results/streams-<UTC timestamp>.md and prints it. Everything listens on 127.0.0.1 and is stopped at
# the end. See bench/README.md ("Streams at scale").
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(dirname "$BENCH_DIR")

STREAM_COUNTS="2000 5000 max"
CHUNKS=200
INTERVAL_MS=20
TTFT_MS=100
RAMP_MS=0
BUILD=1
KEEP=0
DIRECT=1
GATEWAY_FD_LIMIT=""
UPSTREAM_HTTP=1.1
NOTE=""

usage() {
  cat <<'USAGE'
Usage: bench/streams/run.sh [options]
  --streams "2000 5000 max"  stream counts; "max" = (open-file hard limit - 1024) / 2: the gateway's connection cap (docs/gateway.md, Gateway:MaxConnections)
  --chunks N                 content chunks per stream: the request's max_tokens (default 200)
  --interval-ms MS           simulator pacing between chunks (default 20)
  --ttft-ms MS               simulator time to first token (default 100)
  --ramp-ms MS               open the N streams evenly over MS (default 0: all at once)
  --no-direct                skip the direct (simulator only) runs
  --upstream-http2           the gateway calls the simulator over HTTP/2 (Gateway:UpstreamHttpVersion=2; the simulator
                             gets a second, HTTP/2-only port): one connection carries up to 100 streams
  --gateway-fd-limit N       run the gateway with an open-file limit of N (prlimit), to see it run out of descriptors:
                             the deployment must stay healthy and the refused streams get 503 gateway_overloaded
  --no-build                 use the existing Release builds
  --keep                     keep the work directory (logs, raw JSON)
  --note TEXT                a line for the report (e.g. "shared machine: 5 other jobs running")
Environment: BENCH_GATEWAY_ENV="Key=Value ..." adds configuration to the gateway.
USAGE
}

while (($# > 0)); do
  case "$1" in
    --streams) STREAM_COUNTS=$2; shift ;;
    --chunks) CHUNKS=$2; shift ;;
    --interval-ms) INTERVAL_MS=$2; shift ;;
    --ttft-ms) TTFT_MS=$2; shift ;;
    --ramp-ms) RAMP_MS=$2; shift ;;
    --no-direct) DIRECT=0 ;;
    --upstream-http2) UPSTREAM_HTTP=2 ;;
    --gateway-fd-limit) GATEWAY_FD_LIMIT=$2; shift ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --note) NOTE=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "streams/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

for tool in dotnet node redis-server redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "streams/run.sh: '$tool' is required" >&2; exit 2; }
done

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
MAX_STREAMS=$(((FD_LIMIT - 1024) / 2))
COUNTS=()
for n in $STREAM_COUNTS; do
  [[ "$n" == max ]] && n=$MAX_STREAMS
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 20000)) || { echo "streams/run.sh: bad stream count '$n'" >&2; exit 2; }
  ((n > MAX_STREAMS)) && echo "streams/run.sh: warning: $n streams need ~$((2 * n + 1024)) fds in the gateway; the limit is $FD_LIMIT: the ones above its connection cap get 503" >&2
  COUNTS+=("$n")
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aoai-streams.XXXXXX")
declare -A PID=()
declare -a STARTED=()
log() { printf '[streams %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_one() {
  local name=$1 pid=${PID[$1]:-}
  [[ -z "$pid" ]] && return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PID[$name]"
}

stop_all() {
  local status=$? i
  trap - EXIT INT TERM
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do stop_one "${STARTED[$i]}"; done
  if ((status != 0)); then log "failed (exit $status); logs kept in $WORK"
  elif ((KEEP)); then log "work directory kept: $WORK"
  else rm -rf "$WORK"; fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }
start() { local name=$1; shift; "$@" >"$WORK/$name.log" 2>&1 & PID[$name]=$!; STARTED+=("$name"); }
wait_until() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "${PID[$name]}" 2>/dev/null || { log "$name exited early"; tail -n 30 "$WORK/$name.log" >&2; exit 1; }
    ((SECONDS < deadline)) || { log "$name not ready after ${seconds}s"; tail -n 30 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.2
  done
}
post_ok() {
  local url=$1 body=$2 header=$3
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$url" -H 'content-type: application/json' \
    -H "$header" --data-binary "@$body") == 200 ]]
}

SIM_DLL=$ROOT/Simulator/bin/Release/net10.0/Simulator.dll
API_DLL=${BENCH_API_DLL:-$ROOT/Api/bin/Release/net10.0/Api.dll}
COSMOS_LAUNCHER=$ROOT/AppHost/LocalInfra/cosmos-server/launcher.mjs
if ((BUILD)); then
  for project in Simulator/Simulator.csproj Api/Api.csproj; do
    log "dotnet build -c Release $project"
    dotnet build "$ROOT/$project" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 || { tail -n 20 "$WORK/build.log" >&2; exit 1; }
  done
fi

SIM_KEY="bench-simulator-key"
CLIENT_KEY="bench-client-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
ADMIN_KEY="bench-admin-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
COSMOS_KEY="C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
MODEL=gpt-4o-mini
API_VERSION=2024-10-21
DEPLOYMENT_PATH="/openai/deployments/$MODEL/chat/completions?api-version=$API_VERSION"
# temperature 0.7: not cacheable, so every stream goes upstream (the gateway still parses, admits, routes, accounts).
printf '{"messages":[{"role":"user","content":"Write a long answer about gateways"}],"temperature":0.7,"max_tokens":%d,"stream":true}' \
  "$CHUNKS" >"$WORK/body.json"
printf '{"messages":[{"role":"user","content":"warm"}],"max_tokens":4}' >"$WORK/warm.json"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
QUIET=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning OTEL_EXPORTER_OTLP_ENDPOINT= APPLICATIONINSIGHTS_CONNECTION_STRING=)

REDIS_PORT=$(free_port)
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --maxclients 20000
wait_until redis 20 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
COSMOS_PORT=$(free_port)
start cosmos node "$COSMOS_LAUNCHER" --port "$COSMOS_PORT" --host 127.0.0.1
wait_until cosmos 180 grep -q "listening" "$WORK/cosmos.log"

SIM_PORT=$(free_port)
SIM_H2_PORT=$(free_port)
UPSTREAM_PORT=$SIM_PORT
[[ "$UPSTREAM_HTTP" == 2 ]] && UPSTREAM_PORT=$SIM_H2_PORT
log "simulator on 127.0.0.1:$SIM_PORT (HTTP/1.1) and :$SIM_H2_PORT (HTTP/2 only): max_tokens = answer length, first token after ${TTFT_MS} ms, chunks ${INTERVAL_MS} ms apart"
start sim env "${QUIET[@]}" Simulator__ApiKey="$SIM_KEY" Simulator__Region=bench \
  Kestrel__Endpoints__h1__Url="http://127.0.0.1:$SIM_PORT" \
  Kestrel__Endpoints__h2__Url="http://127.0.0.1:$SIM_H2_PORT" Kestrel__Endpoints__h2__Protocols=Http2 \
  Simulator__Answer__UseMaxTokens=true Simulator__Latency__TimeToFirstTokenMs="$TTFT_MS" \
  Simulator__Latency__ChunkIntervalMs="$INTERVAL_MS" \
  Simulator__Deployments__0__Name="$MODEL" Simulator__Deployments__0__Tpm=2000000000 Simulator__Deployments__0__Rpm=2000000000 \
  dotnet "$SIM_DLL" --contentRoot "$(dirname "$SIM_DLL")"
wait_until sim 60 post_ok "http://127.0.0.1:$SIM_PORT$DEPLOYMENT_PATH" "$WORK/warm.json" "api-key: $SIM_KEY"

start_gateway() {
  local port=$1
  local limit=()
  [[ -n "$GATEWAY_FD_LIMIT" ]] && limit=(prlimit "--nofile=$GATEWAY_FD_LIMIT:$GATEWAY_FD_LIMIT")
  start gateway "${limit[@]}" env "${QUIET[@]}" \
    "ConnectionStrings__redis=127.0.0.1:$REDIS_PORT" \
    "ConnectionStrings__cosmos=AccountEndpoint=http://127.0.0.1:$COSMOS_PORT/;AccountKey=$COSMOS_KEY;" \
    Gateway__Deployments__0__Name=bench-local Gateway__Deployments__0__Endpoint="http://127.0.0.1:$UPSTREAM_PORT/" \
    Gateway__UpstreamHttpVersion="$UPSTREAM_HTTP" \
    Gateway__Deployments__0__Deployment="$MODEL" Gateway__Deployments__0__Model="$MODEL" \
    Gateway__Deployments__0__Region=bench Gateway__Deployments__0__ApiKey="$SIM_KEY" \
    Gateway__Deployments__0__CapacityTpm=2000000000 Gateway__Deployments__0__CapacityRpm=2000000000 \
    Gateway__Clients__0__Id=bench Gateway__Clients__0__KeyHash="$(hash "$CLIENT_KEY")" \
    Gateway__Clients__0__Rpm=2000000000 Gateway__Clients__0__Tpm=2000000000 Gateway__Clients__0__MaxConcurrentRequests=0 \
    Gateway__AdminKeyHash="$(hash "$ADMIN_KEY")" \
    Gateway__RateLimits__Enabled=true Gateway__Cache__Enabled=true Gateway__Usage__Enabled=true \
    DOTNET_TC_CallCountingDelayMs=0 ${BENCH_GATEWAY_ENV:-} dotnet "$API_DLL" --urls "http://127.0.0.1:$port" --contentRoot "$(dirname "$API_DLL")"
  wait_until gateway 90 post_ok "http://127.0.0.1:$port$DEPLOYMENT_PATH" "$WORK/warm.json" "api-key: $CLIENT_KEY"
}

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
for n in "${COUNTS[@]}"; do
  if ((DIRECT)); then
    log "$n streams directly against the simulator"
    node "$BENCH_DIR/streams/streams.mjs" --url "http://127.0.0.1:$SIM_PORT$DEPLOYMENT_PATH" --header "api-key: $SIM_KEY" \
      --body "$WORK/body.json" --streams "$n" --pid "${PID[sim]}" --cpu-pids "${PID[sim]}" --ramp-ms "$RAMP_MS" \
      >"$WORK/out.json" 2>>"$WORK/client.log" || true
    printf '{"target":"direct","n":%d,"result":%s}\n' "$n" "$(cat "$WORK/out.json")" >>"$RESULTS"
  fi
  port=$(free_port)
  log "$n streams through a fresh gateway on 127.0.0.1:$port"
  start_gateway "$port"
  node "$BENCH_DIR/streams/streams.mjs" --url "http://127.0.0.1:$port$DEPLOYMENT_PATH" --header "api-key: $CLIENT_KEY" \
    --body "$WORK/body.json" --streams "$n" --pid "${PID[gateway]}" --cpu-pids "${PID[gateway]} ${PID[sim]} ${PID[redis]}" \
    --ramp-ms "$RAMP_MS" >"$WORK/out.json" 2>>"$WORK/client.log" || true
  deployments=$(curl -s --max-time 10 -H "api-key: $ADMIN_KEY" "http://127.0.0.1:$port/admin/deployments" || echo '{}')
  printf '{"target":"gateway","n":%d,"result":%s,"deployments":%s,"pids":{"gateway":%d,"sim":%d,"redis":%d}}\n' "$n" \
    "$(cat "$WORK/out.json")" "${deployments:-{\}}" "${PID[gateway]}" "${PID[sim]}" "${PID[redis]}" >>"$RESULTS"
  cp "$WORK/gateway.log" "$WORK/gateway-$n.log"
  stop_one gateway
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BENCH_DIR/results"
REPORT=$BENCH_DIR/results/streams-$STAMP.md
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
UPSTREAM_FLAG=""
[[ "$UPSTREAM_HTTP" == 2 ]] && UPSTREAM_FLAG=" --upstream-http2"
COMMAND="bench/streams/run.sh --streams \"$STREAM_COUNTS\" --chunks $CHUNKS --interval-ms $INTERVAL_MS --ttft-ms $TTFT_MS --ramp-ms $RAMP_MS${GATEWAY_FD_LIMIT:+ --gateway-fd-limit $GATEWAY_FD_LIMIT}${UPSTREAM_FLAG}"
node "$BENCH_DIR/streams/report.mjs" --results "$RESULTS" --clk-tck "$(getconf CLK_TCK)" --commit "$COMMIT" \
  --command "$COMMAND" --fd-limit "$FD_LIMIT" --somaxconn "$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo '?')" \
  --cores "$(nproc)" --load "$(cut -d' ' -f1-3 /proc/loadavg)" --note "$NOTE" --gateway-env "${BENCH_GATEWAY_ENV:-}" --upstream "$UPSTREAM_HTTP" >"$REPORT"
cat "$REPORT"
log "written: ${REPORT#"$ROOT"/}"
