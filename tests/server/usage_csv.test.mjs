// GET /v1/payers/{payer}/usage.csv (SPEC §12): every generation as CSV, byte for byte what
// `credits billing --payer P --csv` prints for the same ledger (the server's journal replayed by
// the in-memory CLI); the bearer token and the viewer rule of GET usage; refusals as JSON.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { BIN, NODES, CARD_VERSION, SAMPLE_CARD, VIEWER_REFUSALS, dbArg, get, post, startServer, tempDir } from "./lib.mjs";

const charge = (user, key, { node, credits }) => ({ user, key, node, quoted: credits, rate_card: CARD_VERSION });

function billingCsv(db, payer) {
  const journal = spawnSync(BIN, ["journal", "--db", dbArg(db)], { encoding: "utf8" });
  assert.equal(journal.status, 0, journal.stderr);
  const r = spawnSync(BIN, ["billing", "--rate-card", SAMPLE_CARD, "--payer", payer, "--csv"], { input: journal.stdout, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// Two users and a workspace; more charges than `usage` shows by default, one refunded, one settled.
async function seed(s) {
  for (const op of [
    { op: "create_user", user: "ana" },
    { op: "create_user", user: "leo" },
    { op: "create_workspace", workspace: "studio", admin: "ana" },
  ])
    assert.equal((await post(s, "/v1/ops", op)).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "user:ana", credits: 5000, key: "t1" })).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "user:leo", credits: 500, key: "t2" })).status, 200);
  for (let i = 0; i < 25; ++i) {
    const r = await post(s, "/v1/charges", charge("ana", `a${i}`, NODES[i % NODES.length]));
    assert.equal(r.status, 200, r.text);
  }
  assert.equal((await post(s, "/v1/charges", charge("leo", "l0", NODES[0]))).status, 200);
  assert.equal((await post(s, "/v1/charges/a3/fail")).status, 200);
  assert.equal((await post(s, "/v1/charges/a4/complete")).status, 200);
}

test("usage.csv is what credits billing --csv prints, every generation, as a download", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "l.db");
  const s = await startServer({ t, db });
  t.after(() => s.stop());
  await seed(s);
  const r = await fetch(`${s.url}/v1/payers/user:ana/usage.csv?user=ana`, { headers: { Authorization: `Bearer ${s.token}` } });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  assert.equal(r.headers.get("content-type"), "text/csv; charset=utf-8; header=present");
  assert.equal(r.headers.get("content-disposition"), 'attachment; filename="usage-user-ana.csv"');
  const rows = text.split("\r\n");
  assert.equal(rows.at(-1), "", "every record ends with CRLF");
  assert.equal(rows[0], "at,key,payer,user,node,model,params,exact,rate_card,status,held,from_subscription,from_wallet," +
                        "returned_to_subscription,returned_to_wallet,credits,closed_at");
  assert.equal(rows.length - 2, 25, "every generation, not only the recent ones");
  assert.deepEqual(rows.slice(1, -1).map((row) => row.split(",")[1]), [...Array(25).keys()].map((i) => `a${i}`));
  assert.match(rows[4], /,refunded,160,0,160,0,160,0,\d{4}-\d\d-\d\dT[^,]+Z$/);
  assert.match(rows[5], /,settled,1,0,1,0,0,1,\d{4}-\d\d-\d\dT[^,]+Z$/);
  assert.equal(text, billingCsv(db, "user:ana"));
  // The header (HTTP) and X-Credits-User name the viewer alike.
  const viaHeader = await fetch(`${s.url}/v1/payers/user:leo/usage.csv`, { headers: { Authorization: `Bearer ${s.token}`, "X-Credits-User": "leo" } });
  assert.equal(viaHeader.status, 200);
  assert.equal(await viaHeader.text(), billingCsv(db, "user:leo"));
  // A workspace nobody charged yet: the header row alone.
  const empty = await get(s, "/v1/payers/workspace:studio/usage.csv?user=ana");
  assert.equal(empty.status, 200);
  assert.equal(empty.text, rows[0] + "\r\n");
});

test("usage.csv: the token and the viewer rule of GET usage; refusals are JSON envelopes", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  await seed(s);
  const expect = (what, r, status, code) => {
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.equal(r.json?.ok, false, what);
    assert.equal(r.json.error.code, code, what);
  };
  expect("no token", await get(s, "/v1/payers/user:ana/usage.csv?user=ana", { token: null }), 401, "unauthorized");
  // Each refusal is the usage route's own, status and body alike.
  for (const [what, payer, query, status, code] of VIEWER_REFUSALS) {
    const csv = await get(s, `/v1/payers/${payer}/usage.csv${query}`);
    expect(what, csv, status, code);
    const usage = await get(s, `/v1/payers/${payer}/usage${query}`);
    assert.equal(csv.status, usage.status, what);
    assert.deepEqual(csv.json, usage.json, what);
  }
  const ok = await get(s, "/v1/payers/user:ana/usage.csv?user=ana");
  assert.equal(ok.status, 200);
});
