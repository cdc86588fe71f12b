// Cold createCredits() of the inline entry in fresh browser contexts, for two package roots
// alternately (each a repository layout: <root>/web/src, <root>/web/dist), when a whole
// run-chromium.js per side is too coarse to compare start-up:
//   node web/bench/cold-chromium.js [--roots DIR,DIR] [--runs 15]
import { loadavg } from 'node:os';
import { startStaticServer, launchChromium, repoRoot } from '../test/browser/static-server.js';
import { median } from './bench.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const roots = opt('--roots', repoRoot).split(',');
const runs = Number(opt('--runs', 15));
const servers = await Promise.all(roots.map((r) => startStaticServer(r)));
const browser = await launchChromium();
const times = roots.map(() => ({ cold: [], compile: [], instantiate: [], firstQuote: [] }));
try {
  for (let i = 0; i < runs; i++) {
    for (let s = 0; s < roots.length; s++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${servers[s].url}/web/bench/bench.html?mode=instantiate&entry=inline`);
      await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 60_000, polling: 100 });
      const r = (await page.evaluate(() => window.benchResult)).instantiation;
      await context.close();
      for (const k of Object.keys(times[s])) times[s][k].push(r[k === 'cold' ? 'first' : k]);
    }
  }
  const show = (xs) => `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  roots.forEach((root, s) => console.log(`${root}: ${Object.entries(times[s]).map(([k, v]) => `${k} ${show(v)}`).join(', ')}`));
  console.log(`load ${loadavg()[0].toFixed(2)}`);
} finally {
  await browser.close();
  await Promise.all(servers.map((s) => s.close()));
}
