// The simulated provider: what the model "produces" and whether the call fails. It never prices
// anything; it only makes up the quantities a real provider would report, deterministically, so
// a run can be replayed in a test. Rules (all exact decimals, never floats):
//
// - An output {param}: the param's value as the node ran (set, bound from upstream, or its
//   default); for a param the run decides, the actual value below.
// - An output {param, map}: the mapped number for the param's value ({"1024x576": "0.589824"}).
// - An output {value}: that number.
// - An output {min, max} (the length of a voice clip, the size of an upscaled image), clamped to
//   the range:
//     * a node with `characters` (text-to-speech): speech at 15 characters per second, rounded
//       up to 0.1 s (620 characters -> 41.4 s);
//     * a node with `megapixels` and `scale` (an upscaler): megapixels x scale^2;
//     * anything else: the middle of the range, rounded up to 0.1.
// - A param the run decides (decided_by_run), not set by the node:
//     * with `max_from` (output tokens): a count between 30% and 90% of the bound, from the
//       run's seeded generator, at least 1 when the bound allows it;
//     * otherwise (a speech length): as for an {min, max} output above, within the param's range.
// - An input param with nothing connected (its media was never described): as "anything else".
import * as D from './decimal.js';

const TENTH = D.parse('0.1');

/** mulberry32: a small seeded PRNG returning uint32s (no floats on any value that is billed). */
export function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A uint32 seed from a string (FNV-1a). */
export function seedOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const bounds = (spec) => [D.parse(spec.min ?? spec.values?.[0] ?? 0), D.parse(spec.max ?? spec.values?.at(-1) ?? spec.min ?? 0)];

function middle(lo, hi) {
  return D.clamp(D.ceilTo((lo + hi) / 2n, TENTH), lo, hi);
}

/** A plausible value in [lo, hi] for a node (the {min, max} rules above). */
function measured(model, params, lo, hi) {
  if (params.characters !== undefined && (model.kind === 'voice' || model.kind === 'audio')) {
    const seconds = D.ceilTo(D.mulRatioUp(D.parse(params.characters), 1, 15), TENTH);
    return D.clamp(seconds, lo, hi);
  }
  if (params.megapixels !== undefined && params.scale !== undefined) {
    const s = BigInt(params.scale);
    return D.clamp(D.parse(params.megapixels) * s * s, lo, hi);
  }
  return middle(lo, hi);
}

/** The value a node runs with for `name`: set or bound, else its default (undefined if none). */
export function valueOf(model, params, name) {
  if (params[name] !== undefined) return params[name];
  return model.params?.[name]?.default;
}

/**
 * What the run decides for `model` with `params` (the node's own and bound values): the actual
 * value of every param the node did not set that is decided_by_run, or an unconnected input.
 * `next` draws from the run's seeded generator. Returns {name: decimal text or integer}.
 */
export function decide(model, params, next) {
  const actual = {};
  for (const [name, spec] of Object.entries(model.params || {})) {
    if (params[name] !== undefined) continue;
    if (!spec.decided_by_run && !spec.input) continue;
    const [lo, hi] = bounds(spec);
    if (spec.decided_by_run && spec.max_from) {
      const cap = D.min(hi, D.parse(valueOf(model, params, spec.max_from)));
      const top = cap / D.ONE;
      const from = (top * 30n) / 100n;
      const to = (top * 90n) / 100n;
      let n = from + BigInt(next()) % (to - from + 1n);
      if (n < 1n && top >= 1n) n = 1n;
      actual[name] = Number(n);
    } else {
      const v = measured(model, params, lo, hi);
      actual[name] = spec.type === 'int' ? Number(D.ceilTo(v, D.ONE) / D.ONE) : D.format(v);
    }
  }
  return actual;
}

/** The node's outputs ({name: decimal text}) from its params and what the run decided. */
export function outputsOf(model, params, actual = {}) {
  const all = { ...params, ...actual };
  const out = {};
  for (const [name, spec] of Object.entries(model.outputs || {})) {
    if (spec.param !== undefined && spec.map) {
      const v = valueOf(model, all, spec.param);
      const mapped = spec.map[String(v)];
      if (mapped !== undefined) out[name] = D.format(D.parse(mapped));
    } else if (spec.param !== undefined) {
      let v = valueOf(model, all, spec.param);
      if (v === undefined) {
        // A param with no value yet (a speech length nobody gave): what the provider measures.
        const p = model.params?.[spec.param];
        if (p) v = D.format(measured(model, all, ...bounds(p)));
      }
      if (v !== undefined) out[name] = D.format(D.parse(v));
    } else if (spec.value !== undefined) {
      out[name] = D.format(D.parse(spec.value));
    } else if (spec.min !== undefined) {
      out[name] = D.format(measured(model, all, D.parse(spec.min), D.parse(spec.max)));
    }
  }
  return out;
}

/**
 * The provider's answer for one call: fails or not. `reliable` never fails, `down` always,
 * `flaky` about one call in five, drawn from the backend's seeded generator.
 */
export class Provider {
  constructor({ latencyMs = 700, seed = 2026 } = {}) {
    this.latencyMs = latencyMs;
    this.next = prng(seed);
  }

  fails(mode) {
    if (mode === 'reliable') return false;
    if (mode === 'down') return true;
    return this.next() % 5 === 0;
  }

  wait() {
    return new Promise((r) => setTimeout(r, this.latencyMs));
  }
}
