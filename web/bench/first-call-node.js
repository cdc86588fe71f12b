// The first priceMany of a fresh engine against the calls after it, in CPU time: the first call
// fills the engine's tables (each entry priced once by the core), later ones read them.
// node web/bench/first-call-node.js [PACKAGE_DIR] [--engines N]   (default: this package, 5)
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomNodes, compareWithPlain, CORPUS_SIZE, SEED, median, cpuMs } from './bench.js';

const args = process.argv.slice(2);
const flag = args.indexOf('--engines');
const engines = flag >= 0 ? Number(args.splice(flag, 2)[1]) : 5;
const dir = path.resolve(args[0] ?? new URL('..', import.meta.url).pathname);
const { default: createCredits } = await import(pathToFileURL(path.join(dir, 'src/index.js')).href);
const probe = await createCredits();
const nodes = randomNodes(probe.modelList, CORPUS_SIZE, SEED);
const both = compareWithPlain(probe, nodes).bothIndices.map((i) => nodes[i]);
const calls = [[], [], [], []];
let sink = 0;
for (let e = 0; e < engines; e++) {
  const engine = await createCredits(); // a new module instance: empty tables
  for (const times of calls) times.push(cpuMs(() => { sink += engine.priceMany(both).ok[5]; }));
}
const show = (xs) => `${median(xs).toFixed(2)} ms (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
console.log(`${dir}: ${both.length} nodes, ${engines} fresh engines`);
calls.forEach((xs, i) => console.log(`  priceMany call ${i + 1}: ${show(xs)}`));
if (sink < 0) console.log(sink);
