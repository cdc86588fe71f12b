// Bounded by design (SPEC §13), checked without timing: a server that has applied a long
// history, 1,000,000 operations by default (BOUNDED_OPS to change), holds at most its
// configured number of history records in memory, and a restart reads the newest snapshot and
// the journal after it, a bounded number of records, not the journal. The counters are the
// server's own (/metrics): credits_cache_records, credits_start_journal_records...
// The operations are the load generator's (credits_load ops: 1,000 users, top-ups, charges,
// refunds, reservations), posted in batches of 1,000 with the server honouring their "at";
// every answer is the one the in-memory CLI gives to the same operations, byte for byte
// (compared by digest), and after the restart early keys are still remembered.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { BIN, SAMPLE_CARD, cli, get, post, startServer, tempDir } from "./lib.mjs";

const OPS = Number(process.env.BOUNDED_OPS || 1_000_000);
const CACHE = 2000;
const SNAPSHOT_EVERY = 30000;  // not a divisor of the journal: the restart has a tail to replay
const BATCH = 1000;
const LOAD_BIN = process.env.CREDITS_LOAD_BIN || path.join(path.dirname(BIN), "credits_load");

function metrics(text) {
  const m = {};
  for (const line of text.split("\n")) {
    const hit = /^(credits_[a-z_]+) (\d+)$/.exec(line);
    if (hit) m[hit[1]] = Number(hit[2]);
  }
  return m;
}
const readMetrics = async (s) => metrics((await get(s, "/metrics")).text);

function run(bin, args, input) {
  const r = spawnSync(bin, args, { input, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test(`after ${OPS} operations the cache holds at most ${CACHE} records and a restart reads at most ${SNAPSHOT_EVERY} journal records`, { timeout: 1_500_000 }, async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "bounded.db");
  const lines = run(LOAD_BIN, ["ops", "--ops", String(OPS)]).split("\n").filter((l) => l.length);
  assert.equal(lines.length, OPS);
  // What the in-memory ledger answers to the same operations, line by line.
  const expected = createHash("sha256");
  let expectedCount = 0;
  for (const l of run(BIN, ["ledger", "--rate-card", SAMPLE_CARD], lines.join("\n") + "\n").split("\n"))
    if (l.length) expected.update(l + "\n"), ++expectedCount;
  assert.equal(expectedCount, OPS);

  const args = ["--trust-client-time", "--cache-records", String(CACHE), "--snapshot-every", String(SNAPSHOT_EVERY)];
  let s = await startServer({ t, db, args });
  const answered = createHash("sha256");
  let most = 0;
  for (let i = 0; i < OPS; i += BATCH) {
    const r = await post(s, "/v1/ops/batch", "[" + lines.slice(i, i + BATCH).join(",") + "]");
    assert.equal(r.status, 200, r.text.slice(0, 300));
    for (const result of r.json) answered.update(JSON.stringify(result) + "\n");
    if ((i / BATCH) % 100 === 99) {
      const m = await readMetrics(s);
      // Pinned records (written, not yet durable) stay until they are; the rest is bounded.
      assert.ok(m.credits_cache_records <= CACHE + m.credits_cache_pinned, JSON.stringify(m));
      most = Math.max(most, m.credits_cache_records);
    }
  }
  assert.equal(answered.digest("hex"), expected.digest("hex"), "the server's answers are the in-memory ledger's");
  const before = await readMetrics(s);
  assert.equal(before.credits_cache_capacity, CACHE);
  assert.ok(before.credits_cache_records <= CACHE + before.credits_cache_pinned, JSON.stringify(before));
  assert.ok(before.credits_cache_evictions_total > OPS / 4, "history really left memory");
  assert.ok(most > CACHE / 2, "the cache was used");
  const { code } = await s.stop();
  assert.equal(code, 0);

  // The restart: the newest snapshot, then at most SNAPSHOT_EVERY journal records and the
  // entries they made; every payer checked against the store.
  s = await startServer({ t, db, args });
  const after = await readMetrics(s);
  assert.ok(after.credits_start_snapshot > OPS - SNAPSHOT_EVERY, JSON.stringify(after));
  assert.ok(after.credits_start_journal_records <= SNAPSHOT_EVERY, JSON.stringify(after));
  if (OPS > SNAPSHOT_EVERY) assert.ok(after.credits_start_journal_records > 0, "a tail after the snapshot was replayed");
  assert.ok(after.credits_start_entries <= SNAPSHOT_EVERY, JSON.stringify(after));
  assert.equal(after.credits_start_payers, count(lines, '"op":"create_user"') + count(lines, '"op":"create_workspace"'));
  assert.ok(after.credits_cache_records <= CACHE, JSON.stringify(after));
  // The oldest keys are still remembered: their retries replay, read from the store.
  const firstCharge = JSON.parse(lines.find((l) => l.includes('"op":"charge"')));
  const retry = await post(s, "/v1/ops", { ...firstCharge, at: JSON.parse(lines.at(-1)).at });
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.json.replayed, true, retry.text);
  const m = await readMetrics(s);
  assert.ok(m.credits_cache_loads_total >= 1, "the retry's record came from the store");
  await s.stop();

  // A full replay (credits verify) checks the snapshot the restart started from.
  const report = JSON.parse(cli(["verify", "--db", db])[0]);
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.operations, OPS);  // the retry was answered, not journaled
  t.diagnostic(`cache ${before.credits_cache_records}/${CACHE} records after ${OPS} operations (most seen ${most}); ` +
    `restart from the snapshot at record ${after.credits_start_snapshot}: ${after.credits_start_journal_records} journal records, ` +
    `${after.credits_start_entries} entries, ${after.credits_start_payers} payers read`);
});

function count(lines, text) {
  let n = 0;
  for (const l of lines) if (l.includes(text)) ++n;
  return n;
}
