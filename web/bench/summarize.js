// Several runs of run-node.js / run-chromium.js (--json files) in one table: for each figure,
// the median of the runs' medians and the range of the runs' medians.
//   node web/bench/summarize.js /tmp/node-*.json
import { readFileSync } from 'node:fs';
import { median } from './bench.js';

const files = process.argv.slice(2);
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const fmt = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : ms >= 0.001 ? `${(ms * 1000).toFixed(1)} µs` : `${(ms * 1e6).toFixed(0)} ns`);
const rate = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(0)} k/s`);
const names = Object.keys(runs[0].figures);
console.log(`${files.length} runs: ${files.join(' ')}`);
for (const name of names) {
  const ms = runs.map((r) => r.figures[name].ms);
  const per = runs.map((r) => r.figures[name].perSecond).filter((x) => x !== undefined);
  const line = `${name.padEnd(24)} ${fmt(median(ms)).padStart(9)}  (${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))})`;
  console.log(per.length ? `${line}  ${rate(median(per))} (${rate(Math.min(...per))}–${rate(Math.max(...per))})` : line);
}
const at = (r, key) => key.split('.').reduce((o, k) => o?.[k], r.instantiation);
for (const key of ['cold', 'coldWithImport', 'ready', 'inline.cold', 'inline.withImport', 'inline.ready', 'inline.firstQuote']) {
  const ms = runs.map((r) => at(r, key)?.ms).filter((x) => x !== undefined);
  if (ms.length) console.log(`${('instantiate ' + key).padEnd(24)} ${fmt(median(ms)).padStart(9)}  (${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))})`);
}
for (const key of ['warm', 'compile', 'fromBytes', 'fromModule', 'inline.warm', 'inline.compile', 'inline.instantiate']) {
  const ms = runs.map((r) => at(r, key)).filter((x) => x !== undefined);
  if (ms.length) console.log(`${('instantiate ' + key).padEnd(24)} ${fmt(median(ms)).padStart(9)}  (${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))})`);
}
console.log('load averages (1 min) before each run:', runs.map((r) => r.environment.loadavgBefore?.[0]?.toFixed(2)).join(' '));
