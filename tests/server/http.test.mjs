// The HTTP API of `credits serve`: parity with the CLI, resource routes, auth and bad input,
// idempotent retries, rate card swaps, static files, timeouts, restarts and recovery checks.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, existsSync, symlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import {
  BIN, CARD_VERSION, NODES, PG_URL, SAMPLE_CARD, SRC, call, cli, dbArg, get, jsonLines, post, psql, sleep, startFails, startServer, tempDir,
} from "./lib.mjs";

const month = readFileSync(path.join(SRC, "demo/month.jsonl"), "utf8");
const badOps = readFileSync(path.join(SRC, "tests/bad-input/ops.jsonl"), "utf8");

async function setupPeople(s) {
  for (const user of ["maya", "leo", "ines", "zoe"]) assert.equal((await post(s, "/v1/ops", { op: "create_user", user })).status, 200);
  assert.equal((await post(s, "/v1/ops", { op: "create_workspace", workspace: "studio", admin: "maya" })).status, 200);
  assert.equal((await post(s, "/v1/ops", { op: "add_member", workspace: "studio", user: "leo", by: "maya" })).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "workspace:studio", credits: 1000, key: "ws-topup", by: "maya" })).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "user:zoe", credits: 500, key: "zoe-topup" })).status, 200);
  assert.equal((await post(s, "/v1/ops", { op: "switch", user: "leo", workspace: "studio" })).status, 200);
}

const charge = (user, key, n = NODES[2], extra = {}) => ({ user, key, node: n.node, quoted: n.credits, rate_card: CARD_VERSION, ...extra });

test("results over HTTP equal the CLI's for the same operations", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db"), args: ["--trust-client-time"] });
  t.after(() => s.stop());
  const lines = [...jsonLines(month), ...jsonLines(badOps)];
  const expected = cli(["ledger"], lines.join("\n") + "\n");
  assert.equal(expected.length, lines.length);
  for (let i = 0; i < lines.length; i++) {
    const r = await post(s, "/v1/ops", lines[i]);
    assert.equal(r.text, expected[i] + "\n", `line ${i + 1}: ${lines[i]}`);
    assert.equal(r.status === 200, JSON.parse(expected[i]).ok === true, `status ${r.status} for line ${i + 1}`);
  }
  // The durable CLI gives the same lines too.
  assert.deepEqual(cli(["ledger", "--db", path.join(dir, "cli.db")], lines.join("\n") + "\n"), expected);

  // Quotes: the golden corpus through POST /v1/quotes, as an array and one by one.
  const nodes = jsonLines(readFileSync(path.join(SRC, "tests/golden/nodes.jsonl"), "utf8"));
  const golden = jsonLines(readFileSync(path.join(SRC, "tests/golden/quotes.jsonl"), "utf8"));
  const all = await post(s, "/v1/quotes", "[" + nodes.join(",") + "]");
  assert.equal(all.status, 200);
  assert.equal(all.text, "[" + golden.join(",") + "]\n");
  for (let i = 0; i < 20; i++) {
    const one = await post(s, "/v1/quotes", nodes[i]);
    assert.equal(one.text, golden[i] + "\n");
    assert.equal(one.status, JSON.parse(golden[i]).ok ? 200 : 400);
  }
  // Plans: the sample canvas, with and without a projection.
  const canvas = readFileSync(path.join(SRC, "demo/canvas.json"), "utf8");
  const plan = await post(s, "/v1/plans", canvas);
  assert.equal(plan.text.trim(), readFileSync(path.join(SRC, "tests/golden/canvas-plan.json"), "utf8").trim());
  const bal = encodeURIComponent('{"subscription":200,"wallet":150}');
  const projected = await post(s, `/v1/plans?balance=${bal}`, canvas);
  assert.equal(projected.text.trim(), readFileSync(path.join(SRC, "tests/golden/canvas-plan-projected.json"), "utf8").trim());
  // An unreadable body is answered with the CLI's bytes for the same text.
  for (const text of ['{"model":"veo-3",', '{"model":"veo-3","model":"x"}', '{"model":"veo-3","params":{"duration_s":1e400}}']) {
    const q = await post(s, "/v1/quotes", text);
    assert.equal(q.status, 400);
    assert.equal(q.text, cli(["estimate"], text + "\n").join("\n") + "\n", text);
    const p = await post(s, "/v1/plans", `{"nodes":[${text}]}`);
    assert.equal(p.status, 400);
    assert.equal(p.text, cli(["plan"], `{"nodes":[${text}]}`).join("\n") + "\n", text);
  }
  // The rate card route gives the card in force.
  const card = await get(s, "/v1/rate-card");
  assert.equal(card.status, 200);
  assert.deepEqual(card.json, JSON.parse(readFileSync(SAMPLE_CARD, "utf8")));
});

test("POST /v1/ops/batch answers each operation as the CLI does, in one commit", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db"), args: ["--trust-client-time"] });
  t.after(() => s.stop());
  const lines = jsonLines(month);
  const expected = cli(["ledger"], lines.join("\n") + "\n");
  const commitsBefore = Number(/credits_commits_total (\d+)/.exec((await get(s, "/metrics")).text)[1]);
  const r = await post(s, "/v1/ops/batch", "[" + lines.join(",") + "]");
  assert.equal(r.status, 200);
  assert.equal(r.text, "[" + expected.join(",") + "]\n");
  const commitsAfter = Number(/credits_commits_total (\d+)/.exec((await get(s, "/metrics")).text)[1]);
  assert.equal(commitsAfter - commitsBefore, 1, "one commit for the whole batch");
  for (const bad of ["[]", "{}", "[" + "{},".repeat(1000) + "{}]"]) {
    const e = await post(s, "/v1/ops/batch", bad);
    assert.equal(e.status, 400);
    assert.equal(e.json.error.code, "invalid_op");
  }
});

test("resource routes equal the operations they stand for", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db"), args: ["--trust-client-time"] });
  t.after(() => s.stop());
  const at = (m) => `2026-11-0${m}T10:00:00Z`;
  const ops = [
    { op: "create_user", at: at(1), user: "ana" },
    { op: "subscribe", at: at(1), payer: "user:ana", quota: 100 },
    { op: "top_up", at: at(1), payer: "user:ana", credits: 300, key: "t1" },
    { op: "charge", at: at(2), ...charge("ana", "c1", NODES[3]) },
    { op: "charge", at: at(2), ...charge("ana", "c2", NODES[1]) },
    { op: "fail", at: at(3), charge: "c1" },
    { op: "complete", at: at(3), charge: "c2" },
    { op: "balance", at: at(4), payer: "user:ana" },
    { op: "usage", at: at(4), payer: "user:ana", limit: 5 },
  ];
  const expected = cli(["ledger"], ops.map((o) => JSON.stringify(o)).join("\n") + "\n");
  const strip = ({ op, ...rest }) => rest;
  const routes = [
    ["POST", "/v1/ops", ops[0]],
    ["POST", "/v1/ops", ops[1]],
    ["POST", "/v1/topups", strip(ops[2])],
    ["POST", "/v1/charges", strip(ops[3])],
    ["POST", "/v1/charges", strip(ops[4])],
    ["POST", "/v1/charges/c1/fail", { at: at(3) }],
    ["POST", "/v1/charges/c2/complete", { at: at(3) }],
    ["POST", "/v1/ops", ops[7]],
    ["POST", "/v1/ops", ops[8]],
  ];
  for (let i = 0; i < routes.length; i++) {
    const [method, route, body] = routes[i];
    const r = await call(s, method, route, body);
    assert.equal(r.text, expected[i] + "\n", `${route}`);
  }
  // GET balance and usage (server-stamped reads would use the server's clock: with client time
  // trusted, a read without "at" is refused, so these run on a second, server-clock server).
  const s2 = await startServer({ t, db: path.join(dir, "l2.db") });
  t.after(() => s2.stop());
  await post(s2, "/v1/ops", { op: "create_user", user: "ana" });
  await post(s2, "/v1/topups", { payer: "user:ana", credits: 300, key: "t1" });
  const c = await post(s2, "/v1/charges", charge("ana", "c1", NODES[3]));
  assert.equal(c.status, 200);
  assert.equal(c.json.credits, 160);
  assert.equal(c.json.from_wallet, 160);
  assert.ok(Math.abs(Date.parse(c.json.at) - Date.now()) < 60000, "the server stamps its own time");
  const b = await get(s2, "/v1/payers/user:ana/balance?user=ana");
  assert.equal(b.status, 200);
  assert.equal(b.json.wallet, 140);
  assert.equal(b.json.op, "balance");
  const u = await get(s2, "/v1/payers/user:ana/usage?user=ana&limit=1");
  assert.equal(u.status, 200);
  assert.equal(u.json.generations.length, 1);
  assert.equal(u.json.generations[0].key, "c1");
  const viaHeader = await get(s2, "/v1/payers/user:ana/balance", { headers: { "X-Credits-User": "ana" } });
  assert.equal(viaHeader.json.wallet, 140);
  // A client's "at" is ignored without --trust-client-time.
  const old = await post(s2, "/v1/ops", { op: "top_up", at: "2001-01-01T00:00:00Z", payer: "user:ana", credits: 1, key: "t2" });
  assert.equal(old.status, 200);
  const health = await get(s2, "/healthz", { token: null });
  assert.equal(health.status, 200);
  assert.equal(health.json.rate_card, CARD_VERSION);
  const metrics = await get(s2, "/metrics", { token: null });
  assert.match(metrics.text, /credits_ops_accepted_total \d+/);
  assert.match(metrics.text, /credits_http_requests_total\{route="charges",status="200"\} 1/);
});

test("auth and bad input: the right status and code each time, and no money moves", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db"), args: ["--max-body", "65536"] });
  t.after(() => s.stop());
  await setupPeople(s);
  const before = {
    ws: (await get(s, "/v1/payers/workspace:studio/balance?user=maya")).json,
    zoe: (await get(s, "/v1/payers/user:zoe/balance?user=zoe")).json,
    seq: (await get(s, "/healthz")).json.journal_seq,
  };
  const expect = async (what, r, status, code) => {
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.equal(r.json?.ok, false, what);
    assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
    return r;
  };
  const good = charge("leo", "k-good");
  await expect("no token", await post(s, "/v1/charges", good, { token: null }), 401, "unauthorized");
  await expect("wrong token", await post(s, "/v1/charges", good, { token: s.token.slice(0, -1) + "x" }), 401, "unauthorized");
  await expect("token prefix", await post(s, "/v1/charges", good, { token: s.token.slice(0, 10) }), 401, "unauthorized");
  await expect("token too long", await post(s, "/v1/charges", good, { token: s.token + "0" }), 401, "unauthorized");
  await expect("basic auth", await post(s, "/v1/charges", good, { token: null, headers: { Authorization: "Basic " + s.token } }), 401, "unauthorized");
  for (const route of ["/v1/ops", "/v1/quotes", "/v1/plans", "/v1/topups", "/v1/charges/x/fail", "/v1/charges/x/complete"])
    await expect(`no token ${route}`, await post(s, route, {}, { token: null }), 401, "unauthorized");
  for (const route of ["/v1/rate-card", "/v1/payers/user:zoe/balance?user=zoe", "/v1/payers/user:zoe/usage?user=zoe"])
    await expect(`no token ${route}`, await get(s, route, { token: null }), 401, "unauthorized");
  // Membership and admin rules (SPEC §5).
  await post(s, "/v1/ops", { op: "switch", user: "ines", workspace: "studio" }).then((r) => expect("switch into a workspace one is not in", r, 403, "not_member"));
  await expect("non-member reads a workspace", await get(s, "/v1/payers/workspace:studio/balance?user=ines"), 403, "not_member");
  await expect("another user's balance", await get(s, "/v1/payers/user:zoe/usage?user=leo"), 403, "not_member");
  await expect("unknown viewer", await get(s, "/v1/payers/user:zoe/balance?user=nobody"), 404, "unknown_user");
  await expect("no viewer", await get(s, "/v1/payers/user:zoe/balance"), 400, "invalid_op");
  await expect("member tops up a workspace", await post(s, "/v1/topups", { payer: "workspace:studio", credits: 5, key: "k-top", by: "leo" }), 403, "not_admin");
  await expect("user tops up another's account", await post(s, "/v1/topups", { payer: "user:zoe", credits: 5, key: "k-top2", by: "leo" }), 403, "not_admin");
  await expect("member adds a member", await post(s, "/v1/ops", { op: "add_member", workspace: "studio", user: "ines", by: "leo" }), 403, "not_admin");
  // Removed member: not_member on the next charge, never charged elsewhere.
  await post(s, "/v1/ops", { op: "add_member", workspace: "studio", user: "zoe", by: "maya" });
  await post(s, "/v1/ops", { op: "switch", user: "zoe", workspace: "studio" });
  await post(s, "/v1/ops", { op: "remove_member", workspace: "studio", user: "zoe", by: "maya" });
  await expect("removed member charges", await post(s, "/v1/charges", charge("zoe", "k-zoe")), 403, "not_member");
  // Prices and cards (SPEC §8).
  const forged = await expect("forged price", await post(s, "/v1/charges", { ...good, quoted: 1 }), 409, "price_mismatch");
  assert.match(forged.json.error.message, /server prices this node at 8/);
  await expect("forged range", await post(s, "/v1/charges", { ...good, quoted: { min: 1, max: 8 } }), 409, "price_mismatch");
  const stale = await expect("stale card", await post(s, "/v1/charges", { ...good, rate_card: "2025-01-01" }), 409, "stale_rate_card");
  assert.match(stale.json.error.message, new RegExp(CARD_VERSION));
  await expect("unknown model", await post(s, "/v1/charges", { ...good, node: { id: "n", model: "nope" } }), 400, "unknown_model");
  await expect("bad param", await post(s, "/v1/charges", { ...good, node: { id: "n", model: "veo-3", params: { duration_s: 99 } } }), 400, "invalid_param");
  // Malformed, oversize and huge input.
  await expect("malformed JSON", await post(s, "/v1/charges", '{"user":"leo",'), 400, "invalid_json");
  await expect("malformed JSON op", await post(s, "/v1/ops", "not json"), 400, "invalid_json");
  await expect("malformed quote", await post(s, "/v1/quotes", "{"), 400, "invalid_json");
  await expect("deep JSON", await post(s, "/v1/ops", "[".repeat(5000)), 400, "invalid_json");
  await expect("body not an object", await post(s, "/v1/charges", "[1,2]"), 400, "invalid_op");
  await expect("oversize body", await post(s, "/v1/charges", JSON.stringify({ ...good, pad: "x".repeat(70000) })), 413, "payload_too_large");
  await expect("oversize op", await post(s, "/v1/ops", "x".repeat(200000)), 413, "payload_too_large");
  await expect("credits 1e400", await post(s, "/v1/topups", '{"payer":"user:zoe","credits":1e400,"key":"h1"}'), 400, "invalid_json");
  await expect("credits 10^20", await post(s, "/v1/topups", '{"payer":"user:zoe","credits":100000000000000000000,"key":"h2"}'), 400, "invalid_op");
  await expect("credits 2^63", await post(s, "/v1/topups", '{"payer":"user:zoe","credits":9223372036854775808,"key":"h3"}'), 400, "invalid_op");
  await expect("credits 10^15+1", await post(s, "/v1/topups", { payer: "user:zoe", credits: 1e15 + 1, key: "h4" }), 400, "invalid_op");
  await expect("negative credits", await post(s, "/v1/topups", { payer: "user:zoe", credits: -5, key: "h5" }), 400, "invalid_op");
  await expect("huge duration", await post(s, "/v1/charges", { ...good, node: { id: "n", model: "veo-3", params: { duration_s: 1e15 } } }), 400, "invalid_param");
  await expect("huge batch", await post(s, "/v1/charges", { ...good, node: { id: "n", model: "nano-banana", params: { num_images: 2 ** 40 } }, quoted: 1 }), 400, "invalid_param");
  await expect("huge quoted", await post(s, "/v1/charges", { ...good, quoted: 1e30 }), 400, "invalid_op");
  await expect("huge limit", await get(s, "/v1/payers/user:zoe/usage?user=zoe&limit=99999999999999999999"), 400, "invalid_op");
  await expect("unknown field", await post(s, "/v1/charges", { ...good, credits: 1 }), 400, "invalid_op");
  await expect("unknown charge", await post(s, "/v1/charges/nope/fail", {}), 404, "unknown_charge");
  await expect("key not UTF-8", await post(s, "/v1/charges/%FF%FE/fail", {}), 400, "invalid_json");
  await expect("payer not UTF-8", await get(s, "/v1/payers/user:%FF/balance?user=zoe"), 403, "not_member");
  await expect("unknown route", await post(s, "/v1/nothing", {}), 404, "not_found");
  await expect("wrong method", await call(s, "DELETE", "/v1/charges"), 405, "method_not_allowed");
  // Not enough money.
  await expect("insufficient", await post(s, "/v1/charges", { ...charge("ines", "k-ines", NODES[3]) }), 402, "insufficient_credits");

  const after = {
    ws: (await get(s, "/v1/payers/workspace:studio/balance?user=maya")).json,
    zoe: (await get(s, "/v1/payers/user:zoe/balance?user=zoe")).json,
  };
  assert.deepEqual(after.ws, before.ws, "no money moved in the workspace");
  assert.deepEqual(after.zoe, before.zoe, "no money moved for zoe");
  // Only the membership changes above reached the journal (add, switch, remove).
  assert.equal((await get(s, "/healthz")).json.journal_seq, before.seq + 3);
  // The good charge still goes through afterwards.
  const ok = await post(s, "/v1/charges", good);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.payer, "workspace:studio");
});

test("concurrent retries of one key charge once", async (t) => {
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  await setupPeople(s);
  const body = charge("leo", "same-key", NODES[3]);
  const results = await Promise.all(Array.from({ length: 40 }, () => post(s, "/v1/charges", body)));
  assert.ok(results.every((r) => r.status === 200), results.map((r) => r.text).join());
  assert.equal(results.filter((r) => !r.json.replayed).length, 1);
  assert.equal(results.filter((r) => r.json.replayed === true).length, 39);
  const b = await get(s, "/v1/payers/workspace:studio/balance?user=leo");
  assert.equal(b.json.wallet, 1000 - 160);
  // The same key with other content is a conflict; a refund happens once.
  const conflict = await post(s, "/v1/charges", { ...body, node: NODES[0].node, quoted: 1 });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.json.error.code, "idempotency_conflict");
  const fails = await Promise.all(Array.from({ length: 10 }, () => post(s, "/v1/charges/same-key/fail", {})));
  assert.equal(fails.filter((r) => r.status === 200).length, 1);
  assert.ok(fails.filter((r) => r.status !== 200).every((r) => r.json.error.code === "already_refunded"));
  assert.equal((await get(s, "/v1/payers/workspace:studio/balance?user=leo")).json.wallet, 1000);
});

test("rate card swap: admin route and SIGHUP, atomic, old version stale, survives restart", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "l.db");
  const cardFile = path.join(dir, "card.json");
  const sample = JSON.parse(readFileSync(SAMPLE_CARD, "utf8"));
  writeFileSync(cardFile, JSON.stringify(sample));
  let s = await startServer({ t, db, card: cardFile });
  await setupPeople(s);
  const c1 = await post(s, "/v1/charges", charge("leo", "before-swap"));
  assert.equal(c1.status, 200);

  // A new card through the admin route.
  const v2 = structuredClone(sample);
  v2.version = "2026-12-01";
  const swap = await post(s, "/v1/admin/rate-card", JSON.stringify(v2));
  assert.equal(swap.status, 200, swap.text);
  assert.deepEqual(swap.json, { changed: true, ok: true, previous: CARD_VERSION, rate_card: "2026-12-01" });
  const stale = await post(s, "/v1/charges", charge("leo", "after-swap"));
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.code, "stale_rate_card");
  assert.match(stale.json.error.message, /2026-12-01/);
  const q = await post(s, "/v1/quotes", NODES[2].node);
  assert.equal(q.json.rate_card, "2026-12-01");
  const c2 = await post(s, "/v1/charges", { ...charge("leo", "after-swap"), quoted: q.json.credits, rate_card: "2026-12-01" });
  assert.equal(c2.status, 200, c2.text);
  assert.equal((await get(s, "/v1/rate-card")).json.version, "2026-12-01");
  // The same version with other content is refused; an invalid card lists its problems.
  const v2b = structuredClone(v2);
  v2b.models = v2b.models.filter((m) => m.id !== "veo-3");
  const conflict = await post(s, "/v1/admin/rate-card", JSON.stringify(v2b));
  assert.equal(conflict.status, 409);
  assert.equal(conflict.json.error.code, "invalid_rate_card");
  const bad = await post(s, "/v1/admin/rate-card", JSON.stringify({ version: "x", models: [{ id: "m", kind: "hologram" }] }));
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_rate_card");
  assert.ok(bad.json.error.errors.length >= 1);
  assert.equal((await post(s, "/v1/admin/rate-card", JSON.stringify(v2))).json.changed, false, "the same card again is a no-op");
  assert.equal((await post(s, "/v1/admin/rate-card", "nope")).json.error.code, "invalid_rate_card");

  // SIGHUP reloads --rate-card: back to the first version (reused as it was).
  writeFileSync(cardFile, JSON.stringify(sample, null, 2));
  s.proc.kill("SIGHUP");
  for (let i = 0; i < 100 && (await get(s, "/healthz")).json.rate_card !== CARD_VERSION; i++) await sleep(50);
  assert.equal((await get(s, "/healthz")).json.rate_card, CARD_VERSION);
  // Completing the charge made on 2026-12-01 settles on its own card.
  assert.equal((await post(s, "/v1/charges/after-swap/complete", {})).status, 200);
  const c3 = await post(s, "/v1/charges", charge("leo", "after-sighup"));
  assert.equal(c3.status, 200, c3.text);
  const wallet = (await get(s, "/v1/payers/workspace:studio/balance?user=leo")).json.wallet;
  await s.stop();

  // Restart: the journal replays across both swaps and the state is the same.
  s = await startServer({ t, db, card: cardFile });
  t.after(() => s.stop());
  assert.equal(s.info.recovered.ok, true);
  assert.equal((await get(s, "/v1/payers/workspace:studio/balance?user=leo")).json.wallet, wallet);
  const replayed = await post(s, "/v1/charges", { ...charge("leo", "after-swap"), quoted: q.json.credits, rate_card: "2026-12-01" });
  assert.equal(replayed.json.replayed, true);
  assert.equal(replayed.json.rate_card, "2026-12-01");
});

test("static files, slow clients and restarts", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "l.db");
  const www = path.join(dir, "www");
  mkdirSync(www);
  writeFileSync(path.join(www, "index.html"), "<!doctype html><title>demo</title>");
  let s = await startServer({ t, db, args: ["--static", www, "--read-timeout", "1", "--keep-alive", "1"] });
  const page = await fetch(s.url + "/index.html");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /demo/);
  assert.equal((await fetch(s.url + "/")).status, 200);
  assert.equal((await get(s, "/healthz", { token: null })).status, 200);

  // A client that stalls mid-request, mid-headers or before sending anything is dropped after
  // the read timeout (1 s) and the keep-alive timeout (1 s).
  const port = new URL(s.url).port;
  const dropped = (bytes) =>
    new Promise((resolve, reject) => {
      const sock = net.connect(port, "127.0.0.1");
      const t0 = Date.now();
      sock.on("connect", () => sock.write(bytes));
      sock.on("data", () => {});
      sock.on("close", () => resolve(Date.now() - t0));
      sock.on("error", () => {});
      setTimeout(() => reject(new Error("slow client not dropped: " + JSON.stringify(bytes))), 8000);
    });
  const times = await Promise.all([
    dropped('POST /v1/charges HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"user"'),
    dropped("POST /v1/charges HTTP/1.1\r\nHost: x\r\n"),
    dropped(""),
  ]);
  for (const ms of times) assert.ok(ms < 4000, `dropped after ${ms} ms`);

  await setupPeople(s);
  const token = s.token;
  const before = (await get(s, "/v1/payers/workspace:studio/usage?user=maya")).json;
  await s.stop();
  s = await startServer({ t, db });
  t.after(() => s.stop());
  assert.equal(s.token, token, "the token survives a restart");
  const after = (await get(s, "/v1/payers/workspace:studio/usage?user=maya")).json;
  assert.deepEqual(after.wallet, before.wallet);
  assert.deepEqual(after.totals, before.totals);
});

test("the server refuses to start when the ledger does not match its journal", async (t) => {
  const sqlite = spawnSync("sqlite3", ["-version"]);
  if (!PG_URL && sqlite.status !== 0) return t.skip("no sqlite3 command");
  const dir = tempDir(t);
  const db = path.join(dir, "l.db");
  const s = await startServer({ t, db });
  await setupPeople(s);
  await post(s, "/v1/charges", charge("leo", "c1"));
  await s.stop();
  // The same SQL on either store: sqlite3 on the file, or psql on the test's database.
  const tamper = (sql) => {
    if (PG_URL) return psql(sql, dbArg(db).match(/\/\/\/([^?]+)/)[1]);
    const r = spawnSync("sqlite3", [db, sql], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  };
  tamper("UPDATE payers SET wallet = wallet + 100 WHERE payer = 'workspace:studio'");
  const r = startFails({ db });
  assert.equal(r.code, 2);
  const err = JSON.parse(r.stderr.trim().split("\n").pop());
  assert.equal(err.error.code, "ledger_mismatch");
  assert.match(err.error.report.problems[0], /workspace:studio: stored .*wallet 1092.*replay .*wallet 992/);
  tamper("UPDATE payers SET wallet = wallet - 100 WHERE payer = 'workspace:studio'");
  tamper("DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)");
  const r2 = startFails({ db });
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /ledger_mismatch/);
  // A token file that is given must exist.
  const r3 = startFails({ db: path.join(dir, "other.db"), args: ["--token-file", path.join(dir, "missing")] });
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /unreadable_file/);
  assert.ok(existsSync(BIN));
});

// --- hardening (issue 7 "fix on the way", issue 8 item 8) -----------------------------------

// curl as people type it: `-d @file` sends curl's default Content-Type,
// application/x-www-form-urlencoded. Returns {status, json}.
function curl(s, route, args) {
  const r = spawnSync("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "-H", `Authorization: Bearer ${s.token}`, ...args, s.url + route], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, r.stderr);
  const nl = r.stdout.lastIndexOf("\n");
  const text = r.stdout.slice(0, nl);
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: Number(r.stdout.slice(nl + 1)), text, json };
}

test("JSON bodies up to --max-body are read whatever the Content-Type (curl -d)", async (t) => {
  if (spawnSync("curl", ["--version"]).status !== 0) return t.skip("no curl command");
  const dir = tempDir(t);
  const s = await startServer({ t, db: path.join(dir, "l.db") });
  t.after(() => s.stop());
  // The 40 KB sample card, form-encoded by curl: was 413 (cpp-httplib's 8 KB form limit).
  assert.ok(readFileSync(SAMPLE_CARD).length > 30000);
  const card = curl(s, "/v1/admin/rate-card", ["-d", "@" + SAMPLE_CARD]);
  assert.equal(card.status, 200, card.text);
  assert.deepEqual(card.json, { changed: false, ok: true, previous: CARD_VERSION, rate_card: CARD_VERSION });
  const v2 = { ...JSON.parse(readFileSync(SAMPLE_CARD, "utf8")), version: "2026-12-01" };
  writeFileSync(path.join(dir, "v2.json"), JSON.stringify(v2, null, 2));
  assert.equal(curl(s, "/v1/admin/rate-card", ["-d", "@" + path.join(dir, "v2.json")]).json.rate_card, "2026-12-01");
  // A large batch (~900 operations, over 8 KB) the same way.
  const ops = Array.from({ length: 900 }, (_, i) => ({ op: "create_user", user: `user-${i}` }));
  writeFileSync(path.join(dir, "batch.json"), JSON.stringify(ops));
  const batch = curl(s, "/v1/ops/batch", ["-d", "@" + path.join(dir, "batch.json")]);
  assert.equal(batch.status, 200, batch.text.slice(0, 300));
  assert.equal(batch.json.length, 900);
  assert.ok(batch.json.every((r) => r.ok === true));
  // A form-encoded body is not read as form fields: "user=..." in it names no viewer.
  const read = curl(s, "/v1/ops", ["-d", '{"op":"balance","payer":"user:user-1","x":"&user=user-2"}']);
  assert.equal(read.json.error.code, "invalid_op", read.text);
  // Over --max-body is still 413, with a Content-Length and chunked.
  writeFileSync(path.join(dir, "big.json"), JSON.stringify({ pad: "x".repeat(1100000) }));
  assert.equal(curl(s, "/v1/ops", ["--data-binary", "@" + path.join(dir, "big.json")]).status, 413);
  const chunked = curl(s, "/v1/ops", ["-H", "Transfer-Encoding: chunked", "--data-binary", "@" + path.join(dir, "big.json")]);
  assert.equal(chunked.status, 413);
  assert.equal(chunked.json.error.code, "payload_too_large");
  // A POST with no body at all is an empty object (the fail route documents it).
  const nobody = curl(s, "/v1/charges/nope/fail", ["-X", "POST"]);
  assert.equal(nobody.json.error.code, "unknown_charge", nobody.text);
  // A multipart form is refused as not JSON, not with a crash.
  assert.equal(curl(s, "/v1/ops", ["-F", "a=b"]).json.error.code, "invalid_json");
});

test("--static never serves the ledger, its token or dotfiles", async (t) => {
  const dir = tempDir(t);
  const www = path.join(dir, "www");
  mkdirSync(path.join(www, "sub"), { recursive: true });
  writeFileSync(path.join(www, "index.html"), "<!doctype html><title>demo</title>");
  // The db (or the token) inside the static folder, at any depth or through a symlink: refused
  // at start, before the db is created.
  const refuses = (db, args, what) => {
    const r = startFails({ db, args });
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    const err = JSON.parse(r.stderr.trim().split("\n").pop());
    assert.equal(err.error.code, "unsafe_static", what);
    assert.equal(existsSync(db), false, `${what}: no db created`);
  };
  refuses(path.join(www, "l.db"), ["--static", www], "db in the folder");
  refuses(path.join(www, "sub", "l.db"), ["--static", www], "db in a subfolder");
  refuses(`${www}/sub/../l.db`, ["--static", www], "db named through ..");
  symlinkSync(www, path.join(dir, "www-link"));
  refuses(path.join(www, "l.db"), ["--static", path.join(dir, "www-link")], "static folder through a symlink");
  writeFileSync(path.join(www, "t.txt"), "0123456789abcdef0123\n");
  refuses(path.join(dir, "l.db"), ["--static", www, "--token-file", path.join(www, "t.txt")], "token in the folder");

  // Served from a folder that holds dotfiles, db-like files and a link to the real ledger.
  const db = path.join(dir, "l.db");
  mkdirSync(path.join(www, ".git"));
  writeFileSync(path.join(www, ".git", "config"), "secret");
  writeFileSync(path.join(www, ".env"), "secret");
  writeFileSync(path.join(www, "sub", ".hidden"), "secret");
  for (const f of ["old.db", "OLD.DB", "x.db-wal", "x.db-shm", "a.token", "x.sqlite"]) writeFileSync(path.join(www, f), "secret");
  writeFileSync(path.join(www, "app.js"), "export {}");
  const s = await startServer({ t, db, args: ["--static", www] });
  t.after(() => s.stop());
  symlinkSync(db, path.join(www, "ledger.bin"));
  symlinkSync(db + ".token", path.join(www, "token.txt"));
  const status = async (p) => (await fetch(s.url + p)).status;
  assert.equal(await status("/"), 200);
  assert.equal(await status("/index.html"), 200);
  assert.equal(await status("/app.js"), 200);
  for (const p of ["/.env", "/.git/config", "/.git/", "/sub/.hidden", "/%2eenv", "/old.db", "/OLD.DB", "/x.db-wal",
                   "/x.db-shm", "/a.token", "/x.sqlite", "/ledger.bin", "/token.txt", "/sub/../.env", "/../l.db", "/%2e%2e/l.db",
                   "/old.db%00", "/old.db%00.html", "/a.token%00.js"]) {
    const code = await status(p);
    assert.ok(code === 404 || code === 400, `${p}: ${code}`);
  }
  // The routes still work beside the static files.
  assert.equal((await get(s, "/v1/rate-card")).status, 200);
});

test("a token file is checked before the db is touched: one line, 16+ printable characters", async (t) => {
  const dir = tempDir(t);
  const cases = [
    ["empty", ""],
    ["newline only", "\n"],
    ["short", "0123456789\n"],
    ["two lines", "0123456789abcdef0123\nsecond-line-here-1234\n"],
    ["a space inside", "0123456789 abcdef0123\n"],
    ["a tab inside", "0123456789\tabcdef0123\n"],
    ["leading space", " 0123456789abcdef0123\n"],
  ];
  for (const [what, text] of cases) {
    for (const given of [true, false]) {
      const db = path.join(dir, `${what.replace(/ /g, "-")}-${given}.db`);
      const tokenFile = given ? path.join(dir, `${what.replace(/ /g, "-")}.token-file`) : db + ".token";
      writeFileSync(tokenFile, text);
      const r = startFails({ db, args: given ? ["--token-file", tokenFile] : [] });
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stderr.trim().split("\n").pop()).error.code, "invalid_token", what);
      assert.equal(existsSync(db), false, `${what}: the db was not created`);
      assert.equal(r.stdout, "", `${what}: nothing on stdout`);
    }
  }
  // One line with or without its newline (or a CRLF) is accepted, and clients authenticate with it.
  for (const [what, text] of [["newline", "0123456789abcdef-X_y\n"], ["no newline", "0123456789abcdef-X_y"], ["crlf", "0123456789abcdef-X_y\r\n"]]) {
    const db = path.join(dir, `ok-${what.replace(/ /g, "-")}.db`);
    writeFileSync(db + ".token", text);
    const s = await startServer({ t, db });
    assert.equal(s.token, "0123456789abcdef-X_y");
    assert.equal((await get(s, "/v1/rate-card")).status, 200, what);
    assert.equal((await get(s, "/v1/rate-card", { token: "0123456789abcdef-X_" })).status, 401);
    await s.stop();
  }
});

// SQLite is one writer per file (several servers share a PostgreSQL ledger instead:
// tests/server/multi_server.test.mjs): a second server, or `credits ledger --db`, is refused
// while one runs; `credits journal --db` reads beside it; a killed server's lock goes with it.
test("a second writer on one SQLite file is refused: ledger_in_use", { skip: PG_URL ? "SQLite only" : false }, async (t) => {
  const db = path.join(tempDir(t), "one.db");
  const s = await startServer({ t, db });
  assert.equal((await post(s, "/v1/ops", { op: "create_user", user: "ana" })).status, 200);
  const second = startFails({ db });
  assert.equal(second.code, 2, second.stderr);
  const err = JSON.parse(second.stderr.trim().split("\n").pop());
  assert.equal(err.error.code, "ledger_in_use");
  assert.match(err.error.message, /one writer \(credits serve or credits ledger --db\) per SQLite file/);
  const r = spawnSync(BIN, ["ledger", "--db", db], { input: "", encoding: "utf8" });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /"code":"ledger_in_use"/);
  assert.ok(cli(["journal", "--db", db]).some((l) => l.includes('"user":"ana"')));
  await s.kill();
  const next = await startServer({ t, db });
  assert.equal((await get(next, "/v1/payers/user:ana/balance?user=ana")).status, 200);
  await next.stop();
});
