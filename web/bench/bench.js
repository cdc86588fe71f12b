// The benchmark harness shared by Node (run-node.js) and Chromium (bench.html, driven by
// run-chromium.js). It only uses what both have: performance.now(), typed arrays, the package.
// Benchmarks, not tests: it reports figures; it fails only if a result is wrong.
import { PRICE, plainQuote, plainPriceMany } from './plain-estimator.js';
import { validatingEstimator } from './plain-estimator-validating.js';

export const SEED = 20261124;        // the same seed as test/parity.test.js
export const GRAPH_SEED = 7;
export const CORPUS_SIZE = 100_000;
export const GRAPH_SIZE = 10_000;

// ---- inputs ---------------------------------------------------------------------------------

// The same generator as the parity test: same seed, same nodes.
import { prng, randomNodes } from '../test/random-nodes.js';
export { prng, randomNodes };

function randomValue(spec, rnd) {
  if (spec.values) {
    const v = spec.values[Math.floor(rnd() * spec.values.length)];
    return spec.type === 'string' ? v : Number(v);
  }
  if (spec.type === 'bool') return rnd() < 0.5;
  const lo = Number(spec.min), hi = Number(spec.max);
  if (spec.step) {
    const step = Number(spec.step);
    const v = lo + Math.floor(rnd() * (Math.floor((hi - lo) / step + 1e-9) + 1)) * step;
    return spec.type === 'int' ? Math.round(v) : v;
  }
  if (spec.type === 'int') return Math.ceil(lo) + Math.floor(rnd() * (Math.floor(hi) - Math.ceil(lo) + 1));
  const a = Math.ceil(lo * 10), b = Math.floor(hi * 10);  // tenths: 5.5 s of video, 0.8 MP
  return (a + Math.floor(rnd() * (b - a + 1))) / 10;
}

function randomParams(model, rnd, leaveInputs) {
  const params = {};
  for (const [name, spec] of Object.entries(model.params)) {
    if (spec.decided_by_run) continue;
    if (spec.input) {
      if (!leaveInputs && rnd() < 0.5) params[name] = randomValue(spec, rnd);
      continue;
    }
    if (spec.default === undefined || rnd() < 0.6) params[name] = randomValue(spec, rnd);
  }
  return params;
}

function validNode(engine, model, id, rnd, leaveInputs = false) {
  for (let attempt = 0; attempt < 64; attempt++) {
    const node = { id, model: model.id, params: randomParams(model, rnd, leaveInputs) };
    if (engine.quote(node).ok) return node;
  }
  throw new Error(`cannot draw a valid node of ${model.id}`);
}

const KIND_WEIGHT = { video: 4, image: 4, text: 3, lipsync: 3 };

/**
 * A canvas graph of `count` nodes built like bench/bench_support.hpp graph_doc: repeating
 * (upstream -> downstream, independent) triples, so a third of the nodes have an edge; 5% of
 * the independent nodes are skipped (cached). Edges: video -> lip-sync / upscale / sound
 * effects / video-to-video, image -> upscale, voice -> talking face / transcription.
 * Returns {graph, editIndex}: editIndex is a video node near the middle with one downstream node.
 */
export function makeGraph(engine, count = GRAPH_SIZE, seed = GRAPH_SEED) {
  const models = engine.modelList;
  const rnd = prng(seed);
  const chains = [];
  for (const [kind, port] of [['video', 'video'], ['image', 'image'], ['voice', 'audio']]) {
    const down = models.filter((m) => Object.values(m.params).some((s) => s.input && s.input.port === port));
    if (!down.length) continue;
    const output = Object.values(down[0].params).find((s) => s.input && s.input.port === port).input.output;
    const up = models.filter((m) => m.kind === kind && m.outputs.includes(output) && !Object.values(m.params).some((s) => s.input));
    if (up.length) chains.push({ up, down, port });
  }
  const weighted = models.flatMap((m) => Array(KIND_WEIGHT[m.kind] ?? 1).fill(m));
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const nodes = [];
  let i = 0;
  const videoUps = [];
  while (nodes.length < count) {
    if (nodes.length + 2 <= count) {
      const c = pick(chains);
      const u = validNode(engine, pick(c.up), `n${i++}`, rnd);
      const d = validNode(engine, pick(c.down), `n${i++}`, rnd, true);
      d.inputs = { [c.port]: u.id };
      if (c.port === 'video') videoUps.push(nodes.length);
      nodes.push(u, d);
    }
    if (nodes.length < count) {
      const n = validNode(engine, pick(weighted), `n${i++}`, rnd);
      if (rnd() < 0.05) n.skip = true;
      nodes.push(n);
    }
  }
  const editIndex = videoUps.reduce((best, k) => (Math.abs(k - count / 2) < Math.abs(best - count / 2) ? k : best), videoUps[0]);
  return { graph: { nodes }, editIndex };
}

// Two valid parameter sets for the edited node, with different prices (a slider moving).
function twoEdits(engine, node) {
  const model = engine.modelList.find((m) => m.id === node.model);
  const rnd = prng(99);
  const a = { ...node };
  const base = engine.quote({ model: node.model, params: node.params }).max;
  for (let k = 0; k < 200; k++) {
    const b = { ...node, params: randomParams(model, rnd, false) };
    const q = engine.quote({ model: b.model, params: b.params });
    if (q.ok && q.max !== base) return [b, a];
  }
  throw new Error(`cannot find a second price for ${node.model}`);
}

// ---- timing ---------------------------------------------------------------------------------

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The CPU time of one call of `fn` in this process, in ms (Node only: process.cpuUsage), which
 * a loaded machine disturbs less than wall time. */
export function cpuMs(fn) {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

let sink = 0;  // results feed this so no engine can drop the work

/**
 * Runs `fn` `warmup` times, then `runs` times; each run is timed on its own (ms). When one call
 * is too short for the clock, `inner` repeats it within a run and the figure is per call.
 */
export function measure(fn, { runs = 9, warmup = 2, inner = 1 } = {}) {
  for (let w = 0; w < warmup; w++) for (let k = 0; k < inner; k++) fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let k = 0; k < inner; k++) fn();
    times.push((performance.now() - t0) / inner);
  }
  return { ms: median(times), min: Math.min(...times), max: Math.max(...times), runs: times.length };
}

const perSecond = (count, ms) => (count * 1000) / ms;

// ---- correctness of the compared results ---------------------------------------------------

// Why the engine refused a node, in a few words (the message's class, not its numbers).
function refusal(message) {
  if (/exceeds max_output_tokens/.test(message)) return 'output_tokens above the node\'s max_output_tokens';
  if (/takes no parameter/.test(message)) return 'an undeclared parameter';
  if (/finite number of at most/.test(message)) return 'a number beyond 10^15 (1e300, 1e16)';
  if (/is not allowed/.test(message)) return 'a number out of range or off its step (-1, 2.5)';
  if (/must be (a number|true or false|one of)/.test(message)) return 'a value of the wrong type or not in the list (null, true, "nope")';
  if (/has no price/.test(message)) return 'no table row prices it';
  return `other: ${message}`;
}

/**
 * Compares the plain-JS estimator with the engine on `nodes`: which both price, where they
 * differ (float drift, a missed rule), and what one prices that the other cannot.
 */
export function compareWithPlain(engine, nodes) {
  const wasm = engine.priceMany(nodes);
  const plain = plainPriceMany(nodes);
  const out = { nodes: nodes.length, both: 0, differ: 0, differByModel: {}, differExamples: [],
    plainOnly: 0, plainOnlyByReason: {}, plainOnlyExamples: [], engineOnly: 0, engineOnlyRanges: 0, engineOnlyByModel: {},
    neither: 0, bothIndices: [] };
  for (let i = 0; i < nodes.length; i++) {
    const w = wasm.ok[i] === 1, p = plain.ok[i] === 1;
    if (w && p) {
      out.both++;
      out.bothIndices.push(i);
      if (wasm.min[i] !== plain.min[i] || wasm.max[i] !== plain.max[i]) {
        out.differ++;
        out.differByModel[nodes[i].model] = (out.differByModel[nodes[i].model] || 0) + 1;
        if (out.differExamples.length < 10) out.differExamples.push({ node: nodes[i], engine: [wasm.min[i], wasm.max[i]], plain: [plain.min[i], plain.max[i]] });
      }
    } else if (p) {
      out.plainOnly++;
      const q = engine.quote(nodes[i]);
      const key = refusal(q.error.message);
      out.plainOnlyByReason[key] = (out.plainOnlyByReason[key] || 0) + 1;
      if (out.plainOnlyExamples.length < 8) out.plainOnlyExamples.push({ node: nodes[i], plain: plain.max[i], engine: q.error.message });
    } else if (w) {
      out.engineOnly++;
      if (wasm.min[i] !== wasm.max[i]) out.engineOnlyRanges++;
      out.engineOnlyByModel[nodes[i].model] = (out.engineOnlyByModel[nodes[i].model] || 0) + 1;
    } else out.neither++;
  }
  return out;
}

/**
 * The validating plain-JS estimator against the engine on `nodes`: it must refuse what the
 * engine refuses (plainOnly 0) and agree on every price both give.
 */
export function compareWithValidating(engine, valid, nodes) {
  const wasm = engine.priceMany(nodes);
  const plain = valid.priceMany(nodes);
  const out = { nodes: nodes.length, both: 0, differ: 0, plainOnly: 0, plainOnlyExamples: [], engineOnly: 0, engineOnlyRanges: 0, neither: 0 };
  for (let i = 0; i < nodes.length; i++) {
    const w = wasm.ok[i] === 1, p = plain.ok[i] === 1;
    if (w && p) {
      out.both++;
      if (wasm.min[i] !== plain.min[i] || wasm.max[i] !== plain.max[i]) out.differ++;
    } else if (p) {
      out.plainOnly++;
      if (out.plainOnlyExamples.length < 8) out.plainOnlyExamples.push({ node: nodes[i], engine: engine.quote(nodes[i]).error?.message });
    } else if (w) {
      out.engineOnly++;
      if (wasm.min[i] !== wasm.max[i]) out.engineOnlyRanges++;
    } else out.neither++;
  }
  return out;
}

// Nodes over each model's whole domain, to look for float drift beyond what random nodes hit:
// discrete values all, numeric ranges on their step or on a 0.01 grid (at most ~600 points per
// axis), each parameter also left out when that is allowed. Every combination when there are at
// most `cap` per model, else `cap` random ones.
export function sweepNodes(models, cap = 20_000, seed = 1) {
  const rnd = prng(seed);
  const nodes = [];
  for (const m of models) {
    const axes = [];
    for (const [name, spec] of Object.entries(m.params)) {
      let values;
      if (spec.type === 'bool') values = [true, false];
      else if (spec.values) values = spec.values.map((v) => (spec.type === 'string' ? v : Number(v)));
      else {
        const lo = Number(spec.min), hi = Number(spec.max), step = spec.step ? Number(spec.step) : spec.type === 'int' ? 1 : 0.01;
        const all = Math.floor((hi - lo) / step + 1e-9) + 1;
        const stride = Math.max(1, Math.ceil(all / 600));
        values = [];
        for (let k = 0; k < all; k += stride) values.push(Math.round((lo + k * step) * 100) / 100);
        if (values[values.length - 1] !== hi) values.push(hi);
      }
      if (spec.default !== undefined || spec.input || spec.decided_by_run) values.push(undefined);
      axes.push([name, values]);
    }
    const total = axes.reduce((n, [, v]) => n * v.length, 1);
    const make = (choose) => {
      const params = {};
      for (const [name, values] of axes) {
        const v = choose(values);
        if (v !== undefined) params[name] = v;
      }
      nodes.push({ id: `s${nodes.length}`, model: m.id, params });
    };
    if (total <= cap) {
      for (let c = 0; c < total; c++) {
        let rest = c;
        make((values) => {
          const v = values[rest % values.length];
          rest = Math.floor(rest / values.length);
          return v;
        });
      }
    } else for (let c = 0; c < cap; c++) make((values) => values[Math.floor(rnd() * values.length)]);
  }
  return nodes;
}

// ---- the benchmark --------------------------------------------------------------------------

/**
 * Runs every measurement with `engine` (already created) and returns the figures.
 * `log(text)` reports progress; `runs` is the number of timed runs per figure (median reported).
 */
export function runBench(engine, { runs = 9, log = () => {} } = {}) {
  const results = { environment: {}, figures: {}, comparison: {} };
  const f = results.figures;

  log('corpus');
  const nodes = randomNodes(engine.modelList, CORPUS_SIZE, SEED);
  const cmp = compareWithPlain(engine, nodes);
  const both = cmp.bothIndices.map((i) => nodes[i]);
  delete cmp.bothIndices;
  results.comparison.random = cmp;
  const valid = validatingEstimator(engine.modelList);
  results.comparison.validating = compareWithValidating(engine, valid, nodes);

  // How many of the random nodes the package's fast path takes (numbers into the module's
  // memory) and how many go the JSON way (a fractional number, an error, an unknown key).
  const wasmNumbers = engine.priceMany(nodes);
  results.environment.corpus = { nodes: nodes.length, priced: wasmNumbers.ok.reduce((a, b) => a + b, 0), bothPrice: both.length };

  // --- one quote
  log('quote');
  const single = both.slice(0, 2000);
  let k = 0;
  f.quote = measure(() => { sink += engine.quote(single[k++ % single.length]).max; }, { runs, inner: 2000 });
  f.quote.perSecond = perSecond(1, f.quote.ms);
  k = 0;
  f.plainQuote = measure(() => { sink += plainQuote(single[k++ % single.length]).max; }, { runs, inner: 200_000 });
  f.plainQuote.perSecond = perSecond(1, f.plainQuote.ms);
  k = 0;
  f.validQuote = measure(() => { sink += valid.quote(single[k++ % single.length]).max; }, { runs, inner: 200_000 });
  f.validQuote.perSecond = perSecond(1, f.validQuote.ms);
  // A quote whose breakdown is read too (the typed path then asks the engine for the lines).
  k = 0;
  f.quoteWithBreakdown = measure(() => { sink += engine.quote(single[k++ % single.length]).breakdown.length; }, { runs, inner: 2000 });
  f.quoteWithBreakdown.perSecond = perSecond(1, f.quoteWithBreakdown.ms);

  // --- many quotes
  log('quoteMany');
  f.quoteMany = measure(() => { sink += engine.quoteMany(nodes).length; }, { runs });
  f.quoteMany.perSecond = perSecond(nodes.length, f.quoteMany.ms);
  f.quoteManyBoth = measure(() => { sink += engine.quoteMany(both).length; }, { runs });
  f.quoteManyBoth.perSecond = perSecond(both.length, f.quoteManyBoth.ms);
  log('priceMany');
  f.priceMany = measure(() => { sink += engine.priceMany(nodes).max[0]; }, { runs });
  f.priceMany.perSecond = perSecond(nodes.length, f.priceMany.ms);
  f.priceManyBoth = measure(() => { sink += engine.priceMany(both).max[0]; }, { runs });
  f.priceManyBoth.perSecond = perSecond(both.length, f.priceManyBoth.ms);
  log('plain JS');
  f.plainPriceManyBoth = measure(() => { sink += plainPriceMany(both).max[0]; }, { runs });
  f.plainPriceManyBoth.perSecond = perSecond(both.length, f.plainPriceManyBoth.ms);
  f.validPriceManyBoth = measure(() => { sink += valid.priceMany(both).max[0]; }, { runs });
  f.validPriceManyBoth.perSecond = perSecond(both.length, f.validPriceManyBoth.ms);
  f.validPriceMany = measure(() => { sink += valid.priceMany(nodes).max[0]; }, { runs });
  f.validPriceMany.perSecond = perSecond(nodes.length, f.validPriceMany.ms);
  f.validQuoteManyBoth = measure(() => { sink += both.map(valid.quote).length; }, { runs });
  f.validQuoteManyBoth.perSecond = perSecond(both.length, f.validQuoteManyBoth.ms);
  // The plain estimator returning an object per node (what a canvas's map() would do).
  f.plainQuoteManyBoth = measure(() => { sink += both.map(plainQuote).length; }, { runs });
  f.plainQuoteManyBoth.perSecond = perSecond(both.length, f.plainQuoteManyBoth.ms);

  // Fast-path only: the nodes whose numbers are all integers (no fractional decimal), so the
  // package never takes the JSON path for them.
  const integral = both.filter((n) => Object.values(n.params).every((v) => typeof v !== 'number' || Number.isInteger(v)));
  results.environment.corpus.integral = integral.length;
  f.quoteManyIntegral = measure(() => { sink += engine.quoteMany(integral).length; }, { runs });
  f.quoteManyIntegral.perSecond = perSecond(integral.length, f.quoteManyIntegral.ms);
  f.priceManyIntegral = measure(() => { sink += engine.priceMany(integral).max[0]; }, { runs });
  f.priceManyIntegral.perSecond = perSecond(integral.length, f.priceManyIntegral.ms);
  f.plainPriceManyIntegral = measure(() => { sink += plainPriceMany(integral).max[0]; }, { runs });
  f.plainPriceManyIntegral.perSecond = perSecond(integral.length, f.plainPriceManyIntegral.ms);

  // The rest of the random corpus: what the fast path declines (a fractional number, a node
  // the engine refuses, an unknown key or model) and quotes through the JSON path.
  const jsonPath = nodes.filter((n, i) => !(wasmNumbers.ok[i] === 1 && n.params &&
    Object.values(n.params).every((v) => typeof v !== 'number' || Number.isInteger(v))));
  results.environment.corpus.jsonPath = jsonPath.length;
  f.quoteManyJsonPath = measure(() => { sink += engine.quoteMany(jsonPath).length; }, { runs: Math.min(runs, 5) });
  f.quoteManyJsonPath.perSecond = perSecond(jsonPath.length, f.quoteManyJsonPath.ms);

  // --- the canvas: load 10k nodes, then one edit at a time
  log('graph');
  const { graph, editIndex } = makeGraph(engine);
  const loaded = engine.canvas.load(graph);
  if (!loaded.ok || loaded.unpriced !== 0) throw new Error(`the 10k graph does not price: ${JSON.stringify(loaded).slice(0, 300)}`);
  results.environment.graph = { nodes: graph.nodes.length, edges: graph.nodes.filter((n) => n.inputs).length,
    skipped: loaded.skipped, edited: graph.nodes[editIndex].id, editedModel: graph.nodes[editIndex].model };
  f.canvasLoad = measure(() => { sink += engine.canvas.load(graph).priced; }, { runs: Math.min(runs, 5), warmup: 1 });
  engine.canvas.load(graph);
  const edits = twoEdits(engine, graph.nodes[editIndex]);
  const check = engine.canvas.updateNode(edits[0]);
  if (!check.ok || check.changed.length !== 2) throw new Error(`an edit should re-price 2 nodes: ${JSON.stringify(check).slice(0, 300)}`);
  results.environment.graph.changedPerEdit = check.changed.length;
  log('updateNode');
  let e = 0;
  f.updateNode = measure(() => { sink += engine.canvas.updateNode(edits[e++ & 1]).total.max; }, { runs, inner: 400 });
  f.updateNode.perSecond = perSecond(1, f.updateNode.ms);
  // Where an edit's time goes outside the engine: writing the node and reading the answer.
  const answer = JSON.stringify(check);
  f.updateNodeJsonOnly = measure(() => { sink += JSON.stringify(edits[e++ & 1]).length + JSON.parse(answer).changed.length; }, { runs, inner: 4000 });
  results.environment.graph.answerBytes = answer.length;
  f.canvasPlan = measure(() => { sink += engine.canvas.plan().priced; }, { runs: Math.min(runs, 5), warmup: 1 });

  results.sink = sink;
  return results;
}

/**
 * createCredits() time, `count` times in this realm (the first is cold, the rest warm). With
 * the .wasm `bytes`, also WebAssembly.compile(bytes) alone and createCredits({wasmBinary}).
 */
export async function measureInstantiation(createCredits, count = 5, bytes = null) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const engine = await createCredits();
    times.push(performance.now() - t0);
    sink += engine.version.length;
  }
  const out = { first: times[0], warmMedian: median(times.slice(1)), times };
  if (bytes) {
    const compile = [], fromBytes = [], fromModule = [];
    for (let i = 0; i < count; i++) {
      let t0 = performance.now();
      const module = await WebAssembly.compile(bytes);
      compile.push(performance.now() - t0);
      t0 = performance.now();
      await createCredits({ wasmBinary: bytes });
      fromBytes.push(performance.now() - t0);
      t0 = performance.now();
      await createCredits({ module });
      fromModule.push(performance.now() - t0);
    }
    out.compile = median(compile);
    out.fromBytes = median(fromBytes);
    out.fromModule = median(fromModule);
  }
  return out;
}

export { PRICE, plainQuote, plainPriceMany };

// ---- report ---------------------------------------------------------------------------------

const fmtMs = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : ms >= 0.001 ? `${(ms * 1000).toFixed(2)} µs` : `${(ms * 1e6).toFixed(0)} ns`);
const fmtRate = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)} k/s` : `${r.toFixed(0)}/s`);

/** The figures as lines of text: median (min–max over the runs) and a rate where one applies. */
export function formatResults(results, title) {
  const f = results.figures;
  const c = results.environment.corpus;
  const g = results.environment.graph;
  const row = (name, m, count) => {
    const rate = m.perSecond !== undefined ? `  ${fmtRate(m.perSecond)}` : '';
    return `  ${name.padEnd(58)} ${fmtMs(m.ms).padStart(10)}  (${fmtMs(m.min)}–${fmtMs(m.max)}, ${m.runs} runs)${rate}${count ? `  [${count} nodes]` : ''}`;
  };
  const lines = [`== ${title}`];
  if (results.instantiation) {
    const i = results.instantiation;
    if (i.cold) lines.push(`  ${'instantiate, cold (fresh process/page): createCredits()'.padEnd(58)} ${fmtMs(i.cold.ms).padStart(10)}  (${fmtMs(i.cold.min)}–${fmtMs(i.cold.max)}, ${i.cold.runs} runs)`);
    if (i.coldWithImport) lines.push(`  ${'  … including the module import'.padEnd(58)} ${fmtMs(i.coldWithImport.ms).padStart(10)}`);
    if (i.warm) lines.push(`  ${'instantiate, again in the same realm'.padEnd(58)} ${fmtMs(i.warm).padStart(10)}`);
    if (i.compile) lines.push(`  ${'  WebAssembly.compile(bytes) alone'.padEnd(58)} ${fmtMs(i.compile).padStart(10)}`);
    if (i.fromBytes) lines.push(`  ${'  createCredits({wasmBinary}) (no fetch)'.padEnd(58)} ${fmtMs(i.fromBytes).padStart(10)}`);
    if (i.fromModule) lines.push(`  ${'  createCredits({module}) (compiled already)'.padEnd(58)} ${fmtMs(i.fromModule).padStart(10)}`);
    if (i.ready) lines.push(`  ${'  cold, engine ready since navigation start'.padEnd(58)} ${fmtMs(i.ready.ms).padStart(10)}  (${fmtMs(i.ready.min)}–${fmtMs(i.ready.max)})`);
    if (i.inline) {
      const n = i.inline;
      lines.push(`  ${'inline entry, cold: createCredits() (script loaded)'.padEnd(58)} ${fmtMs(n.cold.ms).padStart(10)}  (${fmtMs(n.cold.min)}–${fmtMs(n.cold.max)}, ${n.cold.runs} runs)`);
      lines.push(`  ${'  … import(inline.js) + createCredits()'.padEnd(58)} ${fmtMs(n.withImport.ms).padStart(10)}  (${fmtMs(n.withImport.min)}–${fmtMs(n.withImport.max)})`);
      lines.push(`  ${'  … engine ready since navigation start'.padEnd(58)} ${fmtMs(n.ready.ms).padStart(10)}  (${fmtMs(n.ready.min)}–${fmtMs(n.ready.max)})`);
      lines.push(`  ${'  … again in the same page'.padEnd(58)} ${fmtMs(n.warm).padStart(10)}`);
      if (n.compile !== undefined) lines.push(`  ${'  … of which decoding and compiling the module'.padEnd(58)} ${fmtMs(n.compile).padStart(10)}`, `  ${'  … of which instantiating it, the card and its index'.padEnd(58)} ${fmtMs(n.instantiate).padStart(10)}`);
      if (n.firstQuote) lines.push(`  ${'  … then the first quote(node) (and any lazy index)'.padEnd(58)} ${fmtMs(n.firstQuote.ms).padStart(10)}  (${fmtMs(n.firstQuote.min)}–${fmtMs(n.firstQuote.max)})`);
    }
  }
  lines.push(row('quote(node), one call', f.quote), row('  plain JS, one node', f.plainQuote));
  if (f.validQuote) lines.push(row('  validating plain JS, one node', f.validQuote), row('quote(node) and read its breakdown', f.quoteWithBreakdown));
  lines.push(row('quoteMany, random corpus', f.quoteMany, c.nodes), row('priceMany, random corpus', f.priceMany, c.nodes));
  lines.push(row('quoteMany, nodes both price', f.quoteManyBoth, c.bothPrice), row('priceMany, nodes both price', f.priceManyBoth, c.bothPrice));
  lines.push(row('  plain JS into typed arrays, nodes both price', f.plainPriceManyBoth, c.bothPrice), row('  plain JS, object per node, nodes both price', f.plainQuoteManyBoth, c.bothPrice));
  if (f.validPriceMany) {
    lines.push(row('  validating plain JS into typed arrays, random corpus', f.validPriceMany, c.nodes),
      row('  validating plain JS into typed arrays, nodes both price', f.validPriceManyBoth, c.bothPrice),
      row('  validating plain JS, object per node, nodes both price', f.validQuoteManyBoth, c.bothPrice));
  }
  lines.push(row('quoteMany, random nodes the fast path declines (JSON path)', f.quoteManyJsonPath, c.jsonPath));
  lines.push(row('quoteMany, integer-only nodes (all fast path)', f.quoteManyIntegral, c.integral), row('priceMany, integer-only nodes', f.priceManyIntegral, c.integral),
    row('  plain JS into typed arrays, integer-only nodes', f.plainPriceManyIntegral, c.integral));
  lines.push(row(`canvas.load, ${g.nodes}-node graph`, f.canvasLoad), row('canvas.updateNode, one edit (re-plan)', f.updateNode),
    row('  of which JSON.stringify(node) + JSON.parse(answer)', f.updateNodeJsonOnly), row('canvas.plan()', f.canvasPlan));
  if (results.sizes) for (const s of results.sizes) lines.push(`  size ${s.name.padEnd(40)} raw ${String(s.raw).padStart(7)}  gzip -9 ${String(s.gzip9).padStart(7)}  gzip -6 ${String(s.gzip6).padStart(7)}  brotli ${String(s.brotli).padStart(7)}`);
  const r = results.comparison.random;
  lines.push(`  plain JS vs engine on ${r.nodes} random nodes: both price ${r.both}, differ ${r.differ}; plain prices ${r.plainOnly} the engine refuses; engine prices ${r.engineOnly} plain cannot (${r.engineOnlyRanges} ranges); neither ${r.neither}`);
  for (const [why, n] of Object.entries(r.plainOnlyByReason).sort((a, b) => b[1] - a[1])) lines.push(`    refused by the engine, priced by plain JS: ${String(n).padStart(5)}  ${why}`);
  if (results.comparison.validating) {
    const v = results.comparison.validating;
    lines.push(`  validating plain JS vs engine on ${v.nodes} random nodes: both price ${v.both}, differ ${v.differ}; it prices ${v.plainOnly} the engine refuses; engine prices ${v.engineOnly} it cannot (${v.engineOnlyRanges} ranges); neither ${v.neither}`);
  }
  if (results.comparison.sweep) {
    const s = results.comparison.sweep;
    lines.push(`  plain JS vs engine over each model's domain (${s.nodes} nodes): both price ${s.both}, differ ${s.differ}; plain prices ${s.plainOnly} the engine refuses; engine prices ${s.engineOnly} plain cannot`);
  }
  if (results.comparison.sweepValidating) {
    const s = results.comparison.sweepValidating;
    lines.push(`  validating plain JS vs engine over each model's domain (${s.nodes} nodes): both price ${s.both}, differ ${s.differ}; it prices ${s.plainOnly} the engine refuses; engine prices ${s.engineOnly} it cannot`);
  }
  if (results.environment.loadavg) lines.push(`  load average before/after: ${results.environment.loadavgBefore?.map((x) => x.toFixed(2)).join(' ')} / ${results.environment.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
  lines.push(`  graph: ${g.nodes} nodes, ${g.edges} edges, ${g.skipped} skipped; edit ${g.edited} (${g.editedModel}) re-prices ${g.changedPerEdit} nodes; answer ${g.answerBytes} bytes`);
  return lines.join('\n');
}
