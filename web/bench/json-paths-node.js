// The JSON paths (quoteText of random nodes, plan of a graph) of two or more packages in one
// Node process, alternating, in CPU time (process.cpuUsage): for changes that may cost the JSON
// paths (build flags, the module's libc) while the typed paths are measured elsewhere.
//   node web/bench/json-paths-node.js PACKAGE_DIR... [--rounds N]   (a dir holds src/ and dist/)
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomNodes, makeGraph, SEED, median, cpuMs } from './bench.js';

const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;
const dirs = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds');
const engines = [];
for (const dir of dirs) {
  const { default: createCredits } = await import(pathToFileURL(path.join(path.resolve(dir), 'src/index.js')).href);
  engines.push(await createCredits());
}
const nodes = randomNodes(engines[0].modelList, 5000, SEED);
const { graph } = makeGraph(engines[0], 2000);
let sink = 0;
const work = {
  quoteText: (e) => { for (const n of nodes) sink += e.quoteText(n).length; },
  plan: (e) => { sink += e.plan(graph).ok ? 1 : 0; },
};
const times = engines.map(() => ({ quoteText: [], plan: [] }));
for (const e of engines) for (const fn of Object.values(work)) fn(e);  // warm-up
for (let r = 0; r < rounds; r++) {
  engines.forEach((e, k) => {
    for (const [name, fn] of Object.entries(work)) times[k][name].push(cpuMs(() => fn(e)));
  });
}
const show = (xs) => `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
dirs.forEach((dir, k) => console.log(dir, `quoteText x5000 ${show(times[k].quoteText)}`, `plan of 2000 nodes ${show(times[k].plan)}`));
if (sink === 0) console.log('');
