// The typed path of quote, quoteMany and priceMany: a card's models and parameters are indexed
// once (NodeEncoder, built from models()), a node crosses into the module's memory as numbers
// (the record format of wasm/encoded_nodes.hpp), is priced there, and comes back as numbers.
// The breakdown is produced only when it is read. Anything this encoder does not settle (an
// unknown key, a wrong type, a value the engine refuses) takes the JSON path instead, so errors
// are always the engine's own and results are the JSON path's, byte for byte.

const NODE_KEYS = new Set(['id', 'model', 'params', 'inputs', 'skip']);
// Node ids the engine takes (docs/balances.md, "Ids"). Only a routing decision: any other id
// goes to the JSON path, where the engine itself refuses it.
const PLAIN_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

// Whether JSON.stringify writes `value` as its own enumerable keys: a plain object, not a Date,
// a Map or a class instance with toJSON, which the JSON path would see differently.
function plainObject(value) {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Whether `inputs` is a few edges (port -> node id) whose JSON text the engine reads as it is:
// plain strings of id length, no surrogates (a lone one is invalid_json there). Quotes ignore
// edges; only a text the JSON path would refuse matters.
const SURROGATE = /[\ud800-\udfff]/;
function plainStrings(inputs) {
  if (typeof inputs !== 'object' || Array.isArray(inputs) || !plainObject(inputs)) return false;
  let n = 0;
  for (const k in inputs) {
    const v = inputs[k];
    if (++n > 64 || typeof v !== 'string' || v.length > 128 || k.length > 128 || SURROGATE.test(v) || SURROGATE.test(k)) return false;
  }
  return true;
}

// A node of a model the card does not have: the engine refuses it (unknown_model).
const UNKNOWN_MODEL = { index: -1, id: '', kind: '', params: new Map(), doubles: 2 };

/**
 * The module's scratch memory for records and results, one per engine (shared by the encoders
 * of every card it loads). It only grows; after a growth of WASM memory, views are re-read.
 */
export class Scratch {
  constructor(m) {
    this.m = m;
    this.inPtr = 0;
    this.capacity = 0;
    this.outPtr = 0;
    this.outCapacity = 0;
    this.reserveIn(1024, 0);
    this.reserveOut(1024);
  }

  // Room for `doubles` input doubles, keeping the first `used` already written.
  reserveIn(doubles, used) {
    if (doubles <= this.capacity) return;
    const capacity = Math.max(doubles, this.capacity * 2);
    const ptr = this.m.allocate(capacity * 8);
    if (used > 0) this.m.HEAPF64.copyWithin(ptr >> 3, this.inPtr >> 3, (this.inPtr >> 3) + used);
    if (this.inPtr) this.m.release(this.inPtr);
    this.inPtr = ptr;
    this.capacity = capacity;
  }

  reserveOut(nodes) {
    if (nodes * 3 <= this.outCapacity) return;
    if (this.outPtr) this.m.release(this.outPtr);
    this.outCapacity = Math.max(nodes * 3, this.outCapacity * 2);
    this.outPtr = this.m.allocate(this.outCapacity * 8);
  }
}

export class NodeEncoder {
  /** `models` is models() of the card the engine holds as `card` (its cardIndex()). */
  constructor(models, card, scratch) {
    this.version = models.version;
    this.card = card;
    this.scratch = scratch;
    this.models = new Map();
    this.byIndex = [];
    let longest = 0;
    models.models.forEach((m, index) => {
      const params = new Map();
      for (const [name, spec] of Object.entries(m.params)) {
        params.set(name, {
          slot: spec.slot,
          type: spec.type,
          choices: spec.type === 'string' ? new Map(spec.values.map((v, i) => [v, i])) : null,
        });
      }
      // The longest record written for this model: each parameter at most once, and a few
      // undeclared ones (more than that go the JSON way).
      const meta = { index, id: m.id, kind: m.kind, params, doubles: 2 + 2 * (params.size + 4) };
      longest = Math.max(longest, meta.doubles);
      this.models.set(m.id, meta);
      this.byIndex.push(meta);
    });
    scratch.reserveIn(longest, 0);
  }

  // The model of a node the typed path can take (UNKNOWN_MODEL for one the card does not
  // have), or undefined to go the JSON way: a node JSON.stringify would write otherwise than
  // its own keys, an id outside the plain set, a node field other than the engine's.
  route(node) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !plainObject(node) ||
        typeof node.model !== 'string') return undefined;
    const id = node.id;
    if (id !== undefined && (typeof id !== 'string' || !PLAIN_ID.test(id))) return undefined;
    for (const k in node) if (!NODE_KEYS.has(k)) return undefined;
    if (node.skip !== undefined && typeof node.skip !== 'boolean') return undefined;
    if (node.inputs !== undefined && node.inputs !== null && !plainStrings(node.inputs)) return undefined;
    return this.models.get(node.model) ?? UNKNOWN_MODEL;
  }

  // Writes the node's record at `pos` of `f64`; returns the position after it, or -1 to go the
  // JSON way. It only translates names and values into numbers (wasm/encoded_nodes.hpp): an
  // unknown name or a value of the wrong type is marked, and the engine judges it. Numbers
  // cross as they are: the engine reads a fractional one from its shortest text, as it reads a
  // JSON float. What JSON.stringify leaves out (undefined, functions) is left out here too.
  static write(meta, node, f64, pos) {
    const params = node.params;
    f64[pos] = meta.index;
    let count = 0;
    let p = pos + 2;
    if (meta.index >= 0 && params !== undefined && params !== null) {
      if (typeof params !== 'object' || Array.isArray(params) || !plainObject(params) ||
          typeof params.toJSON === 'function') return -1;
      for (const name in params) {
        if (!Object.prototype.hasOwnProperty.call(params, name)) continue;
        const v = params[name];
        const t = typeof v;
        if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
        // Boxed values, toJSON, BigInt: whatever JSON.stringify makes of them is the JSON path's.
        if ((t === 'object' && v !== null) || t === 'bigint') return -1;
        const spec = meta.params.get(name);
        let slot = -1;
        let x = 0;
        if (spec !== undefined) {
          slot = spec.slot;
          if (spec.type === 'string') x = t === 'string' ? spec.choices.get(v) ?? -1 : -1;
          else if (spec.type === 'bool') x = v === true ? 1 : v === false ? 0 : -1;
          else if (t === 'string') return -1;  // a decimal string ("4.2"), which the engine may take
          else x = t === 'number' ? v : NaN;
        }
        if (p + 2 - pos > meta.doubles) return -1;  // more pairs than a record of it can hold
        f64[p++] = slot;
        f64[p++] = x;
        count++;
      }
    }
    f64[pos + 1] = count;
    return p;
  }

  /** One node's quote through the typed path, or null when it must take the JSON path. */
  quote(node) {
    const meta = this.route(node);
    if (meta === undefined) return null;
    const s = this.scratch;
    const m = s.m;
    const base = s.inPtr >> 3;
    const end = NodeEncoder.write(meta, node, m.HEAPF64, base);
    if (end < 0) return null;
    m._credits_price_encoded(s.inPtr, end - base, 1, s.outPtr);
    const heap = m.HEAPF64;  // re-read: pricing may have grown memory
    const o = s.outPtr >> 3;
    if (heap[o] !== 0) return null;
    return makeQuote(node, meta, heap[o + 1], heap[o + 2], this, heap.slice(base, end), 0);
  }

  /**
   * Prices what it can of `nodes` into `out` (quote objects) or, with `numbers`, into typed
   * arrays; returns the indices left for the JSON path.
   */
  price(nodes, out, numbers = null) {
    const s = this.scratch;
    const m = s.m;
    const slow = [];
    const written = new Int32Array(nodes.length);
    const starts = new Int32Array(nodes.length);
    let count = 0;
    let used = 0;
    let heap = m.HEAPF64;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const meta = this.route(node);
      if (meta === undefined) {
        slow.push(i);
        continue;
      }
      if (used + meta.doubles > s.capacity) {
        s.reserveIn(used + meta.doubles, used);
        heap = m.HEAPF64;
      }
      const base = s.inPtr >> 3;
      const end = NodeEncoder.write(meta, node, heap, base + used);
      if (end < 0) {
        slow.push(i);
        continue;
      }
      written[count] = i;
      starts[count++] = used;
      used = end - base;
    }
    if (count === 0) return slow;
    s.reserveOut(count);
    m._credits_price_encoded(s.inPtr, used, count, s.outPtr);
    heap = m.HEAPF64;
    const base = s.inPtr >> 3;
    // One copy of every record for the whole batch: the breakdowns are explained from it.
    const records = numbers ? null : heap.slice(base, base + used);
    const res = s.outPtr >> 3;
    for (let k = 0; k < count; k++) {
      const i = written[k];
      const r = res + 3 * k;
      const status = heap[r];
      if (status !== 0) {
        // A refusal is the JSON path's too (encoded_nodes.hpp): numbers need not ask it why.
        if (!(numbers && status === 2)) slow.push(i);
      } else if (numbers) {
        numbers.ok[i] = 1;
        numbers.min[i] = heap[r + 1];
        numbers.max[i] = heap[r + 2];
      } else {
        const meta = this.byIndex[records[starts[k]]];
        out[i] = makeQuote(nodes[i], meta, heap[r + 1], heap[r + 2], this, records, starts[k]);
      }
    }
    return slow;
  }

  // The breakdown of the record at `at` of `records`, on this encoder's card: the engine
  // quotes it again (the same numbers, the same card) and writes the lines.
  breakdown(records, at) {
    const s = this.scratch;
    const m = s.m;
    const length = 2 + 2 * records[at + 1];
    m.HEAPF64.set(records.subarray(at, at + length), s.inPtr >> 3);
    return JSON.parse(m.quoteEncoded(this.card, s.inPtr, length)).breakdown;
  }
}

// What a lazy breakdown needs, kept on the quote itself in private fields: invisible to
// JSON.stringify, Object.keys and deep equality, and far cheaper than a WeakMap entry per
// quote (whose ephemerons slowed every later garbage collection; BENCHMARKS.md). A base class
// that returns the object it is given lets a subclass stamp private fields onto a plain object
// without changing its prototype.
class Base {
  constructor(target) {
    return target;
  }
}

class Pending extends Base {
  #encoder;
  #records;
  #at;

  constructor(target, encoder, records, at) {
    super(target);
    this.#encoder = encoder;
    this.#records = records;
    this.#at = at;
  }

  static breakdown(q) {
    if (!(#encoder in q) || q.#records === null) return undefined;
    const lines = q.#encoder.breakdown(q.#records, q.#at);
    Pending.settle(q);
    return lines;
  }

  static settle(q) {
    if (#encoder in q) q.#records = null;  // the records of the batch may be freed
  }
}

function readBreakdown() {
  const breakdown = Pending.breakdown(this);
  Object.defineProperty(this, 'breakdown', { value: breakdown, enumerable: true, writable: true, configurable: true });
  return breakdown;
}

function writeBreakdown(value) {
  Pending.settle(this);
  Object.defineProperty(this, 'breakdown', { value, enumerable: true, writable: true, configurable: true });
}

const LAZY_BREAKDOWN = { get: readBreakdown, set: writeBreakdown, enumerable: true, configurable: true };

// A quote object with the CLI's keys in the CLI's order (so JSON.stringify gives its bytes).
// The breakdown is explained from the record as it was priced, on the card it was priced
// with: later edits to the caller's node or a card swap cannot change it.
function makeQuote(node, meta, min, max, encoder, records, at) {
  const q = {};
  Object.defineProperty(q, 'breakdown', LAZY_BREAKDOWN);
  if (min === max) q.credits = min;
  q.exact = min === max;
  q.id = typeof node.id === 'string' ? node.id : null;
  q.kind = meta.kind;
  q.max = max;
  q.min = min;
  q.model = meta.id;
  q.ok = true;
  q.rate_card = encoder.version;
  new Pending(q, encoder, records, at);
  return q;
}
