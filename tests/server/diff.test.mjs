// POST /v1/rate-card/diff (SPEC §12): a candidate card against the card in force, byte for byte
// what `credits diff --from <in force> --to <candidate>` prints; read only.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { SAMPLE_CARD, SRC, call, cli, get, post, startServer, tempDir } from "./lib.mjs";
import { priceChange } from "../../demo/backend/price-change.js";

const sample = JSON.parse(readFileSync(SAMPLE_CARD, "utf8"));

// A card that drops a model, adds one and changes another's price: every kind of change.
function reshaped() {
  const card = structuredClone(sample);
  card.version = "2026-12-01";
  const [dropped, ...rest] = card.models;
  const added = { ...structuredClone(rest[0]), id: `${rest[0].id}-turbo`, label: `${rest[0].label} Turbo` };
  card.models = [...rest, added];
  assert.ok(dropped.id);
  return card;
}

test("POST /v1/rate-card/diff answers what credits diff prints, and changes nothing", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  const before = (await get(s, "/healthz")).json;
  for (const [name, card] of [["p10", priceChange(sample, 10)], ["m25", priceChange(sample, -25)], ["reshaped", reshaped()], ["same", sample]]) {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(card, null, 2));
    const expected = cli(["diff", "--from", SAMPLE_CARD, "--to", file]);
    assert.equal(expected.length, 1);
    const r = await post(s, "/v1/rate-card/diff", readFileSync(file, "utf8"));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, expected[0] + "\n", name);
    assert.equal(r.json.from, sample.version);
    assert.equal(r.json.to, card.version);
  }
  const reshapedDiff = (await post(s, "/v1/rate-card/diff", JSON.stringify(reshaped()))).json;
  assert.deepEqual(reshapedDiff.models.removed, [sample.models[0].id]);
  assert.deepEqual(reshapedDiff.models.added, [`${sample.models[1].id}-turbo`]);
  assert.ok(reshapedDiff.nodes.some((n) => n.model === sample.models[0].id && n.new === null && n.old));
  // Read only: the card in force and the journal are as they were.
  const after = (await get(s, "/healthz")).json;
  assert.deepEqual(after, before);
  assert.equal((await get(s, "/v1/rate-card")).json.version, sample.version);
});

test("an invalid candidate is 400 invalid_rate_card with every problem, as the admin route lists them", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  const bad = JSON.stringify({ version: "x", models: [{ id: "m", kind: "hologram", label: "M", price: [{ type: "per_frame" }] }] });
  const diff = await post(s, "/v1/rate-card/diff", bad);
  assert.equal(diff.status, 400);
  assert.equal(diff.json.error.code, "invalid_rate_card");
  assert.ok(diff.json.error.errors.some((e) => e.path === "/models/0/kind"), diff.text);
  const swap = await post(s, "/v1/admin/rate-card", bad);
  assert.deepEqual(diff.json.error.errors, swap.json.error.errors);
  assert.equal(diff.json.error.path, swap.json.error.path);
  for (const body of ["nope", "", "[]"]) {
    const r = await post(s, "/v1/rate-card/diff", body);
    assert.equal(r.status, 400, body);
    assert.equal(r.json.error.code, "invalid_rate_card", body);
  }
  assert.equal((await call(s, "POST", "/v1/rate-card/diff", JSON.stringify(sample), { token: null })).status, 401);
  assert.equal((await get(s, "/v1/rate-card/diff")).status, 404);
});

test("{rate_card, nodes} compares the given nodes, as credits diff --nodes does", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  const p10 = priceChange(sample, 10);
  const file = path.join(dir, "p10.json");
  writeFileSync(file, JSON.stringify(p10));
  const canvas = path.join(SRC, "demo/canvas.json");
  const { nodes } = JSON.parse(readFileSync(canvas, "utf8"));
  const r = await post(s, "/v1/rate-card/diff", JSON.stringify({ rate_card: p10, nodes }));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, cli(["diff", "--from", SAMPLE_CARD, "--to", file, "--nodes", canvas])[0] + "\n");
  assert.equal(r.json.sampled, false);
  assert.equal(r.json.compared, nodes.length);
  // Without nodes, the sample, as for the card alone.
  const sampled = await post(s, "/v1/rate-card/diff", JSON.stringify({ rate_card: p10 }));
  assert.equal(sampled.text, (await post(s, "/v1/rate-card/diff", JSON.stringify(p10))).text);
  for (const [body, at] of [[{ rate_card: p10, nodes: {} }, "/nodes"], [{ rate_card: p10, nodes: [{}, 3] }, "/nodes/1"], [{ rate_card: p10, extra: 1 }, "/extra"]]) {
    const bad = await post(s, "/v1/rate-card/diff", JSON.stringify(body));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "invalid_op");
    assert.equal(bad.json.error.path, at);
  }
  const badCard = await post(s, "/v1/rate-card/diff", JSON.stringify({ rate_card: { version: "x" }, nodes }));
  assert.equal(badCard.status, 400);
  assert.equal(badCard.json.error.code, "invalid_rate_card");
});

test("after a swap the diff is against the new card in force", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  const p10 = priceChange(sample, 10);
  const file = path.join(dir, "p10.json");
  writeFileSync(file, JSON.stringify(p10));
  assert.equal((await post(s, "/v1/admin/rate-card", JSON.stringify(p10))).status, 200);
  const r = await post(s, "/v1/rate-card/diff", readFileSync(SAMPLE_CARD, "utf8"));
  assert.equal(r.text, cli(["diff", "--from", file, "--to", SAMPLE_CARD])[0] + "\n");
  assert.equal(r.json.from, p10.version);
  assert.ok(r.json.nodes.length > 0 && r.json.nodes.every((n) => n.new.max <= n.old.max));
});
