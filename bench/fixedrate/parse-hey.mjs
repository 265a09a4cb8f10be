#!/usr/bin/env node
// Reads hey's text summary on stdin and prints {rps, p50Ms, p90Ms, p99Ms, statuses, errors} as JSON.
import { readFileSync } from "node:fs";

const text = readFileSync(0, "utf8");
const number = (re) => {
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
};
const ms = (p) => {
  const v = number(new RegExp(`^\\s*${p}% in ([0-9.]+) secs`, "m"));
  return v === null ? null : Math.round(v * 1000 * 100) / 100;
};
const statuses = {};
for (const m of text.matchAll(/^\s*\[(\d+)\]\s+(\d+) responses/gm)) statuses[m[1]] = Number(m[2]);
const errors = {};
const errorBlock = /Error distribution:\n([\s\S]*)$/m.exec(text);
if (errorBlock) {
  for (const m of errorBlock[1].matchAll(/^\s*\[(\d+)\]\s+(.+)$/gm)) errors[m[2].slice(0, 120)] = Number(m[1]);
}
process.stdout.write(JSON.stringify({ rps: number(/Requests\/sec:\s+([0-9.]+)/), p50Ms: ms(50), p90Ms: ms(90), p99Ms: ms(99), statuses, errors }) + "\n");
