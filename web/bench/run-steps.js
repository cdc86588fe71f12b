// A cold start of the inline entry, step by step, in fresh Chromium contexts:
//   node web/bench/run-steps.js [--root DIR] [--pages N]
// DIR is served as the repository root (default: this one), so another package's web/dist
// can be timed with this page (copy web/bench beside it).
import { startStaticServer, launchChromium } from '../test/browser/static-server.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const server = await startStaticServer(opt('--root', undefined));
const browser = await launchChromium();
const names = ['import the base64 module', 'decode + compile', 'import credits.mjs', 'createCreditsModule',
  'cardIndex() (the engine and its card)', 'encoderIndex() + JSON.parse', 'models() + JSON.parse', 'encodedTables()', '  of which WebAssembly.instantiate'];
const pages = [];
try {
  for (let i = 0; i < Number(opt('--pages', 5)); i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/web/bench/steps.html`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 60_000, polling: 100 });
    pages.push(await page.evaluate(() => window.benchResult));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`card ${pages[0].version}, one column per fresh page (ms)`);
names.forEach((n, k) => console.log(n.padEnd(36), pages.map((r) => r.steps[k].toFixed(1).padStart(6)).join(' ')));
