// Loaded with `node --require` before the Portkey gateway: its start script calls `serve({ port })`, which
// listens on every interface. The benchmark binds every process to loopback only, so any listen call
// that names no host (or names a wildcard host) is rewritten to 127.0.0.1.
"use strict";
const net = require("node:net");

const LOOPBACK = "127.0.0.1";
const WILDCARDS = new Set([undefined, null, "", "0.0.0.0", "::", "::0"]);
const original = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === "object" && !Array.isArray(first)) {
    // listen({ port, host, ... }, cb?); a { path } (Unix socket) or { fd }/handle is left alone.
    if (first.path === undefined && first.fd === undefined && first._handle === undefined && WILDCARDS.has(first.host)) {
      args[0] = { ...first, host: LOOPBACK };
    }
  } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    // listen(port, host?, backlog?, cb?): insert or replace the host.
    if (typeof args[1] === "string") {
      if (WILDCARDS.has(args[1])) args[1] = LOOPBACK;
    } else {
      args.splice(1, 0, LOOPBACK);
    }
  } else if (first === undefined || typeof first === "function") {
    // listen() / listen(cb): a random port on all interfaces by default.
    args.splice(0, 0, 0, LOOPBACK);
  }
  return original.apply(this, args);
};
