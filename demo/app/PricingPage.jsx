// Pricing (/pricing): an explorer of the rate card in force, all in the page from the package:
// one model's price and breakdown, a sweep of one parameter over several models of its kind, a
// sortable comparison at shared settings, and what a budget buys; then what a candidate card would
// change (CardDiff, priced by the credit server).
import { useMemo, useState } from 'react';
import { ResponsiveContainer, LineChart, Line, XAxis, YAxis, Tooltip, CartesianGrid, Legend } from 'recharts';
import { useApp, ErrorNote } from './App.jsx';
import { fmt, fmtRange, KIND_LABEL } from './format.js';
import { ModelOptions, ParamControl, defaultParams, paramList, shownValue, typed } from './params.jsx';
import { BreakdownTable } from './CanvasPage.jsx';
import { CardDiff } from './CardDiff.jsx';

const COLORS = ['#4f5bd5', '#0f9d8a', '#e0861a', '#c2417d', '#2f8fd8', '#7a4fd5', '#9aa33b', '#6b7a90'];
const MAX_POINTS = 13;

/** The params of `model` at the shared settings: its own defaults, then each shared value it declares. */
function paramsFor(model, shared) {
  const params = defaultParams(model);
  for (const p of paramList(model)) {
    if (p.decided_by_run) continue;
    if (Object.prototype.hasOwnProperty.call(shared, p.name)) params[p.name] = typed(p, shared[p.name]);
  }
  return params;
}

/** Points of a swept parameter: its values, or up to MAX_POINTS whole steps between min and max. */
function sweepPoints(p) {
  if (p.values && p.values.length) return p.values;
  if (p.min === undefined || p.max === undefined) return [];
  const lo = Math.ceil(Number(p.min));
  const hi = Math.floor(Number(p.max));
  const step = Math.max(Number(p.step || 1), 1);
  const n = Math.floor((hi - lo) / step);
  if (n <= 0) return [String(lo)];
  const every = Math.max(1, Math.ceil(n / (MAX_POINTS - 1)));
  const out = [];
  for (let k = 0; k <= n; k += every) out.push(String(lo + k * step));
  if (out[out.length - 1] !== String(lo + n * step)) out.push(String(lo + n * step));
  return out;
}

function sweepable(p) {
  return !p.decided_by_run && p.type !== 'bool' && ((p.values && p.values.length > 1) || (p.min !== undefined && p.max !== undefined));
}

/** How many runs `budget` credits buy at a price: whole runs, exact (BigInt division). */
function runsFor(budget, price) {
  if (!(price > 0)) return null;
  return Number(BigInt(budget) / BigInt(price));
}

export function PricingPage() {
  const { engine, cardVersion } = useApp();
  const models = engine.modelList;
  const modelById = useMemo(() => new Map(models.map((m) => [m.id, m])), [models, cardVersion]);
  const [modelId, setModelId] = useState(() => (modelById.has('veo-3') ? 'veo-3' : models[0]?.id));
  const model = modelById.get(modelId) || models[0];
  const [shared, setShared] = useState(() => defaultParams(model));
  const [sweepName, setSweepName] = useState(null);
  const [picked, setPicked] = useState(null);
  const [sort, setSort] = useState({ key: 'price', dir: 1 });
  const [budget, setBudget] = useState('1000');

  const chooseModel = (id) => {
    const m = modelById.get(id);
    setModelId(id);
    // Shared settings carry over where the new model takes the same value; the rest start at its defaults.
    setShared((s) => {
      const next = defaultParams(m);
      for (const p of paramList(m)) {
        if (!(p.name in s) || p.decided_by_run) continue;
        const v = String(s[p.name]);
        const ok = p.values ? p.values.includes(v) : p.type === 'bool' ? typeof s[p.name] === 'boolean'
          : p.min === undefined || (Number(v) >= Number(p.min) && Number(v) <= Number(p.max));
        if (ok) next[p.name] = typed(p, s[p.name]);
      }
      return next;
    });
    setPicked(null);
  };

  const params = paramList(model).filter((p) => !p.decided_by_run);
  const node = { id: 'explore', model: model.id, params: shared };
  const quote = useMemo(() => engine.quote(node), [engine, cardVersion, model.id, shared]);

  const sameKind = useMemo(() => models.filter((m) => m.kind === model.kind), [models, model.kind]);
  const sweepParams = paramList(model).filter(sweepable);
  const sweep = sweepParams.find((p) => p.name === sweepName) || sweepParams[0] || null;
  const withSweep = sweep ? sameKind.filter((m) => m.params[sweep.name] && sweepable({ ...m.params[sweep.name] })) : [];
  const compared = (picked || [model.id, ...withSweep.filter((m) => m.id !== model.id).slice(0, 4).map((m) => m.id)])
    .filter((id) => withSweep.some((m) => m.id === id));

  // Each point priced by engine.quote: the model's params at the shared settings, with the swept value.
  const chart = useMemo(() => {
    if (!sweep) return { data: [], points: [] };
    const points = [...new Set(compared.flatMap((id) => sweepPoints(modelById.get(id).params[sweep.name])))];
    if (sweep.type !== 'string') points.sort((a, b) => Number(a) - Number(b));
    const data = points.map((x) => {
      const row = { x };
      for (const id of compared) {
        const m = modelById.get(id);
        const q = engine.quote({ model: id, params: { ...paramsFor(m, shared), [sweep.name]: typed(m.params[sweep.name], x) } });
        if (q.ok) {
          row[id] = q.max;
          row[`${id}:min`] = q.min;
        }
      }
      return row;
    });
    return { data, points };
  }, [sweep && sweep.name, compared.join(','), shared, engine, cardVersion, modelById]);

  const rows = useMemo(() => sameKind.map((m) => {
    const q = engine.quote({ id: m.id, model: m.id, params: paramsFor(m, shared) });
    const first = q.ok && q.breakdown && q.breakdown[0];
    return { m, q, note: first ? `${first.label}: ${first.detail}` : '' };
  }), [sameKind, shared, engine, cardVersion]);
  const sorted = useMemo(() => {
    const by = {
      model: (a, b) => a.m.label.localeCompare(b.m.label),
      provider: (a, b) => a.m.provider.localeCompare(b.m.provider) || a.m.label.localeCompare(b.m.label),
      price: (a, b) => (a.q.ok !== b.q.ok ? (a.q.ok ? -1 : 1) * sort.dir : a.q.ok ? a.q.max - b.q.max || a.q.min - b.q.min : 0),
    }[sort.key];
    return [...rows].sort((a, b) => by(a, b) * sort.dir);
  }, [rows, sort]);
  const budgetOk = /^\d{1,15}$/.test(budget);

  const Th = ({ k, children, className }) => (
    <th className={className} aria-sort={sort.key === k ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => setSort((s) => ({ key: k, dir: s.key === k ? -s.dir : 1 }))}>
        {children} {sort.key === k ? (sort.dir > 0 ? '▲' : '▼') : ''}
      </button>
    </th>
  );

  return (
    <div className="page pricing">
      <div className="page-head">
        <div>
          <div className="crumbs">Rate card {engine.version} · {fmt(models.length)} models · priced in this page by the engine</div>
          <h1>Pricing explorer</h1>
        </div>
      </div>
      <div className="pricing-top">
        <div className="card explore-card">
          <label className="field">
            <span>Model</span>
            <select aria-label="Model" value={model.id} onChange={(e) => chooseModel(e.target.value)}>
              <ModelOptions models={models} />
            </select>
          </label>
          <div className="model-meta">
            <span className={`kind-tag kind-${model.kind}`}>{KIND_LABEL[model.kind]}</span> {model.provider}
            <div className="muted small">List price: {model.list_price}</div>
          </div>
          <div className="explore-params">
            {params.map((p) => (
              <ParamControl key={`${model.id}-${p.name}`} p={p} idPrefix={`pr-${model.id}`} value={shownValue(p, shared)}
                onChange={(v) => setShared((s) => {
                  const n = { ...s };
                  if (v === undefined) delete n[p.name];
                  else n[p.name] = v;
                  return n;
                })} />
            ))}
            {paramList(model).filter((p) => p.decided_by_run).map((p) => (
              <div key={p.name} className="param param-bound"><span className="param-label">{p.label}</span><span className="param-from muted">decided by the run</span></div>
            ))}
          </div>
          <div className={`price${quote.ok ? '' : ' price-error'}`} {...(quote.ok ? { 'data-price-min': String(quote.min), 'data-price-max': String(quote.max) } : {})}>
            {quote.ok ? <><b>{fmtRange(quote.min, quote.max)}</b> credits{quote.exact ? '' : <span className="muted"> · a range: the run decides</span>}</> : null}
          </div>
          {quote.ok ? <BreakdownTable lines={quote.breakdown} /> : <ErrorNote error={quote.error} />}
        </div>
        <div className="card chart-card sweep-card">
          <div className="sweep-head">
            <h3>Price against {sweep ? sweep.label.toLowerCase() : '…'}</h3>
            {sweepParams.length > 0 && (
              <label className="field-inline">
                <span>Sweep</span>
                <select aria-label="Sweep parameter" value={sweep ? sweep.name : ''} onChange={(e) => { setSweepName(e.target.value); setPicked(null); }}>
                  {sweepParams.map((p) => <option key={p.name} value={p.name}>{p.label}{p.unit ? ` (${p.unit})` : ''}</option>)}
                </select>
              </label>
            )}
          </div>
          {!sweep ? <p className="muted">This model has no parameter to sweep.</p> : (
            <>
              <ResponsiveContainer width="100%" height={270}>
                <LineChart data={chart.data} margin={{ left: 0, right: 16, top: 8, bottom: 0 }}>
                  <CartesianGrid stroke="#eef0f4" />
                  <XAxis dataKey="x" fontSize={11} tickFormatter={(v) => (sweep.unit && sweep.unit !== 'x' ? `${v} ${sweep.unit}` : v)} />
                  <YAxis tickFormatter={fmt} fontSize={11} width={52} />
                  <Tooltip formatter={(v, name, item) => {
                    const min = item.payload[`${item.dataKey}:min`];
                    return [`${fmtRange(min, v)} credits`, modelById.get(item.dataKey)?.label || name];
                  }} labelFormatter={(v) => `${sweep.label}: ${v}${sweep.unit ? ' ' + sweep.unit : ''}`} />
                  <Legend formatter={(id) => modelById.get(id)?.label || id} wrapperStyle={{ fontSize: 12 }} />
                  {compared.map((id, i) => (
                    <Line key={id} dataKey={id} stroke={COLORS[i % COLORS.length]} strokeWidth={id === model.id ? 3 : 1.8} dot={{ r: 2.5 }} connectNulls isAnimationActive={false} />
                  ))}
                </LineChart>
              </ResponsiveContainer>
              <div className="compare-picks" role="group" aria-label="Models in the chart">
                {withSweep.map((m) => (
                  <label key={m.id} className="chip">
                    <input type="checkbox" aria-label={`Chart ${m.label}`} checked={compared.includes(m.id)}
                      onChange={(e) => setPicked(e.target.checked ? [...compared, m.id] : compared.filter((x) => x !== m.id))} />
                    {m.label}
                  </label>
                ))}
              </div>
              <div className="muted small">The price at each point is the upper end of the quote (a range shows in the tooltip); other settings as on the left. Dots are the values each model offers; a model missing from a value has no price there.</div>
            </>
          )}
        </div>
      </div>
      <div className="card">
        <div className="table-head">
          <h3>Every {KIND_LABEL[model.kind].toLowerCase()} model at these settings</h3>
          <label className="field-inline">
            <span>What</span>
            <input type="text" inputMode="numeric" aria-label="Budget in credits" value={budget} onChange={(e) => setBudget(e.target.value.replace(/[^\d]/g, ''))} className="budget" />
            <span>credits buy</span>
          </label>
        </div>
        <table className="table compare">
          <thead>
            <tr>
              <Th k="model">Model</Th>
              <Th k="provider">Provider</Th>
              <Th k="price" className="num">Price at these settings</Th>
              <th>Per unit</th>
              <th>List price</th>
              <th className="num">Runs for {budgetOk ? fmt(Number(budget)) : '—'} credits</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map(({ m, q, note }) => {
              const most = q.ok && budgetOk ? runsFor(budget, q.min) : null;
              const least = q.ok && budgetOk ? runsFor(budget, q.max) : null;
              return (
                <tr key={m.id} className={m.id === model.id ? 'current' : ''}>
                  <td><button type="button" className="link-button" onClick={() => chooseModel(m.id)}>{m.label}</button></td>
                  <td>{m.provider}</td>
                  <td className={`num${q.ok ? '' : ' muted'}`}>{q.ok ? <b>{fmtRange(q.min, q.max)}</b> : <span className="small">{q.error.message}</span>}</td>
                  <td className="muted small">{note}</td>
                  <td className="muted small">{m.list_price}</td>
                  <td className="num">{!q.ok ? '—' : least === null ? '∞' : least === most ? fmt(least) : `${fmt(least)}–${most === null ? '∞' : fmt(most)}`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <CardDiff models={models} />
    </div>
  );
}
