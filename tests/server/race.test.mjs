// 32 clients charge one pooled workspace with a small subscription and wallet, at random, at
// once: the sum charged never exceeds what was available, each bucket is drawn exactly, and
// the final balance is exact.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { get, startServer, tempDir } from "./lib.mjs";
import { assertDrainedExactly, drainPool, setUpPool } from "./pool.mjs";

const CLIENTS = 32;
const QUOTA = 2500;
const WALLET = 3500;

test("32 clients on one pooled workspace never overspend", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "race.db") });
  t.after(() => s.stop());
  await setUpPool(s, { quota: QUOTA, wallet: WALLET, clients: CLIENTS });
  const drained = await drainPool(() => s, { clients: CLIENTS, seed: 1000 });
  const b = (await get(s, "/v1/payers/workspace:pool/balance?user=owner")).json;
  t.diagnostic(`${drained.accepted.length} charges accepted for ${drained.charged} credits, ${drained.refusals} refused`);
  assertDrainedExactly(b, drained, { quota: QUOTA, wallet: WALLET });
  assert.ok(drained.refusals > 0);
});
