#!/usr/bin/env node
// Streams-at-scale client (bench/streams/run.sh): opens N streaming chat completions (one connection each), holds
// them all until "data: [DONE]", and reports completed, time to first byte, the target's peak memory and the CPU the
// given processes spent. Prints one JSON object on stdout.
//
// node streams.mjs --url URL --header "api-key: K" --body FILE --streams N --pid PID [--cpu-pids "P1 P2"]
//                  [--ramp-ms 0] [--timeout-ms 300000]
import http from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { oneStream, parseArgs, percentile, statusKb } from "../lib/stream-client.mjs";

// utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat; the name in field 2 may hold spaces).
function cpuTicks(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

const round1 = (v) => (v === null ? null : Math.round(v * 10) / 10);

function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2), { timeoutMs: 300_000, maxStreams: 20000 });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const before = statusKb(args.pid);
  const cpuPids = args.cpuPids.length ? args.cpuPids : [args.pid];
  const cpuBefore = cpuPids.map(cpuTicks);
  const state = { open: 0, peakOpen: 0 };
  let peakRss = before.rss;
  const fdsBefore = openFds(args.pid);
  let peakFds = fdsBefore;
  let samples = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, statusKb(args.pid).rss);
    // Listing the descriptors costs more than reading the status: every fifth sample.
    if (samples++ % 5 === 0) peakFds = Math.max(peakFds, openFds(args.pid));
  }, args.sampleMs);

  const started = performance.now();
  const pending = [];
  for (let i = 0; i < args.streams; i += 1) {
    if (args.rampMs > 0) {
      const due = (i * args.rampMs) / args.streams;
      const wait = due - (performance.now() - started);
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    }
    pending.push(oneStream(args, agent, state, performance.now()));
  }
  const results = await Promise.all(pending);
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const cpuAfter = cpuPids.map(cpuTicks);
  const after = statusKb(args.pid);
  agent.destroy();

  const completed = results.filter((r) => r.status === 200 && r.done).length;
  const firstBytes = results.map((r) => r.firstByteMs).filter((v) => v !== null).sort((a, b) => a - b);
  const totals = results.map((r) => r.totalMs).filter((v) => v !== null).sort((a, b) => a - b);
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const errors = {};
  for (const r of results) if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;

  process.stdout.write(`${JSON.stringify({
    streams: args.streams,
    completed,
    peakOpen: state.peakOpen,
    statuses,
    errors,
    chunksPerStream: results.length ? Math.round(results.reduce((s, r) => s + r.chunks, 0) / results.length) : 0,
    firstByteMs: { p50: round1(percentile(firstBytes, 50)), p99: round1(percentile(firstBytes, 99)), max: round1(firstBytes.at(-1) ?? null) },
    totalMs: { p50: round1(percentile(totals, 50)), max: round1(totals.at(-1) ?? null) },
    wallMs: Math.round(wallMs),
    rssKb: { before: before.rss, peak: Math.max(peakRss, after.hwm), after: after.rss },
    fds: { before: fdsBefore, peak: peakFds },
    cpuTicks: Object.fromEntries(cpuPids.map((p, i) => [p, cpuAfter[i] - cpuBefore[i]])),
  })}\n`);
  process.exitCode = completed === args.streams ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`streams.mjs: ${err.message}\n`);
  process.exitCode = 2;
});
