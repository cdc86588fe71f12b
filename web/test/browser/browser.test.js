// The package in a real browser: Debian's headless Chromium (through playwright-core) loads a
// page from a local static server; the page imports /web/src/index.js, creates the engine with
// no options (so the module fetches dist/credits.wasm beside itself), and checks quote,
// quoteMany, priceMany, plan and the canvas session against the golden corpus. A second page
// draws the demo canvas with cost badges and a live slider.
//
//   node --test test/browser/                       run it
//   UPDATE_SCREENSHOT=1 node --test test/browser/   also write test/browser/screenshot.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer, launchChromium, repoRoot } from './static-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = (file) => readFileSync(path.join(repoRoot, 'tests/golden', file), 'utf8');

let server;
let browser;

before(async () => {
  server = await startStaticServer();
  browser = await launchChromium();  // throws "Chromium is missing: ..." when it is
});

after(async () => {
  await browser?.close();
  await server?.close();
});

// Opens `page` in a fresh context; collects console errors, page errors and failed requests.
async function open(url, viewport) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(server.url + url);
  return { context, page, problems };
}

test('in Chromium, createCredits() with no options fetches dist/credits.wasm beside the module and matches the golden corpus', async () => {
  const before = server.requests.length;
  const { context, page, problems } = await open('/web/test/browser/index.html');
  try {
    await page.waitForFunction(() => window.creditsCheck && window.creditsCheck.done, null, { timeout: 60_000 });
    const state = await page.evaluate(() => window.creditsCheck);
    assert.deepEqual(state.failures, [], JSON.stringify(state.failures, null, 2));

    // The .wasm came from beside the module, as application/wasm (so it compiled while streaming).
    const wasm = server.requests.slice(before).filter((r) => r.path.endsWith('.wasm'));
    assert.deepEqual(wasm.map((r) => [r.path, r.status, r.type]), [['/web/dist/credits.wasm', 200, 'application/wasm']]);
    assert.deepEqual(problems, [], 'no console errors or warnings (a wrong MIME type warns and falls back)');

    assert.equal(state.version, '2026-11-01');
    const lines = golden('quotes.jsonl').split('\n').filter((l) => l.length > 0);
    assert.equal(state.goldenNodes, lines.length);
    assert.deepEqual(state.checks.quote, { same: lines.length, of: lines.length });
    assert.deepEqual(state.checks.quoteMany, { same: lines.length, of: lines.length });
    assert.deepEqual(state.checks.priceMany, { same: lines.length, of: lines.length });
    assert.equal(state.checks.plan, true);
    assert.deepStrictEqual(state.plan, JSON.parse(golden('canvas-plan.json')));
    assert.equal(state.checks.projectedPlan, true);
    assert.equal(state.checks.canvas, true);
    assert.equal(state.checks.errors, true);
  } finally {
    await context.close();
  }
});

test('in Chromium, an explicit locateFile is honoured too', async () => {
  const { context, page, problems } = await open('/web/test/browser/index.html?locateFile=1');
  try {
    await page.waitForFunction(() => window.creditsCheck && window.creditsCheck.done, null, { timeout: 60_000 });
    const state = await page.evaluate(() => window.creditsCheck);
    assert.deepEqual(state.failures, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('in Chromium, the inline entry fetches no .wasm, and a compiled module serves two engines', async () => {
  for (const [query, wasmFetches] of [['?entry=inline', []], ['?module=1', [['/web/dist/credits.wasm', 200, 'application/wasm']]]]) {
    const before = server.requests.length;
    const { context, page, problems } = await open('/web/test/browser/index.html' + query);
    try {
      await page.waitForFunction(() => window.creditsCheck && window.creditsCheck.done, null, { timeout: 60_000 });
      const state = await page.evaluate(() => window.creditsCheck);
      assert.deepEqual(state.failures, [], query);
      assert.deepEqual(problems, [], query);
      assert.equal(state.version, '2026-11-01');
      const wasm = server.requests.slice(before).filter((r) => r.path.endsWith('.wasm'));
      assert.deepEqual(wasm.map((r) => [r.path, r.status, r.type]), wasmFetches, query);
      if (query === '?entry=inline') assert.ok(server.requests.slice(before).some((r) => r.path === '/web/dist/credits-inline.js'));
    } finally {
      await context.close();
    }
  }
});

test('the canvas demo page shows a cost badge per node, the run total and the balances after the run', async () => {
  const { context, page, problems } = await open('/web/test/browser/canvas-demo.html', { width: 960, height: 700 });
  try {
    await page.waitForFunction(() => window.demoState && (window.demoState.ready || window.demoState.error), null, { timeout: 60_000 });
    let state = await page.evaluate(() => window.demoState);
    assert.equal(state.error, null);
    assert.deepEqual(problems, []);
    // The badges say what the CLI's plan says.
    assert.deepEqual(state.badges, {
      script: '1–3 cr', keyframes: '6 cr', 'hero-shot': '320 cr', 'b-roll': 'cached · 0 (27)', voiceover: '7 cr',
      lipsync: '40 cr', captions: '1–3 cr', poster: '8 cr', foley: '1 cr',
    });
    assert.equal(state.total, '384–388 credits');
    assert.equal(state.after, 'After this run: subscription 812, wallet 300');
    if (process.env.UPDATE_SCREENSHOT === '1') {
      const png = await page.screenshot({ fullPage: true });
      writeFileSync(path.join(here, 'screenshot.png'), png);
    }

    // Moving the slider re-plans the edited node and its lip-sync, and the totals follow.
    await page.locator('#duration').fill('4');
    state = await page.evaluate(() => window.demoState);
    assert.equal(state.badges['hero-shot'], '160 cr');
    assert.equal(state.badges.lipsync, '20 cr');
    assert.equal(state.total, '204–208 credits');
    assert.equal(state.after, 'After this run: subscription 992, wallet 300');
  } finally {
    await context.close();
  }
});
