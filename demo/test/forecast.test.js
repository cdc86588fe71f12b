// The billing page's Forecast card (SPEC §12, issue 10), in Debian's Chromium against the real demo
// backend and `credits serve`: the card shows the credit server's own forecast for the payer, and
// buying the top-up it suggests leaves nothing more to suggest (docs/balances.md, "Forecast":
// the suggestion is what the wallet lacks to reach the reset at this pace, so adding exactly that
// covers it; a later instant only shortens the time left and never raises the burn).
//
//   node --test demo/test/forecast.test.js      (after scripts/build-demo.sh)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startDemo, launchChromium, cli, repoRoot } from './support.js';

const canvas = JSON.parse(readFileSync(path.join(repoRoot, 'demo/canvas.json'), 'utf8'));

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo({ latencyMs: 0 });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

// The server's forecast for `payer`, read as `viewer`, with the token the backend holds.
async function serverForecast(payer, viewer = 'maya') {
  const { url, token } = demo.creditServer();
  const res = await fetch(`${url}/v1/payers/${encodeURIComponent(payer)}/forecast?user=${viewer}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}

// What the card's hooks say, in the forecast's own field names.
async function cardForecast() {
  const card = page.locator('[data-forecast]');
  await card.waitFor();
  const attr = (name) => card.getAttribute(name);
  return {
    payer: await attr('data-forecast'),
    at: await attr('data-forecast-at'),
    burn_per_day: Number(await attr('data-forecast-burn')),
    spent: Number(await attr('data-forecast-spent')),
    subscription_runs_out_at: (await attr('data-forecast-subscription-runs-out')) || null,
    wallet_runs_out_at: (await attr('data-forecast-wallet-runs-out')) || null,
    suggested_top_up: Number(await attr('data-forecast-topup')),
  };
}

// Runs the sample canvas as maya through the backend (the page's own request: the CLI plan's
// prices as shown), so her period's pace outruns what she has left.
async function runCanvasAsMaya() {
  const plan = JSON.parse(cli(['plan'], JSON.stringify(canvas)));
  const skipped = new Set(canvas.nodes.filter((n) => n.skip).map((n) => n.id));
  const body = {
    graph: canvas,
    run: plan.order.filter((id) => !skipped.has(id)),
    shown: Object.fromEntries(plan.nodes.map((n) => [n.id, { min: n.min, max: n.max }])),
    rate_card: plan.rate_card,
    provider: 'reliable',
  };
  const res = await fetch(demo.url + '/api/runs', { method: 'POST', headers: { cookie: 'demo_user=maya', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const events = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(events.at(-1).type, 'end', JSON.stringify(events.at(-1)));
}

const ms = (iso) => (iso == null ? null : Date.parse(iso));

// The card's read and a later server read agree once the clock is allowed for: the run-out times
// count from `at`, so they move by exactly as much as `at` moved (both are active subscriptions'
// forecasts here, where every run-out time is `at` + a fixed span).
function sameUpToTheClock(card, server) {
  const shift = ms(server.at) - ms(card.at);
  const moved = (a, b) => (a == null || b == null ? a === b : ms(b) - ms(a) === shift);
  return card.payer === server.payer && card.burn_per_day === server.burn_per_day && card.spent === server.spent
    && card.suggested_top_up === server.suggested_top_up
    && moved(card.subscription_runs_out_at, server.subscription_runs_out_at)
    && moved(card.wallet_runs_out_at, server.wallet_runs_out_at);
}

// Opens the billing page on `payer`'s tab (by its name) and returns the card's figures once they
// equal the server's read; a read that straddles a day's or a credit's rounding step is retried.
async function expectCardMatchesServer(tab, payer) {
  let card;
  let server;
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.goto(demo.url + '/billing');
    await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
    await page.waitForFunction((p) => document.querySelector('[data-forecast]')?.getAttribute('data-forecast') === p, payer);
    card = await cardForecast();
    server = await serverForecast(payer);
    if (sameUpToTheClock(card, server)) return { card, server };
  }
  assert.deepEqual(card, server, 'the card shows the server\'s forecast');
  return { card, server };
}

test('the Forecast card shows the server\'s forecast for each payer maya can read', async () => {
  for (const [tab, payer] of [['Personal', 'user:maya'], ['Studio', 'workspace:studio']]) {
    const { card } = await expectCardMatchesServer(tab, payer);
    assert.ok(card.burn_per_day > 0, `${payer}: the seed spends in the current period`);
    const text = await page.locator('[data-forecast]').innerText();
    assert.match(text, new RegExp(`\\(${card.burn_per_day.toLocaleString('en-US')} a day\\)`), text);
    if (card.suggested_top_up > 0) assert.match(text, new RegExp(`top-up of ${card.suggested_top_up.toLocaleString('en-US')} lasts`), text);
  }
});

test('"Use N as the top-up" fills in Buy top-up; buying it leaves no top-up to suggest', async () => {
  // The seed's balances last its periods; a few runs make maya's pace outrun hers.
  const payer = 'user:maya';
  for (let i = 0; i < 6 && (await serverForecast(payer)).suggested_top_up === 0; i++) await runCanvasAsMaya();
  const { card } = await expectCardMatchesServer('Personal', payer);
  assert.ok(card.suggested_top_up > 0, 'maya now has a top-up to suggest');
  assert.ok(card.subscription_runs_out_at, 'and her subscription runs out before the reset');
  const n = card.suggested_top_up;
  const walletBefore = Number(await page.locator('.billing [data-balance="wallet"]').getAttribute('data-credits'));

  await page.getByRole('button', { name: `Use ${n.toLocaleString('en-US')} as the top-up` }).click();
  assert.equal(await page.getByRole('combobox', { name: 'Top-up amount' }).inputValue(), String(n));
  await page.getByRole('button', { name: 'Buy top-up', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Added ${n.toLocaleString('en-US')} credits` }).waitFor();

  await page.waitForFunction(() => document.querySelector('[data-forecast]')?.getAttribute('data-forecast-topup') === '0', null, { timeout: 5000 });
  assert.equal(Number(await page.locator('.billing [data-balance="wallet"]').getAttribute('data-credits')), walletBefore + n);
  const after = await serverForecast(payer);
  assert.equal(after.suggested_top_up, 0, 'the server agrees: nothing more to suggest');
  assert.equal(after.wallet, walletBefore + n);
  assert.ok(after.wallet_runs_out_at === null || ms(after.wallet_runs_out_at) > ms(card.wallet_runs_out_at),
    'the wallet now lasts longer (or past the reset)');
});
