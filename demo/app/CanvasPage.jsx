// Canvas (/): the sample graph in React Flow, priced live in the page by the WASM engine through
// useCanvasCosts (an incremental canvas session; no round trip), and run through the demo backend.
import { createContext, memo, useCallback, useContext, useMemo, useRef, useState } from 'react';
import {
  ReactFlow, ReactFlowProvider, Background, Controls, Handle, Position,
  applyNodeChanges, applyEdgeChanges, useReactFlow,
} from '@xyflow/react';
import { useCanvasCosts, graphFromFlow } from '@credits/engine/react';
import sample from '../canvas.json';
import { streamRun, ApiError } from './api.js';
import { useApp, balancesOf, ErrorNote } from './App.jsx';
import { fmt, fmtRange, plural, KIND_LABEL } from './format.js';
import { ModelOptions, ParamControl, defaultParams, inputPorts, paramList, shownValue } from './params.jsx';

const COL = 290;
const ROW = 250;
const BAND_GAP = 70;

/** Left to right by dependency depth; a node's row follows its first input's row where free. */
function layout(graphNodes) {
  const byId = new Map(graphNodes.map((n) => [n.id, n]));
  const depth = new Map();
  const depthOf = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id)) return 0;
    seen.add(id);
    const n = byId.get(id);
    let d = 0;
    for (const from of Object.values(n.inputs || {})) if (byId.has(from)) d = Math.max(d, depthOf(from, seen) + 1);
    depth.set(id, d);
    return d;
  };
  graphNodes.forEach((n) => depthOf(n.id));
  const row = new Map();
  const used = new Map();
  const take = (d, r) => {
    const set = used.get(d) || new Set();
    used.set(d, set);
    while (set.has(r)) r++;
    set.add(r);
    return r;
  };
  const maxDepth = Math.max(0, ...depth.values());
  // Roots with dependents first, so their downstream nodes line up beside them.
  const hasDependents = (id) => graphNodes.some((m) => Object.values(m.inputs || {}).includes(id));
  for (let d = 0; d <= maxDepth; d++) {
    const col = graphNodes.filter((n) => depth.get(n.id) === d);
    if (d === 0) col.sort((a, b) => Number(hasDependents(b.id)) - Number(hasDependents(a.id)));
    for (const n of col) {
      const first = Object.values(n.inputs || {}).find((f) => row.has(f));
      row.set(n.id, take(d, first !== undefined ? row.get(first) : 0));
    }
  }
  // Many rows: the rows wrap into a second band to the right, so the graph fits a laptop screen.
  const rows = Math.max(0, ...row.values()) + 1;
  const perBand = rows > 3 ? Math.ceil(rows / 2) : rows;
  const bandWidth = (maxDepth + 1) * COL + BAND_GAP;
  return Object.fromEntries(graphNodes.map((n) => {
    const r = row.get(n.id);
    return [n.id, { x: Math.floor(r / perBand) * bandWidth + depth.get(n.id) * COL, y: (r % perBand) * ROW }];
  }));
}

function initialFlow() {
  const pos = layout(sample.nodes);
  const nodes = sample.nodes.map((n) => ({
    id: n.id,
    type: 'model',
    position: pos[n.id],
    data: { model: n.model, params: { ...(n.params || {}) }, skip: !!n.skip },
  }));
  const edges = [];
  for (const n of sample.nodes) for (const [port, from] of Object.entries(n.inputs || {})) edges.push(edgeFor(from, n.id, port));
  return { nodes, edges };
}

function edgeFor(source, target, port) {
  return { id: `${source}->${target}:${port}`, source, target, sourceHandle: 'out', targetHandle: port, type: 'default' };
}

const CanvasCtx = createContext(null);

function badgeOf(q) {
  if (!q) return { text: '…', min: null, max: null };
  if (!q.ok) return { text: q.error.message, error: true };
  if (q.skipped) {
    const w = q.would_cost;
    return { text: `cached · 0 (would cost ${w ? fmtRange(w.min, w.max) : '?'})`, min: 0, max: 0, skipped: true };
  }
  return { text: `${fmtRange(q.min, q.max)} ${q.max === 1 ? 'credit' : 'credits'}`, min: q.min, max: q.max, range: q.min !== q.max };
}


function RunStatus({ r }) {
  if (!r) return null;
  let figure = null;
  let detail = null;
  const split = (a, b) => `${fmt(a ?? 0)} subscription · ${fmt(b ?? 0)} wallet`;
  if (r.status === 'running') {
    figure = r.charge ? `charged ${fmt(r.charge.credits)}` : r.repriced ? '' : 'sending…';
    if (r.charge) detail = split(r.charge.from_subscription, r.charge.from_wallet);
  } else if (r.status === 'done') {
    figure = plural(r.credits, 'credit');
    if (r.charge) detail = `charged ${fmt(r.charge.credits)}: ${split(r.charge.from_subscription, r.charge.from_wallet)}`;
  } else if (r.status === 'failed') {
    const f = r.refund || {};
    figure = `refunded ${fmt((f.to_subscription ?? 0) + (f.to_wallet ?? 0))}`;
    detail = `${split(f.to_subscription, f.to_wallet)} · ${r.message || 'the provider failed'}`;
  } else if (r.status === 'refused') {
    detail = r.error ? <><code>{r.error.code}</code> {r.error.message}</> : null;
  } else if (r.status === 'blocked') {
    detail = r.message || 'an upstream node did not produce its output';
  }
  return (
    <div className={`run-status run-${r.status}`}>
      <div className="run-head">
        {r.status === 'running' && <span className="spinner" aria-hidden="true" />}
        <span>{r.status}</span>
        {r.repriced && <span className="run-repriced" data-repriced-min={r.repriced.min} data-repriced-max={r.repriced.max}>repriced → {fmtRange(r.repriced.min, r.repriced.max)}</span>}
        {figure && <span className="run-figure">{figure}</span>}
      </div>
      {detail && <div className="run-line" title={typeof detail === 'string' ? detail : r.error ? `${r.error.code}: ${r.error.message}` : undefined}>{detail}</div>}
    </div>
  );
}

const ModelNode = memo(function ModelNode({ id, data, selected }) {
  const ctx = useContext(CanvasCtx);
  const model = ctx.modelById.get(data.model);
  const q = ctx.quotes[id];
  const badge = badgeOf(q);
  const connected = ctx.inputsOf(id);
  const run = ctx.runState[id];
  const ports = inputPorts(model);
  const kind = model ? model.kind : 'unknown';
  const params = paramList(model).filter((p) => !p.decided_by_run);
  return (
    <div className={`node kind-${kind}${selected ? ' selected' : ''}${data.skip ? ' skipped' : ''}`}
      data-node-id={id} data-run-status={run ? run.status : undefined}>
      {ports.map((port, i) => (
        <Handle key={port.port} type="target" position={Position.Left} id={port.port}
          style={{ top: 58 + i * 22 }} className="port" title={`${port.port} (${port.output})`} />
      ))}
      {ports.map((port, i) => (
        <span key={port.port} className="port-label" style={{ top: 50 + i * 22 }}>{port.port}</span>
      ))}
      <div className="node-head">
        <span className={`kind-tag kind-${kind}`} title={KIND_LABEL[kind] || kind}>{SHORT_KIND[kind] || KIND_LABEL[kind] || kind}</span>
        <span className="node-id" title={id}>{id}</span>
        <label className="cached-toggle nodrag" title="Cached: skip this node on Run (costs 0)">
          <input type="checkbox" aria-label={`Cached ${id}`} checked={!!data.skip} onChange={(e) => ctx.setSkip(id, e.target.checked)} />
          cached
        </label>
        <button type="button" className="icon-button nodrag" aria-label={`Delete ${id}`} title="Delete node" onClick={() => ctx.removeNode(id)}>✕</button>
      </div>
      <select className="node-model nodrag" aria-label="Node model" value={data.model} onChange={(e) => ctx.setModel(id, e.target.value)}>
        {!model && <option value={data.model}>{data.model} (not in the card)</option>}
        <ModelOptions models={ctx.models} />
      </select>
      <div className="node-params">
        {params.map((p) => {
          if (p.input && connected[p.input.port]) {
            return (
              <div key={p.name} className="param param-bound">
                <span className="param-label">{p.label}</span>
                <span className="param-from">from <b>{connected[p.input.port]}</b>
                  <button type="button" className="link-button nodrag" aria-label={`Disconnect ${p.input.port} of ${id}`} title="Disconnect" onClick={() => ctx.disconnect(id, p.input.port)}>✕</button>
                </span>
              </div>
            );
          }
          return <ParamControl key={p.name} p={p} idPrefix={`n-${id}`} compact value={shownValue(p, data.params)} onChange={(v) => ctx.setParam(id, p.name, v)} />;
        })}
      </div>
      <div className={`badge${badge.error ? ' badge-error' : ''}${badge.skipped ? ' badge-skipped' : ''}${badge.range ? ' badge-range' : ''}`}
        data-cost-min={badge.min == null ? undefined : String(badge.min)} data-cost-max={badge.max == null ? undefined : String(badge.max)}
        data-unpriced={badge.error ? 'true' : undefined} title={badge.error ? q.error.path : undefined}>
        {badge.text}
      </div>
      <RunStatus r={run} />
      {model && model.outputs.length > 0 && (
        <Handle type="source" position={Position.Right} id="out" className="port port-out" title={`output: ${model.outputs.join(', ')}`} />
      )}
    </div>
  );
});

const nodeTypes = { model: ModelNode };
const SHORT_KIND = { transcription: 'Transcribe', character: 'Character' };

function Breakdown({ id, q, model }) {
  if (!id) return <p className="muted">Select a node to see how its price arises.</p>;
  if (!q) return <p className="muted">Pricing…</p>;
  if (!q.ok) return <ErrorNote error={q.error} />;
  return (
    <div>
      <div className="breakdown-head">
        <b>{id}</b> · {model ? model.label : q.model}
        <div className="muted small">{q.skipped ? `cached: costs 0, would cost ${fmtRange(q.would_cost.min, q.would_cost.max)}` : q.exact ? `${fmt(q.credits)} credits, exact` : `${fmtRange(q.min, q.max)} credits: the run decides`} · card {q.rate_card}</div>
      </div>
      <BreakdownTable lines={q.breakdown} />
    </div>
  );
}

export function BreakdownTable({ lines }) {
  return (
    <table className="breakdown">
      <thead><tr><th>Step</th><th>Detail</th><th className="num">Effect</th><th className="num">Subtotal</th></tr></thead>
      <tbody>
        {(lines || []).map((l, i) => (
          <tr key={i}>
            <td>{l.label}</td>
            <td className="muted">{l.detail}</td>
            <td className="num">{l.effect}</td>
            <td className="num">{l.min === l.max ? l.max : `${l.min}–${l.max}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Flow() {
  const { engine, cardVersion, me, refreshMe, loadCard } = useApp();
  const models = engine.modelList;
  const modelById = useMemo(() => new Map(models.map((m) => [m.id, m])), [models, cardVersion]);
  const [{ nodes, edges }, setFlow] = useState(initialFlow);
  const setNodes = useCallback((f) => setFlow((s) => ({ ...s, nodes: typeof f === 'function' ? f(s.nodes) : f })), []);
  const setEdges = useCallback((f) => setFlow((s) => ({ ...s, edges: typeof f === 'function' ? f(s.edges) : f })), []);
  const [selected, setSelected] = useState('hero-shot');
  const [runState, setRunState] = useState({});
  const [log, setLog] = useState([]);
  const [running, setRunning] = useState(false);
  const [provider, setProvider] = useState('flaky');
  const [stale, setStale] = useState(null);
  const [notice, setNotice] = useState(null);
  const flow = useReactFlow();
  const nextId = useRef(1);

  const balance = useMemo(() => balancesOf(me && me.balance), [me]);
  const costs = useCanvasCosts(engine, nodes, edges, balance);

  const clearRun = useCallback(() => {
    setRunState((s) => (Object.keys(s).length ? {} : s));
  }, []);
  const edit = useCallback((f) => {
    clearRun();
    setNodes(f);
  }, [clearRun, setNodes]);

  const setParam = useCallback((id, name, value) => edit((ns) => ns.map((n) => {
    if (n.id !== id) return n;
    const params = { ...n.data.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return { ...n, data: { ...n.data, params } };
  })), [edit]);
  const setSkip = useCallback((id, skip) => edit((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, skip } } : n))), [edit]);
  const setModel = useCallback((id, modelId) => {
    const m = modelById.get(modelId);
    const ports = new Set(inputPorts(m).map((p) => p.port));
    edit((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, model: modelId, params: defaultParams(m) } } : n)));
    // Edges into ports the new model does not have, and out of it if it has no output, go.
    setEdges((es) => es.filter((e) => !((e.target === id && !ports.has(e.targetHandle)) || (e.source === id && !(m && m.outputs.length)))));
  }, [edit, modelById, setEdges]);
  const removeNode = useCallback((id) => {
    clearRun();
    setFlow((s) => ({ nodes: s.nodes.filter((n) => n.id !== id), edges: s.edges.filter((e) => e.source !== id && e.target !== id) }));
    setSelected((sel) => (sel === id ? null : sel));
  }, [clearRun]);
  const disconnect = useCallback((id, port) => {
    clearRun();
    setEdges((es) => es.filter((e) => !(e.target === id && e.targetHandle === port)));
  }, [clearRun, setEdges]);

  const inputsOf = useCallback((id) => {
    const out = {};
    for (const e of edges) if (e.target === id) out[e.targetHandle] = e.source;
    return out;
  }, [edges]);

  const onNodesChange = useCallback((changes) => {
    if (changes.some((c) => c.type === 'remove')) clearRun();
    setNodes((ns) => applyNodeChanges(changes, ns));
  }, [setNodes, clearRun]);
  const onEdgesChange = useCallback((changes) => {
    if (changes.some((c) => c.type === 'remove')) clearRun();
    setEdges((es) => applyEdgeChanges(changes, es));
  }, [setEdges, clearRun]);

  // An edge goes from a node's output to a port whose parameter reads that output.
  const isValidConnection = useCallback((c) => {
    if (!c.targetHandle || c.source === c.target) return false;
    const src = nodes.find((n) => n.id === c.source);
    const dst = nodes.find((n) => n.id === c.target);
    const sm = src && modelById.get(src.data.model);
    const port = dst && inputPorts(modelById.get(dst.data.model)).find((p) => p.port === c.targetHandle);
    return !!(sm && port && sm.outputs.includes(port.output));
  }, [nodes, modelById]);
  const onConnect = useCallback((c) => {
    const nextEdges = [...edges.filter((e) => !(e.target === c.target && e.targetHandle === c.targetHandle)), edgeFor(c.source, c.target, c.targetHandle)];
    // The engine says whether the graph is still a graph (no cycle) before the edge is drawn.
    const check = engine.plan(graphFromFlow(nodes, nextEdges));
    if (!check.ok) {
      setNotice(check.error);
      return;
    }
    clearRun();
    setNotice(null);
    // The port now comes from upstream: a value typed for it while it was free is dropped.
    const dst = nodes.find((n) => n.id === c.target);
    const bound = inputPorts(modelById.get(dst.data.model)).filter((p) => p.port === c.targetHandle).map((p) => p.param);
    setFlow((s) => ({
      edges: nextEdges,
      nodes: s.nodes.map((n) => {
        if (n.id !== c.target || !bound.some((b) => b in n.data.params)) return n;
        const params = { ...n.data.params };
        bound.forEach((b) => delete params[b]);
        return { ...n, data: { ...n.data, params } };
      }),
    }));
  }, [edges, nodes, engine, modelById, clearRun]);

  const addNode = useCallback((modelId) => {
    const m = modelById.get(modelId);
    if (!m) return;
    let id;
    do id = `${m.kind}-${nextId.current++}`; while (nodes.some((n) => n.id === id));
    const box = document.querySelector('.flow-wrap')?.getBoundingClientRect();
    const at = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2 - 115, y: box.top + box.height / 3 }) : { x: 0, y: 0 };
    clearRun();
    setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)),
      { id, type: 'model', position: at, selected: true, data: { model: modelId, params: defaultParams(m), skip: false } }]);
    setSelected(id);
  }, [modelById, nodes, flow, clearRun, setNodes]);

  const graph = useMemo(() => graphFromFlow(nodes, edges), [nodes, edges]);

  const runNodes = useMemo(() => {
    const skip = new Set(graph.nodes.filter((n) => n.skip).map((n) => n.id));
    return costs.order.filter((id) => !skip.has(id));
  }, [costs.order, graph]);

  const addLog = (entry) => setLog((l) => [...l, { t: new Date().toISOString().slice(11, 19), ...entry }]);

  const onRun = useCallback(async () => {
    if (running) return;
    const shown = {};
    for (const n of graph.nodes) {
      const q = costs.quotes[n.id];
      if (q && q.ok) shown[n.id] = { min: q.min, max: q.max };
    }
    const body = { graph: { nodes: graph.nodes }, run: runNodes, shown, rate_card: engine.version, provider };
    setRunning(true);
    setRunState({});
    setStale(null);
    setLog([]);
    addLog({ kind: 'info', text: `Run ${plural(runNodes.length, 'node')} on the ${engine.version} card · provider ${provider}` });
    const set = (id, patch) => setRunState((s) => ({ ...s, [id]: { ...(s[id] || {}), ...patch } }));
    try {
      await streamRun(body, (ev) => {
        if (ev.type === 'start') addLog({ kind: 'info', text: `Started · payer ${ev.payer} · ${plural(ev.nodes, 'node')}` });
        else if (ev.type === 'reservation') {
          if (ev.ok) {
            const r = ev.reservation;
            addLog({ kind: 'info', text: `Budget held: ${fmt(r.credits)} credits (${fmt(r.from_subscription)} subscription · ${fmt(r.from_wallet)} wallet), so the run cannot stop halfway for credits` });
          } else {
            addLog({ kind: 'error', text: `The run did not start: its budget could not be held: ${ev.error?.code}: ${ev.error?.message}` });
            if (ev.error && ev.error.code === 'stale_rate_card') setStale(ev.error);
          }
        } else if (ev.type === 'released') {
          const r = ev.release || {};
          if (r.ok) addLog({ kind: 'info', text: `Released what the run did not spend: ${fmt(r.released)} credits (${fmt(r.to_subscription)} subscription · ${fmt(r.to_wallet)} wallet)` });
          else addLog({ kind: 'warn', text: `the budget's release was refused: ${r.error?.code}: ${r.error?.message} (it goes back by itself when it expires)` });
        }
        else if (ev.type === 'node') {
          const id = ev.id;
          switch (ev.status) {
            case 'running': set(id, { status: 'running' }); break;
            case 'repriced':
              set(id, { status: 'running', repriced: ev.quote });
              addLog({ kind: 'info', id, text: `repriced on what upstream produced: ${ev.quote && ev.quote.ok !== false ? fmtRange(ev.quote.min, ev.quote.max) : '?'} credits` });
              break;
            case 'charged':
              set(id, { status: 'running', charge: ev.charge });
              addLog({ kind: 'info', id, text: `charged ${fmt(ev.charge?.credits)} to ${ev.charge?.payer} (${fmt(ev.charge?.from_subscription)} subscription · ${fmt(ev.charge?.from_wallet)} wallet)` });
              break;
            case 'done':
              set(id, { status: 'done', credits: ev.credits, settled: ev.settled, output: ev.output });
              addLog({ kind: 'ok', id, text: `done · ${fmt(ev.credits)} credits` });
              break;
            case 'failed': {
              set(id, { status: 'failed', credits: ev.credits, refund: ev.refund, message: ev.message });
              const r = ev.refund || {};
              addLog({ kind: 'warn', id, text: `failed: ${ev.message || 'provider error'} · refunded ${fmt(r.to_subscription ?? 0)} to subscription, ${fmt(r.to_wallet ?? 0)} to wallet` });
              break;
            }
            case 'refused':
              set(id, { status: 'refused', error: ev.error });
              addLog({ kind: 'error', id, text: `refused: ${ev.error?.code}: ${ev.message || ev.error?.message}` });
              if (ev.error && ev.error.code === 'stale_rate_card') setStale(ev.error);
              break;
            case 'blocked':
              set(id, { status: 'blocked', message: ev.message });
              addLog({ kind: 'muted', id, text: `blocked: ${ev.message || 'upstream did not produce its output'}` });
              break;
            default:
              addLog({ kind: 'muted', id, text: `${ev.status}` });
          }
        } else if (ev.type === 'end') {
          addLog({ kind: 'info', text: `End · charged ${fmt(ev.charged)} · refunded ${fmt(ev.refunded)} · payer ${ev.payer}` });
        } else if (ev.type === 'error') {
          addLog({ kind: 'error', text: `${ev.error?.code || 'error'}: ${ev.error?.message || ev.message || ''}` });
          if (ev.error && ev.error.code === 'stale_rate_card') setStale(ev.error);
        } else if (ev.type === 'garbled') addLog({ kind: 'error', text: `unreadable line from the backend: ${ev.text.slice(0, 80)}` });
      });
    } catch (e) {
      const err = e instanceof ApiError ? e : { code: 'error', message: String(e.message || e) };
      addLog({ kind: 'error', text: `${err.code}: ${err.message}` });
      if (err.code === 'stale_rate_card') setStale({ code: err.code, message: err.message });
      setNotice({ code: err.code, message: err.message });
    } finally {
      await refreshMe();
      setRunning(false);
    }
  }, [running, graph, costs.quotes, runNodes, engine, provider, refreshMe]);

  const reloadCard = useCallback(async () => {
    const v = await loadCard(true);
    if (v) {
      setStale(null);
      clearRun();
      addLog({ kind: 'info', text: `Loaded the card in force: ${v}; every node re-priced` });
    }
  }, [loadCard, clearRun]);

  const ctx = useMemo(() => ({ models, modelById, quotes: costs.quotes, runState, inputsOf, setParam, setSkip, setModel, removeNode, disconnect }),
    [models, modelById, costs.quotes, runState, inputsOf, setParam, setSkip, setModel, removeNode, disconnect]);

  const total = costs.total;
  const p = costs.projection;
  const selectedNode = nodes.find((n) => n.id === selected);

  return (
    <CanvasCtx.Provider value={ctx}>
      <div className="canvas-page">
        <div className="toolbar">
          <label className="field-inline">
            <span>Add node</span>
            <select aria-label="Add node" value="" onChange={(e) => { if (e.target.value) addNode(e.target.value); }}>
              <option value="">Choose a model…</option>
              <ModelOptions models={models} />
            </select>
          </label>
          <div className="toolbar-sum">
            {total ? (
              <div className="run-total" data-run-total="" data-cost-min={String(total.min)} data-cost-max={String(total.max)} data-unpriced={String(costs.unpriced)}>
                Run total <b>{fmtRange(total.min, total.max)}</b> credits · {fmt(costs.skipped)} cached · <span className={costs.unpriced ? 'text-error' : ''}>{fmt(costs.unpriced)} unpriced</span>
              </div>
            ) : <div className="run-total text-error">The canvas cannot be priced{costs.error ? `: ${costs.error.message}` : ''}</div>}
            {p ? (
              <div className={`after-run${p.first_unaffordable ? ' text-error' : ''}`} data-after-run="" data-subscription={String(p.after.subscription)}
                data-wallet={String(p.after.wallet)} data-first-unaffordable={p.first_unaffordable || ''}>
                {p.first_unaffordable
                  ? <>Not enough credits: stops at <b>{p.first_unaffordable}</b>, short by <b>{fmt(p.shortfall)}</b></>
                  : <>After this run: subscription <b>{fmt(p.after.subscription)}</b> · wallet <b>{fmt(p.after.wallet)}</b></>}
                <span className="muted"> · {me ? me.payer : ''}</span>
              </div>
            ) : <div className="after-run muted">{me ? 'Projecting…' : 'Balances unavailable'}</div>}
          </div>
          <label className="field-inline">
            <span>Provider</span>
            <select aria-label="Provider" value={provider} onChange={(e) => setProvider(e.target.value)} disabled={running}>
              <option value="reliable">Reliable</option>
              <option value="flaky">Flaky (1 in 5 fails)</option>
              <option value="down">Down</option>
            </select>
          </label>
          <button type="button" className="primary" onClick={onRun} disabled={running || !runNodes.length}
            data-run-active={running ? 'true' : 'false'}>
            {running ? <><span className="spinner spinner-light" aria-hidden="true" /> Running…</> : 'Run'}
          </button>
        </div>
        {(stale || notice || (costs.error && total)) && (
          <div className="banner-row">
            {stale && (
              <div className="note note-error" role="alert">
                <span><code>{stale.code}</code> {stale.message}</span>
                <button type="button" className="secondary" onClick={reloadCard}>Load the card in force and re-price</button>
              </div>
            )}
            <ErrorNote error={notice} onClose={() => setNotice(null)} />
            {costs.error && total && <ErrorNote error={costs.error} />}
          </div>
        )}
        <div className="canvas-main">
          <div className="flow-wrap">
            <ReactFlow
              nodes={nodes} edges={edges} nodeTypes={nodeTypes}
              onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} onConnect={onConnect}
              isValidConnection={isValidConnection}
              onNodeClick={(_, n) => setSelected(n.id)}
              onSelectionChange={({ nodes: sel }) => { if (sel.length === 1) setSelected(sel[0].id); }}
              deleteKeyCode={['Delete', 'Backspace']}
              fitView fitViewOptions={{ padding: 0.04, maxZoom: 1 }} minZoom={0.3} maxZoom={1.5}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} size={1} color="#d9dde5" />
              <Controls showInteractive={false} />
            </ReactFlow>
          </div>
          <aside className="side">
            <section className="panel">
              <h2>Breakdown</h2>
              <Breakdown id={selectedNode ? selected : null} q={selectedNode ? costs.quotes[selected] : null} model={selectedNode ? modelById.get(selectedNode.data.model) : null} />
            </section>
            <section className="panel panel-log">
              <h2>Run log</h2>
              {log.length === 0 ? <p className="muted">Run first holds the run's whole budget, so it never stops halfway for credits; each node is then charged from it when sent to the provider, refunded if the provider fails, and what is left goes back at the end.</p> : (
                <ol className="run-log" aria-label="Run log">
                  {log.map((l, i) => (
                    <li key={i} className={`log-${l.kind}`}><span className="log-t">{l.t}</span>{l.id && <b>{l.id}</b>} {l.text}</li>
                  ))}
                </ol>
              )}
            </section>
          </aside>
        </div>
      </div>
    </CanvasCtx.Provider>
  );
}

export function CanvasPage() {
  return (
    <ReactFlowProvider>
      <Flow />
    </ReactFlowProvider>
  );
}
