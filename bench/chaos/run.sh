#!/usr/bin/env bash
# Chaos suite (issue 20): one command, everything on loopback, about 8-10 minutes, everything stopped at the end.
#
#   bench/chaos/run.sh               build (Release) and run every phase
#   bench/chaos/run.sh --no-build    use the existing Release builds
#   PHASE_SECONDS=30                 load per phase (default 30)
#   PHASES="baseline primary-hang"   only these phases (default: all; baseline always runs, the later rows use it)
#
# Starts as local processes: redis-server (AOF, fsync always), the Node Cosmos DB-compatible server (with a data
# folder), two simulated regions (primary priority 1, secondary priority 2), two Api replicas sharing Redis and Cosmos,
# the Worker, and an OTLP receiver that keeps everything the services export. A .NET driver (ChaosDriver: the OpenAI
# SDK, three client keys, streamed and non-streamed chats alternating between the replicas) loads it while each phase
# injects its fault, then checks the accounting. Writes bench/results/chaos-<timestamp>.md; exits 1 when a row fails.
set -euo pipefail

CHAOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(dirname "$CHAOS_DIR")
ROOT=$(dirname "$BENCH_DIR")
BUILD=1
[[ "${1:-}" == "--no-build" ]] && BUILD=0
PHASE_SECONDS=${PHASE_SECONDS:-30}
ATTEMPT_TIMEOUT_S=5
CUTS=20

"$ROOT/scripts/prereqs.sh" >/dev/null
for tool in dotnet node redis-server redis-cli curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "chaos: '$tool' is required (scripts/prereqs.sh)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aoai-chaos.XXXXXX")
LOGS=$WORK/logs   # everything the services write or export; the log scan reads all of it
mkdir -p "$LOGS" "$WORK/redis" "$WORK/cosmos"
declare -A PID=()
declare -a STARTED=()
log() { printf '[chaos %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_all() {
  local status=$? i pid
  trap - EXIT INT TERM
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    pid=${PID[${STARTED[$i]}]:-}
    [[ -z "$pid" ]] && continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  log "logs, exports and per-request records kept in $WORK"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }
# start NAME COMMAND...: background process, output appended to $LOGS/NAME.log (a restart keeps the earlier lines).
start() {
  local name=$1; shift
  "$@" >>"$LOGS/$name.log" 2>&1 &
  PID[$name]=$!
  [[ " ${STARTED[*]} " == *" $name "* ]] || STARTED+=("$name")
}
sigkill() { kill -KILL "${PID[$1]}" 2>/dev/null || true; wait "${PID[$1]}" 2>/dev/null || true; PID[$1]=""; }
sigterm() {
  kill -TERM "${PID[$1]}" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "${PID[$1]}" 2>/dev/null || break; sleep 0.1; done
  wait "${PID[$1]}" 2>/dev/null || true; PID[$1]=""
}
wait_until() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "${PID[$name]}" 2>/dev/null || { log "$name exited"; tail -n 30 "$LOGS/$name.log" >&2; exit 1; }
    ((SECONDS < deadline)) || { log "$name not ready after ${seconds}s"; tail -n 30 "$LOGS/$name.log" >&2; exit 1; }
    sleep 0.3
  done
}

# ------------------------------------------------------------------------------------------------ build
DRIVER_DLL=$CHAOS_DIR/ChaosDriver/bin/Release/net10.0/ChaosDriver.dll
if ((BUILD)); then
  for project in Simulator/Simulator.csproj Api/Api.csproj Worker/Worker.csproj bench/chaos/ChaosDriver/ChaosDriver.csproj; do
    log "dotnet build -c Release $project"
    dotnet build "$ROOT/$project" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 || { tail -n 20 "$WORK/build.log" >&2; exit 1; }
  done
fi

# ------------------------------------------------------------------------------------------------ secrets (canaries)
# Every key and the prompt marker are distinctive, so the scan at the end can find any of them anywhere.
TAG=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
CANARY="CHAOSCANARY$TAG"
CLIENT_KEYS=("ck-${TAG}-alpha-key" "ck-${TAG}-bravo-key" "ck-${TAG}-charlie-key")
ADMIN_KEY="ak-${TAG}-admin-key"
SIM_KEY="sk-${TAG}-upstream-key"
hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
COSMOS_KEY="C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
MODEL=gpt-4o-mini

# ------------------------------------------------------------------------------------------------ processes
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
OTLP_PORT=$(free_port)
start otlp node "$CHAOS_DIR/otlp-sink.mjs" "$OTLP_PORT" "$LOGS"
# The project's own log categories at Debug (the rest at their defaults) and every signal exported, so the scan
# looks through more than production would write.
SERVICE_ENV=(ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production Logging__LogLevel__AspireAoai=Debug
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
  OTEL_BSP_SCHEDULE_DELAY=1000 OTEL_BLRP_SCHEDULE_DELAY=1000 OTEL_METRIC_EXPORT_INTERVAL=5000
  APPLICATIONINSIGHTS_CONNECTION_STRING=)

REDIS_PORT=$(free_port)
start_redis() {
  start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --save "" \
    --appendonly yes --appendfsync always
  wait_until redis 20 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}
COSMOS_PORT=$(free_port)
start_cosmos() {
  start cosmos node "$ROOT/AppHost/LocalInfra/cosmos-server/launcher.mjs" --port "$COSMOS_PORT" --host 127.0.0.1 \
    --data-dir "$WORK/cosmos"
  wait_until cosmos 120 curl -s -o /dev/null "http://127.0.0.1:$COSMOS_PORT/"
}
SIM_DLL=$ROOT/Simulator/bin/Release/net10.0/Simulator.dll
SIM_PORTS=("$(free_port)" "$(free_port)")
start_sim() {
  local i=$1 region=$2
  start "sim-$region" env "${SERVICE_ENV[@]}" Simulator__ApiKey="$SIM_KEY" Simulator__Region="$region" \
    Simulator__Latency__TimeToFirstTokenMs=20 Simulator__Latency__PerTokenMs=5 \
    Simulator__Deployments__0__Name="$MODEL" Simulator__Deployments__0__Tpm=100000000 Simulator__Deployments__0__Rpm=1000000 \
    dotnet "$SIM_DLL" --urls "http://127.0.0.1:${SIM_PORTS[$i]}" --contentRoot "$(dirname "$SIM_DLL")"
  wait_until "sim-$region" 60 curl -sf "http://127.0.0.1:${SIM_PORTS[$i]}/alive"
}
API_DLL=$ROOT/Api/bin/Release/net10.0/Api.dll
API_PORTS=("$(free_port)" "$(free_port)")
API_ENV=("ConnectionStrings__redis=127.0.0.1:$REDIS_PORT"
  "ConnectionStrings__cosmos=AccountEndpoint=http://127.0.0.1:$COSMOS_PORT/;AccountKey=$COSMOS_KEY;"
  Gateway__AdminKeyHash="$(hash "$ADMIN_KEY")"
  Gateway__Routing__AttemptTimeout="00:00:0$ATTEMPT_TIMEOUT_S" Gateway__Routing__StreamingAttemptTimeout="00:00:0$ATTEMPT_TIMEOUT_S"
  Gateway__Routing__MaxTotalTime=00:00:20)
for i in 0 1; do
  region=$([[ $i == 0 ]] && echo eastus || echo westus)
  API_ENV+=(Gateway__Deployments__${i}__Name="$region-$MODEL" Gateway__Deployments__${i}__Endpoint="http://127.0.0.1:${SIM_PORTS[$i]}/"
    Gateway__Deployments__${i}__Deployment="$MODEL" Gateway__Deployments__${i}__Model="$MODEL"
    Gateway__Deployments__${i}__Region="$region" Gateway__Deployments__${i}__Priority=$((i + 1))
    Gateway__Deployments__${i}__ApiKey="$SIM_KEY")
done
for i in 0 1 2; do
  API_ENV+=(Gateway__Clients__${i}__Id="client-$i" Gateway__Clients__${i}__KeyHash="$(hash "${CLIENT_KEYS[$i]}")"
    Gateway__Clients__${i}__Rpm=1000000 Gateway__Clients__${i}__Tpm=100000000)
done
start_api() {
  local i=$1
  start "api-$i" env "${SERVICE_ENV[@]}" "${API_ENV[@]}" OTEL_SERVICE_NAME="api-$i" \
    dotnet "$API_DLL" --urls "http://127.0.0.1:${API_PORTS[$i]}" --contentRoot "$(dirname "$API_DLL")"
  wait_until "api-$i" 90 curl -sf "http://127.0.0.1:${API_PORTS[$i]}/v1/models" -H "authorization: Bearer ${CLIENT_KEYS[0]}"
}
WORKER_DLL=$ROOT/Worker/bin/Release/net10.0/Worker.dll
WORKER_PORT=$(free_port)
# ClaimIdleTime 5 s (default 30 s): a killed Worker's pending entries are claimed within the phase.
start_worker() {
  start worker env "${SERVICE_ENV[@]}" OTEL_SERVICE_NAME=worker ASPNETCORE_URLS="http://127.0.0.1:$WORKER_PORT" \
    "ConnectionStrings__redis=127.0.0.1:$REDIS_PORT" \
    "ConnectionStrings__cosmos=AccountEndpoint=http://127.0.0.1:$COSMOS_PORT/;AccountKey=$COSMOS_KEY;" \
    Worker__ClaimIdleTime=00:00:05 Worker__ClaimInterval=00:00:01 \
    dotnet "$WORKER_DLL" --contentRoot "$(dirname "$WORKER_DLL")"
  wait_until worker 60 curl -sf "http://127.0.0.1:$WORKER_PORT/alive"
}

log "starting redis, cosmos, two simulated regions, two Api replicas, the Worker (work: $WORK)"
start_redis
start_cosmos
start_sim 0 eastus
start_sim 1 westus
start_api 0
start_api 1
start_worker

for name in "${STARTED[@]}"; do
  if ss -Hltnp 2>/dev/null | grep "pid=${PID[$name]}," | awk '{print $4}' | grep -vqE '^(127\.0\.0\.1|\[::1\]):'; then
    log "$name listens on a non-loopback address"; exit 1
  fi
done

# ------------------------------------------------------------------------------------------------ phases
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
PRIMARY="http://127.0.0.1:${SIM_PORTS[0]}"
GATEWAYS="http://127.0.0.1:${API_PORTS[0]},http://127.0.0.1:${API_PORTS[1]}"
fault() { curl -sf -X POST "$PRIMARY/sim/faults" -H 'content-type: application/json' -d "$1" >/dev/null; }
clear_faults() { curl -sf -X DELETE "$PRIMARY/sim/faults" >/dev/null || true; }

# phase NAME [driver options...]: the driver loads for PHASE_SECONDS in the background; the caller injects the fault.
DRIVER=""
phase_start() {
  local name=$1; shift
  log "phase $name"
  dotnet "$DRIVER_DLL" phase --phase "$name" --gateways "$GATEWAYS" \
    --keys "$(IFS=,; echo "${CLIENT_KEYS[*]}")" --admin-key "$ADMIN_KEY" --redis "127.0.0.1:$REDIS_PORT" \
    --canary "$CANARY" --results "$RESULTS" --work "$WORK" --attempt-timeout-ms $((ATTEMPT_TIMEOUT_S * 1000)) \
    --cuts "$CUTS" --seconds "$PHASE_SECONDS" --fault-seconds $((PHASE_SECONDS - 6)) "$@" 2>&1 | tee -a "$WORK/driver.log" >&2 &
  DRIVER=$!
}
PHASES_RUN=0
PHASES=${PHASES:-all}
want() { [[ "$PHASES" == all || " $PHASES " == *" $1 "* ]]; }
phase_end() {
  wait "$DRIVER" || true
  PHASES_RUN=$((PHASES_RUN + 1))
  if (($(wc -l <"$RESULTS") < PHASES_RUN)); then
    log "the driver wrote no result for this phase (see $WORK/driver.log)"
    printf '{"phase":"driver-crash-%s","pass":false,"condition":"the driver ends the phase with a result"}\n' "$PHASES_RUN" >>"$RESULTS"
  fi
}

# Unrecorded: the first requests pay for JIT in the driver and the replicas.
phase_start warmup --warmup 1 --seconds 8; wait "$DRIVER"
phase_start baseline; phase_end

want primary-429 && { phase_start primary-429; sleep 3; fault '{"kind":"429","retryAfterMs":2000}'; sleep $((PHASE_SECONDS - 6)); clear_faults; phase_end; }
want primary-503 && { phase_start primary-503; sleep 3; fault '{"kind":"503"}'; sleep $((PHASE_SECONDS - 6)); clear_faults; phase_end; }
want primary-hang && { phase_start primary-hang; sleep 3; fault '{"kind":"timeout"}'; sleep $((PHASE_SECONDS - 6)); clear_faults; phase_end; }
curl -sf -X POST "http://127.0.0.1:${API_PORTS[0]}/admin/deployments/eastus-$MODEL/reset" -H "authorization: Bearer $ADMIN_KEY" >/dev/null || true
curl -sf -X POST "http://127.0.0.1:${API_PORTS[1]}/admin/deployments/eastus-$MODEL/reset" -H "authorization: Bearer $ADMIN_KEY" >/dev/null || true
want midstream-cut && { phase_start midstream-cut; sleep 3; fault "{\"kind\":\"cut\",\"count\":$CUTS}"; sleep $((PHASE_SECONDS - 6)); clear_faults; phase_end; }

want redis-restart && { phase_start redis-restart; sleep 8; log "SIGKILL redis"; sigkill redis; sleep 8; log "restart redis"; start_redis; phase_end; }
# SIGTERM: the local stand-in writes its data file at most once a second, so a SIGKILL would lose writes it had
# acknowledged (Cosmos DB keeps them); the Worker and the Api see the same outage either way.
want cosmos-restart && { phase_start cosmos-restart; sleep 8; log "stop cosmos"; sigterm cosmos; sleep 8; log "restart cosmos"; start_cosmos; phase_end; }
want worker-kill && { phase_start worker-kill; sleep 6; log "SIGKILL worker"; sigkill worker; start_worker; sleep 8; log "SIGKILL worker again"
  sigkill worker; start_worker; phase_end; }
want api-kill && { phase_start api-kill --killed-replica 1; sleep 10; log "SIGKILL api-1"; sigkill api-1; phase_end
  log "restart api-1"; start_api 1; }
want hostile && { phase_start hostile --hostile 1000 --concurrency 3; phase_end; }

dotnet "$DRIVER_DLL" scan --dir "$LOGS" --results "$RESULTS" \
  --canaries "$(IFS=,; echo "${CLIENT_KEYS[*]},$ADMIN_KEY,$SIM_KEY,$CANARY,$TAG")"

# ------------------------------------------------------------------------------------------------ report
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/results/chaos-$STAMP.md
HEADER="Every phase also polls \`GET /v1/usage\` once a second: never a 500 (a 503 in the OpenAI shape while its store is away), each answer within 12 s; after each phase every running replica answers \`/health\` with 200 within 30 s. Commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench/results' || echo ' (with local changes)'); \`bench/chaos/run.sh\`, ${PHASE_SECONDS} s of load per phase (OpenAI .NET SDK $(sed -n 's/.*PackageVersion Include="OpenAI" Version="\([^"]*\)".*/\1/p' "$ROOT/Directory.Packages.props"), 6 loops, 3 client keys, streamed and non-streamed chats alternating between 2 Api replicas); attempt timeouts ${ATTEMPT_TIMEOUT_S} s; Redis with AOF (fsync always); Worker ClaimIdleTime 5 s. Failures are labelled by HTTP status, \`conn\` (no response) or \`broken\` (the response broke after its headers)."
set +e
dotnet "$DRIVER_DLL" report --results "$RESULTS" --out "$OUT" --header "$HEADER"
STATUS=$?
set -e
log "written to $OUT"
exit "$STATUS"
