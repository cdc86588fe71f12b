// The WASM benchmarks in Debian's headless Chromium: node web/bench/run-chromium.js [--runs N] [--json FILE]
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

  const cold = [];
  const warm = [];
  const compile = [];
  const fromBytes = [];
  for (let i = 0; i < Math.max(5, runs); i++) {
    const r = await inPage('?mode=instantiate&count=4', 60_000);
    cold.push(r.instantiation.first);
    warm.push(r.instantiation.warmMedian);
    compile.push(r.instantiation.compile);
    fromBytes.push(r.instantiation.fromBytes);
  }
  const loadBefore = loadavg();
  const results = await inPage(`?runs=${runs}`, 15 * 60_000);
  results.environment.loadavgBefore = loadBefore;
  results.instantiation = {
    cold: { ms: median(cold), min: Math.min(...cold), max: Math.max(...cold), runs: cold.length },
    warm: median(warm),
    compile: median(compile),
    fromBytes: median(fromBytes),
  };
  results.environment.loadavg = loadavg();
  results.sizes = packageSizes();
  results.environment.chromium = browser.version();
  console.log(formatResults(results, `Chromium ${browser.version()} (headless, ${results.environment.userAgent})`));
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  await server.close();
}
