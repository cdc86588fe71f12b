// GET /v1/events (SPEC §11, docs/server.md "Balance events"): the `events` read, byte for byte
// what `credits ledger` answers for the same operation on the server's journal; a long poll
// (wait_s) answered as soon as a newer event is durable, or at its timeout with the empty page;
// the viewer rule of POST /v1/ops with X-Credits-User; bounded waiting; shutdown; restart.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { NODES, CARD_VERSION, get, post, sleep, startServer, tempDir, ledgerAnswer } from "./lib.mjs";

const VIDEO = NODES[3]; // 160 credits
const charge = (user, key) => ({ user, key, node: VIDEO.node, quoted: VIDEO.credits, rate_card: CARD_VERSION });

async function ok(s, route, body) {
  const r = await post(s, route, body);
  assert.equal(r.status, 200, `${route} ${JSON.stringify(body)}: ${r.text}`);
  return r.json;
}

// ana: a 400-credit wallet and an alert below 300; leo: a 500-credit wallet and an alert below
// 1000 (low at once: event 1). One video of ana's takes her to 240: event 2.
async function seed(s) {
  for (const op of [
    { op: "create_user", user: "ana" },
    { op: "create_user", user: "leo" },
    { op: "create_workspace", workspace: "studio", admin: "ana" },
  ])
    await ok(s, "/v1/ops", op);
  await ok(s, "/v1/topups", { payer: "user:ana", credits: 400, key: "t-ana" });
  await ok(s, "/v1/topups", { payer: "user:leo", credits: 500, key: "t-leo" });
  await ok(s, "/v1/ops", { op: "set_alert", payer: "user:ana", below: 300 });
  await ok(s, "/v1/ops", { op: "set_alert", payer: "user:leo", below: 1000 });
  await ok(s, "/v1/charges", charge("ana", "a1"));
}


async function metric(s, name) {
  const r = await get(s, "/metrics", { token: null });
  const line = r.text.split("\n").find((l) => l.startsWith(name + " ") || l.startsWith(name + "{"));
  return line ? Number(line.split(" ").at(-1)) : undefined;
}

// Polls /metrics until `name` reaches `value` (a request is parked, say).
async function until(s, name, value, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await metric(s, name);
    if (v >= value) return v;
    if (Date.now() > end) throw new Error(`${name} stayed ${v}, expected ${value}`);
    await sleep(20);
  }
}

// A GET that is left running; `at` is when it was answered.
function pending(s, route, opts) {
  const t0 = Date.now();
  return get(s, route, opts).then((r) => ({ ...r, at: Date.now(), elapsed: Date.now() - t0 }));
}

async function started(t, db, args) {
  const s = await startServer({ t, db, args });
  t.after(() => s.stop());
  return s;
}

test("GET events is the events read, byte for byte as credits ledger answers it", async (t) => {
  const db = path.join(tempDir(t), "l.db");
  const s = await started(t, db);
  await seed(s);
  const all = await get(s, "/v1/events?after=0&limit=10");
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.json.events.map((e) => [e.seq, e.type, e.payer]), [
    [1, "balance_low", "user:leo"],
    [2, "balance_low", "user:ana"],
  ]);
  assert.equal(all.json.last_seq, 2);
  assert.equal(all.text, ledgerAnswer(db, { op: "events", after: 0, limit: 10 }) + "\n");
  const page = await get(s, "/v1/events?after=1&limit=1");
  assert.equal(page.text, ledgerAnswer(db, { op: "events", after: 1, limit: 1 }) + "\n");
  assert.equal((await get(s, "/v1/events")).text, ledgerAnswer(db, { op: "events" }) + "\n");
  const viaOps = await post(s, "/v1/ops", { op: "events", after: 0, limit: 10 });
  assert.equal(viaOps.text, all.text);
  // The core refuses what it refuses on /v1/ops, with its path.
  for (const [query, ptr] of [["after=x", "/after"], ["limit=0", "/limit"], ["limit=5000", "/limit"]]) {
    const r = await get(s, `/v1/events?${query}`);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.op, "events", r.text);
    assert.equal(r.json.error.path, ptr, r.text);
  }
  assert.equal(await metric(s, 'credits_http_requests_total{route="events",status="200"}'), 3);
});

test("GET events: the token, and wait_s from 0 to 60", async (t) => {
  const s = await started(t, path.join(tempDir(t), "l.db"));
  const noToken = await get(s, "/v1/events?after=0", { token: null });
  assert.equal(noToken.status, 401, noToken.text);
  const badToken = await get(s, "/v1/events?after=0&wait_s=5", { token: "x".repeat(32) });
  assert.equal(badToken.status, 401, badToken.text);
  for (const w of ["61", "100", "-1", "1.5", "abc", "", "0x1", "9999999999"]) {
    const r = await get(s, `/v1/events?after=0&wait_s=${encodeURIComponent(w)}`);
    assert.equal(r.status, 400, `wait_s=${w}: ${r.text}`);
    assert.equal(r.json.op, "events");
    assert.equal(r.json.error.code, "invalid_op");
    assert.equal(r.json.error.path, "/wait_s");
  }
  const now = await get(s, "/v1/events?after=0&wait_s=0");
  assert.equal(now.text, '{"events":[],"last_seq":0,"ok":true,"op":"events"}\n');
});

test("a waiting GET is answered when an event is durable, before its timeout", async (t) => {
  const db = path.join(tempDir(t), "l.db");
  const s = await started(t, db);
  await seed(s);
  const waiting = pending(s, "/v1/events?after=2&wait_s=10");
  await until(s, "credits_events_waiting", 1);
  // 240 -> 80 credits: still below 300, no event; then a top-up to 1080: balance_recovered.
  await ok(s, "/v1/charges", charge("ana", "a2"));
  await sleep(100);
  assert.equal(await metric(s, "credits_events_waiting"), 1, "no event yet: still waiting");
  const posted = Date.now();
  await ok(s, "/v1/topups", { payer: "user:ana", credits: 1000, key: "t-ana-2" });
  const r = await waiting;
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.events.map((e) => [e.seq, e.type, e.payer, e.available]), [[3, "balance_recovered", "user:ana", 1080]]);
  assert.ok(r.at >= posted, "answered after the event, not before");
  assert.ok(r.elapsed < 10000, `answered before the timeout (${r.elapsed} ms)`);
  assert.equal(r.text, ledgerAnswer(db, { op: "events", after: 2 }) + "\n");
  assert.equal(await metric(s, "credits_events_woken_total"), 1);
  assert.equal(await metric(s, "credits_events_waiting"), 0);
});

test("a waiting GET with no event is answered at its timeout with the empty page", async (t) => {
  const db = path.join(tempDir(t), "l.db");
  const s = await started(t, db);
  await seed(s);
  const r = await pending(s, "/v1/events?after=2&wait_s=1");
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, '{"events":[],"last_seq":2,"ok":true,"op":"events"}\n');
  assert.equal(r.text, ledgerAnswer(db, { op: "events", after: 2 }) + "\n");
  assert.ok(r.elapsed >= 900 && r.elapsed < 10000, `${r.elapsed} ms`);
  assert.equal(await metric(s, "credits_events_timeouts_total"), 1);
  assert.equal(await metric(s, "credits_events_waits_total"), 1);
  // A page that has events is answered at once, whatever wait_s.
  const now = await pending(s, "/v1/events?after=1&wait_s=30");
  assert.equal(now.json.events.length, 1, now.text);
  assert.ok(now.elapsed < 10000, `${now.elapsed} ms`);
});

test("GET events with a viewer: only the payers that user may view; waits for one of theirs", async (t) => {
  const db = path.join(tempDir(t), "l.db");
  const s = await started(t, db);
  await seed(s);
  const leo = await get(s, "/v1/events?after=0&user=leo");
  assert.equal(leo.status, 200, leo.text);
  assert.deepEqual(leo.json.events.map((e) => e.payer), ["user:leo"]);
  assert.equal(leo.json.last_seq, 2, "last_seq is the log's");
  const viaOps = await post(s, "/v1/ops", { op: "events", after: 0 }, { headers: { "X-Credits-User": "leo" } });
  assert.equal(leo.text, viaOps.text);
  const ana = await get(s, "/v1/events?after=0", { headers: { "X-Credits-User": "ana" } });
  assert.deepEqual(ana.json.events.map((e) => e.payer), ["user:ana"]);
  const nobody = await get(s, "/v1/events?after=0&user=nobody");
  assert.equal(nobody.status, 404, nobody.text);
  assert.equal(nobody.json.error.code, "unknown_user");

  // leo waits; ana's event does not answer him (his page stays empty), his own does.
  const waiting = pending(s, "/v1/events?after=2&wait_s=20&user=leo");
  await until(s, "credits_events_waiting", 1);
  await ok(s, "/v1/topups", { payer: "user:ana", credits: 1000, key: "t-ana-2" }); // event 3, ana's
  await until(s, "credits_events_woken_total", 1);
  await sleep(100);
  assert.equal(await metric(s, "credits_events_waiting"), 1, "leo is still waiting");
  const posted = Date.now();
  await ok(s, "/v1/topups", { payer: "user:leo", credits: 600, key: "t-leo-2" }); // event 4, leo's
  const r = await waiting;
  assert.equal(r.status, 200, r.text);
  assert.ok(r.at >= posted, "not answered by ana's event");
  assert.deepEqual(r.json.events.map((e) => [e.seq, e.type, e.payer]), [[4, "balance_recovered", "user:leo"]]);
  assert.equal(r.json.last_seq, 4);
});

// (--read-timeout 1: a wait outlives the connection's read deadline, which bounds reading.)
test("waiting is bounded: over half the connection cap, 503 unavailable", async (t) => {
  const s = await started(t, path.join(tempDir(t), "l.db"), ["--max-connections", "6", "--read-timeout", "1"]);
  const waiting = [0, 1, 2].map(() => pending(s, "/v1/events?after=0&wait_s=2"));
  await until(s, "credits_events_waiting", 3);
  const over = await get(s, "/v1/events?after=0&wait_s=2");
  assert.equal(over.status, 503, over.text);
  assert.equal(over.json.error.code, "unavailable");
  assert.equal(over.json.op, "events");
  // Without wait_s the same request is answered at once.
  assert.equal((await get(s, "/v1/events?after=0")).status, 200);
  for (const r of await Promise.all(waiting)) assert.equal(r.status, 200, r.text);
  assert.equal(await metric(s, "credits_events_wait_refused_total"), 1);
  assert.equal((await get(s, "/v1/events?after=0&wait_s=1")).status, 200, "a slot is free again");
});

test("on shutdown a waiting GET is answered with its empty page; events survive a restart", async (t) => {
  const db = path.join(tempDir(t), "l.db");
  const s = await startServer({ t, db });
  await seed(s);
  const before = await get(s, "/v1/events?after=0");
  const waiting = pending(s, "/v1/events?after=2&wait_s=30");
  await until(s, "credits_events_waiting", 1);
  const exited = s.stop();
  const r = await waiting;
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, '{"events":[],"last_seq":2,"ok":true,"op":"events"}\n');
  assert.ok(r.elapsed < 10000, `answered at shutdown, not at wait_s (${r.elapsed} ms)`);
  assert.equal((await exited).code, 0);

  const again = await started(t, db);
  const after = await get(again, "/v1/events?after=0");
  assert.equal(after.text, before.text, "rebuilt from the journal");
  const waitingAgain = pending(again, "/v1/events?after=2&wait_s=10");
  await until(again, "credits_events_waiting", 1);
  await ok(again, "/v1/topups", { payer: "user:ana", credits: 1000, key: "t-ana-2" });
  const r2 = await waitingAgain;
  assert.deepEqual(r2.json.events.map((e) => e.seq), [3], r2.text);
});
