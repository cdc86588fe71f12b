// priceMany from two copies of the package's sources, side by side in the same Chromium pages,
// against the validating plain-JS estimator: for changes to web/src that a whole run of
// run-chromium.js per side (minutes, on a machine whose load moves) cannot resolve.
//
//   cp -r web/src web/src-b   # then change web/src-b
//   node web/bench/ab-chromium.js [--a src] [--b src-b] [--pages 5] [--reps 30]
//
// Each page loads both (web/<a>/index.js and web/<b>/index.js, each beside web/dist), checks
// they give the same numbers, and times priceMany of the 82,797 nodes both estimators price on
// each side and the validating estimator, interleaved and rotated, `reps` times after 3 warm-up
// rounds. Printed per page: the medians and the ratios b/a and each side over the estimator.
import { loadavg } from 'node:os';
import { startStaticServer, launchChromium } from '../test/browser/static-server.js';
import { median } from './bench.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const a = opt('--a', 'src'), b = opt('--b', 'src-b');
const pages = Number(opt('--pages', 5)), reps = Number(opt('--reps', 30));
// --no-check: b may give other numbers (to time a part of the work, never to compare variants).
const check = args.includes('--no-check') ? '&check=0' : '';

const server = await startStaticServer();
const browser = await launchChromium();
const all = { a: [], b: [], aOverValid: [], bOverValid: [], bOverA: [] };
try {
  console.log(`a = web/${a}, b = web/${b}; ${pages} pages, ${reps} interleaved rounds each; load ${loadavg()[0].toFixed(2)}`);
  for (let p = 0; p < pages; p++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.goto(`${server.url}/web/bench/ab.html?a=${a}&b=${b}&reps=${reps}${check}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 10 * 60_000, polling: 250 });
    const r = await page.evaluate(() => window.benchResult);
    await context.close();
    if (r.error) throw new Error(r.error);
    const m = { a: median(r.ms.a), b: median(r.ms.b), valid: median(r.ms.valid) };
    // Per round ratios, then their median: each round's three calls ran under the same load.
    const ratio = (x, y) => median(r.ms[x].map((v, i) => v / r.ms[y][i]));
    const row = { aOverValid: ratio('a', 'valid'), bOverValid: ratio('b', 'valid'), bOverA: ratio('b', 'a') };
    for (const k of Object.keys(row)) all[k].push(row[k]);
    all.a.push(m.a), all.b.push(m.b);
    console.log(`page ${p + 1}: a ${m.a.toFixed(2)} ms, b ${m.b.toFixed(2)} ms, validating ${m.valid.toFixed(2)} ms; ` +
      `a/valid ${row.aOverValid.toFixed(3)}, b/valid ${row.bOverValid.toFixed(3)}, b/a ${row.bOverA.toFixed(3)} (load ${loadavg()[0].toFixed(2)})`);
  }
  const show = (xs) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
  console.log(`median of pages: a/valid ${show(all.aOverValid)}, b/valid ${show(all.bOverValid)}, b/a ${show(all.bOverA)}`);
} finally {
  await browser.close();
  await server.close();
}
