// Soak (not in CI; scripts/soak.sh N): N kill -9 cycles of `credits serve` under concurrent
// charges and refunds, with the exactly-once checks of crash.test.mjs, at length:
// - after each restart the journal replays and matches the stored balances (recovered.ok);
// - every acknowledged charge is there: its retry is answered "replayed" with the acknowledged
//   result; every acknowledged refund is there (its retry: already_refunded);
// - an unacknowledged operation is all there or not at all: its retry replays or applies it;
// - every payer's balances equal the model (each charge once, each refund once);
// - at the end of each epoch, in the journal (`credits journal`) every charge key appears
//   exactly once and every acknowledged one appears, and an independent replay of the journal
//   by the in-memory CLI gives the server's balances.
// Cycles run in epochs of SOAK_EPOCH (50) on a fresh ledger file, so a restart replays at most
// one epoch's journal and the cycle time stays flat over thousands of cycles.
// Usage: node tests/server/soak.mjs N   (CREDITS_BIN: the binary; SOAK_SEED; SOAK_OUT: a JSON
// file for the figures). Exits 1 on any loss, double application or mismatch.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BIN, CARD_VERSION, NODES, SAMPLE_CARD, get, mulberry32, post, sleep, startServer, tempDir } from "./lib.mjs";

const CYCLES = Number(process.argv[2] || process.env.SOAK_CYCLES || 1000);
const EPOCH = Number(process.env.SOAK_EPOCH || 50);
const CLIENTS = 12;
const START = 1_000_000_000;
const SEED = Number(process.env.SOAK_SEED || 20261201);

const isNetworkError = (e) => !(e instanceof assert.AssertionError) && e instanceof TypeError;

async function inChunks(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const stats = {
  cycles: 0,
  epochs: 0,
  acknowledged: 0,           // charges acknowledged before a kill
  unacknowledged: 0,         // sent, no answer (the kill came first)
  unacknowledged_durable: 0, // of those, already committed (their retry replayed)
  refunds_acknowledged: 0,
  lost: 0,                   // acknowledged but not in the ledger after the restart
  applied_twice: 0,          // a charge key found more than once in the journal, or a balance over the model
  mismatches: 0,             // a replayed result different from the acknowledged one, a balance off the model
  journal_records: 0,
  max_restart_ms: 0,
  seconds: 0,
};
const problems = [];
function problem(kind, message) {
  stats[kind]++;
  if (problems.length < 50) problems.push(`${kind}: ${message}`);
  console.error(`soak: ${kind}: ${message}`);
}

async function restart(db) {
  const t0 = performance.now();
  const s = await startServer({ db });
  stats.max_restart_ms = Math.max(stats.max_restart_ms, Math.round(performance.now() - t0));
  assert.equal(s.info.recovered.ok, true, "the journal does not replay to the stored state: " + JSON.stringify(s.info.recovered));
  return s;
}

async function epoch(index, cycles, rnd) {
  const dir = tempDir(null, "credits-soak-");
  const db = path.join(dir, "soak.db");
  let s = await restart(db);
  try {
    const users = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
    const payerOf = (u) => (Number(u.slice(1)) >= 8 ? "workspace:pool" : `user:${u}`);
    const payers = [...new Set(users.map(payerOf))];
    const viewer = (p) => (p === "workspace:pool" ? "u8" : p.slice(5));
    const ok = async (p) => assert.equal((await p).status, 200);
    for (const u of users) await ok(post(s, "/v1/ops", { op: "create_user", user: u }));
    await ok(post(s, "/v1/ops", { op: "create_workspace", workspace: "pool", admin: "u8" }));
    for (const u of users.filter((u) => payerOf(u) === "workspace:pool")) {
      if (u !== "u8") await ok(post(s, "/v1/ops", { op: "add_member", workspace: "pool", user: u, by: "u8" }));
      await ok(post(s, "/v1/ops", { op: "switch", user: u, workspace: "pool" }));
    }
    for (const p of payers)
      await ok(post(s, "/v1/topups", { payer: p, credits: START, key: `start-${p}`, by: p === "workspace:pool" ? "u8" : undefined }));

    const charges = new Map(); // key -> {body, payer, credits, ack, failSent, failAck}
    const model = Object.fromEntries(payers.map((p) => [p, { spent: 0, refunded: 0 }]));
    let seq = 0;
    for (let round = 0; round < cycles; round++) {
      let stop = false;
      const roundCharges = [];
      const roundFails = [];
      const server = s;
      const client = async (c) => {
        const user = users[c];
        const crnd = mulberry32(SEED + index * 100_000 + round * 100 + c);
        while (!stop) {
          const mine = roundCharges.filter((k) => charges.get(k).ack && !charges.get(k).failSent && charges.get(k).body.user === user);
          if (mine.length && crnd() < 0.1) {
            const key = mine[Math.floor(crnd() * mine.length)];
            const ch = charges.get(key);
            ch.failSent = true;
            roundFails.push(key);
            try {
              const r = await post(server, `/v1/charges/${key}/fail`, {});
              assert.equal(r.status, 200, r.text);
              ch.failAck = r.json;
            } catch (e) {
              if (!isNetworkError(e)) throw e;
            }
            continue;
          }
          const n = NODES[Math.floor(crnd() * NODES.length)];
          const key = `e${index}-r${round}-c${c}-${seq++}`;
          const body = { user, key, node: n.node, quoted: n.credits, rate_card: CARD_VERSION };
          charges.set(key, { body, payer: payerOf(user), credits: n.credits, ack: null, failSent: false, failAck: null });
          roundCharges.push(key);
          try {
            const r = await post(server, "/v1/charges", body);
            assert.equal(r.status, 200, r.text);
            charges.get(key).ack = r.json;
          } catch (e) {
            if (!isNetworkError(e)) throw e;
          }
        }
      };
      const running = Array.from({ length: CLIENTS }, (_, c) => client(c));
      await sleep(100 + Math.floor(rnd() * 400));
      await s.kill();
      stop = true;
      await Promise.all(running);

      s = await restart(db);

      // Each charge of the round, retried: an acknowledged one must replay its result.
      await inChunks(roundCharges, 16, async (key) => {
        const ch = charges.get(key);
        const r = await post(s, "/v1/charges", ch.body);
        assert.equal(r.status, 200, r.text);
        if (ch.ack) {
          stats.acknowledged++;
          if (r.json.replayed !== true) problem("lost", `acknowledged charge ${key} was not in the ledger after the kill`);
          else {
            const { replayed, ...same } = r.json;
            try {
              assert.deepEqual(same, ch.ack);
            } catch {
              problem("mismatches", `charge ${key} replays ${JSON.stringify(same)}, acknowledged ${JSON.stringify(ch.ack)}`);
            }
          }
        } else {
          stats.unacknowledged++;
          if (r.json.replayed) stats.unacknowledged_durable++;
        }
        model[ch.payer].spent += ch.credits;
      });
      await inChunks(roundFails, 16, async (key) => {
        const ch = charges.get(key);
        const r = await post(s, `/v1/charges/${key}/fail`, {});
        if (ch.failAck) {
          stats.refunds_acknowledged++;
          if (r.status !== 409 || r.json?.error?.code !== "already_refunded")
            problem("lost", `acknowledged refund of ${key} was not in the ledger: ${r.status} ${r.text}`);
        } else if (!(r.status === 200 || r.json?.error?.code === "already_refunded")) {
          throw new Error(`refund retry of ${key}: ${r.status} ${r.text}`);
        }
        model[ch.payer].refunded += ch.credits;
      });

      // Balances equal the model: every charge once, every refund once.
      for (const p of payers) {
        const b = (await get(s, `/v1/payers/${p}/balance?user=${viewer(p)}`)).json;
        const m = model[p];
        if (b.totals.spent > m.spent) problem("applied_twice", `${p} spent ${b.totals.spent}, the model ${m.spent} (epoch ${index}, cycle ${round})`);
        else if (b.totals.spent !== m.spent || b.totals.refunded !== m.refunded || b.wallet !== START - m.spent + m.refunded)
          problem("mismatches", `${p}: ${JSON.stringify(b.totals)} wallet ${b.wallet}, the model ${JSON.stringify(m)} (epoch ${index}, cycle ${round})`);
      }
      stats.cycles++;
      if (stats.cycles % 50 === 0)
        console.log(`soak: ${stats.cycles}/${CYCLES} cycles, ${stats.acknowledged} acknowledged, lost ${stats.lost}, applied twice ${stats.applied_twice}, mismatches ${stats.mismatches}`);
    }

    // The journal: each charge key exactly once, and an independent replay gives the balances.
    const balances = {};
    for (const p of payers) balances[p] = (await get(s, `/v1/payers/${p}/balance?user=${viewer(p)}`)).json;
    await s.stop();
    const journal = spawnSync(BIN, ["journal", "--db", db], { encoding: "utf8", maxBuffer: 1 << 30 });
    assert.equal(journal.status, 0, journal.stderr);
    const lines = journal.stdout.split("\n").filter((l) => l.length);
    stats.journal_records += lines.length;
    const seen = new Map();
    for (const l of lines) {
      const op = JSON.parse(l);
      if (op.op === "charge") seen.set(op.key, (seen.get(op.key) || 0) + 1);
    }
    for (const [key, ch] of charges) {
      const n = seen.get(key) || 0;
      if (n > 1) problem("applied_twice", `charge ${key} is ${n} times in the journal`);
      else if (n === 0) problem(ch.ack ? "lost" : "mismatches", `charge ${key} (${ch.ack ? "acknowledged" : "retried"}) is not in the journal`);
    }
    const reads = payers.map((p) => JSON.stringify({ op: "balance", at: "2099-01-01T00:00:00Z", payer: p })).join("\n");
    const replay = spawnSync(BIN, ["ledger", "--rate-card", SAMPLE_CARD], { input: journal.stdout + reads + "\n", encoding: "utf8", maxBuffer: 1 << 30 });
    assert.equal(replay.status, 0, replay.stderr);
    const out = replay.stdout.trim().split("\n").map((l) => JSON.parse(l));
    for (const [i, p] of payers.entries()) {
      const r = out[out.length - payers.length + i];
      if (r.wallet !== balances[p].wallet || JSON.stringify(r.totals) !== JSON.stringify(balances[p].totals))
        problem("mismatches", `${p}: the replay of the journal gives ${JSON.stringify(r)}, the server ${JSON.stringify(balances[p])}`);
    }
    stats.epochs++;
  } finally {
    await s.kill();
    if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
}

const t0 = performance.now();
const rnd = mulberry32(SEED);
for (let e = 0, left = CYCLES; left > 0; e++, left -= EPOCH) await epoch(e, Math.min(EPOCH, left), rnd);
stats.seconds = Math.round((performance.now() - t0) / 1000);
const figures = { binary: BIN, clients: CLIENTS, epoch: EPOCH, seed: SEED, ...stats, problems };
console.log(JSON.stringify(figures, null, 1));
if (process.env.SOAK_OUT) writeFileSync(process.env.SOAK_OUT, JSON.stringify(figures, null, 1) + "\n");
process.exit(stats.lost || stats.applied_twice || stats.mismatches ? 1 : 0);
