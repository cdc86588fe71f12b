// The demo product end to end, as a person uses it: Debian's Chromium (through playwright-core)
// opens the pages served by the real demo backend, which runs the real `credits serve` on a
// fresh SQLite ledger. Every figure on screen is checked against the native CLI on the same
// input, through the stable hooks of SPEC §10 (data-node-id, data-cost-*, data-balance, ...).
// The tests run in order and share one backend, as one visitor's session would.
//
//   node --test demo/test/e2e.test.js                   run it (after scripts/build-demo.sh)
//   SCREENSHOTS=0 node --test demo/test/e2e.test.js     do not rewrite docs/screenshots/*.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startDemo, launchChromium, cli, repoRoot } from './support.js';

const canvas = JSON.parse(readFileSync(path.join(repoRoot, 'demo/canvas.json'), 'utf8'));
const shots = path.join(repoRoot, 'docs/screenshots');
const writeShots = process.env.SCREENSHOTS !== '0';

let demo;
let browser;
let context;
let page;

before(async () => {
  demo = await startDemo({ latencyMs: 20 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

// --- reading the page through its hooks ---------------------------------------------------

const int = (v) => {
  assert.match(String(v), /^-?\d+$/, `a whole number of credits, not ${JSON.stringify(v)}`);
  return Number(v);
};

async function topBarBalance() {
  const bar = page.locator('[data-balance="subscription"]').first();
  await bar.waitFor();
  return {
    subscription: int(await bar.getAttribute('data-credits')),
    wallet: int(await page.locator('[data-balance="wallet"]').first().getAttribute('data-credits')),
  };
}

async function badges() {
  const out = {};
  for (const node of canvas.nodes) {
    const badge = page.locator(`[data-node-id="${node.id}"] [data-cost-min]`).first();
    out[node.id] = { min: int(await badge.getAttribute('data-cost-min')), max: int(await badge.getAttribute('data-cost-max')) };
  }
  return out;
}

async function runTotal() {
  const t = page.locator('[data-run-total]');
  return {
    min: int(await t.getAttribute('data-cost-min')),
    max: int(await t.getAttribute('data-cost-max')),
    unpriced: int(await t.getAttribute('data-unpriced')),
  };
}

async function afterRun() {
  const a = page.locator('[data-after-run]');
  return {
    subscription: int(await a.getAttribute('data-subscription')),
    wallet: int(await a.getAttribute('data-wallet')),
    first_unaffordable: (await a.getAttribute('data-first-unaffordable')) || null,
  };
}

// What the CLI says of `graph` with `balance`, in the shape the page shows.
function expectedFromCli(graph, balance) {
  const plan = JSON.parse(cli(['plan', '--balance', JSON.stringify(balance)], JSON.stringify(graph)));
  const nodes = {};
  for (const q of plan.nodes) nodes[q.id] = { min: q.min, max: q.max };
  return {
    nodes,
    total: { min: plan.total.min, max: plan.total.max, unpriced: plan.unpriced },
    after: { ...plan.projection.after, first_unaffordable: plan.projection.first_unaffordable ?? null },
  };
}

// Waits until the page shows exactly what the CLI computes for `graph` on the current balances.
async function expectCanvasMatchesCli(graph) {
  const balance = await topBarBalance();
  const want = expectedFromCli(graph, balance);
  let got;
  for (let i = 0; i < 50; i++) {
    got = { nodes: await badges(), total: await runTotal(), after: await afterRun() };
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(got, want);
  return want;
}

const withParams = (graph, id, params) => ({
  nodes: graph.nodes.map((n) => (n.id === id ? { ...n, params: { ...n.params, ...params } } : n)),
});

async function openCanvas() {
  await page.goto(demo.url + '/');
  await page.locator('[data-node-id]').first().waitFor();
  await page.locator('[data-run-total]').waitFor();
}

async function chooseProvider(value) {
  await page.getByRole('combobox', { name: 'Provider', exact: true }).selectOption(value);
}

const runnable = canvas.nodes.filter((n) => !n.skip).map((n) => n.id);

// Clicks Run and waits until every runnable node has a final status; returns them.
async function run() {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const statuses = {};
  await page.waitForFunction(
    (ids) => ids.every((id) => {
      const s = document.querySelector(`[data-node-id="${CSS.escape(id)}"][data-run-status], [data-node-id="${CSS.escape(id)}"] [data-run-status]`);
      const v = s && (s.getAttribute('data-run-status'));
      return v && v !== 'running' && v !== 'charged' && v !== 'repriced';
    }),
    runnable,
    { timeout: 30_000 },
  );
  for (const id of runnable) {
    const el = page.locator(`[data-node-id="${id}"][data-run-status], [data-node-id="${id}"] [data-run-status]`).first();
    statuses[id] = await el.getAttribute('data-run-status');
  }
  // The top bar refreshes its balances after the run; wait for the end of the stream.
  await page.waitForFunction(() => !document.querySelector('[data-run-active="true"]'), null, { timeout: 30_000 });
  return statuses;
}

async function generations() {
  await page.locator('[data-generation]').first().waitFor();
  return page.locator('[data-generation]').evaluateAll((els) => els.map((e) => ({
    key: e.getAttribute('data-generation'),
    model: e.getAttribute('data-model'),
    credits: Number(e.getAttribute('data-credits')),
    status: e.getAttribute('data-status'),
  })));
}

async function openBilling() {
  await page.goto(demo.url + '/billing');
  await page.locator('[data-resets-at]').first().waitFor();
}

async function shot(name) {
  if (!writeShots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, name), fullPage: false });
}

const modelOf = Object.fromEntries(canvas.nodes.map((n) => [n.id, n.model]));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

// --- the tests ----------------------------------------------------------------------------------

test('the canvas: every badge, the run total and the projection equal the CLI plan for the same graph and balances', async () => {
  await openCanvas();
  const want = await expectCanvasMatchesCli(canvas);
  assert.equal(want.nodes['b-roll'].max, 0, 'the cached node costs 0');
  assert.ok(want.total.min < want.total.max, 'gpt-5 and the captions make the total a range');
  await shot('canvas.png');
});

test('moving the Veo node\'s Duration changes its badge, the lip-sync downstream and the total to the CLI\'s figures', async () => {
  const before = await badges();
  const duration = page.locator('[data-node-id="hero-shot"]').getByLabel('Duration', { exact: true });
  await duration.focus();
  for (let i = 0; i < 3; i++) await duration.press('ArrowLeft');   // 8 s → 5 s, one step at a time
  const want = await expectCanvasMatchesCli(withParams(canvas, 'hero-shot', { duration_s: 5 }));
  assert.notEqual(want.nodes['hero-shot'].max, before['hero-shot'].max);
  assert.notEqual(want.nodes.lipsync.max, before.lipsync.max, 'the lip-sync is priced on the upstream clip');
});

let maya;   // maya's personal balances after her first run

test('Run charges the nodes that run; the billing page lists them with their credits and statuses; balances move by exactly the charged sum', async () => {
  const graph = withParams(canvas, 'hero-shot', { duration_s: 5 });
  const shown = expectedFromCli(graph, await topBarBalance()).nodes;
  const before = await topBarBalance();
  await chooseProvider('reliable');
  const statuses = await run();
  assert.deepEqual(Object.values(statuses), runnable.map(() => 'done'), JSON.stringify(statuses));
  await shot('canvas-after-run.png');

  await openBilling();
  const rows = (await generations()).slice(0, runnable.length);
  assert.deepEqual(rows.map((r) => r.model).sort(), runnable.map((id) => modelOf[id]).sort());
  for (const id of runnable) {
    const row = rows.find((r) => r.model === modelOf[id]);
    assert.ok(row.credits >= shown[id].min && row.credits <= shown[id].max,
      `${id}: charged ${row.credits}, shown ${shown[id].min}–${shown[id].max}`);
    if (shown[id].min === shown[id].max) assert.equal(row.credits, shown[id].max, `${id} is charged its exact price`);
    assert.ok(['charged', 'settled'].includes(row.status), `${id}: ${row.status}`);
  }
  const after = await topBarBalance();
  const charged = sum(rows.map((r) => r.credits));
  assert.equal(before.subscription + before.wallet - (after.subscription + after.wallet), charged);
  maya = after;
  await shot('billing.png');
});

test('a failed generation is refunded: every node fails, the billing page shows refunds, and the balances do not move', async () => {
  await openCanvas();
  const before = await topBarBalance();
  await chooseProvider('down');
  const statuses = await run();
  // Every node that was sent fails; a node whose input came from a failed node is not sent.
  for (const node of canvas.nodes.filter((n) => !n.skip)) {
    const upstreamFailed = Object.values(node.inputs ?? {}).some((up) => statuses[up] === 'failed');
    assert.equal(statuses[node.id], upstreamFailed ? 'blocked' : 'failed', `${node.id}: ${JSON.stringify(statuses)}`);
  }
  const failed = runnable.filter((id) => statuses[id] === 'failed');
  assert.deepEqual(await topBarBalance(), before);
  await openBilling();
  const rows = (await generations()).slice(0, failed.length);
  assert.deepEqual(rows.map((r) => r.status), failed.map(() => 'refunded'));
  assert.deepEqual(rows.map((r) => r.model).sort(), failed.map((id) => modelOf[id]).sort());
});

test('switching Workspace changes the payer of the next run: the workspace pays, the personal balances stay', async () => {
  await openCanvas();
  await page.getByRole('combobox', { name: 'Workspace', exact: true }).selectOption('studio');
  await page.waitForFunction((m) => {
    const s = document.querySelector('[data-balance="subscription"]');
    const w = document.querySelector('[data-balance="wallet"]');
    return s && w && (s.getAttribute('data-credits') !== String(m.subscription) || w.getAttribute('data-credits') !== String(m.wallet));
  }, maya);
  const studioBefore = await topBarBalance();
  await expectCanvasMatchesCli(canvas);   // re-projected on the workspace's balances (a fresh page: the graph as loaded)
  await chooseProvider('reliable');
  const statuses = await run();
  assert.deepEqual(Object.values(statuses), runnable.map(() => 'done'), JSON.stringify(statuses));
  const studioAfter = await topBarBalance();
  await openBilling();
  const rows = (await generations()).slice(0, runnable.length);
  assert.equal(studioBefore.subscription + studioBefore.wallet - (studioAfter.subscription + studioAfter.wallet), sum(rows.map((r) => r.credits)));

  await page.getByRole('combobox', { name: 'Workspace', exact: true }).selectOption({ index: 0 });   // back to personal
  await page.waitForFunction((m) => document.querySelector('[data-balance="wallet"]')?.getAttribute('data-credits') === String(m.wallet), maya);
  assert.deepEqual(await topBarBalance(), maya, 'maya\'s personal balances did not move');
});

test('a member over their cap gets the server\'s refusal on screen', async () => {
  const login = await page.request.post(demo.url + '/api/login', { data: { user: 'ines' } });
  assert.equal(login.status(), 200);
  await openCanvas();
  await chooseProvider('reliable');
  const statuses = await run();
  assert.ok(Object.values(statuses).includes('refused'), JSON.stringify(statuses));
  await assert.doesNotReject(page.getByText(/member_cap_exceeded/).first().waitFor({ timeout: 5000 }));
  await page.request.post(demo.url + '/api/login', { data: { user: 'maya' } });
});

test('the pricing page\'s price equals credits estimate for the chosen settings', async () => {
  await page.goto(demo.url + '/pricing');
  const price = page.locator('[data-price-min]').first();
  await price.waitFor();
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('veo-3');
  await page.getByLabel('Resolution', { exact: true }).selectOption('720p');
  const duration = page.getByLabel('Duration', { exact: true }).first();
  await duration.focus();
  for (let i = 0; i < 2; i++) await duration.press('ArrowLeft');   // 8 s → 6 s
  await page.getByLabel('Audio', { exact: true }).first().uncheck();
  const node = { id: 'p', model: 'veo-3', params: { resolution: '720p', duration_s: 6, generate_audio: false } };
  const want = JSON.parse(cli(['estimate'], JSON.stringify(node)));
  await page.waitForFunction((w) => {
    const p = document.querySelector('[data-price-min]');
    return p && p.getAttribute('data-price-min') === String(w.min) && p.getAttribute('data-price-max') === String(w.max);
  }, want, { timeout: 5000 }).catch(() => {});
  assert.deepEqual({ min: int(await price.getAttribute('data-price-min')), max: int(await price.getAttribute('data-price-max')) },
    { min: want.min, max: want.max });
  await shot('pricing.png');
});

test('a price change published while the canvas is open: the next run gets stale_rate_card from the server, on screen', async () => {
  await openCanvas();
  const change = await page.request.post(demo.url + '/api/admin/price-change', { data: { percent: 10 } });
  assert.equal(change.status(), 200, await change.text());
  await chooseProvider('reliable');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await assert.doesNotReject(page.getByText(/stale_rate_card/).first().waitFor({ timeout: 10_000 }));
});

test('Billing: an alert set above the balance shows "Low balance" in the Events list, live, with a toast in the top bar', async () => {
  await openBilling();
  await page.getByRole('tab', { name: /Personal/ }).click();
  const alerts = page.locator('[data-alerts="user:maya"]');
  await alerts.waitFor();
  await page.locator('[data-events-live="true"]').waitFor({ timeout: 10_000 });
  const seen = await page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('[data-event-seq]')].map((e) => Number(e.getAttribute('data-event-seq')))));
  const billing = await (await page.request.get(demo.url + '/api/billing?payer=user:maya')).json();
  const below = billing.balance.available + 1000;
  await page.getByLabel('Alert below', { exact: true }).fill(String(below));
  await page.getByRole('button', { name: 'Save alert', exact: true }).click();
  await page.waitForFunction((b) => document.querySelector('[data-alerts="user:maya"]')?.getAttribute('data-alert-below') === String(b), below);
  // The page's long poll brings the event: a new row, newest first.
  const row = page.locator('[data-event-type="balance_low"][data-event-payer="user:maya"]').first();
  await row.waitFor({ timeout: 10_000 });
  assert.ok(Number(await row.getAttribute('data-event-seq')) > seen, 'a new event');
  assert.match(await row.textContent(), /Low balance/);
  assert.match(await row.textContent(), new RegExp(`below ${below.toLocaleString('en-US')}`));
  const first = page.locator('[data-event-seq]').first();
  assert.equal(await first.getAttribute('data-event-seq'), await row.getAttribute('data-event-seq'), 'newest first');
  const toast = page.locator('[data-event-toast]');
  await toast.waitFor({ timeout: 5000 });
  assert.match(await toast.textContent(), /Low balance/);

  // An auto top-up set while below it: the backend fulfils the request (the top bar's wallet goes
  // up by its credits), and the alert recovers.
  const wallet = (await topBarBalance()).wallet;
  await page.getByLabel('Top up below', { exact: true }).fill(String(below));
  await page.getByLabel('Top up to', { exact: true }).fill(String(below + 500));
  await page.getByRole('button', { name: 'Save auto top-up', exact: true }).click();
  const request = page.locator('[data-event-type="top_up_requested"][data-event-payer="user:maya"]').first();
  await request.waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => /fulfilled/.test(document.querySelector('[data-event-type="top_up_requested"]')?.textContent || ''), null, { timeout: 10_000 });
  const credits = below + 500 - billing.balance.available;
  assert.match(await request.textContent(), new RegExp(`Top-up requested / fulfilled.*\\+${credits.toLocaleString('en-US')}`));
  await page.waitForFunction((w) => document.querySelector('[data-balance="wallet"]')?.getAttribute('data-credits') === String(w), wallet + credits, { timeout: 10_000 });
  await page.locator('[data-event-type="balance_recovered"][data-event-payer="user:maya"]').first().waitFor({ timeout: 10_000 });
  await shot('billing-events.png');
});
