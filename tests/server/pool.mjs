// The pooled-workspace race shared by the one-server test (race.test.mjs) and the three-server
// one (multi_server.test.mjs): a workspace with a small subscription and wallet, members
// u0..u(clients-1) who charge it at random, all at once, until even the cheapest run is refused.
import assert from "node:assert/strict";
import { CARD_VERSION, NODES, mulberry32, post } from "./lib.mjs";

const ok = async (p) => {
  const r = await p;
  assert.equal(r.status, 200, r.text);
  return r;
};

// Workspace `pool`, its admin `owner`, and the members, each switched to it; through server `s`.
export async function setUpPool(s, { quota, wallet, clients }) {
  await ok(post(s, "/v1/ops", { op: "create_user", user: "owner" }));
  await ok(post(s, "/v1/ops", { op: "create_workspace", workspace: "pool", admin: "owner" }));
  if (quota) await ok(post(s, "/v1/ops", { op: "subscribe", payer: "workspace:pool", quota, by: "owner" }));
  await ok(post(s, "/v1/topups", { payer: "workspace:pool", credits: wallet, key: "pool-topup", by: "owner" }));
  for (let c = 0; c < clients; c++) {
    await ok(post(s, "/v1/ops", { op: "create_user", user: `u${c}` }));
    await ok(post(s, "/v1/ops", { op: "add_member", workspace: "pool", user: `u${c}`, by: "owner" }));
    await ok(post(s, "/v1/ops", { op: "switch", user: `u${c}`, workspace: "pool" }));
  }
}

// Client c charges through serverOf(c) with its own random sequence (seed + c); every answer is
// a charge of the node's exact price or `insufficient_credits`. Returns the accepted charges.
export async function drainPool(serverOf, { clients, seed }) {
  const accepted = [];
  let refusals = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const rnd = mulberry32(seed + c);
      const s = serverOf(c);
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
  return { accepted, refusals, charged: sum("credits"), fromSubscription: sum("from_subscription"), fromWallet: sum("from_wallet") };
}

// Nothing overspent, each bucket drawn exactly, and the pool's balance `b` exact and empty.
export function assertDrainedExactly(b, drained, { quota, wallet }) {
  const { charged, fromSubscription, fromWallet } = drained;
  assert.ok(charged <= quota + wallet, `charged ${charged} > available ${quota + wallet}`);
  assert.ok(fromSubscription <= quota);
  assert.ok(fromWallet <= wallet);
  assert.equal(b.subscription.remaining, quota - fromSubscription);
  assert.equal(b.wallet, wallet - fromWallet);
  assert.equal(b.totals.spent, charged);
  assert.equal(b.available, quota + wallet - charged);
  // The subscription is drawn before the wallet, so the wallet was touched only once the
  // subscription could not cover a charge; with 1-credit charges refused the pool is empty.
  assert.equal(b.available, 0, "the pool was drained to the last credit");
}
