// The WASM benchmarks in Node: node web/bench/run-node.js [--runs N] [--json FILE]
// Instantiation is timed in fresh processes (cold) and again in this one (warm); everything
// else runs the shared harness (bench.js) once, with the median of N timed runs per figure.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import createCredits from '../src/index.js';
import { runBench, measureInstantiation, formatResults, median, sweepNodes, compareWithPlain, compareWithValidating } from './bench.js';
import { validatingEstimator } from './plain-estimator-validating.js';
import { packageSizes } from './sizes.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(opt('--runs', 9));
const jsonOut = opt('--json', null);
const here = path.dirname(fileURLToPath(import.meta.url));
const indexUrl = pathToFileURL(path.join(here, '../src/index.js')).href;

// Cold: a fresh Node process imports the package and creates an engine (reads and compiles the
// .wasm, loads the embedded card, reads the model list).
const coldScript = `
  const t0 = performance.now();
  const { default: createCredits } = await import(${JSON.stringify(indexUrl)});
  const t1 = performance.now();
  await createCredits();
  const t2 = performance.now();
  console.log(JSON.stringify({ create: t2 - t1, withImport: t2 - t0 }));`;
const cold = [];
for (let i = 0; i < Math.max(5, runs); i++) {
  cold.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', coldScript], { encoding: 'utf8' })));
}
const coldTimes = cold.map((c) => c.create);
const warm = await measureInstantiation(createCredits, 6, readFileSync(path.join(here, '../dist/credits.wasm')));

const engine = await createCredits();
const loadBefore = loadavg();
const results = runBench(engine, { runs, log: (s) => process.stderr.write(`bench: ${s}\n`) });
results.instantiation = {
  cold: { ms: median(coldTimes), min: Math.min(...coldTimes), max: Math.max(...coldTimes), runs: coldTimes.length },
  coldWithImport: { ms: median(cold.map((c) => c.withImport)) },
  warm: warm.warmMedian,
  compile: warm.compile,
  fromBytes: warm.fromBytes,
};
results.sizes = packageSizes();
process.stderr.write('bench: sweep\n');
const swept = sweepNodes(engine.modelList);
const sweep = compareWithPlain(engine, swept);
delete sweep.bothIndices;
results.comparison.sweep = sweep;
results.comparison.sweepValidating = compareWithValidating(engine, validatingEstimator(engine.modelList), swept);
results.environment.node = process.version;
results.environment.loadavgBefore = loadBefore;
results.environment.loadavg = loadavg();
console.log(formatResults(results, `Node ${process.version}`));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
