// Keeps the local Cosmos server's data across restarts: every database, container and item is written to
// one JSON file (cosmos-data.json in the data folder) at most once a second after a change and at a clean
// stop, and loaded at start through the package's own Account API (the calls its HTTP handlers make), so
// loaded items get fresh _etag/_ts values as if they had been created again. A crash loses at most the
// last second of changes. Without a data folder the server stays in memory only.

import { existsSync, fsyncSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

const FileName = "cosmos-data.json";
const Format = "aspire-aoai-cosmos-data/1";
const SystemFields = ["_rid", "_self", "_etag", "_ts", "_attachments", "_docs", "_sprocs", "_triggers", "_udfs", "_conflicts", "_colls", "_users"];

function strip(resource) {
  const copy = { ...resource };
  for (const f of SystemFields) delete copy[f];
  return copy;
}

function all(items) {
  return items.read()?.result ?? [];
}

/** Everything the account holds, without the server-made fields. */
function capture(account) {
  const databases = [];
  for (const db of all(account.databases)) {
    const database = account.database(db.id);
    const collections = [];
    for (const coll of all(database.collections)) {
      collections.push({ resource: strip(coll), items: all(database.collection(coll.id).documents).map(strip) });
    }
    databases.push({ resource: strip(db), collections });
  }
  return { format: Format, written: new Date().toISOString(), databases };
}

export class Snapshot {
  constructor(directory, log) {
    this.directory = directory;
    this.path = join(directory, FileName);
    this.log = log;
    this.account = null;
    this.timer = null;
    this.dirty = false;
  }

  /** Loads the file into a new, empty account. Returns what it loaded. */
  load(account) {
    this.account = account;
    mkdirSync(this.directory, { recursive: true });
    if (!existsSync(this.path)) return { databases: 0, containers: 0, items: 0 };
    let data;
    try {
      data = JSON.parse(readFileSync(this.path, "utf8"));
      if (data?.format !== Format || !Array.isArray(data.databases)) throw new Error(`not a ${Format} file`);
    } catch (err) {
      // Keep the bad file for a look, and start empty rather than not at all.
      const aside = `${this.path}.unreadable-${Date.now()}`;
      renameSync(this.path, aside);
      this.log(`cannot read ${this.path} (${err.message}); moved it to ${aside} and starting empty`);
      return { databases: 0, containers: 0, items: 0 };
    }
    const counts = { databases: 0, containers: 0, items: 0 };
    for (const db of data.databases) {
      account.databases.create(db.resource);
      counts.databases += 1;
      const database = account.database(db.resource.id);
      for (const coll of db.collections ?? []) {
        database.collections.create(coll.resource);
        counts.containers += 1;
        const documents = database.collection(coll.resource.id).documents;
        for (const item of coll.items ?? []) {
          documents.create(item);
          counts.items += 1;
        }
      }
    }
    return counts;
  }

  /** A change happened: write within a second (changes in that second share one write). */
  changed() {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, 1000);
    this.timer.unref();
  }

  /** Writes now if anything changed since the last write. Never throws: a failed write is logged and retried. */
  flush() {
    if (!this.dirty || !this.account) return;
    this.dirty = false;
    const temp = `${this.path}.tmp`;
    try {
      const fd = openSync(temp, "w");
      try {
        writeSync(fd, JSON.stringify(capture(this.account)));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path); // atomic: a reader sees the old file or the new one, never half of one
    } catch (err) {
      this.log(`writing ${this.path} failed (${err.message}); retrying`);
      this.changed();
    }
  }
}
