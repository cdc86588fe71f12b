// PostgreSQL only (CREDITS_TEST_PG; tests/postgres-multi.sh starts a real PostgreSQL 15): three
// `credits serve` processes share one ledger (docs/storage.md).
// - 32 clients charge one pooled workspace through all three at once: the sum charged never
//   exceeds what was available, and every server then answers the same, exact balance;
// - the same charge sent at once through the three servers, many times, is charged once;
// - one server killed with SIGKILL under load: every charge it (or another) acknowledged is in
//   the ledger, the other two keep serving, and the killed one starts again with everything;
// - a transaction the database refuses (40001, 23505) is retried, the state rebuilt first when
//   the store gives up; one refused every time is answered storage_failed, not applied;
// - a long poll on one server wakes on a balance event another committed;
// - PostgreSQL crashed under load (immediate stop): every charge acknowledged survives it;
// - a rate card swapped through one server is in force on the others;
// and `credits verify --db` finds the shared ledger equal to its journal's replay.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { assertDrainedExactly, drainPool, setUpPool } from "./pool.mjs";
import { CARD_VERSION, NODES, PG_URL, SAMPLE_CARD, SRC, cli, dbArg, get, mulberry32, post, psql, sleep, startServer, tempDir } from "./lib.mjs";

const skip = !PG_URL && "needs CREDITS_TEST_PG (tests/postgres-multi.sh)";
const SERVERS = 3;
const CLIENTS = 32;

const ok = async (p) => {
  const r = await p;
  assert.equal(r.status, 200, r.text);
  return r;
};

// Three servers on the ledger `db`, and a pooled workspace `pool` with `quota` and `wallet`
// whose members u0..u31 charge it; the set-up goes through the first server only.
async function threeServers(t, db, { quota, wallet }) {
  const servers = [];
  for (let i = 0; i < SERVERS; i++) servers.push(await startServer({ t, db }));
  t.after(() => Promise.all(servers.map((s) => s.stop())));
  await setUpPool(servers[0], { quota, wallet, clients: CLIENTS });
  return servers;
}

const balance = async (s) => (await get(s, "/v1/payers/workspace:pool/balance?user=owner")).json;
const charge = (s, c, key, n) => post(s, "/v1/charges", { user: `u${c}`, key, node: n.node, quoted: n.credits, rate_card: CARD_VERSION });

function verified(db) {
  const report = JSON.parse(cli(["verify", "--db", db]).at(-1));
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  return report;
}

test("32 clients charging one pooled workspace through three servers never overspend and end exact", { skip, timeout: 120000 }, async (t) => {
  const QUOTA = 2500;
  const WALLET = 3500;
  const db = path.join(tempDir(t), "race3.db");
  const servers = await threeServers(t, db, { quota: QUOTA, wallet: WALLET });
  const drained = await drainPool((c) => servers[c % SERVERS], { clients: CLIENTS, seed: 3000 });
  t.diagnostic(`${drained.accepted.length} charges accepted for ${drained.charged} credits, ${drained.refusals} refused`);
  for (const s of servers) assertDrainedExactly(await balance(s), drained, { quota: QUOTA, wallet: WALLET });
  // Every server committed charges and replayed the others' (each client stays on one server).
  for (const s of servers) {
    const m = (await get(s, "/metrics")).text;
    assert.ok(Number(/credits_commits_total (\d+)/.exec(m)[1]) > 0, m);
    assert.ok(Number(/credits_caught_up_records_total (\d+)/.exec(m)[1]) > 0, m);
  }
  verified(db);
});

test("one key retried at once through three servers is charged once", { skip, timeout: 120000 }, async (t) => {
  const db = path.join(tempDir(t), "keys3.db");
  const servers = await threeServers(t, db, { wallet: 100000 });
  let expected = 0;
  for (let k = 0; k < 60; k++) {
    const n = NODES[k % NODES.length];
    // Each server gets the charge twice, all six at once.
    const answers = await Promise.all(servers.flatMap((s) => [charge(s, k % CLIENTS, `once-${k}`, n), charge(s, k % CLIENTS, `once-${k}`, n)]));
    for (const r of answers) assert.equal(r.status, 200, r.text);
    assert.equal(answers.filter((r) => !r.json.replayed).length, 1, `key once-${k} charged ${answers.filter((r) => !r.json.replayed).length} times`);
    const { replayed, ...first } = answers.find((r) => !r.json.replayed).json;
    for (const r of answers) {
      const { replayed: _, ...same } = r.json;
      assert.deepEqual(same, first);
    }
    expected += n.credits;
  }
  for (const s of servers) assert.equal((await balance(s)).totals.spent, expected);
  verified(db);
});

// The server died under the request: the charge is unacknowledged.
const isNetworkError = (e) => !(e instanceof assert.AssertionError) && e instanceof TypeError;

test("kill -9 of one of three servers under load loses nothing acknowledged; the others keep serving", { skip, timeout: 120000 }, async (t) => {
  const db = path.join(tempDir(t), "kill3.db");
  const servers = await threeServers(t, db, { wallet: 10_000_000 });
  const victim = 1;
  const acked = new Map();   // key -> the acknowledged answer
  const sent = new Map();    // key -> {c, n}: everything sent, acknowledged or not
  let afterKill = 0;         // charges the surviving servers acknowledged after the kill
  let killed = false;
  let stop = false;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    const rnd = mulberry32(7000 + c);
    for (let i = 0; !stop; i++) {
      const s = servers[c % SERVERS];
      if (killed && c % SERVERS === victim) return;  // its server is gone
      const n = NODES[Math.floor(rnd() * NODES.length)];
      const key = `k${c}-${i}`;
      sent.set(key, { c, n });
      try {
        const r = await charge(s, c, key, n);
        assert.equal(r.status, 200, r.text);
        acked.set(key, r.json);
        if (killed) afterKill++;
      } catch (e) {
        if (!isNetworkError(e) || c % SERVERS !== victim) throw e;
      }
    }
  });
  await sleep(1500);
  killed = true;
  const died = await servers[victim].kill();
  assert.equal(died.signal, "SIGKILL");
  await sleep(1500);
  stop = true;
  await Promise.all(clients);
  t.diagnostic(`${acked.size} charges acknowledged of ${sent.size} sent, ${afterKill} after the kill`);
  assert.ok(afterKill > 50, `the surviving servers served only ${afterKill} charges after the kill`);

  // Every acknowledged charge is there, once, as acknowledged; an unacknowledged one is there
  // whole or not at all: its retry through a survivor replays it or applies it.
  const survivors = servers.filter((_, i) => i !== victim);
  let spent = 0;
  for (const [key, { c, n }] of sent) {
    const r = await ok(charge(survivors[c % survivors.length], c, key, n));
    if (acked.has(key)) {
      assert.equal(r.json.replayed, true, `acknowledged charge ${key} is not in the ledger`);
      const { replayed, ...same } = r.json;
      assert.deepEqual(same, acked.get(key));
    }
    spent += n.credits;
  }
  for (const s of survivors) assert.equal((await balance(s)).totals.spent, spent);

  // The killed server starts again, with everything the others committed meanwhile.
  const again = await startServer({ t, db });
  t.after(() => again.stop());
  assert.equal(again.info.recovered.ok, true);
  assert.equal((await balance(again)).totals.spent, spent);
  verified(db);
});

// A trigger on the journal refuses the next commits: with SQLSTATE 40001 (retried by the store,
// same batch) and 23505 (the store gives up: the server rebuilds its state from the store and
// applies the batch again), each counted by a sequence no rollback undoes.
function refuseCommits(db, budget, errcode) {
  const name = /^postgres(?:ql)?:\/\/[^/]*\/([^?]+)/.exec(dbArg(db))[1];
  psql(`DROP TRIGGER IF EXISTS refuse ON journal; DROP SEQUENCE IF EXISTS refuse_seq; CREATE SEQUENCE refuse_seq;
    CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF nextval('refuse_seq') <= ${budget} THEN RAISE EXCEPTION 'injected refusal' USING ERRCODE = '${errcode}'; END IF;
      RETURN NULL; END $$;
    CREATE TRIGGER refuse AFTER INSERT ON journal FOR EACH STATEMENT EXECUTE FUNCTION refuse();`, name);
  return () => Number(psql("SELECT last_value FROM refuse_seq", name).trim());
}

test("a refused transaction is rebuilt and retried; one refused every time is answered storage_failed", { skip, timeout: 120000 }, async (t) => {
  const db = path.join(tempDir(t), "refused3.db");
  const servers = await threeServers(t, db, { wallet: 100000 });
  let spent = 0;
  for (const [errcode, budget] of [["40001", 3], ["23505", 2]]) {
    const tries = refuseCommits(db, budget, errcode);
    const answers = await Promise.all(servers.map((s, i) => charge(s, i, `refused-${errcode}-${i}`, NODES[1])));
    for (const r of answers) assert.equal(r.status, 200, r.text);
    spent += answers.length * NODES[1].credits;
    assert.ok(tries() > budget, `the trigger refused nothing (${errcode})`);
  }
  const rebuilds = (await Promise.all(servers.map(async (s) => Number(/credits_rebuilds_total (\d+)/.exec((await get(s, "/metrics")).text)[1])))).reduce((a, b) => a + b);
  assert.ok(rebuilds >= 1, "no server rebuilt its state after a 23505");
  for (const s of servers) assert.equal((await balance(s)).totals.spent, spent);

  // Refused every time: answered, not applied, and the server goes on once the cause is gone.
  refuseCommits(db, 1000000, "23505");
  const r = await charge(servers[0], 0, "never", NODES[0]);
  assert.equal(r.json.error.code, "storage_failed", r.text);
  assert.match(r.json.error.message, /not applied: its transaction failed 4 times, the last: .*injected refusal \(SQLSTATE 23505\)/);
  refuseCommits(db, 0, "23505");
  const again = await ok(charge(servers[0], 0, "never", NODES[0]));
  assert.ok(!again.json.replayed);
  spent += NODES[0].credits;
  for (const s of servers) assert.equal((await balance(s)).totals.spent, spent);
  verified(db);
});

test("a long poll on one server wakes on a balance event another server committed", { skip, timeout: 60000 }, async (t) => {
  const db = path.join(tempDir(t), "events3.db");
  const servers = await threeServers(t, db, { wallet: 1000 });
  const [a, b, c] = servers;
  await ok(post(a, "/v1/ops", { op: "create_user", user: "ana" }));
  await ok(post(a, "/v1/topups", { payer: "user:ana", credits: 200, key: "t-ana" }));
  await ok(post(a, "/v1/ops", { op: "set_alert", payer: "user:ana", below: 100 }));
  const before = (await get(b, "/v1/events?after=0")).json.last_seq;
  const t0 = Date.now();
  const waiting = get(b, `/v1/events?after=${before}&wait_s=10`);
  await sleep(300);
  const vid = NODES[3];
  await ok(post(c, "/v1/charges", { user: "ana", key: "ana-vid", node: vid.node, quoted: vid.credits, rate_card: CARD_VERSION }));
  const woke = await waiting;
  assert.equal(woke.status, 200, woke.text);
  assert.deepEqual(woke.json.events.map((e) => [e.type, e.payer]), [["balance_low", "user:ana"]]);
  assert.ok(Date.now() - t0 < 5000, `the long poll took ${Date.now() - t0} ms`);
});

// PostgreSQL itself crashed (an immediate stop: WAL not yet flushed is lost) under load from
// three servers: each server stops without answering what it had in flight (exit 70), and after
// PostgreSQL's restart every charge any of them acknowledged is there, once.
const pgTemp = (fn) => {
  const r = spawnSync("bash", ["-c", `. "${SRC}/scripts/pg-temp.sh" && ${fn}`], { encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 0, `${fn}: ${r.stderr}`);
};

test("a crash of PostgreSQL under load from three servers loses nothing acknowledged", { skip: (skip || !process.env.PG_TEMP_DIR) && "needs tests/postgres-multi.sh", timeout: 120000 }, async (t) => {
  const db = path.join(tempDir(t), "pgcrash3.db");
  const servers = await threeServers(t, db, { wallet: 10_000_000 });
  const acked = new Map();  // key -> the acknowledged answer
  const sent = new Map();
  let stop = false;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    const rnd = mulberry32(9000 + c);
    for (let i = 0; !stop; i++) {
      const n = NODES[Math.floor(rnd() * NODES.length)];
      const key = `p${c}-${i}`;
      sent.set(key, { c, n });
      try {
        const r = await charge(servers[c % SERVERS], c, key, n);
        assert.equal(r.status, 200, r.text);
        acked.set(key, r.json);
      } catch (e) {
        if (!isNetworkError(e)) throw e;
        await sleep(20);  // the server is gone: keep knocking until the test stops
      }
    }
  });
  await sleep(1500);
  pgTemp("pg_temp_crash");
  let restarted = false;
  t.after(() => restarted || pgTemp("pg_temp_restart"));  // the next tests need it, whatever happened here
  const exits = await Promise.race([Promise.all(servers.map((s) => s.exited)), sleep(20000).then(() => null)]);
  stop = true;
  await Promise.all(clients);
  assert.ok(exits, "a server kept running without its database");
  pgTemp("pg_temp_restart");
  restarted = true;
  for (const e of exits) assert.equal(e.code, 70, JSON.stringify(e));
  t.diagnostic(`${acked.size} charges acknowledged of ${sent.size} sent before PostgreSQL crashed`);
  assert.ok(acked.size > 100, `only ${acked.size} charges were acknowledged`);

  const s = await startServer({ t, db });
  t.after(() => s.stop());
  assert.equal(s.info.recovered.ok, true);
  for (const [key, answer] of acked) {
    const { c, n } = sent.get(key);
    const r = await ok(charge(s, c, key, n));
    assert.equal(r.json.replayed, true, `acknowledged charge ${key} was lost in the crash`);
    const { replayed, ...same } = r.json;
    assert.deepEqual(same, answer);
  }
  verified(db);
});

test("a rate card swapped through one server is in force on the others", { skip, timeout: 60000 }, async (t) => {
  const db = path.join(tempDir(t), "card3.db");
  const servers = await threeServers(t, db, { wallet: 10000 });
  const [a, b, c] = servers;
  const v2 = { ...JSON.parse(readFileSync(SAMPLE_CARD, "utf8")), version: "2026-12-01" };
  const swap = await ok(post(a, "/v1/admin/rate-card", JSON.stringify(v2)));
  assert.equal(swap.json.changed, true);
  // An idle server catches up within a few polls: its quotes use the new card.
  let q;
  for (let i = 0; i < 50 && (q = await post(b, "/v1/quotes", NODES[2].node)).json.rate_card !== "2026-12-01"; i++) await sleep(20);
  assert.equal(q.json.rate_card, "2026-12-01");
  const stale = await charge(c, 0, "stale", NODES[2]);
  assert.equal(stale.json.error?.code, "stale_rate_card", stale.text);
  await ok(post(c, "/v1/charges", { user: "u0", key: "fresh", node: NODES[2].node, quoted: q.json.credits, rate_card: "2026-12-01" }));
  // The version another server put in force cannot come back with other content.
  const other = { ...v2, models: v2.models.filter((m) => m.id !== "veo-3") };
  assert.equal((await post(c, "/v1/admin/rate-card", JSON.stringify(other))).json.error.code, "invalid_rate_card");
  verified(db);
});
