// The demo product's speed, as a person feels it, in Debian's headless Chromium (not a test):
//
//   node demo/bench/run-chromium.js [--loads N] [--moves N] [--json FILE]
//
// Starts the real demo backend (and with it the credit server) on a fresh ledger, then measures:
// - first priced canvas: from navigation start to the moment every node of demo/canvas.json
//   shows its badge figures and the run total is there (fresh browser context each time, so the
//   bundle and the .wasm are fetched and compiled every time: a first visit);
// - one slider move: from the `input` event on the Veo node's Duration control to the moment the
//   lip-sync badge downstream shows its new figure (the engine's incremental re-plan plus React's
//   render), and to the next painted frame;
// - the built bundle's size, gzipped (-9) and raw, per file in demo/dist/assets.
// Prints a table; --json writes the figures.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startDemo, launchChromium, repoRoot } from '../test/support.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const loads = Number(opt('--loads', 15));
const moves = Number(opt('--moves', 200));
const jsonOut = opt('--json', null);

const canvas = JSON.parse(readFileSync(path.join(repoRoot, 'demo/canvas.json'), 'utf8'));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const summary = (xs) => ({ median: quantile(xs, 0.5), p95: quantile(xs, 0.95), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });

function bundleSizes() {
  const dir = path.join(repoRoot, 'demo/dist/assets');
  // What the canvas loads first (app.js and the chunks it imports), then the lazy pages' chunks.
  const files = readdirSync(dir, { recursive: true }).filter((f) => /\.(js|css|wasm)$/.test(f)).sort().map((f) => {
    const bytes = readFileSync(path.join(dir, f));
    return { file: f, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const total = files.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
  return { files, total };
}

const demo = await startDemo({ latencyMs: 0 });
const browser = await launchChromium();
const load = loadavg();
try {
  const ids = canvas.nodes.map((n) => n.id);
  const firstPriced = [];
  let canvasFiles = [];
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(demo.url + '/', { waitUntil: 'commit' });
    await page.waitForFunction((all) => all.every((id) => document.querySelector(`[data-node-id="${CSS.escape(id)}"] [data-cost-max]`))
      && document.querySelector('[data-run-total]'), ids, { polling: 'raf', timeout: 60_000 });
    firstPriced.push(await page.evaluate(() => performance.now()));
    if (i === 0) {
      canvasFiles = await page.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/assets/')).map((e) => new URL(e.name).pathname.replace('/assets/', '')));
    }
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(demo.url + '/');
  await page.locator('[data-node-id="lipsync"] [data-cost-max]').waitFor();
  const move = await page.evaluate(async (count) => {
    const input = document.querySelector('[data-node-id="hero-shot"] input[aria-label="Duration"]')
      || [...document.querySelectorAll('[data-node-id="hero-shot"] input')].find((e) => e.labels?.[0]?.textContent.trim() === 'Duration');
    const badge = document.querySelector('[data-node-id="lipsync"] [data-cost-max]');
    if (!input || !badge) return { error: 'no Duration control on hero-shot, or no lip-sync badge' };
    // React tracks the value it last rendered; set it through the native setter so the input
    // event is seen as a change, as a real drag is.
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const toDom = [];
    const toFrame = [];
    for (let i = 0; i < count; i++) {
      const value = i % 2 ? '8' : '5';
      const before = badge.getAttribute('data-cost-max');
      const changed = new Promise((resolve) => {
        const mo = new MutationObserver(() => {
          if (badge.getAttribute('data-cost-max') !== before) { mo.disconnect(); resolve(); }
        });
        mo.observe(badge, { attributes: true, attributeFilter: ['data-cost-max'] });
      });
      const t0 = performance.now();
      setValue.call(input, value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await changed;
      const t1 = performance.now();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      toDom.push(t1 - t0);
      toFrame.push(performance.now() - t0);
    }
    return { toDom, toFrame };
  }, moves);
  await context.close();
  if (move.error) throw new Error(move.error);

  const results = {
    environment: { chromium: browser.version(), cpus: cpus().length, cpu: cpus()[0]?.model, loadavg: load, date: new Date().toISOString() },
    firstPricedCanvasMs: summary(firstPriced),
    sliderMoveToBadgeMs: summary(move.toDom),
    sliderMoveToFrameMs: summary(move.toFrame),
    bundle: bundleSizes(),
  };
  const sizes = Object.fromEntries(results.bundle.files.map((b) => [b.file, b]));
  results.canvasLoads = canvasFiles.map((f) => sizes[f]).filter(Boolean);
  results.canvasGzip = results.canvasLoads.reduce((a, b) => a + b.gzip, 0);
  const f = (x) => x.toFixed(2);
  console.log(`Chromium ${results.environment.chromium}, ${results.environment.cpus} cores, load ${load.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`first priced canvas (cold, ${loads} loads): median ${f(results.firstPricedCanvasMs.median)} ms, p95 ${f(results.firstPricedCanvasMs.p95)} ms`);
  console.log(`slider move → lip-sync badge (${moves} moves): median ${f(results.sliderMoveToBadgeMs.median)} ms, p95 ${f(results.sliderMoveToBadgeMs.p95)} ms`);
  console.log(`slider move → next frame: median ${f(results.sliderMoveToFrameMs.median)} ms, p95 ${f(results.sliderMoveToFrameMs.p95)} ms`);
  for (const file of results.bundle.files) console.log(`  ${file.file.padEnd(34)} ${String(file.bytes).padStart(9)} B  ${String(file.gzip).padStart(8)} B gzip -9`);
  console.log(`  ${'total'.padEnd(34)} ${String(results.bundle.total.bytes).padStart(9)} B  ${String(results.bundle.total.gzip).padStart(8)} B gzip -9`);
  console.log(`the canvas page fetches ${results.canvasLoads.map((b) => b.file).join(', ')}: ${results.canvasGzip} B gzip -9`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  await demo.stop();
}
