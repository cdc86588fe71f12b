// Crash test: concurrent clients charge (and refund) while the server is killed with SIGKILL
// at random moments, 20 times (CRASH_ROUNDS to change). After each restart:
// - the server starts, having replayed its journal and found it equal to its stored balances;
// - every acknowledged charge is there, once: its retry is answered "replayed" with the
//   acknowledged result, and every acknowledged refund is there (a retry: already_refunded);
// - an unacknowledged operation is all there or not at all: its retry either replays or
//   applies it whole, after which every payer's balances equal what the model expects;
// and at the end an independent replay of the journal by the in-memory CLI gives the same
// balances as the server.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { BIN, CARD_VERSION, NODES, SAMPLE_CARD, dbArg, get, mulberry32, post, sleep, startServer, tempDir } from "./lib.mjs";

const ROUNDS = Number(process.env.CRASH_ROUNDS || 20);
const CLIENTS = 12;
const START = 1_000_000_000;

// The server died under the request: before it was sent ("fetch failed") or while the answer
// was being read ("terminated"). Either way the operation is unacknowledged.
const isNetworkError = (e) => !(e instanceof assert.AssertionError) && e instanceof TypeError;

async function inChunks(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

test(`SIGKILL during concurrent charges, ${ROUNDS} times: nothing acknowledged is lost, nothing is half applied`, { timeout: 240000 }, async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "crash.db");
  const rnd = mulberry32(20261124);
  let s = await startServer({ t, db });

  // Eight personal payers and one pooled workspace, each with a large wallet.
  const users = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
  const payerOf = (u) => (Number(u.slice(1)) >= 8 ? "workspace:pool" : `user:${u}`);
  const payers = [...new Set(users.map(payerOf))];
  for (const u of users) assert.equal((await post(s, "/v1/ops", { op: "create_user", user: u })).status, 200);
  assert.equal((await post(s, "/v1/ops", { op: "create_workspace", workspace: "pool", admin: "u8" })).status, 200);
  for (const u of users.filter((u) => payerOf(u) === "workspace:pool")) {
    if (u !== "u8") assert.equal((await post(s, "/v1/ops", { op: "add_member", workspace: "pool", user: u, by: "u8" })).status, 200);
    assert.equal((await post(s, "/v1/ops", { op: "switch", user: u, workspace: "pool" })).status, 200);
  }
  for (const p of payers)
    assert.equal((await post(s, "/v1/topups", { payer: p, credits: START, key: `start-${p}`, by: p === "workspace:pool" ? "u8" : undefined })).status, 200);

  const charges = new Map();  // key -> {body, payer, credits, ack, applied, failSent, failAck}
  let seq = 0;
  let totalAcked = 0;
  let totalUnacked = 0;
  let unackedButDurable = 0;  // committed, but the answer was lost in the kill

  for (let round = 0; round < ROUNDS; round++) {
    let stop = false;
    const roundCharges = [];
    const roundFails = [];
    const server = s;
    const client = async (c) => {
      const user = users[c];
      const crnd = mulberry32(round * 100 + c);
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
        const key = `r${round}-c${c}-${seq++}`;
        const body = { user, key, node: n.node, quoted: n.credits, rate_card: CARD_VERSION };
        charges.set(key, { body, payer: payerOf(user), credits: n.credits, ack: null, applied: false, failSent: false, failAck: null });
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
    await sleep(150 + Math.floor(rnd() * 500));
    await s.kill();
    stop = true;
    await Promise.all(running);

    // Restart: the journal must replay and match the stored balances.
    s = await startServer({ t, db });
    assert.equal(s.info.recovered.ok, true);

    // Every acknowledged charge is there; an unacknowledged one is applied by its retry now.
    let acked = 0;
    await inChunks(roundCharges, 16, async (key) => {
      const ch = charges.get(key);
      const r = await post(s, "/v1/charges", ch.body);
      assert.equal(r.status, 200, r.text);
      if (ch.ack) {
        acked++;
        assert.equal(r.json.replayed, true, `acknowledged charge ${key} is not in the ledger after the crash`);
        const { replayed, ...same } = r.json;
        assert.deepEqual(same, ch.ack, `charge ${key} replays with another result`);
      } else if (r.json.replayed) {
        unackedButDurable++;
      }
      ch.applied = true;
    });
    totalAcked += acked;
    totalUnacked += roundCharges.length - acked;
    await inChunks(roundFails, 16, async (key) => {
      const ch = charges.get(key);
      const r = await post(s, `/v1/charges/${key}/fail`, {});
      if (ch.failAck) {
        assert.equal(r.status, 409, `acknowledged refund of ${key} is not in the ledger: ${r.text}`);
        assert.equal(r.json.error.code, "already_refunded");
      } else {
        assert.ok(r.status === 200 || r.json.error.code === "already_refunded", r.text);
      }
    });

    // Balances equal the model: every charge once, every refund once.
    for (const p of payers) {
      let spent = 0;
      let refunded = 0;
      for (const ch of charges.values())
        if (ch.applied && ch.payer === p) {
          spent += ch.credits;
          if (ch.failSent) refunded += ch.credits;
        }
      const viewer = p === "workspace:pool" ? "u8" : p.slice(5);
      const b = (await get(s, `/v1/payers/${p}/balance?user=${viewer}`)).json;
      assert.equal(b.totals.spent, spent, `${p} spent after round ${round}`);
      assert.equal(b.totals.refunded, refunded, `${p} refunded after round ${round}`);
      assert.equal(b.wallet, START - spent + refunded, `${p} wallet after round ${round}`);
      assert.equal(b.totals.topped_up, START);
    }
  }
  t.diagnostic(`${ROUNDS} kill -9 rounds: ${totalAcked} acknowledged charges all found once; ` +
    `${totalUnacked} unacknowledged: ${unackedButDurable} were durable (their retry replayed), the rest were not applied at all (their retry charged them once)`);
  assert.ok(totalAcked > ROUNDS * 10, "the clients got charges through between the kills");

  // An independent replay of the journal by the in-memory CLI gives the server's balances.
  const balances = {};
  for (const p of payers) balances[p] = (await get(s, `/v1/payers/${p}/balance?user=${p === "workspace:pool" ? "u8" : p.slice(5)}`)).json;
  await s.stop();
  const journal = spawnSync(BIN, ["journal", "--db", dbArg(db)], { encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(journal.status, 0, journal.stderr);
  const reads = payers.map((p) => JSON.stringify({ op: "balance", at: "2099-01-01T00:00:00Z", payer: p })).join("\n");
  const replay = spawnSync(BIN, ["ledger", "--rate-card", SAMPLE_CARD], { input: journal.stdout + reads + "\n", encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(replay.status, 0, replay.stderr);
  const out = replay.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const refused = out.filter((r) => !r.ok);
  assert.equal(refused.length, 1, "only the rate card line is not an operation: " + JSON.stringify(refused.slice(0, 3)));
  for (const [i, p] of payers.entries()) {
    const r = out[out.length - payers.length + i];
    assert.equal(r.payer, p);
    assert.equal(r.wallet, balances[p].wallet, `${p}: replay wallet`);
    assert.deepEqual(r.totals, balances[p].totals, `${p}: replay totals`);
  }
});
