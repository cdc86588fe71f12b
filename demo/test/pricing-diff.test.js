// The pricing page's "Compare a candidate card" end to end: Chromium on the real demo backend
// and credit server. The table's rows equal `credits diff --from <card in force> --to
// <candidate>` on the same cards; an invalid pasted card shows the server's invalid_rate_card.
//
//   node --test demo/test/pricing-diff.test.js                   (after scripts/build-demo.sh)
//   SCREENSHOTS=0 node --test demo/test/pricing-diff.test.js     do not rewrite docs/screenshots/pricing-diff.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemo, launchChromium, cli, repoRoot } from './support.js';
import { priceChange } from '../backend/price-change.js';

const cardFile = path.join(repoRoot, 'demo/rate-card.json');
const card = JSON.parse(readFileSync(cardFile, 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'credits-diff-'));

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo({ latencyMs: 0 });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// What `credits diff` says of `candidate` against the sample card (the card in force).
function cliDiff(candidate, name) {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(candidate, null, 2));
  return JSON.parse(cli(['diff', '--from', cardFile, '--to', file]));
}

// The table as the page shows it, read through its hooks, in the server's shape.
async function shownRows() {
  await page.locator('[data-diff-row], [data-diff-empty]').first().waitFor({ timeout: 10_000 });
  const price = (min, max) => (min === '' ? null : { max: Number(max), min: Number(min) });
  return page.locator('[data-diff-row]').evaluateAll((rows) => rows.map((r) => [
    r.getAttribute('data-diff-row'), r.getAttribute('data-model'),
    r.getAttribute('data-old-min'), r.getAttribute('data-old-max'), r.getAttribute('data-new-min'), r.getAttribute('data-new-max'),
  ])).then((rows) => rows.map(([id, model, oMin, oMax, nMin, nMax]) => ({ id, model, old: price(oMin, oMax), new: price(nMin, nMax) })));
}

async function shownModels() {
  const out = {};
  for (const key of ['added', 'changed', 'removed'])
    out[key] = await page.locator(`[data-diff-models="${key}"] [data-model-id]`).evaluateAll((xs) => xs.map((x) => x.getAttribute('data-model-id')));
  return out;
}

const expectedRows = (diff) => diff.nodes.map((n) => ({ id: n.id, model: n.model, old: n.old, new: n.new }));

async function openPricing() {
  await page.goto(demo.url + '/pricing');
  await page.locator('[data-card-diff]').waitFor();
}

test('"Try +10% on every price": every row equals credits diff against the +10% card', async () => {
  await openPricing();
  await page.getByLabel('Percent change').fill('10');
  await page.getByRole('button', { name: 'Try +10% on every price' }).click();
  const want = cliDiff(priceChange(card, 10), 'p10');
  assert.ok(want.nodes.length > 0);
  assert.deepEqual(await shownRows(), expectedRows(want));
  assert.deepEqual(await shownModels(), want.models);
  assert.equal(await page.locator('[data-diff-to]').getAttribute('data-diff-to'), want.to);
});

test('a pasted card that drops, adds and reprices models: the table and the model lists equal credits diff', async () => {
  await openPricing();
  const candidate = structuredClone(card);
  candidate.version = '2026-12-01';
  const [dropped, ...rest] = candidate.models;
  const veo = rest.find((m) => m.id === 'veo-3') || rest[0];
  candidate.models = [...rest.map((m) => (m === veo ? priceChange({ version: 'x', models: [m] }, 20).models[0] : m)),
    { ...structuredClone(rest[1]), id: `${rest[1].id}-next`, label: `${rest[1].label} Next` }];
  assert.ok(dropped);
  await page.getByLabel('Candidate rate card').fill(JSON.stringify(candidate, null, 2));
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const want = cliDiff(candidate, 'reshaped');
  assert.ok(want.models.added.length && want.models.removed.length && want.models.changed.length);
  assert.deepEqual(await shownRows(), expectedRows(want));
  assert.deepEqual(await shownModels(), want.models);
  if (process.env.SCREENSHOTS !== '0') {
    mkdirSync(path.join(repoRoot, 'docs/screenshots'), { recursive: true });
    const section = page.locator('[data-card-diff]');
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: path.join(repoRoot, 'docs/screenshots/pricing-diff.png') });
  }
});

test('an uploaded card (-25% on every price): every row equals credits diff', async () => {
  await openPricing();
  const candidate = priceChange(card, -25);
  const want = cliDiff(candidate, 'm25');
  await page.getByLabel('Upload a rate card').setInputFiles(path.join(dir, 'm25.json'));
  await page.waitForFunction((to) => document.querySelector(`[data-diff-to="${to}"]`), want.to, { timeout: 10_000 });
  assert.ok(want.nodes.length > 0 && want.nodes.every((n) => n.new.max <= n.old.max));
  assert.deepEqual(await shownRows(), expectedRows(want));
});

test('an invalid pasted card shows the server\'s invalid_rate_card with its path', async () => {
  await openPricing();
  const bad = { version: 'bad', models: [{ id: 'm', kind: 'hologram', label: 'M', price: [{ type: 'per_frame' }] }] };
  await page.getByLabel('Candidate rate card').fill(JSON.stringify(bad));
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const note = page.locator('[data-diff-error]');
  await note.waitFor({ timeout: 10_000 });
  assert.equal(await note.getAttribute('data-diff-error'), 'invalid_rate_card');
  const text = await note.innerText();
  assert.match(text, /invalid_rate_card/);
  assert.match(text, /\/models\/0\/kind/);
  assert.equal(await page.locator('[data-diff-row]').count(), 0);
  // Not JSON at all: still the server's refusal, not the page's.
  await page.getByLabel('Candidate rate card').fill('{"version": ');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-diff-error]'));
  assert.equal(await page.locator('[data-diff-error]').getAttribute('data-diff-error'), 'invalid_rate_card');
});
