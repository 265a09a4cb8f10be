#!/usr/bin/env node
// Memory test client (bench/run.sh): opens N streaming chat completions at once through the gateway, keeps
// them all open while the upstream streams slowly, and checks that each one ends with "data: [DONE]".
// Meanwhile it samples the gateway's VmRSS from /proc/PID/status. Prints one JSON object on stdout.
//
// node streams.mjs --url URL --header "api-key: K" --body FILE --streams 500 --pid PID [--timeout-ms 120000]
import http from "node:http";
import { readFileSync } from "node:fs";

function parseArgs(argv) {
  const args = { headers: {}, streams: 500, timeoutMs: 120_000, sampleMs: 100 };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === "--url") args.url = new URL(value);
    else if (key === "--body") args.body = readFileSync(value);
    else if (key === "--streams") args.streams = Number.parseInt(value, 10);
    else if (key === "--pid") args.pid = Number.parseInt(value, 10);
    else if (key === "--timeout-ms") args.timeoutMs = Number.parseInt(value, 10);
    else if (key === "--header") {
      const colon = value.indexOf(":");
      if (colon < 1) throw new Error(`bad header '${value}'`);
      args.headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
    } else throw new Error(`unknown argument ${key}`);
  }
  if (!args.url || !args.body || !Number.isInteger(args.pid)) throw new Error("--url, --body and --pid are required");
  if (!["127.0.0.1", "localhost", "[::1]"].includes(args.url.hostname)) throw new Error("loopback targets only");
  if (!(args.streams >= 1 && args.streams <= 5000)) throw new Error("--streams must be 1-5000");
  return args;
}

function memoryKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const read = (name) => Number.parseInt(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? "0", 10);
    return { rss: read("VmRSS"), hwm: read("VmHWM") };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function oneStream(args, agent, started, state) {
  return new Promise((resolve) => {
    const result = { status: 0, done: false, chunks: 0, firstByteMs: null, totalMs: null, error: null };
    const request = http.request(args.url, {
      method: "POST",
      agent,
      headers: { ...args.headers, "content-type": "application/json", "content-length": args.body.length },
    });
    request.setTimeout(args.timeoutMs, () => request.destroy(new Error("timeout")));
    request.on("response", (response) => {
      result.status = response.statusCode;
      state.open += 1;
      state.peakOpen = Math.max(state.peakOpen, state.open);
      let tail = "";
      response.setEncoding("utf8");
      response.on("data", (text) => {
        if (result.firstByteMs === null) result.firstByteMs = performance.now() - started;
        result.chunks += (text.match(/^data: /gm) ?? []).length;
        // Keep only the end of the stream: [DONE] is the last event.
        tail = (tail + text).slice(-64);
      });
      response.on("end", () => {
        state.open -= 1;
        result.done = /data: \[DONE\]\s*$/.test(tail);
        result.totalMs = performance.now() - started;
        resolve(result);
      });
      response.on("error", (err) => {
        state.open -= 1;
        result.error = err.message;
        resolve(result);
      });
    });
    request.on("error", (err) => {
      result.error = err.message;
      resolve(result);
    });
    request.end(args.body);
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const agent = new http.Agent({ keepAlive: false, maxSockets: args.streams });
  const before = memoryKb(args.pid);
  const state = { open: 0, peakOpen: 0 };
  let peakRss = before.rss;
  let rssAtPeakOpen = before.rss;
  const sampler = setInterval(() => {
    const { rss } = memoryKb(args.pid);
    peakRss = Math.max(peakRss, rss);
    if (state.open === state.peakOpen) rssAtPeakOpen = Math.max(rssAtPeakOpen, rss);
  }, args.sampleMs);

  const started = performance.now();
  const results = await Promise.all(Array.from({ length: args.streams }, () => oneStream(args, agent, started, state)));
  clearInterval(sampler);
  const after = memoryKb(args.pid);
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
