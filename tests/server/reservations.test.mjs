// Run reservations over HTTP (SPEC §11): POST /v1/reservations holds a graph's planned maximum,
// POST /v1/charges with "reservation" draws from it, POST /v1/reservations/{key}/release returns
// the rest; every answer is byte for byte what `credits ledger` answers for the same operation
// on the server's journal, the refusals carry the table's statuses, and a restart keeps the hold.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { NODES, CARD_VERSION, get, post, startServer, tempDir, ledgerAnswer } from "./lib.mjs";

const graph = { nodes: NODES.map((n) => n.node) };  // 1 + 6 + 8 + 160 = 175 credits
const total = NODES.reduce((s, n) => s + n.credits, 0);
const drawn = (user, key, i, reservation) => ({
  user, key, node: NODES[i].node, quoted: NODES[i].credits, rate_card: CARD_VERSION, reservation,
});


test("reserve, draw, release over HTTP: the CLI's bytes, the statuses, and a restart keeps the hold", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "l.db");
  let s = await startServer({ t, db });
  t.after(() => s.stop());
  assert.equal((await post(s, "/v1/ops", { op: "create_user", user: "ana" })).status, 200);
  assert.equal((await post(s, "/v1/ops", { op: "create_user", user: "leo" })).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "user:ana", credits: 200, key: "t1" })).status, 200);

  const held = await post(s, "/v1/reservations", { user: "ana", key: "run1", graph, rate_card: CARD_VERSION });
  assert.equal(held.status, 200, held.text);
  assert.equal(held.json.credits, total);
  assert.equal(held.json.from_wallet, total);
  assert.equal(held.json.status, "open");
  assert.equal(held.text, ledgerAnswer(db) + "\n");
  // Replayed: the same answer, marked.
  const again = await post(s, "/v1/reservations", { user: "ana", key: "run1", graph, rate_card: CARD_VERSION });
  assert.equal(again.json.replayed, true, again.text);
  // Only 25 credits are outside the hold: a plain charge of the video is refused, a drawn one is not.
  const plain = await post(s, "/v1/charges", { ...drawn("ana", "p1", 3), reservation: undefined });
  assert.equal(plain.status, 402, plain.text);
  const c = await post(s, "/v1/charges", drawn("ana", "c1", 3, "run1"));
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.reservation, "run1");
  assert.equal(c.text, ledgerAnswer(db) + "\n");
  const bal = await get(s, "/v1/payers/user:ana/balance?user=ana");
  assert.equal(bal.json.held, total - 160, bal.text);
  assert.equal(bal.json.wallet, 200 - total);

  // Refusals, each with its status; none changes anything.
  const refusals = [
    [drawn("ana", "c2", 3, "run1"), 402, "insufficient_credits"],  // 160 > the 15 left
    [drawn("ana", "c2", 0, "nope"), 404, "unknown_reservation"],
    [drawn("leo", "c2", 0, "run1"), 400, "invalid_op"],
    [{ ...drawn("ana", "c2", 0, "run1"), node: { id: "zz", model: "flux-1-schnell", params: { size: "1024x1024" } } }, 400, "invalid_op"],
  ];
  for (const [body, status, code] of refusals) {
    const r = await post(s, "/v1/charges", body);
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.error.code, code, r.text);
  }
  const bad = await post(s, "/v1/reservations", { user: "ana", key: "run2", graph: { nodes: [{ id: "a", model: "nope" }] }, rate_card: CARD_VERSION });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json.error.path, "/graph/nodes/0/model");
  assert.equal((await post(s, "/v1/reservations/nope/release")).status, 404);

  // A restart replays the journal: the hold is still there, with what it had left.
  await s.stop();
  s = await startServer({ t, db });
  const after = await get(s, "/v1/payers/user:ana/balance?user=ana");
  assert.equal(after.json.held, total - 160, after.text);
  const rel = await post(s, "/v1/reservations/run1/release");
  assert.equal(rel.status, 200, rel.text);
  assert.equal(rel.json.released, total - 160);
  assert.equal(rel.json.to_wallet, total - 160);
  assert.equal(rel.text, ledgerAnswer(db) + "\n");
  const twice = await post(s, "/v1/reservations/run1/release");
  assert.equal(twice.status, 409, twice.text);
  assert.equal(twice.json.error.code, "already_released");
  const end = await get(s, "/v1/payers/user:ana/balance?user=ana");
  assert.equal(end.json.held, 0);
  assert.equal(end.json.wallet, 40);
});
