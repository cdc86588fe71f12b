// priceMany on the nodes both estimators price, the validating estimator and quote(), timed in
// CPU time of this process (process.cpuUsage), which a loaded machine disturbs less than wall
// time: node web/bench/cpu-node.js [PACKAGE_DIR]   (default: this package; run two packages
// alternately, each in its own process, to compare them)
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomNodes, compareWithPlain, CORPUS_SIZE, SEED, median, cpuMs } from './bench.js';
import { validatingEstimator } from './plain-estimator-validating.js';

const dir = path.resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const { default: createCredits } = await import(pathToFileURL(path.join(dir, 'src/index.js')).href);
const engine = await createCredits();
const nodes = randomNodes(engine.modelList, CORPUS_SIZE, SEED);
const both = compareWithPlain(engine, nodes).bothIndices.map((i) => nodes[i]);
const valid = validatingEstimator(engine.modelList);
const single = both.slice(0, 2000);
let sink = 0;
const runs = { priceMany: [], validating: [], quoteUs: [] };
for (let r = 0; r < 12; r++) {
  runs.priceMany.push(cpuMs(() => { sink += engine.priceMany(both).ok[5]; }));
  runs.validating.push(cpuMs(() => {
    const ok = new Uint8Array(both.length), min = new Float64Array(both.length), max = new Float64Array(both.length);
    for (let i = 0; i < both.length; i++) {
      const q = valid.quote(both[i]);
      if (q) (ok[i] = 1), (min[i] = q.min), (max[i] = q.max);
    }
    sink += ok[3];
  }));
  runs.quoteUs.push(cpuMs(() => { for (let k = 0; k < 20_000; k++) sink += engine.quote(single[k % single.length]).max; }) / 20);
}
const show = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
// The first two calls of each are warm-ups (the first priceMany also fills the engine's tables).
console.log(dir, Object.entries(runs).map(([k, v]) => `${k} ${show(v.slice(2))}`).join('  '), sink > 0 ? '' : ' ');
