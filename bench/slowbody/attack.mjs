#!/usr/bin/env node
// Slow-body benchmark client (bench/slowbody/run.sh). Two phases against one gateway:
//   baseline: the victim client alone sends chat requests at a fixed rate; latency per request;
//   attack:   the same victim load while the attacker key keeps N connections open, each declaring the largest body
//             (Content-Length = --declared) and trickling it at --trickle-bps; a closed connection is reopened after
//             a second, so N stay open for the whole phase.
// Samples the gateway's VmRSS every 100 ms in both phases. Prints one JSON object on stdout.
//
// node attack.mjs --url URL --victim-key K --attacker-key K --body FILE --pid PID
//   [--connections 500] [--declared 16777216] [--trickle-bps 5000] [--rate 50] [--baseline-s 20] [--attack-s 40]
//   [--rss-abort-mb 4096]
import http from "node:http";
import net from "node:net";
import { readFileSync } from "node:fs";

function parseArgs(argv) {
  const a = { connections: 500, declared: 16 * 1024 * 1024, trickleBps: 5000, rate: 50, baselineS: 20, attackS: 40, rssAbortMb: 4096 };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    const n = Number(value);
    switch (key) {
      case "--url": a.url = new URL(value); break;
      case "--victim-key": a.victimKey = value; break;
      case "--attacker-key": a.attackerKey = value; break;
      case "--body": a.body = readFileSync(value); break;
      case "--pid": a.pid = n; break;
      case "--connections": a.connections = n; break;
      case "--declared": a.declared = n; break;
      case "--trickle-bps": a.trickleBps = n; break;
      case "--rate": a.rate = n; break;
      case "--baseline-s": a.baselineS = n; break;
      case "--attack-s": a.attackS = n; break;
      case "--rss-abort-mb": a.rssAbortMb = n; break;
      default: throw new Error(`unknown argument ${key}`);
    }
  }
  if (!a.url || !a.victimKey || !a.attackerKey || !a.body || !Number.isInteger(a.pid)) throw new Error("--url, --victim-key, --attacker-key, --body, --pid are required");
  if (!["127.0.0.1", "localhost"].includes(a.url.hostname)) throw new Error("loopback targets only");
  return a;
}

const args = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function memoryKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const read = (name) => Number.parseInt(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? "0", 10);
    return { rss: read("VmRSS"), hwm: read("VmHWM"), anon: read("RssAnon"), file: read("RssFile"), threads: read("Threads") };
  } catch {
    return { rss: 0, hwm: 0, anon: 0, file: 0, threads: 0 };
  }
}

// ---------------------------------------------------------------------------------------------- victim load
const victimAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function victimRequest() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const request = http.request(args.url, {
      method: "POST",
      agent: victimAgent,
      headers: { "api-key": args.victimKey, "content-type": "application/json", "content-length": args.body.length },
    });
    request.setTimeout(30_000, () => request.destroy(new Error("timeout")));
    request.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    request.on("error", (e) => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6, error: e.message }));
    request.end(args.body);
  });
}

// Open loop: one request every 1000/rate ms whatever the answers do, so a slow gateway shows in the latencies.
async function victimPhase(seconds) {
  const results = [];
  const pending = [];
  const interval = 1000 / args.rate;
  const start = Date.now();
  for (let i = 0; Date.now() - start < seconds * 1000; i += 1) {
    pending.push(victimRequest().then((r) => results.push(r)));
    const next = start + (i + 1) * interval;
    await sleep(Math.max(0, next - Date.now()));
  }
  await Promise.all(pending);
  const ok = results.filter((r) => r.status === 200).map((r) => r.ms).sort((x, y) => x - y);
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return { requests: results.length, ok: ok.length, statuses, p50_ms: percentile(ok, 50), p99_ms: percentile(ok, 99), max_ms: ok.at(-1) ?? null };
}

// ---------------------------------------------------------------------------------------------- attacker
const attack = { opened: 0, open: 0, peakOpen: 0, statuses: {}, closedWithoutResponse: 0, bytesSent: 0 };
let attacking = false;
const sockets = new Set();

function attackConnection() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: args.url.hostname, port: Number(args.url.port) });
    sockets.add(socket);
    attack.opened += 1;
    let timer = null;
    let response = "";
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      sockets.delete(socket);
      attack.open -= 1;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
      if (status) attack.statuses[status] = (attack.statuses[status] ?? 0) + 1;
      else attack.closedWithoutResponse += 1;
      socket.destroy();
      resolve();
    };
    socket.on("connect", () => {
      attack.open += 1;
      attack.peakOpen = Math.max(attack.peakOpen, attack.open);
      socket.write(`POST ${args.url.pathname}${args.url.search} HTTP/1.1\r\nHost: ${args.url.host}\r\napi-key: ${args.attackerKey}\r\n` +
        `content-type: application/json\r\ncontent-length: ${args.declared}\r\n\r\n{"model":"gpt-4o","messages":[{"role":"user","content":"`);
      // The body trickles in 10 pieces a second.
      const piece = Buffer.alloc(Math.max(1, Math.round(args.trickleBps / 10)), 0x61);
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(piece);
        attack.bytesSent += piece.length;
      }, 100);
    });
    socket.on("data", (chunk) => {
      response += chunk.toString("latin1");
      // A response before the body was sent: the gateway refused (429) or timed it out (408).
      if (response.includes("\r\n\r\n")) done();
    });
    socket.on("error", done);
    socket.on("close", done);
  });
}

async function attackLane() {
  while (attacking) {
    await attackConnection();
    if (attacking) await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------- phases
function sampler() {
  const s = { peakRssKb: 0, atPeak: null, peakThreads: 0, samples: 0, timer: null, abort: null };
  s.timer = setInterval(() => {
    const m = memoryKb(args.pid);
    if (m.rss > s.peakRssKb) s.atPeak = m;
    s.peakRssKb = Math.max(s.peakRssKb, m.rss);
    s.peakThreads = Math.max(s.peakThreads, m.threads);
    s.samples += 1;
    if (m.rss > args.rssAbortMb * 1024 && s.abort) s.abort();
  }, 100);
  return s;
}

const before = memoryKb(args.pid);
let s = sampler();
const baseline = await victimPhase(args.baselineS);
clearInterval(s.timer);
const baselineMemory = { peak_rss_mb: Math.round(s.peakRssKb / 1024), at_peak_kb: s.atPeak, peak_threads: s.peakThreads };

s = sampler();
let aborted = false;
s.abort = () => {
  aborted = true;
  attacking = false;
  for (const socket of sockets) socket.destroy();
};
attacking = true;
const lanes = [];
for (let i = 0; i < args.connections; i += 1) lanes.push(attackLane());
await sleep(3000); // the connections are open and their bodies trickling before the victim's load is measured
const underAttack = await victimPhase(Math.max(1, args.attackS - 3));
attacking = false;
for (const socket of sockets) socket.destroy();
await Promise.all(lanes);
clearInterval(s.timer);
const after = memoryKb(args.pid);

console.log(JSON.stringify({
  settings: {
    connections: args.connections, declared_bytes: args.declared, trickle_bytes_per_s: args.trickleBps, victim_rate_per_s: args.rate,
    baseline_s: args.baselineS, attack_s: args.attackS,
  },
  baseline: { ...baseline, ...baselineMemory },
  attack: {
    ...underAttack,
    peak_rss_mb: Math.round(s.peakRssKb / 1024),
    at_peak_kb: s.atPeak,
    peak_threads: s.peakThreads,
    aborted_over_mb: aborted ? args.rssAbortMb : null,
    attacker: attack,
  },
  gateway: { rss_before_mb: Math.round(before.rss / 1024), rss_after_mb: Math.round(after.rss / 1024), vmhwm_mb: Math.round(after.hwm / 1024) },
}, null, 2));
process.exit(0);
