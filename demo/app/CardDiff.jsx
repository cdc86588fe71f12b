// Pricing, "Compare a candidate card": what a new rate card would change against the card in
// force, before anyone publishes it. The comparison is the credit server's (POST
// /api/rate-card/diff, relayed to POST /v1/rate-card/diff); this only sends the candidate and
// draws the answer: each node whose price changes, and the models added, removed and changed.
import { useRef, useState } from 'react';
import { api } from './api.js';
import { fmt, fmtRange } from './format.js';

/** A node's params as people read them: name=value, in the order the server wrote them. */
function paramsText(params) {
  const entries = Object.entries(params || {});
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : 'defaults';
}

const priceText = (p) => (p ? fmtRange(p.min, p.max) : 'not priced');
const signed = (n) => (n > 0 ? `+${fmt(n)}` : n < 0 ? `−${fmt(-n)}` : '0');

/** The change of a node's price: credits at each end of its range, and % of the old upper end. */
function changeOf(row) {
  if (!row.old) return { credits: 'new price', percent: '' };
  if (!row.new) return { credits: 'no longer priced', percent: '' };
  const dMin = row.new.min - row.old.min;
  const dMax = row.new.max - row.old.max;
  const credits = dMin === dMax ? signed(dMax) : `${signed(dMin)} … ${signed(dMax)}`;
  const percent = row.old.max === 0 ? '—' : `${dMax >= 0 ? '+' : '−'}${(Math.abs(dMax) * 100 / row.old.max).toFixed(1)}%`;
  return { credits, percent };
}

function ModelChanges({ models, labelOf }) {
  const groups = [['added', 'Added'], ['removed', 'Removed'], ['changed', 'Changed']];
  return (
    <div className="diff-models">
      {groups.map(([key, title]) => (
        <div key={key} className={`diff-model-group diff-${key}`} data-diff-models={key}>
          <span className="card-label">{title} ({models[key].length})</span>
          {models[key].length === 0 ? <span className="muted small">none</span>
            : models[key].map((id) => <span key={id} className="chip" data-model-id={id} title={id}>{labelOf(id)}</span>)}
        </div>
      ))}
    </div>
  );
}

function DiffTable({ diff, labelOf }) {
  if (diff.nodes.length === 0) return <p className="muted" data-diff-empty>No price changes on the {fmt(diff.compared)} nodes compared.</p>;
  return (
    <div className="diff-scroll">
      <table className="table diff-table">
        <thead>
          <tr><th>Model</th><th>Params</th><th className="num">Old</th><th className="num">New</th><th className="num">Change</th><th className="num">%</th></tr>
        </thead>
        <tbody>
          {diff.nodes.map((row) => {
            const change = changeOf(row);
            // Dearer in one colour, cheaper in another; a price that appears or goes is neither.
            const tone = !row.old || !row.new ? 'muted' : row.new.max > row.old.max ? 'diff-up' : 'diff-down';
            return (
              <tr key={row.id} data-diff-row={row.id} data-model={row.model}
                data-old-min={row.old ? String(row.old.min) : ''} data-old-max={row.old ? String(row.old.max) : ''}
                data-new-min={row.new ? String(row.new.min) : ''} data-new-max={row.new ? String(row.new.max) : ''}>
                <td title={row.model}>{labelOf(row.model)}</td>
                <td className="muted small diff-params">{paramsText(row.params)}</td>
                <td className="num">{priceText(row.old)}</td>
                <td className="num"><b>{priceText(row.new)}</b></td>
                <td className={`num ${tone}`}>{change.credits}</td>
                <td className={`num ${tone}`}>{change.percent}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The server's refusal as it said it: code, message and path, then every problem it listed. */
function DiffError({ error }) {
  return (
    <div className="note note-error diff-error" role="alert" data-diff-error={error.code}>
      <div><code>{error.code}</code> {error.message}{error.path ? <> at <code>{error.path}</code></> : null}</div>
      {error.errors.length > 1 && (
        <ul className="diff-problems">
          {error.errors.slice(0, 12).map((e, i) => <li key={i}><code>{e.path || '/'}</code> {e.message}</li>)}
          {error.errors.length > 12 && <li className="muted">… and {fmt(error.errors.length - 12)} more</li>}
        </ul>
      )}
    </div>
  );
}

export function CardDiff({ models }) {
  const [text, setText] = useState('');
  const [percent, setPercent] = useState('10');
  const [state, setState] = useState({ busy: false, diff: null, error: null });
  const file = useRef(null);
  const labels = new Map(models.map((m) => [m.id, m.label]));
  const labelOf = (id) => labels.get(id) || id;

  const compare = async (body) => {
    setState({ busy: true, diff: null, error: null });
    try {
      setState({ busy: false, diff: await api('/api/rate-card/diff', { method: 'POST', body }), error: null });
    } catch (e) {
      setState({ busy: false, diff: null, error: { code: e.code, message: e.message, path: e.path, errors: e.errors || [] } });
    }
  };
  const upload = async (e) => {
    const f = e.target.files && e.target.files[0];
    if (!f) return;
    const t = await f.text();
    setText(t);
    e.target.value = '';
    compare({ card_text: t });
  };
  const pct = /^-?\d{1,4}$/.test(percent) ? Number(percent) : null;
  const { busy, diff, error } = state;

  return (
    <div className="card card-diff" data-card-diff>
      <div className="table-head">
        <h3>Compare a candidate card</h3>
        <span className="muted small">Priced by the credit server against the card in force; nothing is published.</span>
      </div>
      <div className="diff-inputs">
        <textarea aria-label="Candidate rate card" placeholder='Paste a rate card: {"version": "…", "models": [ … ]}' value={text}
          onChange={(e) => setText(e.target.value)} spellCheck={false} rows={5} />
        <div className="diff-actions">
          <button type="button" className="primary" disabled={busy || !text.trim()} onClick={() => compare({ card_text: text })}>Compare</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => file.current && file.current.click()}>Upload a card…</button>
          <input ref={file} type="file" accept=".json,application/json" aria-label="Upload a rate card" hidden onChange={upload} />
          <span className="diff-or muted">or</span>
          <label className="field-inline">
            <span>Every price</span>
            <input type="text" inputMode="numeric" aria-label="Percent change" className="budget" value={percent}
              onChange={(e) => setPercent(e.target.value.replace(/[^\d-]/g, ''))} />
            <span>%</span>
          </label>
          <button type="button" className="secondary" disabled={busy || pct === null} onClick={() => compare({ percent: pct })}>
            Try {pct !== null && pct >= 0 ? '+' : ''}{pct ?? 'N'}% on every price
          </button>
        </div>
      </div>
      {busy && <p className="loading">Comparing…</p>}
      {error && <DiffError error={error} />}
      {diff && (
        <div className="diff-result" data-diff-from={diff.from} data-diff-to={diff.to}>
          <div className="diff-summary">
            <b>{diff.from}</b> → <b>{diff.to}</b>: {fmt(diff.nodes.length)} of {fmt(diff.compared)} {diff.sampled ? 'sampled ' : ''}nodes change price
            {diff.sampled && <span className="muted small"> (each model at its defaults, then one parameter at a time over its values or range ends)</span>}
          </div>
          <ModelChanges models={diff.models} labelOf={labelOf} />
          <DiffTable diff={diff} labelOf={labelOf} />
        </div>
      )}
    </div>
  );
}
