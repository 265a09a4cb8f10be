#!/usr/bin/env node
// Turns bench/streams/run.sh's results.jsonl into the markdown report.
import { readFileSync } from "node:fs";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1] ?? "";
const clk = Number(args["clk-tck"] || 100);
const rows = readFileSync(args.results, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

const fmt = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? "-" : Number(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mib = (kb) => (kb ? fmt(kb / 1024, 0) : "-");
const cpuMs = (ticks, n) => (ticks === undefined || !n ? "-" : fmt(((ticks / clk) * 1000) / n, 2));

const out = [];
out.push(`# Streams at scale (${new Date().toISOString().replace(/\.\d+Z$/, "Z")})`, "");
out.push(`- Command: \`${args.command}\``);
out.push(`- Commit ${args.commit}; ${args.cores} cores; load average at the end ${args.load}; open-file limit ${args["fd-limit"]}; net.core.somaxconn ${args.somaxconn}`);
if (args.note) out.push(`- Note: ${args.note}`);
if (args.upstream) out.push(`- Gateway to simulator: HTTP/${args.upstream}`);
if (args["gateway-env"]) out.push(`- Gateway environment: \`${args["gateway-env"]}\``);
out.push("- Each stream: one connection, `max_tokens` = the content chunks, the simulator paces them (see the command); the client waits for `data: [DONE]`.");
out.push("- TTFB: from opening the request to the first body byte, as the client saw it. Peak WS: the gateway's VmHWM (a fresh process per row), or the simulator's peak RSS for direct rows.");
out.push("- Peak fds: the most open descriptors of the target process, sampled every 500 ms.");
out.push("- CPU/stream: utime+stime over the run divided by the streams (gateway row: the gateway; the simulator's and Redis's in the next columns).", "");
out.push("| streams | target | completed | statuses | errors | TTFB p50 ms | TTFB p99 ms | TTFB max ms | stream p50 ms | peak WS MiB | KiB/stream | peak fds | CPU ms/stream (target) | CPU ms/stream sim | CPU ms/stream redis | deployment after |");
out.push("|---:|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
for (const row of rows) {
  const r = row.result ?? {};
  const n = row.n;
  const statuses = Object.entries(r.statuses ?? {}).map(([k, v]) => `${k}: ${v}`).join(", ");
  const errors = Object.entries(r.errors ?? {}).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  const ticks = r.cpuTicks ?? {};
  let target = "-", sim = "-", redis = "-", deployment = "-";
  if (row.target === "gateway") {
    target = cpuMs(ticks[row.pids.gateway], n);
    sim = cpuMs(ticks[row.pids.sim], n);
    redis = cpuMs(ticks[row.pids.redis], n);
    const d = row.deployments?.deployments?.[0];
    deployment = d ? `${d.state}, ${d.cooldowns} cool-downs, ${d.failures} failures` : "unknown";
  } else {
    const first = Object.values(ticks)[0];
    sim = cpuMs(first, n);
  }
  const perStream = r.rssKb && row.target === "gateway" ? fmt((r.rssKb.peak - r.rssKb.before) / n, 1) : "-";
  out.push(`| ${fmt(n)} | ${row.target} | ${fmt(r.completed)} | ${statuses} | ${errors} | ${fmt(r.firstByteMs?.p50, 1)} | ${fmt(r.firstByteMs?.p99, 1)} | ${fmt(r.firstByteMs?.max, 1)} | ${fmt(r.totalMs?.p50)} | ${mib(r.rssKb?.peak)} | ${perStream} | ${fmt(r.fds?.peak)} | ${target} | ${sim} | ${redis} | ${deployment} |`);
}
out.push("", "KiB/stream = (peak WS - WS before the streams) / streams. Goals (issue 26): every stream completed; < 1 GB at 10,000; TTFB p99 through the gateway within 2x of direct's.");
process.stdout.write(out.join("\n") + "\n");
