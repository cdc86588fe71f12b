// Helpers for the server tests: start `credits serve` on a free loopback port, call it, stop it.
// The binary comes from CREDITS_BIN (set by CTest), else build/native/credits.
// With CREDITS_TEST_PG (a libpq URL of a PostgreSQL server; tests/postgres.sh starts one) each
// test's ledger is a database of its own on that server instead of a SQLite file: `db` stays a
// path in the test (naming the ledger), and dbArg(db) is what --db gets.
import { createHash, randomBytes } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = process.env.CREDITS_BIN || path.join(SRC, "build/native/credits");
export const SAMPLE_CARD = path.join(SRC, "demo/rate-card.json");

export function tempDir(t, name = "credits-server-") {
  const dir = mkdtempSync(path.join(tmpdir(), name));
  if (t && !process.env.KEEP_TMP) t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const PG_URL = process.env.CREDITS_TEST_PG || "";
const PSQL = process.env.CREDITS_TEST_PSQL || "psql";
const pgDatabases = new Set();

// The URL of database `name` on the CREDITS_TEST_PG server.
export const pgUrl = (name) => PG_URL.replace(/^(postgres(?:ql)?:\/\/[^/?]*\/)[^?]*/, `$1${name}`);

// Runs SQL with psql on the CREDITS_TEST_PG server (in database `name`); returns stdout.
export function psql(sql, name = "postgres") {
  const r = spawnSync(PSQL, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", pgUrl(name), "-c", sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
  return r.stdout;
}

// What --db gets for the ledger the test names `db`: the path itself, or under CREDITS_TEST_PG
// a database of its own (created at first use).
export function dbArg(db) {
  if (!PG_URL || /^postgres(ql)?:\/\//.test(db)) return db;
  const name = "t_" + createHash("sha1").update(db).digest("hex").slice(0, 24);
  if (!pgDatabases.has(name)) {
    if (psql(`SELECT 1 FROM pg_database WHERE datname = '${name}'`).trim() !== "1") psql(`CREATE DATABASE ${name}`);
    pgDatabases.add(name);
  }
  return pgUrl(name);
}

// On PostgreSQL there is no <db>.token beside a file: the token file sits where it would.
function serveArgv(db, args, card) {
  const argv = ["serve", "--db", dbArg(db), "--port", "0", ...(card ? ["--rate-card", card] : []), ...args];
  if (PG_URL && !args.includes("--token-file")) {
    const tokenFile = db + ".token";
    if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(32).toString("hex") + "\n", { mode: 0o600 });
    argv.push("--token-file", tokenFile);
  }
  return argv;
}

// Starts the server and resolves once it prints where it listens. `args` are extra flags.
// With `t`, the server is killed when the test ends, whatever happened.
export function startServer({ db, args = [], card = SAMPLE_CARD, t } = {}) {
  const argv = serveArgv(db, args, card);
  const proc = spawn(BIN, argv, { stdio: ["ignore", "pipe", "pipe"] });
  if (t) t.after(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL"); });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = "";
    const onExit = (code, signal) =>
      reject(Object.assign(new Error(`credits serve exited (${code ?? signal}) before listening: ${stderr}`), { code, stderr }));
    proc.once("exit", onExit);
    proc.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      proc.removeListener("exit", onExit);
      const info = JSON.parse(out.slice(0, nl));
      const token = readFileSync(info.token_file, "utf8").trim();
      const exited = new Promise((r) => {
        if (proc.exitCode !== null || proc.signalCode !== null) r({ code: proc.exitCode, signal: proc.signalCode });
        else proc.once("exit", (code, signal) => r({ code, signal }));
      });
      resolve({
        proc,
        info,
        token,
        url: info.listening,
        stderr: () => stderr,
        exited,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
          return exited;
        },
        async kill() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
          return exited;
        },
      });
    });
  });
}

// Runs the server expecting it to refuse to start; resolves with {code, stderr}.
export function startFails({ db, args = [], card = SAMPLE_CARD }) {
  const r = spawnSync(BIN, serveArgv(db, args, card), {
    encoding: "utf8",
    timeout: 20000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// One HTTP call. Returns {status, text, json}. `token: null` sends no Authorization header.
export async function call(server, method, route, body, { token = server.token, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== null) h.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    h["Content-Type"] = "application/json";
  }
  const res = await fetch(server.url + route, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

// Who may not read a payer, as the routes that read one (usage, usage.csv, forecast) refuse
// them, on the ledger `seed` of those tests (ana and leo, workspace studio without leo):
// [what, payer, query, status, code].
export const VIEWER_REFUSALS = [
  ["another user", "user:ana", "?user=leo", 403, "not_member"],
  ["a non-member reads a workspace", "workspace:studio", "?user=leo", 403, "not_member"],
  ["unknown viewer", "user:ana", "?user=nobody", 404, "unknown_user"],
  ["no viewer", "user:ana", "", 400, "invalid_op"],
  ["not a payer", "ana", "?user=ana", 400, "invalid_op"],
  ["an unknown workspace", "workspace:none", "?user=ana", 404, "unknown_workspace"],
];

export const post = (server, route, body, opts) => call(server, "POST", route, body ?? "{}", opts);
export const get = (server, route, opts) => call(server, "GET", route, undefined, opts);

// Runs the CLI with stdin; returns stdout lines. A --db names the ledger as startServer's does.
// What `credits ledger` answers after replaying the server's journal: to `op` (given the last
// journal record's time when it has no "at"), or without `op` to the journal's last operation.
export function ledgerAnswer(db, op) {
  const journal = cli(["journal", "--db", db]);
  const extra = op === undefined ? [] : [JSON.stringify(op.at ? op : { ...op, at: JSON.parse(journal.at(-1)).at })];
  return cli(["ledger", "--rate-card", SAMPLE_CARD], [...journal, ...extra].join("\n") + "\n").at(-1);
}

export function cli(args, input) {
  args = args.map((a, i) => (args[i - 1] === "--db" ? dbArg(a) : a));
  const r = spawnSync(BIN, args, { input, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`credits ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length);
}

// The lines the CLI reads from a JSON Lines text: blank lines skipped, a trailing CR dropped.
export function jsonLines(text) {
  return text
    .split("\n")
    .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l))
    .filter((l) => !/^[ \t]*$/.test(l));
}

export function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Nodes with their prices on the sample card (2026-11-01), checked by the tests against quotes.
export const NODES = [
  { node: { id: "img", model: "flux-1-schnell", params: { size: "1024x1024" } }, credits: 1 },
  { node: { id: "tts", model: "elevenlabs-flash", params: { characters: 1200 } }, credits: 6 },
  { node: { id: "pic", model: "nano-banana", params: { num_images: 2 } }, credits: 8 },
  { node: { id: "vid", model: "veo-3", params: { resolution: "720p", duration_s: 4 } }, credits: 160 },
];
export const CARD_VERSION = "2026-11-01";
