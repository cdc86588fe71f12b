// Where the time goes in Chromium: a V8 CPU profile (over the DevTools protocol) of one
// operation repeated, summarised as self time per function (JS by file:line, WASM by name when
// the module has a name section, else wasm-function[N]).
//
//   node web/bench/profile-chromium.js quoteMany|priceMany|quoteManyIntegral|priceManyIntegral|quoteManyBoth|priceManyBoth|updateNode [--root DIR] [--reps N] [--callers NAME] [--lines FILE]
//
// --root serves another copy of the repository layout, e.g. one whose web/dist holds a module
// linked with --profiling-funcs (see BENCHMARKS.md), so WASM functions have names.
import { startStaticServer, launchChromium, repoRoot } from '../test/browser/static-server.js';

const args = process.argv.slice(2);
const what = args[0] || 'quoteMany';
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const root = opt('--root', repoRoot);
const reps = Number(opt('--reps', 20));

const server = await startStaticServer(root);
const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/web/bench/bench.html?mode=idle`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 60_000 });
  // Inputs outside the profile.
  await page.evaluate(() => {
    const { engine, bench } = window.benchApi;
    const nodes = bench.randomNodes(engine.modelList, bench.CORPUS_SIZE, bench.SEED);
    const numbers = engine.priceMany(nodes);
    const plain = bench.plainPriceMany(nodes);
    window.profileInputs = {
      random: nodes,
      both: nodes.filter((n, i) => numbers.ok[i] === 1 && plain.ok[i] === 1),
      integral: nodes.filter((n, i) => numbers.ok[i] === 1 && Object.values(n.params).every((v) => typeof v !== 'number' || Number.isInteger(v))),
    };
    const { graph, editIndex } = bench.makeGraph(engine);
    engine.canvas.load(graph);
    window.profileInputs.edit = graph.nodes[editIndex];
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  // quoteMany and priceMany run on the 100k random nodes; quoteManyIntegral and
  // priceManyIntegral on the integer-only nodes the engine prices (all fast path); ...Both on
  // the nodes the engine and the plain-JS estimator both price (the benchmark's comparison).
  const ms = await page.evaluate(([op, n]) => {
    const { engine } = window.benchApi;
    const input = window.profileInputs;
    const nodes = op.endsWith('Integral') ? input.integral : op.endsWith('Both') ? input.both : input.random;
    const method = op.replace(/Integral$|Both$/, '');
    const t0 = performance.now();
    for (let r = 0; r < n; r++) {
      if (method === 'updateNode') for (let k = 0; k < 500; k++) engine.canvas.updateNode({ ...input.edit, params: { ...input.edit.params } });
      else engine[method](nodes);
    }
    return performance.now() - t0;
  }, [what, reps]);
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
    let key = f.functionName || '(anonymous)';
    if (f.url && !f.url.includes('wasm')) key += ` ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    const dt = profile.timeDeltas[i];
    self.set(key, (self.get(key) || 0) + dt);
    total += dt;
  }
  const wasm = [...self].filter(([k]) => !/\.(m?js):\d+$/.test(k) && !k.startsWith('(')).reduce((a, [, v]) => a + v, 0);
  console.log(`${what} x ${reps}: ${(ms / reps).toFixed(1)} ms per call; ${(total / 1000).toFixed(0)} ms sampled; WASM (every non-JS frame) ${((100 * wasm) / total).toFixed(1)}%`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k.slice(0, 150)}`);
  // --lines FILE: the hottest lines of that JS file (the profile's position ticks).
  const linesOf = opt('--lines', null);
  if (linesOf) {
    const ticks = new Map();
    for (const n of profile.nodes) {
      if (!n.callFrame.url.endsWith(linesOf)) continue;
      for (const t of n.positionTicks || []) ticks.set(t.line, (ticks.get(t.line) || 0) + t.ticks);
    }
    const all = [...ticks.values()].reduce((a, b) => a + b, 0);
    console.log(`hottest lines of ${linesOf} (share of its ${all} ticks):`);
    for (const [line, t] of [...ticks].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${((100 * t) / all).toFixed(1).padStart(5)}%  ${linesOf}:${line}`);
  }
  // --callers NAME: who calls the functions whose name starts with NAME (share of all samples).
  const callersOf = opt('--callers', null);
  if (callersOf) {
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n);
    const callers = new Map();
    for (let i = 0; i < profile.samples.length; i++) {
      const n = byId.get(profile.samples[i]);
      if (!n.callFrame.functionName.startsWith(callersOf)) continue;
      const p = parent.get(n.id);
      const key = p ? p.callFrame.functionName || '(anonymous)' : '(root)';
      callers.set(key, (callers.get(key) || 0) + profile.timeDeltas[i]);
    }
    console.log(`callers of ${callersOf}*:`);
    for (const [k, v] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k.slice(0, 150)}`);
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
