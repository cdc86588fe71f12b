// The WASM benchmarks in Debian's headless Chromium: node web/bench/run-chromium.js [--runs N] [--json FILE] [--no-inline]
// Serves the repository root (the same static server as the browser test), times
// createCredits() in fresh browser contexts (cold: fetch + streaming compile + instantiate),
// then runs the shared harness (bench.js) in one page.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startStaticServer, launchChromium } from '../test/browser/static-server.js';
import { formatResults, median } from './bench.js';
import { packageSizes } from './sizes.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(opt('--runs', 9));
const jsonOut = opt('--json', null);
// --no-inline: only the main entry (for a package without the inline entry).
const noInline = args.includes('--no-inline');

const server = await startStaticServer();
const browser = await launchChromium();
try {
  async function inPage(query, timeout) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => { if (m.text().startsWith('bench:')) process.stderr.write(`${m.text()}\n`); });
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.goto(`${server.url}/web/bench/bench.html${query}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout, polling: 250 });
    const result = await page.evaluate(() => window.benchResult);
    await context.close();
    if (result.error) throw new Error(result.error);
    return result;
  }

  // Fresh contexts, alternating the entries: the main entry (fetches credits.wasm) and the
  // inline one (the wasm is in the JS it imports).
  const stats = (xs) => ({ ms: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length });
  const cold = [], warm = [], compile = [], fromBytes = [], fromModule = [], ready = [];
  const inline = { cold: [], withImport: [], ready: [], warm: [], compile: [], instantiate: [], firstQuote: [] };
  for (let i = 0; i < Math.max(5, runs); i++) {
    const r = await inPage('?mode=instantiate&count=4', 60_000);
    cold.push(r.instantiation.first);
    warm.push(r.instantiation.warmMedian);
    compile.push(r.instantiation.compile);
    fromBytes.push(r.instantiation.fromBytes);
    if (r.instantiation.fromModule !== undefined) fromModule.push(r.instantiation.fromModule);
    if (r.instantiation.ready !== undefined) ready.push(r.instantiation.ready);
    if (noInline) continue;
    const n = await inPage('?mode=instantiate&entry=inline', 60_000);
    inline.cold.push(n.instantiation.first);
    inline.withImport.push(n.instantiation.withImport);
    inline.ready.push(n.instantiation.ready);
    inline.warm.push(n.instantiation.warmMedian);
    inline.compile.push(n.instantiation.compile);
    inline.instantiate.push(n.instantiation.instantiate);
    inline.firstQuote.push(n.instantiation.firstQuote);
  }
  const loadBefore = loadavg();
  const results = await inPage(`?runs=${runs}`, 15 * 60_000);
  results.environment.loadavgBefore = loadBefore;
  results.instantiation = {
    cold: stats(cold),
    warm: median(warm),
    compile: median(compile),
    fromBytes: median(fromBytes),
  };
  if (fromModule.length) results.instantiation.fromModule = median(fromModule);
  if (ready.length) results.instantiation.ready = stats(ready);
  if (inline.cold.length) {
    results.instantiation.inline = { cold: stats(inline.cold), withImport: stats(inline.withImport), ready: stats(inline.ready), warm: median(inline.warm),
      compile: median(inline.compile), instantiate: median(inline.instantiate), firstQuote: stats(inline.firstQuote) };
  }
  results.environment.loadavg = loadavg();
  results.sizes = packageSizes();
  results.environment.chromium = browser.version();
  console.log(formatResults(results, `Chromium ${browser.version()} (headless, ${results.environment.userAgent})`));
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  await server.close();
}
