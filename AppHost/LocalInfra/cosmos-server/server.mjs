// The HTTP front of the local Cosmos DB-compatible server. The data model and the route handlers are
// npm @vercel/cosmosdb-server's (its Account and routes); the request loop is ours, so that:
// - connections stay open (its CLI closes each one, so every call paid a TCP handshake);
// - a point read of a missing item answers 404 NotFound with sub-status 0, as Cosmos DB does (its
//   handler throws, which it answers with 500);
// - a request to items of a database or container that does not exist answers 404 with sub-status
//   1003 (OwnerResourceNotFound), as Cosmos DB does, so clients can tell "the container is gone" from
//   "the item is not there" (its handlers answer a bare 404 or, for a create, 500);
// - we hold the Account, so the data can be saved and loaded (snapshot.mjs).

import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import http from "node:http";

const require = createRequire(import.meta.url);
const Account = require("@vercel/cosmosdb-server/lib/account").default;
const route = require("@vercel/cosmosdb-server/lib/routes").default;

const pointRead = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs\/[^/?]+\/?(\?.*)?$/;
// Requests whose owner is a container (items, functions, partition key ranges) or a database (containers).
const underContainer = /^\/dbs\/([^/?]+)\/colls\/([^/?]+)\/(docs|udfs|pkranges)(\/|\?|$)/;
const underDatabase = /^\/dbs\/([^/?]+)\/colls(\/|\?|$)/;

const queryMetrics =
  "totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;" +
  "queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;" +
  "systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;" +
  "outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00";

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The missing owner of the request's resource ("database" or "container"), or null. */
function missingOwner(account, url) {
  const path = url.split("?")[0];
  let m = underContainer.exec(path);
  if (m) {
    const db = account.database(decode(m[1]));
    if (!db.read()) return "database";
    return db.collection(decode(m[2])).read() ? null : "container";
  }
  m = underDatabase.exec(path);
  if (m) return account.database(decode(m[1])).read() ? null : "database";
  return null;
}

/** True when a successful request of this method and these headers may have changed the data. */
function isChange(req) {
  if (req.method === "GET" || req.method === "HEAD") return false;
  const query = req.headers["x-ms-documentdb-isquery"];
  if (req.method === "POST" && (query === "true" || query === "True")) return false;
  return !(req.headers["content-type"] ?? "").startsWith("application/query+json");
}

/**
 * Creates the server. `onChange()` is called after every request that changed the data; `account()`
 * gives the data once the server listens, and `onListening(account)` runs before any request is served.
 */
export function createServer({ onChange = () => {}, onListening = () => {} } = {}) {
  let account = null;
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handle(account, req, res).then(
      () => {
        if (res.statusCode < 400 && isChange(req)) onChange();
      },
      (err) => {
        process.stderr.write(`cosmos-server: ${err?.stack ?? err}\n`);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end("");
        }
      });
  });
  server.on("listening", () => {
    const { address, port } = server.address();
    const host = address === "0.0.0.0" || address === "::" ? "localhost" : address;
    account = new Account(host, port);
    onListening(account);
  });
  return server;
}

async function handle(account, req, res) {
  const url = req.url ?? "/";
  let body;
  const owner = missingOwner(account, url);
  if (owner) {
    res.statusCode = 404;
    res.setHeader("x-ms-substatus", "1003");
    body = { code: "NotFound", message: `Owner resource does not exist (the ${owner})` };
  } else {
    const found = route(req);
    if (!found) {
      res.statusCode = 400;
      body = { message: "no route" };
    } else {
      const [params, handler] = found;
      try {
        body = await handler(account, req, res, params);
      } catch (err) {
        if (req.method === "GET" && pointRead.test(url) && err instanceof TypeError) {
          // The package dereferences a missing item without a check: that is Cosmos DB's plain 404.
          res.statusCode = 404;
          res.setHeader("x-ms-substatus", "0");
          body = { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
        } else {
          process.stderr.write(`cosmos-server: ${req.method} ${url}: ${err?.stack ?? err}\n`);
          res.statusCode = 500;
          body = { message: err?.message ?? "error" };
        }
      }
      if (res.statusCode > 399 && body && !body.message) body.message = "";
    }
  }

  if (body && body._etag) res.setHeader("etag", body._etag);
  res.setHeader("content-type", "application/json");
  res.setHeader("content-location", `https://${req.headers.host}${url}`);
  res.setHeader("connection", "keep-alive");
  res.setHeader("x-ms-activity-id", randomUUID());
  res.setHeader("x-ms-request-charge", "1");
  if (req.headers["x-ms-documentdb-populatequerymetrics"]) res.setHeader("x-ms-documentdb-query-metrics", queryMetrics);
  if (req.headers["a-im"] && res.statusCode === 200) {
    if (req.headers["if-none-match"]) res.statusCode = 304;
    res.setHeader("etag", "1");
  }
  res.end(JSON.stringify(body));
}
