// 32 clients charge one pooled workspace with a small subscription and wallet, at random, at
// once: the sum charged never exceeds what was available, each bucket is drawn exactly, and
// the final balance is exact.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { CARD_VERSION, NODES, get, mulberry32, post, startServer, tempDir } from "./lib.mjs";

const CLIENTS = 32;
const QUOTA = 2500;
const WALLET = 3500;

test("32 clients on one pooled workspace never overspend", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "race.db") });
  t.after(() => s.stop());
  const ok = async (p) => {
    const r = await p;
    assert.equal(r.status, 200, r.text);
    return r;
  };
  await ok(post(s, "/v1/ops", { op: "create_user", user: "owner" }));
  await ok(post(s, "/v1/ops", { op: "create_workspace", workspace: "pool", admin: "owner" }));
  await ok(post(s, "/v1/ops", { op: "subscribe", payer: "workspace:pool", quota: QUOTA, by: "owner" }));
  await ok(post(s, "/v1/topups", { payer: "workspace:pool", credits: WALLET, key: "pool-topup", by: "owner" }));
  for (let c = 0; c < CLIENTS; c++) {
    await ok(post(s, "/v1/ops", { op: "create_user", user: `u${c}` }));
    await ok(post(s, "/v1/ops", { op: "add_member", workspace: "pool", user: `u${c}`, by: "owner" }));
    await ok(post(s, "/v1/ops", { op: "switch", user: `u${c}`, workspace: "pool" }));
  }

  const accepted = [];
  let refusals = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const rnd = mulberry32(1000 + c);
      let broke = 0;
      for (let i = 0; broke < 3 && i < 400; i++) {
        const n = NODES[Math.floor(rnd() * NODES.length)];
        const r = await post(s, "/v1/charges", { user: `u${c}`, key: `u${c}-${i}`, node: n.node, quoted: n.credits, rate_card: CARD_VERSION });
        if (r.status === 200) {
          assert.equal(r.json.payer, "workspace:pool");
          assert.equal(r.json.credits, n.credits);
          assert.equal(r.json.from_subscription + r.json.from_wallet, n.credits);
          accepted.push(r.json);
        } else {
          assert.equal(r.status, 402, r.text);
          assert.equal(r.json.error.code, "insufficient_credits");
          refusals++;
          if (n.credits === 1) broke++;  // even the cheapest run is refused: the pool is dry
        }
      }
    }),
  );
  const sum = (f) => accepted.reduce((a, c) => a + c[f], 0);
  const charged = sum("credits");
  const b = (await get(s, "/v1/payers/workspace:pool/balance?user=owner")).json;
  t.diagnostic(`${accepted.length} charges accepted for ${charged} credits, ${refusals} refused`);
  assert.ok(charged <= QUOTA + WALLET, `charged ${charged} > available ${QUOTA + WALLET}`);
  assert.ok(sum("from_subscription") <= QUOTA);
  assert.ok(sum("from_wallet") <= WALLET);
  assert.equal(b.subscription.remaining, QUOTA - sum("from_subscription"));
  assert.equal(b.wallet, WALLET - sum("from_wallet"));
  assert.equal(b.totals.spent, charged);
  assert.equal(b.available, QUOTA + WALLET - charged);
  // The subscription is drawn before the wallet, so the wallet was touched only once the
  // subscription could not cover a charge; with 1-credit charges refused the pool is empty.
  assert.equal(b.available, 0, "the pool was drained to the last credit");
  assert.ok(refusals > 0);
});
