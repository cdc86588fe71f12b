// React bindings for @credits/engine: live cost badges on a node editor (React Flow or any
// editor whose nodes are {id, data: {model, params, skip}} and edges {source, target,
// targetHandle}). Imports only `react`. The diffing is a plain function (`syncCanvas`), so it
// can be used and tested without React.
import { useEffect, useMemo, useRef, useState } from 'react';
import createCredits from './index.js';

/**
 * The engine's graph for editor nodes and edges: each edge sets `inputs[targetHandle] = source`
 * on its target node. Nodes read `data.model`, `data.params` and `data.skip` (or the same keys
 * on the node itself, for plain graphs).
 */
export function graphFromFlow(nodes, edges) {
  const byId = new Map();
  const out = [];
  for (const n of nodes || []) {
    const d = n.data || n;
    const node = { id: String(n.id), model: d.model, params: { ...(d.params || {}) }, inputs: {}, skip: !!d.skip };
    byId.set(node.id, node);
    out.push(node);
  }
  for (const e of edges || []) {
    const target = byId.get(String(e.target));
    const port = e.targetHandle;
    if (target && port != null && port !== '' && byId.has(String(e.source))) target.inputs[port] = String(e.source);
  }
  return { nodes: out };
}

function normalise(node) {
  return {
    id: String(node.id),
    model: node.model,
    params: { ...(node.params || {}) },
    inputs: { ...(node.inputs || {}) },
    skip: !!node.skip,
  };
}

function sameRecord(a, b) {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
  return true;
}

function quotesById(list, into = {}) {
  for (const q of list || []) if (q && q.id != null) into[q.id] = q;
  return into;
}

function fromLoad(engine, graph) {
  const plan = engine.canvas.load(graph);
  if (!plan.ok) {
    return { graph: null, version: engine.version, quotes: {}, total: null, priced: 0, skipped: 0, unpriced: 0,
      ok: false, error: plan.error, op: 'load', edits: 0 };
  }
  return { graph, version: engine.version, quotes: quotesById(plan.nodes), total: plan.total, priced: plan.priced,
    skipped: plan.skipped, unpriced: plan.unpriced, ok: true, error: null, op: 'load', edits: 0 };
}

/**
 * Brings the engine's canvas session from `prev` (what the last call returned, or null) to
 * `next` ({nodes: [{id, model, params, inputs, skip}]}) with the fewest edits: a full
 * `canvas.load` the first time, when nodes were added or removed, or when the rate card changed;
 * otherwise `updateNode` for each node whose model, params or skip changed, then `disconnect`
 * and `connect` for each input port that changed. Returns the new state: `quotes` by node id,
 * `total`, `priced`, `skipped`, `unpriced`, and `ok`/`error` (the first edit the engine refused,
 * such as an edge that would make a cycle). `graph` is what the session now holds: a refused
 * edit is left out of it, so the next call tries it again. When nothing changed it returns
 * `prev` itself (or, if `prev` reported a refused edit that `next` no longer holds, a copy
 * without the error).
 */
export function syncCanvas(engine, prev, next) {
  const graph = { nodes: (next && next.nodes ? next.nodes : []).map(normalise) };
  if (!prev || !prev.graph || prev.version !== engine.version) return fromLoad(engine, graph);
  const before = new Map(prev.graph.nodes.map((n) => [n.id, n]));
  if (before.size !== graph.nodes.length || graph.nodes.some((n) => !before.has(n.id))) return fromLoad(engine, graph);

  const canvas = engine.canvas;
  const applied = new Map([...before].map(([id, n]) => [id, { ...n, params: { ...n.params }, inputs: { ...n.inputs } }]));
  let quotes = null;
  let last = null;
  let error = null;
  let edits = 0;
  const take = (change) => {
    edits++;
    if (!change.ok) {
      if (!error) error = change.error;
      return false;
    }
    quotes = quotesById(change.changed, quotes || { ...prev.quotes });
    last = change;
    return true;
  };

  // 1. Models, params and skip.
  for (const n of graph.nodes) {
    const p = before.get(n.id);
    if (p.model === n.model && p.skip === n.skip && sameRecord(p.params, n.params)) continue;
    if (take(canvas.updateNode({ id: n.id, model: n.model, params: n.params, skip: n.skip }))) {
      const a = applied.get(n.id);
      a.model = n.model;
      a.params = { ...n.params };
      a.skip = n.skip;
    }
  }
  // 2. Edges removed, before any is added (a moved edge must not make a cycle on the way).
  for (const n of graph.nodes) {
    const p = before.get(n.id);
    for (const port of Object.keys(p.inputs)) {
      if (Object.prototype.hasOwnProperty.call(n.inputs, port)) continue;
      if (take(canvas.disconnect(n.id, port))) delete applied.get(n.id).inputs[port];
    }
  }
  // 3. Edges added or moved to another source.
  for (const n of graph.nodes) {
    const p = before.get(n.id);
    for (const [port, from] of Object.entries(n.inputs)) {
      if (p.inputs[port] === from) continue;
      if (take(canvas.connect(n.id, port, from))) applied.get(n.id).inputs[port] = from;
    }
  }
  // Nothing to do: the session holds `next` (an edit refused before has been taken back).
  if (edits === 0) return prev.ok ? prev : { ...prev, ok: true, error: null, op: 'none', edits: 0 };

  const state = {
    graph: { nodes: graph.nodes.map((n) => applied.get(n.id)) },
    version: engine.version,
    quotes: quotes || prev.quotes,
    total: last ? last.total : prev.total,
    priced: last ? last.priced : prev.priced,
    skipped: last ? last.skipped : prev.skipped,
    unpriced: last ? last.unpriced : prev.unpriced,
    ok: !error,
    error,
    op: 'edit',
    edits,
  };
  return state;
}

/**
 * Creates an engine once for the component's life: `{engine, error}` (both null while the
 * .wasm loads). `options` are `createCredits`' options (e.g. `locateFile`), read on first call.
 */
export function useCreditsEngine(options) {
  const [result, setResult] = useState({ engine: null, error: null });
  const started = useRef(null);
  const first = useRef(options);
  useEffect(() => {
    let live = true;
    if (!started.current) started.current = createCredits(first.current || {});
    started.current.then(
      (engine) => live && setResult({ engine, error: null }),
      (e) => live && setResult({ engine: null, error: e instanceof Error ? e : new Error(String(e)) }),
    );
    return () => {
      live = false;
    };
  }, []);
  return result;
}

const EMPTY = Object.freeze({ quotes: {}, total: null, priced: 0, skipped: 0, unpriced: 0, projection: null, order: [], ok: false, error: null });

/**
 * Live costs for editor nodes and edges, kept in step with the engine's canvas session (one per
 * engine: use one canvas per engine). Each render diffs against the previous graph (see
 * `syncCanvas`), so a slider move prices only the moved node and what is downstream of it.
 * `balance` ({subscription, wallet} or null) adds the projection: the balances after the run and
 * the first node they cannot cover. Returns `{quotes, total, priced, skipped, unpriced,
 * projection, order, ok, error}`; a new rate card loaded into the engine is picked up on the next
 * render.
 */
export function useCanvasCosts(engine, nodes, edges, balance) {
  const graph = useMemo(() => graphFromFlow(nodes, edges), [nodes, edges]);
  const session = useRef(null);
  const version = engine ? engine.version : '';
  const state = useMemo(() => {
    if (!engine) return null;
    const s = syncCanvas(engine, session.current, graph);
    session.current = s;
    return s;
  }, [engine, graph, version]);
  const sub = balance ? balance.subscription : null;
  const wallet = balance ? balance.wallet : null;
  const planned = useMemo(() => {
    if (!engine || !state || !state.graph) return null;
    const plan = engine.canvas.plan(sub == null || wallet == null ? null : { subscription: sub, wallet });
    return plan.ok ? plan : null;
  }, [engine, state, sub, wallet]);
  if (!state) return EMPTY;
  return {
    quotes: state.quotes,
    total: state.total,
    priced: state.priced,
    skipped: state.skipped,
    unpriced: state.unpriced,
    projection: planned && planned.projection ? planned.projection : null,
    order: planned ? planned.order : [],
    ok: state.ok,
    error: state.error,
  };
}
