#!/usr/bin/env bash
# Slow-body benchmark (issue 23): one key opens 500 connections that declare the largest body and trickle it, while
# another client sends chat requests at a fixed rate. Reports that client's p50/p99 latency without and with the
# attack, the gateway's peak RSS, and what the attacker got back. Everything on loopback, stopped at the end.
#
#   bench/slowbody/run.sh                 build (Release) and run: 20 s baseline + 40 s attack (about 3 minutes)
#   bench/slowbody/run.sh --no-build      use the existing Release builds
#   BENCH_API_DLL=/path/Api.dll bench/slowbody/run.sh --no-build   run another build of the Api (e.g. an older commit)
#   ATTACK_ARGS="--trickle-bps 100"       extra arguments for attack.mjs (see its header)
#   HEAP_LIMIT_MB=0                       no GC heap limit (default 768: what .NET sets in a 1 GiB container, 75%)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(dirname "$BENCH_DIR")
BUILD=1
[[ "${1:-}" == "--no-build" ]] && BUILD=0
for tool in dotnet node redis-server redis-cli curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "slowbody: '$tool' is required" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aoai-slowbody.XXXXXX")
declare -A PID=()
declare -a STARTED=()
log() { printf '[slowbody %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_all() {
  local status=$? i pid
  trap - EXIT INT TERM
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    pid=${PID[${STARTED[$i]}]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  ((status == 0)) && rm -rf "$WORK" || log "failed (exit $status); logs kept in $WORK"
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
    kill -0 "${PID[$name]}" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2; exit 1; }
    ((SECONDS < deadline)) || { log "$name not ready after ${seconds}s"; tail -n 30 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.2
  done
}
post_ok() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$1" -H 'content-type: application/json' -H "$3" --data-binary "@$2") == 200 ]]
}

SIM_DLL=$ROOT/Simulator/bin/Release/net10.0/Simulator.dll
API_DLL=${BENCH_API_DLL:-$ROOT/Api/bin/Release/net10.0/Api.dll}
if ((BUILD)); then
  for project in Simulator/Simulator.csproj Api/Api.csproj; do
    log "dotnet build -c Release $project"
    dotnet build "$ROOT/$project" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 || { tail -n 20 "$WORK/build.log" >&2; exit 1; }
  done
fi

MODEL=gpt-4o
SIM_KEY=slowbody-simulator-key
VICTIM_KEY=slowbody-victim-key-0123456789
ATTACKER_KEY=slowbody-attacker-key-0123456789
API_VERSION=2024-10-21
hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
printf '{"messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"In one sentence, why put a gateway in front of a model API?"}],"temperature":0.7,"max_tokens":100}' >"$WORK/body.json"
QUIET=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning OTEL_EXPORTER_OTLP_ENDPOINT=)
# A replica runs in a container with a memory limit, where the GC takes 75% of it as its hard heap limit; a 1 GiB
# replica is what the issue's arithmetic (about 60 slow requests fill it) was about. This host has no such limit, so
# the same heap limit is set here by hand (HEAP_LIMIT_MB=0: none).
HEAP_LIMIT_MB=${HEAP_LIMIT_MB:-768}
HEAP_ENV=()
((HEAP_LIMIT_MB > 0)) && HEAP_ENV=("DOTNET_GCHeapHardLimit=$(printf '0x%x' $((HEAP_LIMIT_MB * 1024 * 1024)))")

REDIS_PORT=$(free_port)
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
wait_until redis 20 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping

SIM_PORT=$(free_port)
start sim env "${QUIET[@]}" Simulator__FixedAnswer=true Simulator__ApiKey="$SIM_KEY" Simulator__Region=bench \
  Simulator__Latency__TimeToFirstTokenMs=0 Simulator__Latency__PerTokenMs=0 \
  Simulator__Deployments__0__Name="$MODEL" Simulator__Deployments__0__Tpm=2000000000 Simulator__Deployments__0__Rpm=2000000000 \
  dotnet "$SIM_DLL" --urls "http://127.0.0.1:$SIM_PORT" --contentRoot "$(dirname "$SIM_DLL")"
URL_PATH="/openai/deployments/$MODEL/chat/completions?api-version=$API_VERSION"
wait_until sim 60 post_ok "http://127.0.0.1:$SIM_PORT$URL_PATH" "$WORK/body.json" "api-key: $SIM_KEY"

# The gateway as in production: its build folder's appsettings.json (so the default limits), rate limits and usage
# events on Redis, no cache store; both clients with limits far above the load, nothing else set.
GW_PORT=$(free_port)
start gateway env "${QUIET[@]}" "${HEAP_ENV[@]}" "ConnectionStrings__redis=127.0.0.1:$REDIS_PORT" \
  Gateway__Deployments__0__Name=bench-local Gateway__Deployments__0__Endpoint="http://127.0.0.1:$SIM_PORT/" \
  Gateway__Deployments__0__Deployment="$MODEL" Gateway__Deployments__0__Model="$MODEL" Gateway__Deployments__0__Region=bench \
  Gateway__Deployments__0__ApiKey="$SIM_KEY" \
  Gateway__Clients__0__Id=victim Gateway__Clients__0__KeyHash="$(hash "$VICTIM_KEY")" \
  Gateway__Clients__0__Rpm=2000000000 Gateway__Clients__0__Tpm=2000000000 \
  Gateway__Clients__1__Id=attacker Gateway__Clients__1__KeyHash="$(hash "$ATTACKER_KEY")" \
  Gateway__Clients__1__Rpm=2000000000 Gateway__Clients__1__Tpm=2000000000 \
  Gateway__Cache__Enabled=false Gateway__Usage__Enabled=true ${BENCH_GATEWAY_ENV:-} \
  dotnet "$API_DLL" --urls "http://127.0.0.1:$GW_PORT" --contentRoot "$(dirname "$API_DLL")"
wait_until gateway 90 post_ok "http://127.0.0.1:$GW_PORT$URL_PATH" "$WORK/body.json" "api-key: $VICTIM_KEY"
for _ in $(seq 1 200); do post_ok "http://127.0.0.1:$GW_PORT$URL_PATH" "$WORK/body.json" "api-key: $VICTIM_KEY"; done # warm-up

log "baseline, then 500 slow-body connections from one key (about a minute)"
# shellcheck disable=SC2086
node "$BENCH_DIR/slowbody/attack.mjs" --url "http://127.0.0.1:$GW_PORT$URL_PATH" --victim-key "$VICTIM_KEY" \
  --attacker-key "$ATTACKER_KEY" --body "$WORK/body.json" --pid "${PID[gateway]}" ${ATTACK_ARGS:-} >"$WORK/result.json"

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/results/slowbody-$STAMP.md
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const [commit, api, extra] = process.argv.slice(2);
const f = (v) => (v === null ? "-" : typeof v === "number" ? v.toFixed(2) : v);
const st = (o) => Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(", ") || "-";
const s = r.settings;
console.log(`# Slow-body benchmark ${new Date().toISOString()}\n`);
console.log(`Commit ${commit}; Api: ${api}; attack.mjs ${extra}. ${s.connections} attacker connections, each declaring ${s.declared_bytes} bytes and sending ${s.trickle_bytes_per_s} B/s (a closed one reopened after 1 s); victim: ${s.victim_rate_per_s} chat requests/s, open loop, ${s.baseline_s} s alone then ${s.attack_s - 3} s under attack.\n`);
console.log("| phase | victim requests | victim statuses | p50 ms | p99 ms | max ms | gateway peak RSS MB |");
console.log("|---|---:|---|---:|---:|---:|---:|");
for (const [name, p] of [["baseline", r.baseline], ["under attack", r.attack]]) {
  console.log(`| ${name} | ${p.requests} | ${st(p.statuses)} | ${f(p.p50_ms)} | ${f(p.p99_ms)} | ${f(p.max_ms)} | ${p.peak_rss_mb} |`);
}
const a = r.attack.attacker;
console.log(`\nAttacker: ${a.opened} connections opened, at most ${a.peakOpen} open at once, ${a.bytesSent} body bytes sent; responses ${st(a.statuses)}; closed without a response: ${a.closedWithoutResponse}.`);
console.log(`Gateway RSS: ${r.gateway.rss_before_mb} MB before, ${r.gateway.rss_after_mb} MB after, VmHWM (lifetime peak) ${r.gateway.vmhwm_mb} MB.` + (r.attack.aborted_over_mb ? ` The attack was stopped when RSS passed ${r.attack.aborted_over_mb} MB.` : ""));
console.log("\n```json\n" + JSON.stringify(r, null, 2) + "\n```");
' "$WORK/result.json" "$COMMIT" "${BENCH_API_DLL:-this commit (Release)}" \
  "${ATTACK_ARGS:-defaults}; GC heap limit ${HEAP_LIMIT_MB} MB${BENCH_GATEWAY_ENV:+; gateway env $BENCH_GATEWAY_ENV}" | tee "$OUT"
log "written to $OUT"
