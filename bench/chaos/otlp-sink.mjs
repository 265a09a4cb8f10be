// A tiny OTLP/HTTP receiver for the chaos run: appends every exported body (traces, metrics, logs; protobuf, gunzipped
// when compressed) to <dir>/otlp-<signal>.bin so the log scan can look for key and prompt text in what the services
// export. Usage: node otlp-sink.mjs PORT DIR
import { createServer } from "node:http";
import { appendFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const [port, dir] = process.argv.slice(2);
createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body = Buffer.concat(chunks);
    if ((req.headers["content-encoding"] || "").includes("gzip")) body = gunzipSync(body);
    const signal = (req.url || "").split("/").pop() || "unknown";
    appendFileSync(`${dir}/otlp-${signal}.bin`, body);
    res.writeHead(200, { "content-type": req.headers["content-type"] || "application/x-protobuf" });
    res.end();
  });
}).listen(Number(port), "127.0.0.1", () => console.log(`otlp sink listening on 127.0.0.1:${port}`));
