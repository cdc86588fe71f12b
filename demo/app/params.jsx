// Parameter controls built from the rate card (engine.modelList): the same controls on canvas
// nodes and on the pricing page. Each control's accessible name is the parameter's label.
import { KIND_LABEL, KIND_ORDER, fmt } from './format.js';

/** The model's parameters in the card's order (slot). */
export function paramList(model) {
  return Object.entries(model ? model.params : {})
    .map(([name, p]) => ({ name, ...p }))
    .sort((a, b) => a.slot - b.slot);
}

/** Input ports of a model: [{port, output, param}] */
export function inputPorts(model) {
  const ports = [];
  for (const p of paramList(model)) if (p.input && !ports.some((x) => x.port === p.input.port)) ports.push({ port: p.input.port, output: p.input.output, param: p.name, label: p.label });
  return ports;
}

/** A parameter's value in the form the engine takes it: ints and bools as JS values, decimals as exact text. */
export function typed(p, raw) {
  if (p.type === 'int') return Number(raw);
  if (p.type === 'bool') return raw === true || raw === 'true';
  return String(raw);
}

/** Starting params for a new node of `model`: each declared default; min for a range without one. */
export function defaultParams(model) {
  const params = {};
  for (const p of paramList(model)) {
    if (p.decided_by_run || p.input) continue;
    if (p.default !== undefined) params[p.name] = typed(p, p.default);
    else if (p.values && p.values.length) params[p.name] = typed(p, p.values[0]);
    else if (p.min !== undefined) params[p.name] = typed(p, p.min);
  }
  return params;
}

/** Models grouped by kind, in a stable kind order: [[kind, [models]]]. */
export function modelsByKind(models) {
  const groups = new Map(KIND_ORDER.map((k) => [k, []]));
  for (const m of models) {
    if (!groups.has(m.kind)) groups.set(m.kind, []);
    groups.get(m.kind).push(m);
  }
  return [...groups].filter(([, ms]) => ms.length);
}

export function ModelOptions({ models }) {
  return modelsByKind(models).map(([kind, ms]) => (
    <optgroup key={kind} label={KIND_LABEL[kind] || kind}>
      {ms.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
    </optgroup>
  ));
}

const SHORT_UNIT = { characters: 'chars' };
function unitText(p) {
  if (!p.unit) return '';
  return p.unit === 'x' ? '×' : ` ${SHORT_UNIT[p.unit] || p.unit}`;
}

/** The value shown for `p`: the node's, else the card's default. */
export function shownValue(p, params) {
  if (params && Object.prototype.hasOwnProperty.call(params, p.name)) return params[p.name];
  return p.default !== undefined ? typed(p, p.default) : undefined;
}

/**
 * One control for parameter `p` (with its `name`), showing `value`; `onChange(next)` gets the
 * typed value, or undefined to remove the parameter (an empty number field).
 */
export function ParamControl({ p, value, onChange, idPrefix, compact }) {
  const id = `${idPrefix}-${p.name}`;
  const label = p.label;
  let control;
  let readout = null;
  if (p.type === 'bool') {
    control = (
      <input id={id} type="checkbox" className="nodrag" aria-label={label} checked={value === true}
        onChange={(e) => onChange(e.target.checked)} />
    );
    readout = <span className="param-value">{value === true ? 'on' : 'off'}</span>;
  } else if (p.values && p.values.length) {
    control = (
      <select id={id} className="nodrag" aria-label={label} value={value === undefined ? '' : String(value)}
        onChange={(e) => onChange(typed(p, e.target.value))}>
        {value === undefined && <option value="">—</option>}
        {p.values.map((v) => <option key={v} value={v}>{p.unit && p.unit !== 'x' ? `${v} ${p.unit}` : p.unit === 'x' ? `${v}×` : v}</option>)}
      </select>
    );
  } else if (p.type === 'int' && p.min !== undefined && p.max !== undefined) {
    const v = value === undefined ? Number(p.min) : value;
    control = (
      <input id={id} type="range" className="nodrag" aria-label={label} min={p.min} max={p.max} step={p.step || 1}
        value={v} onChange={(e) => onChange(Number(e.target.value))} />
    );
    readout = <span className="param-value">{value === undefined ? '—' : fmt(value)}{unitText(p)}</span>;
  } else {
    // decimal (or an int without a range): a number field; empty removes the parameter.
    control = (
      <input id={id} type="number" className="nodrag" aria-label={label} min={p.min} max={p.max} step={p.step || 'any'}
        placeholder={p.input ? `from ${p.input.port}` : ''}
        value={value === undefined ? '' : String(value)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : typed(p, e.target.value))} />
    );
    readout = p.unit ? <span className="param-value">{p.unit}</span> : null;
  }
  return (
    <div className={compact ? 'param param-compact' : 'param'}>
      <label htmlFor={id} className="param-label" aria-hidden="true">{label}</label>
      <div className="param-control">
        {control}
        {readout}
      </div>
    </div>
  );
}
