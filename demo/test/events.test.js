// Balance events (SPEC §11) through the demo backend, against the real `credits serve`: the seed's
// alerts and auto top-up, an alert crossed by a run, an auto top-up fulfilled by the backend's
// follower exactly once, the refusals passed on, and the follower's own resilience. One backend,
// the tests in order; each says what it leaves.
//
//   node --test demo/test/events.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cli, startBackend } from './backend-support.js';
import { CreditClient } from '../backend/credits-server.js';
import { EventFollower } from '../backend/events.js';

const canvas = JSON.parse(readFileSync(path.join(ROOT, 'demo/canvas.json'), 'utf8'));
let b;

before(async () => {
  b = await startBackend();
});

after(async () => {
  const r = await b?.stop();
  assert.equal(r?.code, 0, 'SIGTERM stops the backend (and its follower) cleanly');
});

const billing = async (payer, as) => (await b.api('GET', `/api/billing?payer=${payer}`, undefined, { as })).json;
const available = (bal) => bal.available;
const recent = async (as) => (await b.api('GET', '/api/events', undefined, { as })).json;
// Every event of the visitor with seq > after, read without waiting.
const since = async (after, as) => {
  const r = await b.api('GET', `/api/events?after=${after}&limit=1000`, undefined, { as });
  assert.equal(r.status, 200, r.text);
  return r.json.events;
};
// The credit server behind the backend, as a second follower would reach it.
async function creditClient() {
  // The line after "Open ..." says where it is; it may not have arrived yet.
  for (let i = 0; i < 50 && !/credit server http/.test(b.output()); i++) await new Promise((r) => setTimeout(r, 50));
  const m = /credit server (http:\/\/\S+)/.exec(b.output());
  assert.ok(m, b.output());
  return new CreditClient(m[1], readFileSync(b.db + '.token', 'utf8').trim());
}

function runRequest(graph, balance) {
  const plan = JSON.parse(cli(['plan', '--balance', JSON.stringify(balance)], JSON.stringify(graph)));
  const shown = Object.fromEntries(plan.nodes.map((n) => [n.id, { min: n.min, max: n.max }]));
  const skip = new Set(graph.nodes.filter((n) => n.skip).map((n) => n.id));
  return { plan, body: { graph, run: plan.order.filter((id) => !skip.has(id)), shown, rate_card: plan.rate_card, provider: 'reliable' } };
}

test('the seed: settings on the billing page, events out of the box, leo\'s auto top-up fulfilled at start', async () => {
  assert.deepEqual((await billing('user:maya', 'maya')).settings, { payer: 'user:maya', alert_below: 200, auto_top_up: null });
  assert.deepEqual((await billing('workspace:studio', 'maya')).settings, { payer: 'workspace:studio', alert_below: 5000, auto_top_up: null });
  assert.deepEqual((await billing('user:leo', 'leo')).settings, { payer: 'user:leo', alert_below: null, auto_top_up: { below: 150, to: 300 } });

  // maya sees her own and the studio's events only: the studio went low late in its first period
  // and recovered at the reset. Her own alert was never crossed.
  const maya = await recent('maya');
  assert.ok(maya.last_seq > 0);
  const mine = maya.events.map((e) => `${e.payer} ${e.type}`);
  assert.ok(mine.includes('workspace:studio balance_low') && mine.includes('workspace:studio balance_recovered'), mine.join());
  assert.ok(maya.events.every((e) => e.payer === 'user:maya' || e.payer === 'workspace:studio'), mine.join());
  assert.deepEqual(maya.events.map((e) => e.seq), [...maya.events.map((e) => e.seq)].sort((x, y) => y - x), 'newest first');

  // leo's request was left outstanding by the seed (the ledger moves no money by itself) and
  // fulfilled by the backend as it started, with the credits the request named then (`to` less
  // what was available at the request; leo spent a little more afterwards). The event says what
  // became of it.
  const leo = await recent('leo');
  const asked = leo.events.filter((e) => e.type === 'top_up_requested');
  assert.equal(asked.length, 1, JSON.stringify(leo.events));
  const [req] = asked;
  assert.equal(req.payer, 'user:leo');
  assert.equal(req.to, 300);
  assert.equal(req.credits, 300 - req.available);
  assert.equal(req.fulfilled.credits, req.credits);
  assert.equal(req.fulfilled.by, 'leo');
  assert.equal(req.fulfilled.replayed, false);
  const bal = (await billing('user:leo', 'leo')).balance;
  assert.equal(bal.totals.topped_up, 300 + req.credits, 'one top-up by the seed, one by the auto top-up');
  assert.ok(bal.wallet >= 150 && bal.wallet <= 300, `back above the threshold: ${bal.wallet}`);
  assert.equal(leo.events.filter((e) => e.payer === 'user:leo').length, 1, 'no second request');
  assert.ok(leo.events.every((e) => e.payer === 'user:leo' || e.payer === 'workspace:studio'));

  const ines = await recent('ines');
  assert.ok(ines.events.some((e) => e.payer === 'user:ines' && e.type === 'balance_low' && e.below === 100));
});

test('an alert crossed by a run gives exactly one balance_low, however many charges follow', async () => {
  const start = (await since(0, 'maya')).reduce((m, e) => Math.max(m, e.seq), 0);
  const bal = (await billing('user:maya', 'maya')).balance;
  const { plan, body } = runRequest(canvas, { subscription: bal.subscription.remaining, wallet: bal.wallet });
  const below = available(bal) - 100;
  assert.ok(plan.total.min > 100, 'the run crosses it even after its hold is released');
  const set = await b.api('POST', '/api/alerts', { payer: 'user:maya', below }, { as: 'maya' });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.result, { below, ok: true, op: 'set_alert', payer: 'user:maya' });
  assert.deepEqual(set.json.settings, { payer: 'user:maya', alert_below: below, auto_top_up: null });
  assert.deepEqual((await since(start, 'maya')).filter((e) => e.payer === 'user:maya'), [], 'above it: nothing yet');

  // The page's long poll, waiting while the run goes.
  const waiting = b.api('GET', `/api/events?after=${start}&wait_s=20`, undefined, { as: 'maya' });
  const r = await b.run(body, { as: 'maya' });
  assert.equal(r.events.at(-1).type, 'end');
  assert.ok(r.events.filter((e) => e.status === 'charged').length >= 5, 'many charges after the crossing');
  const polled = await waiting;
  assert.equal(polled.status, 200, polled.text);
  assert.ok(polled.json.events.length >= 1);
  assert.equal(polled.json.events[0].type, 'balance_low');

  const mine = (await since(start, 'maya')).filter((e) => e.payer === 'user:maya');
  assert.deepEqual(mine.map((e) => e.type), ['balance_low']);
  assert.equal(mine[0].below, below);
  assert.ok(mine[0].available < below);
  // leo cannot see maya's events.
  assert.ok((await since(start, 'leo')).every((e) => e.payer !== 'user:maya'));
  // Leaves: maya's alert at `below`, low.
});

test('an auto top-up request is fulfilled once by the backend; a second delivery tops up nothing', async () => {
  const start = (await recent('maya')).last_seq;
  const bal = (await billing('user:maya', 'maya')).balance;
  const below = available(bal) + 100;
  const to = available(bal) + 500;
  const set = await b.api('POST', '/api/auto-top-up', { payer: 'user:maya', below, to }, { as: 'maya' });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.settings.auto_top_up, { below, to });

  // Set while below it: one request at once, for what brings the balance to `to`. The long poll
  // answers once the follower has fulfilled it.
  const polled = await b.api('GET', `/api/events?after=${start}&wait_s=20`, undefined, { as: 'maya' });
  const req = polled.json.events.find((e) => e.type === 'top_up_requested');
  assert.ok(req, polled.text);
  assert.equal(req.payer, 'user:maya');
  assert.equal(req.credits, 500);
  assert.equal(req.fulfilled?.credits, 500, JSON.stringify(req));
  let after = (await billing('user:maya', 'maya')).balance;
  assert.equal(after.wallet, bal.wallet + 500, 'the wallet went up by the request\'s credits');
  assert.equal(available(after), to);

  // The same event delivered again (a retry, a second follower, a restart reading the log from 0):
  // the top-up with the event's key is a replay and moves nothing.
  const client = await creditClient();
  const again = new EventFollower({ client, adminOf: () => 'maya', log: () => {} });
  await again.deliver(req);
  await again.deliver(req);
  assert.equal(again.fulfilled.get(req.key).replayed, true);
  after = (await billing('user:maya', 'maya')).balance;
  assert.equal(after.wallet, bal.wallet + 500, 'not topped up twice');
  // Back at `to`: no new request; and the alert set before (below the old balance) recovered.
  const types = (await since(start, 'maya')).filter((e) => e.payer === 'user:maya').map((e) => e.type);
  assert.equal(types.filter((t) => t === 'top_up_requested').length, 1, types.join());
  assert.ok(types.includes('balance_recovered'), types.join());

  const off = await b.api('POST', '/api/auto-top-up', { payer: 'user:maya', below: null }, { as: 'maya' });
  assert.equal(off.status, 200, off.text);
  assert.deepEqual(off.json.settings.auto_top_up, null);
  // Leaves: maya's wallet 500 higher, no auto top-up.
});

test('a member setting a workspace alert or auto top-up gets the server\'s not_admin; bad values are refused', async () => {
  for (const [route, body] of [['/api/alerts', { payer: 'workspace:studio', below: 100 }], ['/api/auto-top-up', { payer: 'workspace:studio', below: 100, to: 1000 }]]) {
    const r = await b.api('POST', route, body, { as: 'leo' });
    assert.equal(r.json.ok, false, r.text);
    assert.equal(r.json.error.code, 'not_admin', r.text);
    assert.equal(r.status, 403, r.text);
  }
  assert.equal((await billing('workspace:studio', 'maya')).settings.alert_below, 5000, 'nothing changed');
  // Another user's account is refused by the ledger too.
  assert.equal((await b.api('POST', '/api/alerts', { payer: 'user:maya', below: 10 }, { as: 'leo' })).json.error.code, 'not_admin');
  // The backend's own checks, then the ledger's (to <= below).
  const bad = await b.api('POST', '/api/alerts', { below: 'ten' }, { as: 'maya' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.path, '/below');
  const low = await b.api('POST', '/api/auto-top-up', { payer: 'user:maya', below: 500, to: 400 }, { as: 'maya' });
  assert.equal(low.status, 400, low.text);
  assert.equal(low.json.error.code, 'invalid_op');
  assert.equal(low.json.error.path, '/to');
  const wait = await b.api('GET', '/api/events?after=0&wait_s=600', undefined, { as: 'maya' });
  assert.equal(wait.status, 400);
  assert.equal(wait.json.error.path, '/wait_s');
});

test('the follower backs off on errors, then goes on from the last seq it saw; stop() ends it', async () => {
  const calls = [];
  let fails = 2;
  const fake = {
    async events({ after, signal }) {
      calls.push(after);
      if (fails-- > 0) throw Object.assign(new Error('the credit server cannot be reached'), { code: 'credit_server_unreachable' });
      if (after === 0) return { status: 200, text: '', json: { events: [{ seq: 1, at: 'x', type: 'balance_low', payer: 'user:a', below: 5, available: 1 }], last_seq: 1 } };
      // Nothing more: wait like a long poll until aborted.
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      throw Object.assign(new Error('aborted'), { code: 'aborted' });
    },
  };
  const logs = [];
  const f = new EventFollower({ client: fake, adminOf: () => null, log: (m) => logs.push(m) });
  f.start();
  assert.equal(await f.waitFor(1, 5000), true, 'delivered after two failures');
  await new Promise((r) => setTimeout(r, 50)); // the next long poll starts
  assert.deepEqual(calls.slice(0, 4), [0, 0, 0, 1]);
  assert.equal(logs.length, 2);
  assert.match(logs[1], /retrying in 500 ms/, 'the backoff doubles');
  assert.deepEqual(f.recentOf(['user:a']).map((e) => e.seq), [1]);
  await f.stop();
  assert.equal(calls.length, 4, 'no more reads after stop');
});
