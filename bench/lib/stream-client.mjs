// What the two streaming clients share (bench/memory/streams.mjs, bench/streams/streams.mjs): their arguments, one
// streamed chat completion held until "data: [DONE]", the target's memory from /proc, and percentiles.
import http from "node:http";
import { readFileSync } from "node:fs";

/**
 * --url URL --header "name: value" (repeatable) --body FILE --streams N --pid PID [--timeout-ms MS]
 * [--cpu-pids "P1 P2"] [--ramp-ms MS]; loopback targets only.
 */
export function parseArgs(argv, { timeoutMs, maxStreams }) {
  const args = { headers: {}, streams: 500, timeoutMs, sampleMs: 100, rampMs: 0, cpuPids: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === "--url") args.url = new URL(value);
    else if (key === "--body") args.body = readFileSync(value);
    else if (key === "--streams") args.streams = Number.parseInt(value, 10);
    else if (key === "--pid") args.pid = Number.parseInt(value, 10);
    else if (key === "--cpu-pids") args.cpuPids = value.split(/\s+/).filter(Boolean).map((p) => Number.parseInt(p, 10));
    else if (key === "--ramp-ms") args.rampMs = Number.parseInt(value, 10);
    else if (key === "--timeout-ms") args.timeoutMs = Number.parseInt(value, 10);
    else if (key === "--header") {
      const colon = value.indexOf(":");
      if (colon < 1) throw new Error(`bad header '${value}'`);
      args.headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
    } else throw new Error(`unknown argument ${key}`);
  }
  if (!args.url || !args.body || !Number.isInteger(args.pid)) throw new Error("--url, --body and --pid are required");
  if (!["127.0.0.1", "localhost", "[::1]"].includes(args.url.hostname)) throw new Error("loopback targets only");
  if (!(args.streams >= 1 && args.streams <= maxStreams)) throw new Error(`--streams must be 1-${maxStreams}`);
  return args;
}

/** VmRSS and VmHWM of a process in KiB (0 when it is gone). */
export function statusKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const read = (name) => Number.parseInt(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? "0", 10);
    return { rss: read("VmRSS"), hwm: read("VmHWM") };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

export const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

/**
 * One streamed request on its own connection, resolved (never rejected) when it ends: status, whether the last event
 * was "data: [DONE]", the events seen, and the first byte and end in ms since `origin` (performance.now()).
 * `state.open` / `state.peakOpen` count the responses open at once.
 */
export function oneStream(args, agent, state, origin) {
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
        if (result.firstByteMs === null) result.firstByteMs = performance.now() - origin;
        let at = text.indexOf("data: ");
        while (at !== -1) {
          result.chunks += 1;
          at = text.indexOf("data: ", at + 6);
        }
        // Keep only the end of the stream: [DONE] is the last event.
        tail = (tail + text).slice(-64);
      });
      response.on("end", () => {
        state.open -= 1;
        result.done = /data: \[DONE\]\s*$/.test(tail);
        result.totalMs = performance.now() - origin;
        resolve(result);
      });
      response.on("error", (err) => {
        state.open -= 1;
        result.error = err.message;
        resolve(result);
      });
    });
    request.on("error", (err) => {
      result.error = err.code ?? err.message;
      resolve(result);
    });
    request.end(args.body);
  });
}
