// The typed path (nodes as numbers into the module's memory, breakdowns when read) under
// quote, quoteMany and priceMany must give exactly what the JSON path gives: the same bytes for
// every priced node, the same error for every refused one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import createCredits from '../src/index.js';
import { lines, randomNodes, repoFile } from './support.js';

const engine = await createCredits();

// Whether a quote came from the typed path: only its breakdown is an accessor until read.
const typed = (q) => Object.getOwnPropertyDescriptor(q, 'breakdown')?.get !== undefined;

// Every node's quote() and quoteMany() element against the JSON path's text for it.
function assertSameAsJsonPath(nodes) {
  const many = engine.quoteMany(nodes);
  let fromTyped = 0;
  nodes.forEach((node, i) => {
    const want = engine.quoteText(node);
    const one = engine.quote(node);
    if (typed(one)) fromTyped++;
    assert.equal(typed(many[i]), typed(one), JSON.stringify(node));
    assert.deepStrictEqual(one, JSON.parse(want), JSON.stringify(node));
    assert.equal(JSON.stringify(one), want, JSON.stringify(node));
    assert.equal(JSON.stringify(many[i]), want, JSON.stringify(node));
  });
  return fromTyped;
}

test("the typed path gives the JSON path's bytes on the whole golden corpus", () => {
  const nodes = lines(repoFile('tests/golden/nodes.jsonl')).map((l) => JSON.parse(l));
  const fromTyped = assertSameAsJsonPath(nodes);
  assert.ok(fromTyped > nodes.length / 2, `typed: ${fromTyped} of ${nodes.length}`);
});

test("the typed path gives the JSON path's results and errors on 20,000 random nodes", () => {
  const nodes = randomNodes(engine.modelList, 20_000, 424242);
  const fromTyped = assertSameAsJsonPath(nodes);
  const refused = nodes.filter((n) => !JSON.parse(engine.quoteText(n)).ok).length;
  assert.ok(fromTyped > 15_000, `typed: ${fromTyped}`);
  assert.ok(refused > 1000, `the corpus must hold errors too: ${refused}`);
  const numbers = engine.priceMany(nodes);
  nodes.forEach((n, i) => {
    const q = JSON.parse(engine.quoteText(n));
    assert.equal(numbers.ok[i], q.ok ? 1 : 0, JSON.stringify(n));
    if (q.ok) assert.deepEqual([numbers.min[i], numbers.max[i]], [q.min, q.max], JSON.stringify(n));
  });
});

test("entries of the engine's tables answer priceMany and quote as the JSON path does", async () => {
  // A fresh engine: its first priceMany asks for the tables and fills entries; the later calls
  // read the filled ones from the module's memory without a call, refusals included.
  const fresh = await createCredits();
  const nodes = randomNodes(fresh.modelList, 20_000, 777);
  const texts = nodes.map((n) => fresh.quoteText(n));
  const want = texts.map((t) => JSON.parse(t));
  const check = (numbers, order) => order.forEach((n, k) => {
    const q = want[n];
    assert.equal(numbers.ok[k], q.ok ? 1 : 0, JSON.stringify(nodes[n]));
    if (q.ok) assert.deepEqual([numbers.min[k], numbers.max[k]], [q.min, q.max], JSON.stringify(nodes[n]));
  });
  const order = nodes.map((_, i) => i);
  check(fresh.priceMany(nodes), order);
  check(fresh.priceMany(nodes), order);
  const reversed = [...order].reverse();
  check(fresh.priceMany(reversed.map((i) => nodes[i])), reversed);
  nodes.forEach((n, i) => assert.equal(JSON.stringify(fresh.quote(n)), texts[i], JSON.stringify(n)));
});

// The neighbouring doubles of v (next up, next down).
function neighbours(v) {
  const f = new Float64Array([v]);
  const b = new BigInt64Array(f.buffer);
  const out = [];
  for (const d of [1n, -1n]) {
    b[0] += v >= 0 ? d : -d;
    out.push(f[0]);
    f[0] = v;
  }
  return out;
}

test("values on and beside the points where prices change are answered from the tables as the JSON path prices them", async () => {
  // The tables answer a number by its class (started seconds, bands) or its hundredths: every
  // value near a step or a band edge, fractional ones of many digits too, on a fresh engine
  // whose first priceMany fills the entries the second answers from.
  const fresh = await createCredits();
  const nodes = [];
  for (const m of fresh.modelList) {
    for (const [name, spec] of Object.entries(m.params)) {
      if (spec.type !== 'int' && spec.type !== 'decimal') continue;
      const lo = Number(spec.min ?? 0), hi = Number(spec.max ?? 100);
      const base = [lo, hi, 1, 30, 31, 60, 61, 100000, 100001, 4, 16, 0.5];
      for (let k = 0; k <= 40; k++) base.push(lo + ((hi - lo) * k) / 40, 60 * k, k);
      for (const b of base)
        for (const v of [b, ...neighbours(b), b + 0.01, b - 0.01, b + 1 / 3, Math.round(b * 100) / 100 + 0.005])
          nodes.push({ model: m.id, params: { [name]: v } });
    }
  }
  const want = nodes.map((n) => JSON.parse(fresh.quoteText(n)));
  for (let round = 0; round < 2; round++) {
    const numbers = fresh.priceMany(nodes);
    nodes.forEach((n, i) => {
      assert.equal(numbers.ok[i], want[i].ok ? 1 : 0, JSON.stringify(n));
      if (want[i].ok) assert.deepEqual([numbers.min[i], numbers.max[i]], [want[i].min, want[i].max], JSON.stringify(n));
    });
  }
  nodes.forEach((n, i) => assert.equal(JSON.stringify(fresh.quote(n)), JSON.stringify(want[i]), JSON.stringify(n)));
  assert.ok(nodes.length > 5000, `${nodes.length} nodes`);
});

test("a fractional number crosses as a number and is read as its decimal text", () => {
  for (const d of [4.27, 0.5, 7.3, 12.05, 299.99]) {
    const node = { id: 'l', model: 'sync-lipsync-2', params: { duration_s: d } };
    const q = engine.quote(node);
    assert.ok(typed(q), String(d));
    assert.equal(JSON.stringify(q), engine.quoteText(node));
  }
  // Any other fraction is the JSON path's (read_here): 0.7999999999999999 it prices, and
  // 3.541333333333333 its strict reader refuses (nlohmann writes that double back with other
  // digits), and so do quote and priceMany.
  for (const [model, name, d] of [['sync-lipsync-2', 'duration_s', 0.1 + 0.7], ['topaz-image-upscale', 'megapixels', 3.541333333333333]]) {
    const node = { model, params: { [name]: d } };
    const q = engine.quote(node);
    assert.ok(!typed(q), String(d));
    assert.equal(JSON.stringify(q), engine.quoteText(node));
    assert.equal(engine.priceMany([node]).ok[0], q.ok ? 1 : 0);
  }
  assert.equal(engine.quote({ model: 'topaz-image-upscale', params: { megapixels: 3.541333333333333 } }).error.code, 'invalid_json');
  // 0.30000000000000004 s is what the double says, not 0.3: the JSON path reads it so too.
  assert.equal(engine.quote({ model: 'mmaudio-sfx', params: { duration_s: 0.1 + 0.2 } }).credits,
               JSON.parse(engine.quoteText({ model: 'mmaudio-sfx', params: { duration_s: 0.1 + 0.2 } })).credits);
});

test("values the JSON path writes differently are left to it", () => {
  class Params { constructor() { this.duration_s = 8; } toJSON() { return { duration_s: 4 }; } }
  const odd = [
    { model: 'veo-3', params: new Date(0) },
    { model: 'veo-3', params: new Params() },
    { model: 'veo-3', params: { duration_s: NaN } },
    { model: 'veo-3', params: { duration_s: -0 } },
    { model: 'veo-3', params: { duration_s: 1e15 } },
    { model: 'veo-3', params: { duration_s: 1e16 } },
    { model: 'veo-3', params: { resolution: new String('1080p') } },
    Object.assign(Object.create({ inherited: 1 }), { model: 'veo-3' }),
  ];
  for (const node of odd) {
    assert.equal(JSON.stringify(engine.quote(node)), engine.quoteText(node), String(node.params));
    assert.equal(JSON.stringify(engine.quoteMany([node])[0]), engine.quoteText(node));
  }
});

test("a quote's breakdown explains the node as quoted, on the card that priced it", async () => {
  const e = await createCredits();
  const node = { id: 'n', model: 'sync-lipsync-2', params: { duration_s: 4.27 } };
  const q = e.quote(node);
  const [m] = e.quoteMany([node]);
  const want = JSON.parse(e.quoteText(node)).breakdown;
  node.params.duration_s = 9;
  e.loadRateCard(repoFile('tests/data/test-card.json'));
  assert.deepStrictEqual(q.breakdown, want);
  assert.deepStrictEqual(m.breakdown, want);
  assert.equal(q.rate_card, '2026-11-01');
  q.breakdown = [];
  assert.deepEqual(q.breakdown, [], 'a breakdown can be replaced');
  assert.equal(e.quote({ model: 'vid', params: { duration_s: 8 } }).credits, 80, 'the new card prices the typed path');
});

test("a node whose values throw when read fails as the JSON path fails, and nothing throws", () => {
  const node = { model: 'veo-3', params: { get duration_s() { throw new Error('boom'); } } };
  const want = JSON.parse(engine.quoteText(node));
  assert.equal(want.error.code, 'invalid_json');
  assert.deepStrictEqual(engine.quote(node), want);
  const many = engine.quoteMany([{ model: 'veo-3' }, node]);
  assert.deepStrictEqual(many[1], want);
  assert.equal(many[0].credits, JSON.parse(engine.quoteText({ model: 'veo-3' })).credits);
  assert.deepEqual([...engine.priceMany([{ model: 'veo-3' }, node]).ok], [1, 0]);
});

test("quoteText is the JSON path's text, failures included", () => {
  const cyclic = { model: 'veo-3' };
  cyclic.self = cyclic;
  const failed = JSON.parse(engine.quoteText(cyclic));
  assert.deepEqual(Object.keys(failed), ['error', 'id', 'ok']);
  assert.equal(failed.error.code, 'invalid_json');
  assert.deepStrictEqual(engine.quote(cyclic), failed);
});

// The typed path's index (encoderIndex(), not models()) must describe every model as models()
// does: the same ids and kinds in the same order, each parameter's name, type and choices at
// its slot; on the sample card and on a card loaded from JSON.
test('encoderIndex() describes the models as models() does', async () => {
  const { default: createCreditsModule } = await import('../dist/credits.mjs');
  const wasmBinary = readFileSync(new URL('../dist/credits.wasm', import.meta.url));
  const m = await createCreditsModule({ wasmBinary });
  const check = () => {
    const index = JSON.parse(m.encoderIndex());
    const models = JSON.parse(m.models());
    assert.equal(index.ok, true);
    assert.equal(index.version, models.version);
    assert.equal(index.models.length, models.models.length);
    models.models.forEach((model, i) => {
      const [id, kind, params] = index.models[i];
      assert.deepEqual([id, kind], [model.id, model.kind]);
      const bySlot = [];
      for (const [name, spec] of Object.entries(model.params))
        bySlot[spec.slot] = [name, spec.type, spec.type === 'string' ? spec.values : null];
      assert.deepEqual(params, bySlot.flat(1));
    });
  };
  check();
  assert.equal(JSON.parse(m.loadRateCard(repoFile('tests/data/test-card.json'))).ok, true);
  check();
});
