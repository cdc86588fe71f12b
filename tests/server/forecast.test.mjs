// GET /v1/payers/{payer}/forecast (SPEC §12): the `forecast` read at the server's clock, byte for
// byte what `credits ledger` answers for the same operation at the same time on the server's
// journal (replayed by the in-memory CLI); the token and the viewer rule of GET usage.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { NODES, CARD_VERSION, VIEWER_REFUSALS, get, post, startServer, tempDir, ledgerAnswer } from "./lib.mjs";

const VIDEO = NODES[3]; // 160 credits
const charge = (user, key) => ({ user, key, node: VIDEO.node, quoted: VIDEO.credits, rate_card: CARD_VERSION });

// ana: a 1000-credit subscription and a 200-credit wallet; four videos, one refunded (480 spent).
async function seed(s) {
  for (const op of [
    { op: "create_user", user: "ana" },
    { op: "create_user", user: "leo" },
    { op: "create_workspace", workspace: "studio", admin: "ana" },
    { op: "subscribe", payer: "user:ana", quota: 1000 },
  ])
    assert.equal((await post(s, "/v1/ops", op)).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "user:ana", credits: 200, key: "t1" })).status, 200);
  for (let i = 0; i < 4; ++i) assert.equal((await post(s, "/v1/charges", charge("ana", `a${i}`))).status, 200);
  assert.equal((await post(s, "/v1/charges/a2/fail")).status, 200);
}


test("GET forecast is the forecast op at the server's clock, as credits ledger answers it", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "l.db");
  const s = await startServer({ t, db });
  t.after(() => s.stop());
  await seed(s);
  const r = await get(s, "/v1/payers/user:ana/forecast?user=ana");
  assert.equal(r.status, 200, r.text);
  const f = r.json;
  assert.equal(f.op, "forecast");
  assert.equal(f.spent, 480);
  assert.equal(f.remaining, 520);
  assert.equal(f.wallet, 200);
  // Less than a day into the period: one day, so the whole spend is the day's burn.
  assert.equal(f.burn_per_day, 480);
  assert.ok(f.subscription_runs_out_at < f.wallet_runs_out_at && f.wallet_runs_out_at < f.resets_at, r.text);
  assert.ok(f.suggested_top_up > 0, r.text);
  assert.deepEqual(Object.keys(f), [...Object.keys(f)].sort(), "keys in byte order");
  // The server ends its JSON body with a newline; the CLI ends its line with one.
  assert.equal(r.text, ledgerAnswer(db, { op: "forecast", at: f.at, payer: "user:ana" }) + "\n");
  // The same read through POST /v1/ops, and through the X-Credits-User header.
  const viaOps = await post(s, "/v1/ops", { op: "forecast", payer: "user:ana" }, { headers: { "X-Credits-User": "ana" } });
  assert.equal(viaOps.status, 200, viaOps.text);
  assert.equal(viaOps.json.spent, 480);
  const viaHeader = await get(s, "/v1/payers/workspace:studio/forecast", { headers: { "X-Credits-User": "ana" } });
  assert.equal(viaHeader.status, 200, viaHeader.text);
  assert.equal(viaHeader.json.burn_per_day, 0);
  assert.equal(viaHeader.json.subscription_runs_out_at, null);
  assert.equal(viaHeader.json.suggested_top_up, 0);
});

test("GET forecast: the token and the viewer rule of GET usage", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  await seed(s);
  const noToken = await get(s, "/v1/payers/user:ana/forecast?user=ana", { token: null });
  assert.equal(noToken.status, 401);
  for (const [what, payer, query, status, code] of VIEWER_REFUSALS) {
    const f = await get(s, `/v1/payers/${payer}/forecast${query}`);
    assert.equal(f.status, status, `${what}: ${f.text}`);
    assert.equal(f.json.ok, false, what);
    assert.equal(f.json.error.code, code, what);
    assert.equal(f.json.op, "forecast", what);
    const usage = await get(s, `/v1/payers/${payer}/usage${query}`);
    assert.equal(f.status, usage.status, what);
    assert.deepEqual(f.json.error, usage.json.error, what);
  }
  const other = await post(s, "/v1/ops", { op: "forecast", payer: "user:ana" }, { headers: { "X-Credits-User": "leo" } });
  assert.equal(other.json.error?.code, "not_member", other.text);
});
