// The React module's pure part: syncCanvas keeps the engine's canvas session in step with an
// editor's graph, and every state it returns agrees with a fresh engine.plan of the same graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import createCredits from '../src/index.js';

// `react` is a peer dependency that web/ does not install: the pure functions tested here do not
// call it, so a stub stands in for it.
const stub = 'export const useEffect = () => {}, useMemo = (f) => f(), useRef = (v) => ({ current: v }), useState = (v) => [v, () => {}];';
register('data:text/javascript,' + encodeURIComponent(
  `export async function resolve(s, c, next) { return s === 'react' ? { url: 'data:text/javascript,' + encodeURIComponent(${JSON.stringify(stub)}), shortCircuit: true } : next(s, c); }`));
const { syncCanvas, graphFromFlow } = await import('../src/react.js');

const canvas = JSON.parse(readFileSync(new URL('../../demo/canvas.json', import.meta.url), 'utf8'));
const engine = await createCredits();

function expectAgrees(state, graph) {
  const plan = engine.plan(graph);
  assert.equal(plan.ok, true);
  assert.deepEqual(state.total, plan.total);
  assert.equal(state.priced, plan.priced);
  assert.equal(state.skipped, plan.skipped);
  assert.equal(state.unpriced, plan.unpriced);
  for (const q of plan.nodes) assert.deepEqual(state.quotes[q.id], q, q.id);
  assert.equal(Object.keys(state.quotes).length, plan.nodes.length);
}

const clone = (g) => JSON.parse(JSON.stringify(g));

test('graphFromFlow turns React Flow nodes and edges into the engine graph', () => {
  const g = graphFromFlow(
    [{ id: 'a', position: { x: 0, y: 0 }, data: { model: 'veo-3', params: { duration_s: 4 } } },
     { id: 'b', data: { model: 'sync-lipsync-2', skip: true } }],
    [{ id: 'e', source: 'a', target: 'b', targetHandle: 'video' }, { source: 'zz', target: 'b', targetHandle: 'x' }],
  );
  assert.deepEqual(g, { nodes: [
    { id: 'a', model: 'veo-3', params: { duration_s: 4 }, inputs: {}, skip: false },
    { id: 'b', model: 'sync-lipsync-2', params: {}, inputs: { video: 'a' }, skip: true },
  ] });
});

test('load, then incremental edits that agree with a full plan', () => {
  let g = clone(canvas);
  let s = syncCanvas(engine, null, g);
  assert.equal(s.op, 'load');
  expectAgrees(s, g);

  assert.equal(syncCanvas(engine, s, clone(g)), s, 'nothing changed: the same state');

  // A slider move on the Veo node: the node and the lip-sync downstream change.
  g = clone(g);
  g.nodes.find((n) => n.id === 'hero-shot').params.duration_s = 5;
  s = syncCanvas(engine, s, g);
  assert.equal(s.op, 'edit');
  assert.equal(s.edits, 1);
  expectAgrees(s, g);
  assert.equal(s.quotes.lipsync.credits, 25);

  // Skip, model change, disconnect, connect.
  g = clone(g);
  g.nodes.find((n) => n.id === 'b-roll').skip = false;
  g.nodes.find((n) => n.id === 'keyframes').model = 'flux-1-schnell';
  delete g.nodes.find((n) => n.id === 'lipsync').inputs.video;
  g.nodes.find((n) => n.id === 'foley').inputs.video = 'hero-shot';
  s = syncCanvas(engine, s, g);
  assert.equal(s.edits, 4);
  expectAgrees(s, g);

  // A node added: a full load.
  g = clone(g);
  g.nodes.push({ id: 'extra', model: 'sora-2', params: { duration_s: 8 } });
  s = syncCanvas(engine, s, g);
  assert.equal(s.op, 'load');
  expectAgrees(s, g);
});

test('a refused edge (a cycle) is reported and left out of the session', () => {
  let g = clone(canvas);
  let s = syncCanvas(engine, null, g);
  const bad = clone(g);
  bad.nodes.find((n) => n.id === 'hero-shot').inputs = { video: 'lipsync' };
  bad.nodes.find((n) => n.id === 'hero-shot').params.duration_s = 6;
  s = syncCanvas(engine, s, bad);
  assert.equal(s.ok, false);
  assert.match(s.error.message, /cycle/);
  const good = clone(g);
  good.nodes.find((n) => n.id === 'hero-shot').params.duration_s = 6;
  expectAgrees(s, good);
  // Removing the bad edge: back to ok, nothing else to do.
  s = syncCanvas(engine, s, good);
  assert.equal(s.ok, true);
  expectAgrees(s, good);
});

test('a new rate card is picked up with a full load', () => {
  const g = clone(canvas);
  const e2 = engine;
  let s = syncCanvas(e2, null, g);
  const card = JSON.parse(readFileSync(new URL('../../demo/rate-card.json', import.meta.url), 'utf8'));
  card.version = 'test-reload';
  assert.equal(e2.loadRateCard(card).ok, true);
  s = syncCanvas(e2, s, g);
  assert.equal(s.op, 'load');
  assert.equal(s.quotes['hero-shot'].rate_card, 'test-reload');
  expectAgrees(s, g);
});
