// Delivery latency of GET /v1/events long polls (BENCHMARKS.md, "Balance events: long-poll
// delivery"). Starts `credits serve` on a fresh ledger, parks POLLERS clients on
// GET /v1/events?after=LAST&wait_s=30, then for each of ROUNDS rounds, once every poller is
// waiting again (the credits_events_waiting gauge), posts one set_alert that emits exactly one
// event and measures, for each poller, the time from the POST's durable answer (and from its
// send) to the poller receiving that event. With --load C, `credits_load http --clients C` runs
// durable charges against the same server for the whole measurement.
//
//   node bench/server/events-latency.mjs [--pollers 16] [--rounds 200] [--load 0|C] [--sync full|normal]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.CREDITS_BIN || path.join(SRC, "build/native/credits");
const LOAD = process.env.CREDITS_LOAD || path.join(SRC, "build/native/credits_load");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((kv, a, i, all) => (a.startsWith("--") ? [...kv, [a.slice(2), all[i + 1]]] : kv), []),
);
const POLLERS = Number(args.pollers ?? 16);
const ROUNDS = Number(args.rounds ?? 200);
const LOAD_CLIENTS = Number(args.load ?? 0);
const SYNC = args.sync ?? "full";

function startServer(db) {
  const proc = spawn(BIN, ["serve", "--db", db, "--port", "0", "--rate-card", path.join(SRC, "demo/rate-card.json"), "--sync", SYNC], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.once("exit", (c) => reject(new Error(`credits serve exited ${c}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      if (!out.includes("\n")) return;
      const info = JSON.parse(out.slice(0, out.indexOf("\n")));
      resolve({ proc, url: info.listening, tokenFile: info.token_file, token: readFileSync(info.token_file, "utf8").trim() });
    });
  });
}

const now = () => performance.now();
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "credits-events-bench-"));
  const s = await startServer(path.join(dir, "l.db"));
  const H = { Authorization: `Bearer ${s.token}`, "Content-Type": "application/json" };
  const post = async (op) => {
    const r = await fetch(s.url + "/v1/ops", { method: "POST", headers: H, body: JSON.stringify(op) });
    const j = await r.json();
    if (!j.ok) throw new Error(JSON.stringify(j));
    return j;
  };
  const gauge = async (name) => {
    const text = await (await fetch(s.url + "/metrics")).text();
    return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)[1]);
  };
  const waiting = () => gauge("credits_events_waiting");
  await post({ op: "create_user", user: "bell" });
  await post({ op: "top_up", payer: "user:bell", credits: 1000, key: "t-bell" });

  const received = new Map(); // seq -> [times]
  let stop = false;
  const poller = async () => {
    let after = 0;
    while (!stop) {
      const r = await fetch(`${s.url}/v1/events?after=${after}&wait_s=30`, { headers: H });
      const j = await r.json();
      const t = now();
      for (const e of j.events) (received.get(e.seq) ?? received.set(e.seq, []).get(e.seq)).push(t);
      after = j.last_seq;
    }
  };
  const polls = Array.from({ length: POLLERS }, poller);

  let load;
  if (LOAD_CLIENTS > 0) {
    load = spawn(LOAD, ["http", "--url", s.url, "--token-file", s.tokenFile, "--clients", String(LOAD_CLIENTS), "--seconds", "600"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    await sleep(1500); // its setup (users, wallets) done, charges flowing
  }

  const fromAck = [];
  const fromSend = [];
  // The background load's rate: operations accepted, less the events reads and the set_alerts.
  const others = async () =>
    (await gauge("credits_ops_accepted_total")) - (await gauge("credits_events_polls_total")) - (await gauge("credits_events_woken_total"));
  const ops0 = await others();
  const start = now();
  for (let round = 1; round <= ROUNDS; ++round) {
    while ((await waiting()) < POLLERS) await sleep(1);
    // Alternately far above and at 0: each set_alert emits one event (balance_low, then balance_recovered).
    const t0 = now();
    await post({ op: "set_alert", payer: "user:bell", below: round % 2 ? 1e12 : 0 });
    const ack = now();
    while ((received.get(round)?.length ?? 0) < POLLERS) await sleep(0.2);
    for (const t of received.get(round)) {
      fromAck.push(t - ack);
      fromSend.push(t - t0);
    }
  }
  const seconds = (now() - start) / 1000;
  const opsPerSecond = Math.round(((await others()) - ops0 - ROUNDS) / seconds);
  stop = true;
  if (load) load.kill("SIGINT");
  s.proc.kill("SIGTERM"); // answers the parked pollers at once
  await Promise.allSettled(polls);
  rmSync(dir, { recursive: true, force: true });

  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const a = sorted(fromAck), b = sorted(fromSend);
  const ms = (x) => Math.round(x * 100) / 100;
  console.log(JSON.stringify({
    pollers: POLLERS,
    rounds: ROUNDS,
    load_clients: LOAD_CLIENTS,
    sync: SYNC,
    deliveries: a.length,
    from_ack_ms: { p50: ms(pct(a, 50)), p90: ms(pct(a, 90)), p99: ms(pct(a, 99)), max: ms(a.at(-1)), min: ms(a[0]) },
    from_send_ms: { p50: ms(pct(b, 50)), p90: ms(pct(b, 90)), p99: ms(pct(b, 99)), max: ms(b.at(-1)) },
    seconds: Math.round(seconds * 10) / 10,
    load_ops_per_s: opsPerSecond,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
