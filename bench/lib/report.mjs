#!/usr/bin/env node
// Turns the raw runs of bench/run.sh (runs.jsonl: one line per wrk run, plus end-of-run memory lines, and the
// memory test's JSON) into the Markdown report written to bench/results/. Medians are over rounds.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--")) throw new Error(`unexpected argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1] ?? "";
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const clkTck = Number(args["clk-tck"] ?? 100);
const lines = readFileSync(args.runs, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const runs = lines.filter((l) => l.kind === "run");
const memory = lines.filter((l) => l.kind === "memory");
const memoryTest = args.memory && existsSync(args.memory) && readFileSync(args.memory, "utf8").trim()
  ? JSON.parse(readFileSync(args.memory, "utf8"))
  : null;
const connections = (args.connections ?? "1 8 64").split(/\s+/).filter(Boolean).map(Number);

// Which processes a target's CPU is charged to: the target itself and the stores it uses ("own"), plus the
// simulator for the whole stack. Passed as "gateway=gateway,redis,cosmos;bare=bare;...".
const own = {};
for (const pair of (args.own ?? "").split(";").filter(Boolean)) {
  const [target, names] = pair.split("=");
  own[target] = names.split(",").filter(Boolean);
}

function tryRun(file, fileArgs) {
  try {
    return execFileSync(file, fileArgs, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    return (err.stdout ?? "").trim() || "unknown";
  }
}

function portkeyVersion() {
  const file = join(here, "..", "portkey", "node_modules", "@portkey-ai", "gateway", "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : "?";
}

const LABELS = {
  direct: "upstream directly (simulator, fixed answer)",
  bare: "bare .NET proxy (one shared HttpClient, streamed)",
  "naive-redis": "bare proxy + awaited Redis EVALSHA + XADD",
  gateway: "**AspireAoai gateway** (Api, Release, every feature on)",
  portkey: `Portkey gateway ${portkeyVersion()} (npm)`,
};
const ORDER = ["direct", "bare", "naive-redis", "gateway", "portkey"];
const SCENARIOS = {
  chat: "Chat completion, not streamed (temperature 0.7: the cache lookup is skipped)",
  stream: "Chat completion, streamed (`stream: true`, temperature 0.7)",
  cache: "Cache hit (temperature 0, the same body every time: the gateway answers from its cache; the others forward)",
};

const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "-");
const fmtMs = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(2) : "-");
const fmtSignedMs = (us) => (Number.isFinite(us) ? `${us >= 0 ? "+" : ""}${(us / 1000).toFixed(2)} ms` : "-");
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "-");
const fmtMb = (kb) => (Number.isFinite(kb) && kb > 0 ? (kb / 1024).toFixed(0) : "-");

function cpuUs(run, names) {
  let ticks = 0;
  for (const name of names) ticks += (run.cpu_after[name] ?? 0) - (run.cpu_before[name] ?? 0);
  return (ticks * 1e6) / clkTck;
}

// One cell per scenario/target/connections: medians over rounds.
function cell(scenario, target, conns) {
  const rs = runs.filter((r) => r.scenario === scenario && r.target === target && r.connections === conns);
  if (rs.length === 0) return null;
  const ownNames = own[target] ?? [target];
  const stackNames = [...new Set([...ownNames, "sim"])];
  const errors = rs.reduce((sum, r) => sum + Object.values(r.wrk.errors).reduce((a, b) => a + b, 0), 0);
  return {
    rounds: rs.length,
    rps: median(rs.map((r) => r.wrk.requests / (r.wrk.duration_us / 1e6))),
    p50: median(rs.map((r) => r.wrk.latency_us.p50)),
    p99: median(rs.map((r) => r.wrk.latency_us.p99)),
    cpuOwn: median(rs.map((r) => (r.wrk.requests > 0 ? cpuUs(r, ownNames) / r.wrk.requests : NaN))),
    cpuStack: median(rs.map((r) => (r.wrk.requests > 0 ? cpuUs(r, stackNames) / r.wrk.requests : NaN))),
    requests: rs.reduce((sum, r) => sum + r.wrk.requests, 0),
    matched: rs.reduce((sum, r) => sum + (r.wrk.matched ?? 0), 0),
    errors,
  };
}

const out = [];
const w = (s = "") => out.push(s);
const now = new Date();

w(`# Gateway overhead benchmark, ${now.toISOString().replace(/\.\d+Z$/, "Z")}`);
w();
if (args.quick === "1") {
  w(`> **Quick run** (\`--quick\`: ${args.duration} s per measurement, ${args.rounds} round) on a shared, busy`);
  w("> machine. It proves the harness works; the numbers are not a measurement.");
  w();
}
if (args.note) {
  w(`> **Note:** ${args.note}.`);
  w();
}

// What the gateway logged at Warning or above during the whole run (a fail-open admission, a cache breaker...):
// such a run measured a degraded gateway, so the report says so up front.
function gatewayLogFindings(file) {
  if (!file || !existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const found = new Map();
  for (let i = 0; i < lines.length; i += 1) {
    const m = /^(warn|fail|crit): (\S+)/.exec(lines[i]);
    if (!m) continue;
    const message = `${m[1]}: ${(lines[i + 1] ?? "").trim().slice(0, 160)}`;
    found.set(message, (found.get(message) ?? 0) + 1);
  }
  return [...found.entries()];
}

const findings = gatewayLogFindings(args["gateway-log"]);
if (findings.length > 0) {
  w("> **The gateway logged warnings or errors during the run** (warm-up included; the numbers may show a degraded path):");
  for (const [message, count] of findings.slice(0, 8)) w(`> - ${count}x \`${message.replaceAll("`", "'")}\``);
  w();
}

const cpu = os.cpus();
w("## Setup");
w();
w(`- Machine: ${cpu[0]?.model ?? "?"}, ${cpu.length} logical CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
  `${os.type()} ${os.release()}; load average at report time ${os.loadavg().map((x) => x.toFixed(2)).join(" / ")}.`);
w(`- Software: .NET ${tryRun("dotnet", ["--version"])}, Node ${process.version}, ` +
  `${tryRun("wrk", ["-v"]).split("\n")[0].split(" [")[0]}, ` +
  `${tryRun("redis-server", ["--version"]).split(" sha=")[0]}, Portkey gateway ${portkeyVersion()}; commit ${args.commit}.`);
w(`- Method: wrk, ${args.duration} s per run, ${args.rounds} round(s), targets alternating inside each round ` +
  `(the starting target rotates per round), ${args.warmup} s unmeasured warm-up per target and scenario; ` +
  `connections ${connections.join(", ")} (wrk threads: 1 for one connection, 2 otherwise). Everything shares the CPU: ` +
  "wrk, the simulator, the target, Redis and the Cosmos server. All on 127.0.0.1.");
w("- Values are medians over rounds. CPU/req is utime+stime (/proc/PID/stat) during the run divided by the " +
  "requests served: *own* = the target process plus the stores it calls (Redis for the naive proxy; Redis and " +
  "the Cosmos server for the gateway), *stack* = own + the simulator.");
if (args["gateway-env"]) w(`- Extra gateway configuration (BENCH_GATEWAY_ENV): \`${args["gateway-env"]}\`.`);
w();

const scenarios = [...new Set(runs.map((r) => r.scenario))];
for (const scenario of scenarios) {
  const targets = ORDER.filter((t) => runs.some((r) => r.scenario === scenario && r.target === t));
  w(`## ${SCENARIOS[scenario] ?? scenario}`);
  w();
  if (scenario === "cache" && targets.includes("gateway") && args["cache-check"]) {
    w(`Cache check before the runs: the gateway's second identical request answered \`x-aoai-cache: ${args["cache-check"]}\`.`);
    w();
  }

  // Headline: the shape of the table in issue 8.
  const head = connections.map((c) => `${c} conn${c === 1 ? "" : "s"} req/s`);
  w(`| target | ${head.join(" | ")} | p50 added at 1 conn |`);
  w(`|---|${connections.map(() => "---:").join("|")}|---:|`);
  const direct1 = cell(scenario, "direct", 1);
  for (const t of targets) {
    const cells = connections.map((c) => cell(scenario, t, c));
    const c1 = cell(scenario, t, 1);
    const added = t === "direct" || !c1 || !direct1 ? "-" : fmtSignedMs(c1.p50 - direct1.p50);
    w(`| ${LABELS[t] ?? t} | ${cells.map((c) => (c ? fmtInt(c.rps) : "-")).join(" | ")} | ${added} |`);
  }
  w();

  // Ratios of the gateway to the reference points.
  if (targets.includes("gateway")) {
    w(`| gateway req/s ratio | ${connections.map((c) => `${c} conn${c === 1 ? "" : "s"}`).join(" | ")} |`);
    w(`|---|${connections.map(() => "---:").join("|")}|`);
    for (const [ref, name] of [["direct", "gateway / direct"], ["bare", "gateway / bare proxy"],
      ["naive-redis", "gateway / naive proxy + Redis"], ["portkey", "gateway / Portkey"]]) {
      if (!targets.includes(ref)) continue;
      const ratios = connections.map((c) => {
        const g = cell(scenario, "gateway", c);
        const r = cell(scenario, ref, c);
        return g && r ? fmtRatio(g.rps / r.rps) : "-";
      });
      w(`| ${name} | ${ratios.join(" | ")} |`);
    }
    w();
  }

  // Detail.
  w("<details><summary>Detail: latency, CPU per request, errors</summary>");
  w();
  const hits = scenario === "cache";
  w(`| target | conns | req/s | p50 ms | p99 ms | CPU/req own µs | CPU/req stack µs | requests | errors |${hits ? " cache hits |" : ""}`);
  w(`|---|---:|---:|---:|---:|---:|---:|---:|---:|${hits ? "---:|" : ""}`);
  for (const t of targets) {
    for (const c of connections) {
      const x = cell(scenario, t, c);
      if (!x) continue;
      w(`| ${t} | ${c} | ${fmtInt(x.rps)} | ${fmtMs(x.p50)} | ${fmtMs(x.p99)} | ${fmtInt(x.cpuOwn)} | ` +
        `${fmtInt(x.cpuStack)} | ${fmtInt(x.requests)} | ${x.errors === 0 ? "0" : `**${x.errors}**`} |` +
        (hits ? ` ${x.requests ? ((100 * x.matched) / x.requests).toFixed(1) : "-"}% |` : ""));
    }
  }
  w();
  w("</details>");
  w();
}

// Cache hit against forwarding, from the gateway's own rows of the cache and chat scenarios (the same body but for
// temperature: 0 is answered from the cache, 0.7 is forwarded).
if (runs.some((r) => r.scenario === "cache" && r.target === "gateway") && runs.some((r) => r.scenario === "chat" && r.target === "gateway")) {
  w("## Cache hit vs forwarded (the gateway)");
  w();
  w("| connections | hit req/s | forwarded req/s | hit / forwarded | hit CPU/req own µs | forwarded CPU/req own µs | hit p99 ms | forwarded p99 ms |");
  w("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of connections) {
    const hit = cell("cache", "gateway", c);
    const fwd = cell("chat", "gateway", c);
    if (!hit || !fwd) continue;
    w(`| ${c} | ${fmtInt(hit.rps)} | ${fmtInt(fwd.rps)} | ${fmtRatio(hit.rps / fwd.rps)} | ${fmtInt(hit.cpuOwn)} | ${fmtInt(fwd.cpuOwn)} | ${fmtMs(hit.p99)} | ${fmtMs(fwd.p99)} |`);
  }
  w();
}

const fixed = lines.filter((l) => l.kind === "fixed");
if (fixed.length > 0) {
  const f0 = fixed[0];
  w(`## Fixed rate: ${f0.connections} connections x ${f0.qps_per_connection} req/s (${(f0.connections * f0.qps_per_connection).toLocaleString("en-US")} req/s asked), ${f0.seconds} s per run`);
  w();
  w("hey against a fresh bare proxy and a fresh gateway, alternating; round 1 starts as soon as both are ready.");
  w();
  w("| round | bare req/s | bare p50 ms | bare p99 ms | gateway req/s | gateway p50 ms | gateway p99 ms | gateway p99 / bare p99 | non-200 (bare / gateway) |");
  w("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  const rounds = [...new Set(fixed.map((f) => f.round))].sort((a, b) => a - b);
  const non200 = (h) => Object.entries(h?.statuses ?? {}).filter(([k]) => k !== "200").reduce((a, [, v]) => a + v, 0)
    + Object.values(h?.errors ?? {}).reduce((a, v) => a + v, 0);
  const num = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "-");
  for (const round of rounds) {
    const b = fixed.find((f) => f.round === round && f.target === "bare")?.hey;
    const g = fixed.find((f) => f.round === round && f.target === "gateway")?.hey;
    w(`| ${round} | ${fmtInt(b?.rps)} | ${num(b?.p50Ms)} | ${num(b?.p99Ms)} | ${fmtInt(g?.rps)} | ${num(g?.p50Ms)} | ${num(g?.p99Ms)} | ` +
      `${b && g ? fmtRatio(g.p99Ms / b.p99Ms) : "-"} | ${non200(b)} / ${non200(g)} |`);
  }
  const med = (target, key) => median(fixed.filter((f) => f.target === target).map((f) => f.hey?.[key]));
  w(`| **median** | ${fmtInt(med("bare", "rps"))} | ${num(med("bare", "p50Ms"))} | ${num(med("bare", "p99Ms"))} | ${fmtInt(med("gateway", "rps"))} | ` +
    `${num(med("gateway", "p50Ms"))} | ${num(med("gateway", "p99Ms"))} | ${fmtRatio(med("gateway", "p99Ms") / med("bare", "p99Ms"))} | |`);
  w();
}

if (memory.length > 0) {
  w("## Peak memory over the whole run");
  w();
  w("| process | VmHWM (peak RSS) MB | VmRSS at end MB |");
  w("|---|---:|---:|");
  for (const m of memory) w(`| ${m.process} | ${fmtMb(m.vmhwm_kb)} | ${fmtMb(m.vmrss_kb)} |`);
  w();
}

if (memoryTest) {
  const m = memoryTest;
  w(`## Memory: ${m.streams} concurrent streams held open through the gateway`);
  w();
  w("A fresh gateway in front of a simulator with per-token latency (500 ms to the first token, 40 ms per token), " +
    `so every stream stays open for seconds; all ${m.streams} are opened at once.`);
  w();
  w("| measure | value |");
  w("|---|---:|");
  w(`| streams completed with \`data: [DONE]\` | **${m.completed} / ${m.streams}** |`);
  w(`| streams open at the same time (peak) | ${m.peakOpen} |`);
  w(`| HTTP statuses | ${Object.entries(m.statuses).map(([k, v]) => `${k}: ${v}`).join(", ")} |`);
  w(`| events per stream (mean) | ${m.chunksPerStream} |`);
  w(`| time to first byte p50 / p99 | ${m.firstByteMs.p50?.toFixed(0) ?? "-"} / ${m.firstByteMs.p99?.toFixed(0) ?? "-"} ms |`);
  w(`| stream duration p50 / max | ${m.totalMs.p50?.toFixed(0) ?? "-"} / ${m.totalMs.max?.toFixed(0) ?? "-"} ms |`);
  w(`| Api VmRSS before | ${fmtMb(m.rssKb.before)} MB |`);
  w(`| Api VmRSS peak while streaming (sampled every 100 ms) | ${fmtMb(m.rssKb.peak)} MB |`);
  w(`| Api VmRSS after | ${fmtMb(m.rssKb.after)} MB |`);
  w(`| Api VmHWM after | ${fmtMb(m.hwmKb.after)} MB |`);
  w(`| memory per open stream ((peak - before) / streams) | ${m.streams ? ((m.rssKb.peak - m.rssKb.before) / m.streams).toFixed(1) : "-"} KB |`);
  if (m.errors?.length) w(`| errors | ${m.errors.join("; ")} |`);
  w();
}

w("## Reference: the numbers of issue 8");
w();
w("Measured earlier on a 2-core machine (medians of 3 alternating runs, 403-byte answer). Compare ratios rather than");
w("absolute numbers across machines.");
w();
w("| target | 8 conns req/s | 64 conns req/s | p50 added at 1 conn |");
w("|---|---:|---:|---:|");
w("| upstream directly (Kestrel, fixed answer) | 36,478 | 50,446 | - |");
w("| bare .NET proxy (one shared HttpClient, streamed) | 12,820 | 17,453 | +0.17 ms |");
w("| bare proxy + one Redis EVALSHA and one XADD per request, awaited | 7,884 | 13,236 | +0.26 ms |");
w("| Portkey gateway 1.15.2 (npm) | 929 | 852 | +1.26 ms |");
w();

process.stdout.write(`${out.join("\n")}\n`);
