#!/usr/bin/env node
// Local Cosmos DB-compatible server (NoSQL API, plain HTTP) for offline runs and tests.
//
// Serves npm @vercel/cosmosdb-server's data model and handlers through our own request loop
// (server.mjs): keep-alive connections, 404 NotFound for a missing item, 404 with sub-status 1003 for
// items of a missing database or container (as Cosmos DB answers), and optional persistence
// (snapshot.mjs).
//
// Usage: node launcher.mjs [--port N] [--host 127.0.0.1] [--data-dir DIR]
//   --port defaults to env PORT, then 8081. --host defaults to 127.0.0.1 (never all interfaces).
//   --data-dir: keep the data in DIR/cosmos-data.json (written at most once a second after a change and
//   at a clean stop, loaded at start). Without it the server is in memory only and starts empty.
// Prints exactly one line "cosmos-server listening on http://HOST:PORT" on stdout when ready (after
// the data is loaded); npm and diagnostics go to stderr. Exits 0 on SIGTERM / SIGINT.
//
// Only Node built-ins are imported up front: on a fresh checkout node_modules is installed first.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = { port: process.env.PORT ?? "8081", host: "127.0.0.1", dataDir: null };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    if (key === "--port" || key === "-p") args.port = argv[++i];
    else if (key === "--host") args.host = argv[++i];
    else if (key === "--data-dir") args.dataDir = argv[++i];
    else if (key === "--help" || key === "-h") args.help = true;
    else {
      process.stderr.write(`cosmos-server: unknown argument '${key}'\n`);
      process.exit(2);
    }
  }
  const port = Number.parseInt(String(args.port), 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`cosmos-server: invalid port '${args.port}'\n`);
    process.exit(2);
  }
  return { ...args, port };
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// Installs node_modules once. Several processes may start at the same moment on a fresh checkout
// (parallel tests), so the install is serialised with a lock directory (mkdir is atomic).
function ensureInstalled() {
  const marker = join(here, "node_modules", "@vercel", "cosmosdb-server", "package.json");
  if (existsSync(marker)) return;
  const lock = join(here, ".install-lock");
  const deadline = Date.now() + 10 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      if (existsSync(marker) && !existsSync(lock)) return;
      // A lock older than 10 minutes belongs to an install that died: take it over.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10 * 60 * 1000) rmdirSync(lock);
      } catch { /* raced with its owner: try again */ }
      if (Date.now() > deadline) throw new Error("timed out waiting for another npm ci to finish");
      sleep(500);
    }
  }
  try {
    if (existsSync(marker)) return;
    process.stderr.write("cosmos-server: node_modules missing, running npm ci (first run only)\n");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], {
      cwd: here,
      stdio: ["ignore", process.stderr, process.stderr],
      shell: process.platform === "win32",
    });
    if (result.status !== 0) {
      throw new Error(`npm ci failed (exit ${result.status ?? result.signal}); see the output above`);
    }
  } finally {
    try { rmdirSync(lock); } catch { /* already gone */ }
  }
}

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  process.stdout.write("Usage: node launcher.mjs [--port N] [--host 127.0.0.1]\n");
  process.exit(0);
}

try {
  ensureInstalled();
} catch (err) {
  process.stderr.write(`cosmos-server: ${err.message}\n`);
  process.exit(1);
}

const { createServer } = await import("./server.mjs");
const { Snapshot } = await import("./snapshot.mjs");
const log = (message) => process.stderr.write(`cosmos-server: ${message}\n`);
const snapshot = args.dataDir ? new Snapshot(args.dataDir, log) : null;

const server = createServer({
  onChange: () => snapshot?.changed(),
  onListening: (account) => {
    // Runs before the first request is served: clients never see the server half loaded.
    if (!snapshot) return;
    const loaded = snapshot.load(account);
    log(`data folder ${snapshot.directory}: loaded ${loaded.databases} databases, ${loaded.containers} containers, ${loaded.items} items`);
  },
});

// Keep idle connections longer than the .NET handler's pooled idle timeout would normally reuse them,
// so a client rarely sends on a socket the server is closing.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

server.on("error", (err) => {
  log(err.message);
  process.exit(1);
});

server.listen(args.port, args.host, () => {
  const { address, port } = server.address();
  const host = address.includes(":") ? `[${address}]` : address;
  process.stdout.write(`cosmos-server listening on http://${host}:${port}\n`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`cosmos-server: ${signal}, shutting down\n`);
  snapshot?.flush();
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  // Never hang on a stuck socket.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
