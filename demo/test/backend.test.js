// The demo backend against the real `credits serve` (build/native/credits), started as a person
// starts it (node demo/backend/server.js, PORT=0, DEMO_LATENCY_MS=0, a temp DEMO_DB). The tests
// share one backend and run in order, like one visitor's session; each says what it leaves.
//
//   node --test demo/test/backend.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cli, startBackend } from './backend-support.js';

const canvas = JSON.parse(readFileSync(path.join(ROOT, 'demo/canvas.json'), 'utf8'));
const DAY = 86_400_000;
let b;
let dist;

before(async () => {
  // A stand-in for the built page, so the static rules are tested whether or not demo/dist is
  // built: a hidden file, and a symlink from the assets to the ledger itself.
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  dist = mkdtempSync(path.join(tmpdir(), 'credits-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'export {};');
  writeFileSync(path.join(dist, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(dist, 'assets', 'credits.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(path.join(dist, 'assets', '.secret'), 'secret');
  writeFileSync(path.join(dist, 'secret.txt'), 'outside the assets');
  b = await startBackend({ env: { DEMO_DIST: dist } });
  symlinkSync(b.db, path.join(dist, 'assets', 'ledger.js'));
});

after(async () => {
  const r = await b?.stop();
  assert.equal(r?.code, 0, 'SIGTERM stops the backend cleanly');
});

const me = async (as) => (await b.api('GET', '/api/me', undefined, { as })).json;
const available = (bal) => bal.subscription.remaining + bal.wallet;
const balanceOf = async (payer, as = 'maya') => (await b.api('GET', `/api/billing?payer=${payer}`, undefined, { as })).json.balance;

// The page's request for `graph` on `balance`: shown = the CLI plan's figures, run = the plan's
// order without the skipped nodes.
function runRequest(graph, balance, provider = 'reliable') {
  const plan = JSON.parse(cli(['plan', '--balance', JSON.stringify(balance)], JSON.stringify(graph)));
  const shown = Object.fromEntries(plan.nodes.map((n) => [n.id, { min: n.min, max: n.max }]));
  const skip = new Set(graph.nodes.filter((n) => n.skip).map((n) => n.id));
  return { plan, body: { graph, run: plan.order.filter((id) => !skip.has(id)), shown, rate_card: plan.rate_card, provider } };
}
const nodeEvents = (events, status) => events.filter((e) => e.type === 'node' && e.status === status);
const finalStatus = (events) => {
  const s = {};
  for (const e of events) if (e.type === 'node' && !['running', 'charged', 'repriced'].includes(e.status)) s[e.id] = e.status;
  return s;
};

test('the seed: a month ending now, live periods, every payer conserved, ines near her cap', async () => {
  const maya = await me('maya');
  assert.equal(maya.payer, 'user:maya');
  assert.equal(maya.context, null);
  assert.deepEqual(maya.workspaces, [{ id: 'studio', name: 'Studio', role: 'admin' }]);
  const sub = maya.balance.subscription;
  assert.equal(sub.status, 'active');
  assert.equal(sub.quota, 1000);
  assert.ok(sub.remaining > 0 && sub.remaining < 1000, `partly spent: ${sub.remaining}`);
  const now = Date.now();
  assert.ok(Date.parse(sub.resets_at) > now, `maya's period resets in the future: ${sub.resets_at}`);
  assert.ok(Date.parse(sub.period_start) < now - 10 * DAY && Date.parse(sub.period_start) > now - 20 * DAY, 'one reset happened 14-17 days ago');
  assert.ok(maya.balance.totals.expired > 0, 'what was left at the reset expired');
  assert.equal(maya.balance.wallet, 500);
  assert.ok(available(maya.balance) >= 400, 'maya can afford the sample canvas personally');

  const leo = await me('leo');
  assert.equal(leo.context, 'studio');
  assert.equal(leo.payer, 'workspace:studio');
  assert.deepEqual(leo.workspaces, [{ id: 'studio', name: 'Studio', role: 'member' }]);
  const ines = await me('ines');
  assert.equal(ines.context, 'studio');

  for (const [payer, as] of [['user:maya', 'maya'], ['user:leo', 'leo'], ['user:ines', 'ines'], ['workspace:studio', 'maya']]) {
    const bal = await balanceOf(payer, as);
    const t = bal.totals;
    assert.equal(t.granted + t.topped_up, t.spent - t.refunded + t.expired + bal.subscription.remaining + bal.wallet, `${payer} conserves credits`);
  }
  assert.equal((await balanceOf('user:leo', 'leo')).subscription.status, 'none');
  assert.equal((await balanceOf('user:ines', 'ines')).subscription.status, 'active');
  const studio = await balanceOf('workspace:studio');
  assert.equal(studio.subscription.quota, 5000);
  assert.ok(Date.parse(studio.subscription.resets_at) > now);
  assert.ok(available(studio) >= 2000, 'the studio can afford the sample canvas');

  // The history: about a month, the newest a few minutes ago and never in the future, with
  // failures refunded and ranged generations settled.
  const all = (await b.api('GET', '/api/usage.json?payer=user:maya')).json;
  const times = all.generations.map((g) => Date.parse(g.at));
  assert.ok(Math.max(...times) <= now && Math.max(...times) > now - 15 * 60_000, `the newest is minutes old: ${all.generations[0].at}`);
  assert.ok(Math.min(...times) < now - 40 * DAY, 'the oldest is over 40 days old');
  assert.deepEqual(times, [...times].sort((x, y) => y - x), 'newest first');
  const statuses = new Set(all.generations.map((g) => g.status));
  assert.ok(statuses.has('refunded') && statuses.has('settled'), [...statuses].join());
  assert.ok(new Set(all.generations.map((g) => g.model)).size >= 12, 'many models');

  // ines: 560 of her 600 cap spent in the studio's current period, so the canvas is over it.
  const usage = (await b.api('GET', '/api/billing?payer=workspace:studio')).json.usage;
  const spent = usage.by_member.find((m) => m.user === 'ines').credits;
  assert.ok(spent >= 550 && spent < 600, `ines spent ${spent} of 600`);
  const { plan } = runRequest(canvas, { subscription: 0, wallet: 0 });
  assert.ok(spent + plan.total.min > 600, 'the sample canvas is over her cap');
});

test('a reliable run charges exactly the CLI plan\'s figures and the balance moves by exactly the charged sum', async () => {
  const before = (await me('maya')).balance;
  const { plan, body } = runRequest(canvas, { subscription: before.subscription.remaining, wallet: before.wallet });
  const r = await b.run(body, { as: 'maya' });
  assert.equal(r.status, 200);
  const ev = r.events;
  assert.deepEqual(ev[0], { type: 'start', payer: 'user:maya', nodes: body.run.length });
  // The whole budget is held first: exactly the plan's maximum, planned by the server.
  assert.equal(ev[1].type, 'reservation');
  assert.equal(ev[1].ok, true);
  assert.equal(ev[1].reservation.credits, plan.total.max);
  assert.deepEqual(Object.keys(ev[1].reservation.nodes).sort(), [...body.run].sort());
  assert.deepEqual(finalStatus(ev), Object.fromEntries(body.run.map((id) => [id, 'done'])));
  const end = ev.at(-1);
  assert.equal(end.type, 'end');
  const planned = Object.fromEntries(plan.nodes.map((n) => [n.id, n]));
  let sum = 0;
  for (const d of nodeEvents(ev, 'done')) {
    const p = planned[d.id];
    assert.ok(d.credits >= p.min && d.credits <= p.max, `${d.id}: ${d.credits} within ${p.min}-${p.max}`);
    if (p.exact) assert.equal(d.credits, p.credits, `${d.id} is charged the plan's exact price`);
    assert.equal(d.settled.credits, d.credits);
    sum += d.credits;
  }
  // Held at send time: exactly the plan's figure (max for a range), except where binding narrowed
  // it, and then exactly the server's quote of the bound node.
  const repriced = Object.fromEntries(nodeEvents(ev, 'repriced').map((e) => [e.id, e.quote]));
  assert.ok(repriced.captions, 'the captions are repriced on the voiceover\'s actual length');
  assert.equal(repriced.captions.exact, true);
  let drawn = 0;
  for (const c of nodeEvents(ev, 'charged')) {
    const want = repriced[c.id] ? repriced[c.id].max : planned[c.id].max;
    assert.equal(c.charge.credits, want, `${c.id} held`);
    assert.equal(c.charge.payer, 'user:maya');
    assert.equal(c.charge.reservation, ev[1].reservation.reservation, `${c.id} is drawn from the run's hold`);
    drawn += c.charge.credits;
  }
  // What the run did not draw goes back at the end.
  const released = ev.find((e) => e.type === 'released');
  assert.equal(released.release.ok, true, JSON.stringify(released));
  assert.equal(released.release.released, plan.total.max - drawn);
  assert.equal(ev.at(-1).released, plan.total.max - drawn);
  // The ranged script node settled with the actual output tokens.
  const script = nodeEvents(ev, 'done').find((d) => d.id === 'script');
  assert.ok(script.usage.output_tokens > 0 && script.usage.output_tokens <= 2000);
  assert.equal(end.charged, sum);
  assert.equal(end.refunded, 0);
  const after = (await me('maya')).balance;
  assert.equal(available(before) - available(after), sum);
  assert.deepEqual(end.balance.subscription, after.subscription);
  // Downstream nodes got upstream outputs: the lip-sync on the 8 s clip, the poster on 4x.
  const outputs = Object.fromEntries(nodeEvents(ev, 'done').map((d) => [d.id, d.output]));
  assert.equal(outputs['hero-shot'].duration_s, '8');
  assert.equal(outputs.lipsync.duration_s, '8');
  assert.equal(outputs.poster.megapixels, '9.437184');
  // The billing page lists them newest first with those credits.
  const gens = (await b.api('GET', '/api/billing')).json.usage.generations.slice(0, body.run.length);
  assert.deepEqual(gens.map((g) => g.node).sort(), [...body.run].sort());
  assert.equal(gens.reduce((s, g) => s + g.credits, 0), sum);
});

test('a down provider: every node is charged then refunded, and the balance does not move', async () => {
  const before = (await me('maya')).balance;
  const { body } = runRequest(canvas, { subscription: before.subscription.remaining, wallet: before.wallet }, 'down');
  const { events } = await b.run(body, { as: 'maya' });
  const fin = finalStatus(events);
  // Only the nodes with no upstream run fail; the rest are blocked by their failed upstream.
  for (const id of body.run) assert.ok(['failed', 'blocked'].includes(fin[id]), `${id}: ${fin[id]}`);
  assert.ok(nodeEvents(events, 'failed').length >= 4);
  assert.equal(fin.lipsync, 'blocked');
  assert.equal(fin.foley, 'failed', 'the cached b-roll still feeds the foley');
  const held = nodeEvents(events, 'charged').reduce((s, e) => s + e.charge.credits, 0);
  const refunded = nodeEvents(events, 'failed').reduce((s, e) => s + e.refund.refunded, 0);
  assert.equal(refunded, held);
  const end = events.at(-1);
  assert.equal(end.charged, 0);
  assert.equal(end.refunded, held);
  assert.deepEqual((await me('maya')).balance.subscription, before.subscription);
  assert.equal((await me('maya')).balance.wallet, before.wallet);
  const gens = (await b.api('GET', '/api/billing')).json.usage.generations.slice(0, nodeEvents(events, 'failed').length);
  assert.ok(gens.every((g) => g.status === 'refunded'));
});

test('switching the context changes the payer of the next run, and only of it', async () => {
  const personal = (await me('maya')).balance;
  const studioBefore = await balanceOf('workspace:studio');
  const sw = await b.api('POST', '/api/context', { workspace: 'studio' }, { as: 'maya' });
  assert.equal(sw.status, 200, sw.text);
  assert.equal(sw.json.payer, 'workspace:studio');
  assert.equal(sw.json.context, 'studio');
  const { body } = runRequest(canvas, { subscription: studioBefore.subscription.remaining, wallet: studioBefore.wallet });
  const { events } = await b.run(body, { as: 'maya' });
  assert.equal(events[0].payer, 'workspace:studio');
  assert.ok(nodeEvents(events, 'charged').every((e) => e.charge.payer === 'workspace:studio'));
  const end = events.at(-1);
  assert.equal(end.payer, 'workspace:studio');
  assert.equal(available(studioBefore) - available(await balanceOf('workspace:studio')), end.charged);
  const back = await b.api('POST', '/api/context', { workspace: null }, { as: 'maya' });
  assert.equal(back.json.payer, 'user:maya');
  assert.deepEqual((await me('maya')).balance.subscription, personal.subscription, 'maya\'s own balance did not move');
  // A workspace one is not in is the server's not_member.
  const bad = await b.api('POST', '/api/context', { workspace: 'elsewhere' }, { as: 'leo' });
  assert.equal(bad.status, 404, bad.text);
  assert.equal(bad.json.error.code, 'unknown_workspace');
});

test('ines runs the canvas in the studio: the run\'s budget is over her cap, so nothing is charged', async () => {
  const login = await b.api('POST', '/api/login', { user: 'ines' });
  assert.equal(login.status, 200);
  assert.match(login.headers.get('set-cookie'), /demo_user=ines/);
  assert.equal(login.json.payer, 'workspace:studio');
  const { body } = runRequest(canvas, { subscription: 5000, wallet: 0 });
  const studioBefore = await balanceOf('workspace:studio');
  const { events } = await b.run(body, { as: 'ines' });
  const held = events.find((e) => e.type === 'reservation');
  assert.equal(held.ok, false);
  assert.equal(held.error.code, 'member_cap_exceeded');
  assert.match(held.error.message, /cap/);
  // Every node is refused with that reason; none was charged, so none stopped halfway.
  assert.deepEqual(finalStatus(events), Object.fromEntries(body.run.map((id) => [id, 'refused'])));
  assert.ok(nodeEvents(events, 'refused').every((e) => e.error.code === 'member_cap_exceeded'));
  assert.equal(nodeEvents(events, 'charged').length, 0);
  assert.equal(events.at(-1).charged, 0);
  assert.equal(events.at(-1).payer, 'workspace:studio');
  assert.deepEqual(await balanceOf('workspace:studio'), studioBefore);
});

test('a forged shown price is the server\'s price_mismatch', async () => {
  const { body } = runRequest(canvas, { subscription: 0, wallet: 0 });
  const forged = { ...body, run: ['keyframes'], shown: { ...body.shown, keyframes: { min: 1, max: 1 } } };
  const before = (await me('maya')).balance;
  const { events } = await b.run(forged, { as: 'maya' });
  const r = nodeEvents(events, 'refused')[0];
  assert.equal(r.id, 'keyframes');
  assert.equal(r.error.code, 'price_mismatch');
  assert.match(r.error.message, /6/);
  assert.deepEqual((await me('maya')).balance, before);
});

test('a bad run body is a plain JSON error, not a stream', async () => {
  const { body } = runRequest(canvas, { subscription: 0, wallet: 0 });
  for (const [bad, p] of [
    [{ ...body, run: ['nope'] }, '/run/0'],
    [{ ...body, run: ['b-roll'] }, '/run/0'],
    [{ ...body, shown: {} }, '/shown/script'],
    [{ ...body, provider: 'sometimes' }, '/provider'],
    [{ ...body, graph: {} }, '/graph/nodes'],
  ]) {
    const r = await b.run(bad);
    assert.equal(r.status, 400);
    assert.equal(r.error.error.code, 'invalid_op');
    assert.equal(r.error.error.path, p);
  }
  const notJson = await fetch(b.url + '/api/runs', { method: 'POST', body: '{' });
  assert.equal(notJson.status, 400);
  assert.equal((await notJson.json()).error.code, 'invalid_json');
});

test('a user reads only their own accounts: the server\'s refusal is passed on', async () => {
  for (const route of ['/api/billing?payer=user:leo', '/api/usage.csv?payer=user:leo', '/api/usage.json?payer=user:leo']) {
    const r = await b.api('GET', route, undefined, { as: 'maya' });
    assert.equal(r.status, 403, `${route}: ${r.text}`);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.error.code, 'not_member');
  }
  assert.equal((await b.api('GET', '/api/billing?payer=workspace:studio', undefined, { as: 'leo' })).status, 200, 'a member reads the workspace');
  // Top-ups: an admin tops up the workspace, a member may not (the server's not_admin).
  const wallet = (await balanceOf('workspace:studio')).wallet;
  const ok = await b.api('POST', '/api/topups', { payer: 'workspace:studio', credits: 100 }, { as: 'maya' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.balance.wallet, wallet + 100);
  const again = await b.api('POST', '/api/topups', { payer: 'workspace:studio', credits: 100 }, { as: 'maya' });
  assert.equal(again.json.balance.wallet, wallet + 200, 'a second click is a second top-up (a fresh key)');
  const member = await b.api('POST', '/api/topups', { payer: 'workspace:studio', credits: 100 }, { as: 'leo' });
  assert.equal(member.status, 403);
  assert.equal(member.json.error.code, 'not_admin');
});

test('usage downloads: CSV (RFC 4180, a header row) and JSON', async () => {
  const r = await b.api('GET', '/api/usage.csv', undefined, { as: 'maya' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /attachment; filename="usage-user-maya\.csv"/);
  const lines = r.text.split('\r\n');
  assert.equal(lines.at(-1), '', 'every record ends with CRLF');
  assert.equal(lines[0], 'at,key,payer,user,node,model,params,exact,rate_card,status,held,from_subscription,from_wallet,returned_to_subscription,returned_to_wallet,credits,closed_at');
  const json = (await b.api('GET', '/api/usage.json', undefined, { as: 'maya' })).json;
  assert.equal(lines.length - 2, json.generations.length);
  // Every generation, oldest first: the keys are the JSON's (newest first), reversed.
  assert.deepEqual(lines.slice(1, -1).map((l) => l.split(',')[1]), json.generations.map((g) => g.key).reverse());
  // A params field holds quotes and commas: quoted, quotes doubled.
  const g = json.generations.find((x) => Object.keys(x.params).length > 1);
  assert.ok(r.text.includes('"' + JSON.stringify(g.params).replace(/"/g, '""') + '"'));
});

test('static files: only the built page, with the right types; no traversal, no dotfiles, never the db', async () => {
  for (const p of ['/', '/billing', '/pricing']) {
    const r = await b.raw(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers['content-type'], /^text\/html/);
  }
  assert.match((await b.raw('/assets/app.js')).headers['content-type'], /^text\/javascript/);
  assert.match((await b.raw('/assets/app.css')).headers['content-type'], /^text\/css/);
  assert.equal((await b.raw('/assets/credits.wasm')).headers['content-type'], 'application/wasm');
  const dbRel = path.relative(ROOT, b.db);
  for (const p of ['/../package.json', '/assets/../secret.txt', '/assets/..%2fsecret.txt', '/%2e%2e/demo/rate-card.json', '/.git/config',
                   '/assets/.secret', '/assets/', '/assets', '/secret.txt', '/index.html/..', '/assets/ledger.js', `/${dbRel}`,
                   '/build/demo/ledger.db', '/demo/backend/server.js', '/assets/%00', '/assets//app.js']) {
    const r = await b.raw(p);
    assert.equal(r.status, 404, `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /secret|SQLite/, p);
  }
  assert.equal((await b.api('GET', '/api/nothing')).status, 404);
  assert.equal((await b.api('POST', '/api/me', {})).status, 405);
});

test('POST /api/rate-card/diff relays the credit server\'s diff: +N%, a pasted card, refusals; nothing is published', async () => {
  const { priceChange } = await import('../backend/price-change.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const cardFile = path.join(ROOT, 'demo/rate-card.json');
  const dir = mkdtempSync(path.join(tmpdir(), 'credits-diff-'));
  const file = path.join(dir, 'p10.json');
  writeFileSync(file, JSON.stringify(priceChange(JSON.parse(readFileSync(cardFile, 'utf8')), 10)));
  const want = JSON.parse(cli(['diff', '--from', cardFile, '--to', file]));
  const byPercent = await b.api('POST', '/api/rate-card/diff', { percent: 10 });
  assert.equal(byPercent.status, 200, byPercent.text);
  assert.deepEqual(byPercent.json, want);
  assert.deepEqual((await b.api('POST', '/api/rate-card/diff', { card_text: readFileSync(file, 'utf8') })).json, want);
  assert.deepEqual((await b.api('POST', '/api/rate-card/diff', { card: JSON.parse(readFileSync(file, 'utf8')) })).json, want);
  const bad = await b.api('POST', '/api/rate-card/diff', { card_text: '{"version": "x", "models": [{"id": "m", "kind": "hologram"}]}' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_rate_card');
  assert.ok(bad.json.error.errors.some((e) => e.path === '/models/0/kind'), bad.text);
  assert.equal((await b.api('POST', '/api/rate-card/diff', { card_text: 'not json' })).json.error.code, 'invalid_rate_card');
  for (const [body, at] of [[{ percent: 5000 }, '/percent'], [{ percent: 1.5 }, '/percent'], [{}, '/card_text']]) {
    const r = await b.api('POST', '/api/rate-card/diff', body);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_op');
    assert.equal(r.json.error.path, at);
  }
  assert.equal((await me('maya')).rate_card, '2026-11-01', 'a diff publishes nothing');
  rmSync(dir, { recursive: true, force: true });
});

test('a price change puts a new card in force: the next run from the old card is stale_rate_card and stops', async () => {
  const change = await b.api('POST', '/api/admin/price-change', { percent: 10 });
  assert.equal(change.status, 200, change.text);
  assert.equal(change.json.version, '2026-11-01+p10');
  assert.equal((await me('maya')).rate_card, '2026-11-01+p10');
  const card = (await b.api('GET', '/api/rate-card')).json;
  assert.equal(card.version, '2026-11-01+p10');
  assert.equal(card.models.find((m) => m.id === 'veo-3').price[0].rate, 22);
  const { body } = runRequest(canvas, { subscription: 0, wallet: 0 });
  const before = (await me('maya')).balance;
  const { events } = await b.run(body, { as: 'maya' });
  const first = nodeEvents(events, 'refused')[0];
  assert.equal(first.error.code, 'stale_rate_card');
  assert.match(first.error.message, /2026-11-01\+p10/);
  assert.equal(nodeEvents(events, 'charged').length, 0);
  assert.equal(events.find((e) => e.type === 'reservation').error.code, 'stale_rate_card', 'the run does not start');
  assert.equal(nodeEvents(events, 'refused').length, body.run.length);
  assert.deepEqual((await me('maya')).balance, before);
});

test('without a built page the API still works and / says how to build it; the credit server never outlives the backend', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const net = await import('node:net');
  const { spawnSync } = await import('node:child_process');
  const help = spawnSync(process.execPath, [path.join(ROOT, 'demo/backend/server.js'), '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /DEMO_LATENCY_MS/);
  const empty = mkdtempSync(path.join(tmpdir(), 'credits-nodist-'));
  const other = await startBackend({ env: { DEMO_DIST: empty } });
  try {
    const page = await other.raw('/');
    assert.equal(page.status, 503);
    assert.match(page.body, /cd demo && npm ci && node build\.mjs/);
    assert.equal((await other.api('GET', '/api/me')).status, 200);
    // SIGKILL, which no handler sees: the credit server goes too (setpriv --pdeathsig).
    const port = Number(/credit server http:\/\/127\.0\.0\.1:(\d+)/.exec(other.output())[1]);
    const open = () => new Promise((r) => net.connect(port, '127.0.0.1').on('connect', function () { this.destroy(); r(true); }).on('error', () => r(false)));
    assert.equal(await open(), true);
    other.child.kill('SIGKILL');
    let up = true;
    for (let i = 0; i < 50 && up; i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = await open();
    }
    assert.equal(up, false, 'the credit server stopped with the backend');
  } finally {
    await other.stop();
  }
});

test('/api/billing carries the server\'s forecast for the payer, read with the same balances', async () => {
  for (const [payer, as] of [['user:maya', 'maya'], ['workspace:studio', 'leo'], ['user:leo', 'leo']]) {
    const r = await b.api('GET', `/api/billing?payer=${payer}`, undefined, { as });
    assert.equal(r.status, 200, r.text);
    const { forecast, balance } = r.json;
    assert.equal(forecast.ok, true);
    assert.equal(forecast.op, 'forecast');
    assert.equal(forecast.payer, payer);
    // The three reads are of one ledger with nothing between them in this test.
    assert.equal(forecast.wallet, balance.wallet, payer);
    assert.equal(forecast.remaining, balance.subscription?.remaining ?? 0, payer);
    for (const key of ['burn_per_day', 'spent', 'suggested_top_up']) assert.ok(Number.isInteger(forecast[key]), `${payer}: ${key}`);
    for (const key of ['subscription_runs_out_at', 'wallet_runs_out_at', 'resets_at'])
      assert.ok(forecast[key] === null || !Number.isNaN(Date.parse(forecast[key])), `${payer}: ${key} = ${forecast[key]}`);
  }
});
