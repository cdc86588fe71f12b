// The plain-JS estimator of plain-estimator.js, made to validate every node as the engine does
// before pricing it: no undeclared parameter, every value of its declared type and in its
// list, range and step, no number past 10^15, required parameters present, output tokens
// within the node's max_output_tokens, ids the engine takes. This is what a canvas that
// hand-writes its prices has to add so that it never shows a price for a run the server will
// refuse; BENCHMARKS.md compares it with the engine. The checks are compiled once per card
// from the model list (engine.modelList), as such a canvas would generate them.
import { PRICE } from './plain-estimator.js';

const NODE_KEYS = new Set(['id', 'model', 'params', 'inputs', 'skip']);
const PLAIN_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const STRING = 0, BOOL = 1, NUMBER = 2;

// One parameter's check, from its declaration in the model list.
function compileParam(spec) {
  const kind = spec.type === 'string' ? STRING : spec.type === 'bool' ? BOOL : NUMBER;
  const values = spec.values ? new Set(kind === STRING ? spec.values : spec.values.map(Number)) : null;
  return {
    kind, values, int: spec.type === 'int',
    min: spec.min !== undefined ? Number(spec.min) : -1e15,
    max: spec.max !== undefined ? Number(spec.max) : 1e15,
    step: spec.step !== undefined ? Number(spec.step) : 0,
  };
}

function allowed(p, v) {
  if (p.kind === STRING) return typeof v === 'string' && p.values.has(v);
  if (p.kind === BOOL) return v === true || v === false;
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1e15) return false;
  if (p.int && !Number.isInteger(v)) return false;
  if (p.values) return p.values.has(v);
  if (v < p.min || v > p.max) return false;
  if (p.step === 0) return true;
  const k = (v - p.min) / p.step;
  return Math.abs(k - Math.round(k)) < 1e-9;
}

/** Compiles the checks of every model once; returns {quote(node), priceMany(nodes)}. */
export function validatingEstimator(modelList) {
  const models = new Map();
  for (const m of modelList) {
    const params = new Map();
    const required = [];
    for (const [name, spec] of Object.entries(m.params)) {
      params.set(name, compileParam(spec));
      if (spec.default === undefined && !spec.decided_by_run && !spec.input) required.push(name);
    }
    const maxOut = m.params.max_output_tokens?.default;
    models.set(m.id, { price: PRICE[m.id], params, required, maxOutDefault: maxOut === undefined ? undefined : Number(maxOut) });
  }

  // The node's params when the engine would take the node, else null.
  function validParams(node) {
    if (node === null || typeof node !== 'object') return null;
    for (const k in node) if (!NODE_KEYS.has(k)) return null;
    if (node.id !== undefined && (typeof node.id !== 'string' || !PLAIN_ID.test(node.id))) return null;
    const m = models.get(node.model);
    if (m === undefined || m.price === undefined) return null;
    const params = node.params ?? {};
    if (typeof params !== 'object' || Array.isArray(params)) return null;
    for (const name in params) {
      const p = m.params.get(name);
      if (p === undefined || !allowed(p, params[name])) return null;
    }
    for (const name of m.required) if (params[name] === undefined) return null;
    if (params.output_tokens !== undefined && params.output_tokens > (params.max_output_tokens ?? m.maxOutDefault)) return null;
    return params;
  }

  function price(node) {
    const params = validParams(node);
    return params === null ? undefined : models.get(node.model).price(params);
  }

  return {
    quote(node) {
      const r = price(node);
      if (typeof r === 'number') return Number.isFinite(r) ? { min: r, max: r } : null;
      if (r && Number.isFinite(r.min) && Number.isFinite(r.max)) return r;
      return null;
    },
    priceMany(nodes) {
      const n = nodes.length;
      const ok = new Uint8Array(n), min = new Float64Array(n), max = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = price(nodes[i]);
        if (typeof r === 'number') {
          if (r === r && r !== Infinity) {
            ok[i] = 1;
            min[i] = r;
            max[i] = r;
          }
        } else if (r && Number.isFinite(r.min) && Number.isFinite(r.max)) {
          ok[i] = 1;
          min[i] = r.min;
          max[i] = r.max;
        }
      }
      return { ok, min, max };
    },
  };
}
