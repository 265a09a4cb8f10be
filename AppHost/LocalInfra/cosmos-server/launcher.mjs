#!/usr/bin/env node
// Local Cosmos DB-compatible server (NoSQL API, plain HTTP) for offline runs and tests.
//
// Wraps npm @vercel/cosmosdb-server (in-memory, accepts any key) and fixes the two things its CLI
// gets wrong for the .NET SDK: it closes the connection after every response (so every call pays a
// TCP handshake), and a point read of a missing item answers 500 instead of 404 NotFound (so the SDK
// throws an unexpected error instead of CosmosException(NotFound)).
//
// Usage: node launcher.mjs [--port N] [--host 127.0.0.1]
//   --port defaults to env PORT, then 8081. --host defaults to 127.0.0.1 (never all interfaces).
// Prints exactly one line "cosmos-server listening on http://HOST:PORT" on stdout when ready; npm
// and diagnostics go to stderr. Exits 0 on SIGTERM / SIGINT.
//
// Only Node built-ins are imported up front: on a fresh checkout node_modules is installed first.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AsyncLocalStorage } from "node:async_hooks";

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = { port: process.env.PORT ?? "8081", host: "127.0.0.1" };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    if (key === "--port" || key === "-p") args.port = argv[++i];
    else if (key === "--host") args.host = argv[++i];
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

const require = createRequire(import.meta.url);
const { createHttpServer } = require("@vercel/cosmosdb-server");

// GET /dbs/{db}/colls/{coll}/docs/{id}: a point read. The package looks the document up and then
// dereferences it without a check, so a missing item throws a TypeError that its handler turns
// into 500. We recognise exactly that case per request and answer what Cosmos DB answers.
const pointRead = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs\/[^/?]+\/?(\?.*)?$/;
const requestScope = new AsyncLocalStorage();

const originalConsoleError = console.error.bind(console);
console.error = (...items) => {
  const scope = requestScope.getStore();
  if (scope?.isPointRead && items[0] instanceof TypeError) {
    scope.missingItem = true; // expected for a missing item: not worth a stack trace
    return;
  }
  originalConsoleError(...items);
};

const server = createHttpServer({ keepAlive: true });

// Put our wrapper around the package's request listener.
const [packageListener] = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => {
  const scope = { isPointRead: req.method === "GET" && pointRead.test(req.url ?? ""), missingItem: false };
  if (scope.isPointRead) {
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      if (res.statusCode === 500 && scope.missingItem && !res.headersSent) {
        res.statusCode = 404;
        res.setHeader("content-type", "application/json");
        res.setHeader("x-ms-substatus", "0");
        return end(JSON.stringify({
          code: "NotFound",
          message: "Entity with the specified id does not exist in the system.",
        }));
      }
      return end(chunk, ...rest);
    };
  }
  requestScope.run(scope, () => packageListener(req, res));
});

// Keep idle connections longer than the .NET handler's pooled idle timeout would normally reuse them,
// so a client rarely sends on a socket the server is closing.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

server.on("error", (err) => {
  process.stderr.write(`cosmos-server: ${err.message}\n`);
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
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  // Never hang on a stuck socket.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
