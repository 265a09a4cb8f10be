#!/usr/bin/env node
// Memory test client (bench/run.sh): opens N streaming chat completions at once through the gateway, keeps
// them all open while the upstream streams slowly, and checks that each one ends with "data: [DONE]".
// Meanwhile it samples the gateway's VmRSS from /proc/PID/status. Prints one JSON object on stdout.
//
// node streams.mjs --url URL --header "api-key: K" --body FILE --streams 500 --pid PID [--timeout-ms 120000]
import http from "node:http";
import { oneStream, parseArgs, percentile, statusKb } from "../lib/stream-client.mjs";

async function main() {
  const args = parseArgs(process.argv.slice(2), { timeoutMs: 120_000, maxStreams: 5000 });
  const agent = new http.Agent({ keepAlive: false, maxSockets: args.streams });
  const before = statusKb(args.pid);
  const state = { open: 0, peakOpen: 0 };
  let peakRss = before.rss;
  let rssAtPeakOpen = before.rss;
  const sampler = setInterval(() => {
    const { rss } = statusKb(args.pid);
    peakRss = Math.max(peakRss, rss);
    if (state.open === state.peakOpen) rssAtPeakOpen = Math.max(rssAtPeakOpen, rss);
  }, args.sampleMs);

  const started = performance.now();
  const results = await Promise.all(Array.from({ length: args.streams }, () => oneStream(args, agent, state, started)));
  clearInterval(sampler);
  const after = statusKb(args.pid);
  agent.destroy();

  const completed = results.filter((r) => r.status === 200 && r.done).length;
  const firstBytes = results.map((r) => r.firstByteMs).filter((v) => v !== null).sort((a, b) => a - b);
  const totals = results.map((r) => r.totalMs).filter((v) => v !== null).sort((a, b) => a - b);
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const errors = [...new Set(results.map((r) => r.error).filter(Boolean))].slice(0, 5);

  process.stdout.write(`${JSON.stringify({
    streams: args.streams,
    completed,
    peakOpen: state.peakOpen,
    statuses,
    errors,
    chunksPerStream: results.length ? Math.round(results.reduce((s, r) => s + r.chunks, 0) / results.length) : 0,
    firstByteMs: { p50: percentile(firstBytes, 50), p99: percentile(firstBytes, 99) },
    totalMs: { p50: percentile(totals, 50), max: totals.at(-1) ?? null },
    wallMs: performance.now() - started,
    rssKb: { before: before.rss, peak: peakRss, atPeakOpen: rssAtPeakOpen, after: after.rss },
    hwmKb: { before: before.hwm, after: after.hwm },
  })}\n`);
  process.exitCode = completed === args.streams ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`streams.mjs: ${err.message}\n`);
  process.exitCode = 2;
});
