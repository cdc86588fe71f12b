// The package contract: a factory that works in Node with no options, results deep-equal to
// the CLI's, and no call that throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import createCredits from '../src/index.js';
import { repoFile, lines, runCli, tempFile } from './support.js';

const engine = await createCredits();

test('the factory finds its own .wasm in Node and loads the embedded sample card', () => {
  assert.equal(engine.version, '2026-11-01');
  assert.ok(engine.modelList.length >= 20);
});

test('loadRateCard reports success with the version, or every error with its pointer', async () => {
  const other = await createCredits();
  assert.deepEqual(other.loadRateCard(repoFile('tests/data/test-card.json')), { ok: true, version: 'test-1' });
  assert.equal(other.version, 'test-1');
  const bad = other.loadRateCard({ version: 'x', models: [{ id: 'm', kind: 'hologram', label: 'M', price: [{ type: 'per_frame' }] }] });
  assert.equal(bad.ok, false);
  assert.ok(bad.errors.some((e) => e.path === '/models/0/kind'));
  assert.ok(bad.errors.some((e) => e.path === '/models/0/price/0/type'));
  assert.equal(other.version, 'test-1', 'a failed load keeps the previous card');
  assert.equal(other.loadRateCard('{not json').ok, false);
});

test('quote equals the CLI line byte for byte on the whole golden corpus', () => {
  const nodes = lines(repoFile('tests/golden/nodes.jsonl'));
  const quotes = lines(repoFile('tests/golden/quotes.jsonl'));
  assert.equal(nodes.length, quotes.length);
  nodes.forEach((n, i) => assert.equal(JSON.stringify(engine.quote(JSON.parse(n))), quotes[i], n));
});

test('quoteMany equals the CLI lines byte for byte, fast path and JSON path alike', () => {
  const nodes = lines(repoFile('tests/golden/nodes.jsonl')).map((l) => JSON.parse(l));
  const quotes = lines(repoFile('tests/golden/quotes.jsonl'));
  const many = engine.quoteMany(nodes);
  many.forEach((q, i) => assert.equal(JSON.stringify(q), quotes[i], JSON.stringify(nodes[i])));
  many.forEach((q, i) => assert.deepStrictEqual(q, JSON.parse(quotes[i])));
});

test('quoteMany refuses the ids the engine refuses, as the CLI does (the fast path does not price them)', () => {
  const nodes = ['a b', 'x'.repeat(129), 'bad\nid', 'ok.id:1@x-y_z', ''].map((id) => ({ id, model: 'veo-3', params: { duration_s: 6 } }));
  const want = lines(runCli(['estimate'], nodes.map((n) => JSON.stringify(n)).join('\n') + '\n'));
  const many = engine.quoteMany(nodes);
  many.forEach((q, i) => assert.equal(JSON.stringify(q), want[i], JSON.stringify(nodes[i])));
  assert.deepEqual(many.map((q) => q.ok), [false, false, false, true, false]);
});

test('plan equals the CLI plan, with and without a projection', () => {
  const canvas = JSON.parse(repoFile('demo/canvas.json'));
  assert.deepStrictEqual(engine.plan(canvas), JSON.parse(repoFile('tests/golden/canvas-plan.json')));
  assert.equal(JSON.stringify(engine.plan(canvas, { subscription: 200, wallet: 150 })) + '\n',
               repoFile('tests/golden/canvas-plan-projected.json'));
});

test('plan with run prices only the nodes that will really run', () => {
  const canvas = JSON.parse(repoFile('demo/canvas.json'));
  const p = engine.plan(canvas, null, { run: ['hero-shot', 'lipsync'] });
  assert.equal(p.skipped, canvas.nodes.length - 2);
  assert.equal(p.total.credits, 320 + 40);
});

test('priceMany gives the quote numbers as typed arrays', () => {
  const nodes = lines(repoFile('tests/golden/nodes.jsonl')).map((l) => JSON.parse(l));
  const n = engine.priceMany(nodes);
  nodes.forEach((node, i) => {
    const q = engine.quote(node);
    assert.equal(n.ok[i], q.ok ? 1 : 0);
    if (q.ok) {
      assert.equal(n.min[i], q.min);
      assert.equal(n.max[i], q.max);
    }
  });
});

test('the canvas re-plans one edit at a time and always equals a full plan', () => {
  const canvas = JSON.parse(repoFile('demo/canvas.json'));
  const full = engine.canvas.load(canvas);
  assert.deepStrictEqual(full, engine.plan(canvas));
  const change = engine.canvas.updateNode({ id: 'hero-shot', model: 'veo-3', params: { resolution: '720p', duration_s: 4 } });
  assert.equal(change.ok, true);
  assert.deepEqual(change.changed.map((q) => q.id), ['hero-shot', 'lipsync']);
  canvas.nodes[2].params = { resolution: '720p', duration_s: 4 };
  assert.deepStrictEqual(engine.canvas.plan(), engine.plan(canvas));
  assert.equal(change.total.max, engine.plan(canvas).total.max);
  const cut = engine.canvas.disconnect('lipsync', 'video');
  assert.equal(cut.changed[0].exact, false, 'a lip-sync with no video is a range');
  const back = engine.canvas.connect('lipsync', 'video', 'hero-shot');
  assert.equal(back.changed[0].credits, 20);
  const cycle = engine.canvas.connect('script', 'video', 'lipsync');
  assert.equal(cycle.ok, true, 'an edge into a node that ignores it is allowed');
  const loop = engine.canvas.connect('hero-shot', 'ref', 'script');
  assert.equal(loop.ok, false);
  assert.match(loop.error.message, /cycle/);
});

test('previews say what a charge, refund or settlement would leave', () => {
  assert.deepEqual(engine.previewCharge({ subscription: 50, wallet: 100 }, 80),
                   { ok: true, from_subscription: 50, from_wallet: 30, after: { subscription: 0, wallet: 70 } });
  assert.equal(engine.previewCharge({ subscription: 50, wallet: 29 }, 80).error.code, 'insufficient_credits');
  assert.deepEqual(engine.previewRefund({ subscription: 0, wallet: 70 }, { from_subscription: 50, from_wallet: 30 }),
                   { ok: true, to_subscription: 50, to_wallet: 30, after: { subscription: 50, wallet: 100 } });
  assert.deepEqual(engine.previewRefund({ subscription: 0, wallet: 70 }, { from_subscription: 50, from_wallet: 30 }, { hasCurrentPeriod: false }),
                   { ok: true, to_subscription: 0, to_wallet: 80, after: { subscription: 0, wallet: 150 } });
  assert.deepEqual(engine.previewSettle({ subscription: 0, wallet: 8 }, { from_subscription: 5, from_wallet: 12 }, 4),
                   { ok: true, to_subscription: 1, to_wallet: 12, after: { subscription: 1, wallet: 20 } });
  assert.equal(engine.previewSettle({ subscription: 0, wallet: 0 }, { from_subscription: 5, from_wallet: 0 }, 6).ok, false);
});

test('a quoteMany breakdown explains the node as quoted, whatever happens later', async () => {
  const e = await createCredits();
  const node = { id: 'n', model: 'veo-3', params: { duration_s: 8, resolution: '1080p' } };
  const [q] = e.quoteMany([node]);
  node.params.duration_s = 4;  // the caller edits its object afterwards
  e.loadRateCard(repoFile('tests/data/test-card.json'));  // and swaps the card
  assert.equal(q.credits, 320);
  assert.equal(q.breakdown[q.breakdown.length - 1].max, '320');
  assert.equal(q.rate_card, '2026-11-01');
});

test('no input makes a call throw', () => {
  const cyclic = { model: 'veo-3' };
  cyclic.self = cyclic;
  const odd = [cyclic, { model: 'veo-3', params: { duration_s: 10n } }, undefined, null, 42, 'veo-3', [],
               { model: 'veo-3', params: { duration_s: NaN } }, { model: 'veo-3', params: { duration_s: Infinity } },
               { model: 'veo-3', params: { duration_s: 8.5 } }, { model: 'veo-3', params: 'x' }, { model: 'veo-3', extra: 1 },
               { model: 'veo-3', id: 7 }, { model: 'veo-3', params: { resolution: '\ud800' } }];
  for (const node of odd) {
    const q = engine.quote(node);
    assert.equal(q.ok, false, String(node));
    assert.equal(typeof q.error.code, 'string');
  }
  const many = engine.quoteMany(odd);
  assert.equal(many.length, odd.length);
  many.forEach((q) => assert.equal(q.ok, false));
  assert.equal(engine.quoteMany('nodes').ok, false);
  assert.equal(engine.plan(cyclic).ok, false);
  assert.equal(engine.plan({ nodes: 'x' }).ok, false);
  assert.equal(engine.previewCharge({ subscription: -1, wallet: 0 }, 1).ok, false);
  assert.equal(engine.canvas.updateNode({ id: 'nope', model: 'veo-3' }).ok, false);
});

test('the CLI and the package agree on a node with an upstream input', () => {
  const graph = { nodes: [{ id: 'v', model: 'veo-3', params: { duration_s: 8 } }, { id: 'l', model: 'sync-lipsync-2', inputs: { video: 'v' } }] };
  assert.equal(JSON.stringify(engine.plan(graph)), runCli(['plan'], JSON.stringify(graph)).trim());
  const file = tempFile('card.json', repoFile('tests/data/test-card.json'));
  const withCard = runCli(['estimate', '--rate-card', file], '{"model":"vid","params":{"duration_s":8}}\n').trim();
  assert.equal(JSON.parse(withCard).credits, 80);
});
