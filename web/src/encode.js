// The fast path of quoteMany: nodes are written as numbers into the module's memory (the
// record format of include/credits/encoded_nodes.hpp), priced in one call, and read back.
// Anything this encoder does not settle (a fractional number, an unknown key, a wrong type)
// takes the JSON path instead, so errors are always the engine's own.

const NODE_KEYS = new Set(['id', 'model', 'params', 'inputs', 'skip']);
// Node ids the engine takes (docs/balances.md, "Ids"). Only a routing decision: any other id
// goes to the JSON path, where the engine itself refuses it.
const PLAIN_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export class NodeEncoder {
  constructor(models) {
    this.version = models.version;
    this.models = new Map();
    models.models.forEach((m, index) => {
      const params = new Map();
      for (const [name, spec] of Object.entries(m.params)) {
        params.set(name, {
          slot: spec.slot,
          type: spec.type,
          choices: spec.type === 'string' ? new Map(spec.values.map((v, i) => [v, i])) : null,
        });
      }
      this.models.set(m.id, { index, id: m.id, kind: m.kind, params });
    });
    this.capacity = 0;
    this.inPtr = 0;
    this.outPtr = 0;
    this.outCapacity = 0;
  }

  // Writes node i's record at `pos` of `f64`; returns the new position, or -1 to go the JSON way.
  static write(meta, node, f64, pos) {
    const params = node.params;
    f64[pos] = meta.index;
    let count = 0;
    let p = pos + 2;
    if (params !== undefined && params !== null) {
      if (typeof params !== 'object' || Array.isArray(params)) return -1;
      for (const name in params) {
        if (!Object.prototype.hasOwnProperty.call(params, name)) continue;
        const spec = meta.params.get(name);
        if (spec === undefined) return -1;
        const v = params[name];
        let x;
        if (spec.type === 'string') {
          x = spec.choices.get(v);
          if (x === undefined || typeof v !== 'string') return -1;
        } else if (spec.type === 'bool') {
          if (v !== true && v !== false) return -1;
          x = v ? 1 : 0;
        } else {
          if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 1e15) return -1;
          x = v;
        }
        f64[p++] = spec.slot;
        f64[p++] = x;
        count++;
      }
    }
    f64[pos + 1] = count;
    return p;
  }

  #reserve(m, doubles, nodes) {
    if (doubles > this.capacity) {
      if (this.inPtr) m.release(this.inPtr);
      this.capacity = Math.max(doubles, this.capacity * 2, 1024);
      this.inPtr = m.allocate(this.capacity * 8);
    }
    if (nodes * 3 > this.outCapacity) {
      if (this.outPtr) m.release(this.outPtr);
      this.outCapacity = Math.max(nodes * 3, this.outCapacity * 2, 1024);
      this.outPtr = m.allocate(this.outCapacity * 8);
    }
  }

  // Prices what it can into `out` (quote objects, or with `numbers` typed arrays); returns the
  // indices left for the JSON path.
  price(m, nodes, out, engine, numbers = null) {
    const slow = [];
    const fast = [];
    const metas = [];
    let doubles = 0;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      let meta;
      if (node === null || typeof node !== 'object' || Array.isArray(node) || typeof node.model !== 'string' ||
          (node.id !== undefined && (typeof node.id !== 'string' || !PLAIN_ID.test(node.id))) || (meta = this.models.get(node.model)) === undefined) {
        slow.push(i);
        continue;
      }
      let plain = true;
      for (const k in node) if (!NODE_KEYS.has(k)) { plain = false; break; }
      if (!plain) {
        slow.push(i);
        continue;
      }
      const params = node.params;
      let n = 0;
      if (params && typeof params === 'object') for (const k in params) n++;
      doubles += 2 + 2 * n;
      fast.push(i);
      metas.push(meta);
    }
    if (fast.length === 0) return slow;
    this.#reserve(m, doubles, fast.length);
    // Views are taken after allocation: memory growth detaches older ones.
    let f64 = new Float64Array(m.HEAPF64.buffer, this.inPtr, this.capacity);
    let pos = 0;
    const written = [];
    const writtenMeta = [];
    for (let k = 0; k < fast.length; k++) {
      const next = NodeEncoder.write(metas[k], nodes[fast[k]], f64, pos);
      if (next < 0) slow.push(fast[k]);
      else {
        pos = next;
        written.push(fast[k]);
        writtenMeta.push(metas[k]);
      }
    }
    if (written.length === 0) return slow.sort((a, b) => a - b);
    m.priceEncoded(this.inPtr, pos, written.length, this.outPtr);
    const res = new Float64Array(m.HEAPF64.buffer, this.outPtr, written.length * 3);
    const version = this.version;
    for (let k = 0; k < written.length; k++) {
      const i = written[k];
      if (res[3 * k] !== 0) {
        slow.push(i);
        continue;
      }
      if (numbers) {
        numbers.ok[i] = 1;
        numbers.min[i] = res[3 * k + 1];
        numbers.max[i] = res[3 * k + 2];
      } else {
        out[i] = makeQuote(m, nodes[i], writtenMeta[k], res[3 * k + 1], res[3 * k + 2], version);
      }
    }
    return slow;
  }
}

// A quote object with the CLI's keys in the CLI's order (so JSON.stringify gives its bytes).
// The breakdown is the engine's own, computed when first read: one shared accessor (cheap to
// attach, unlike a closure per object) finds the node through a WeakMap.
const pending = new WeakMap();

function readBreakdown() {
  const p = pending.get(this);
  // The node as it was when quoted, on the card it was quoted with: later edits to the
  // caller's object or a card swap cannot change an explanation already handed out.
  const breakdown = JSON.parse(p.module.quoteOn(p.version, p.text)).breakdown;
  pending.delete(this);
  Object.defineProperty(this, 'breakdown', { value: breakdown, enumerable: true, writable: true, configurable: true });
  return breakdown;
}

function writeBreakdown(value) {
  pending.delete(this);
  Object.defineProperty(this, 'breakdown', { value, enumerable: true, writable: true, configurable: true });
}

// The node's JSON now. The fast path has checked it: its params are plain values.
function snapshot(node) {
  return JSON.stringify({ id: node.id, model: node.model, params: node.params });
}

const LAZY_BREAKDOWN = { get: readBreakdown, set: writeBreakdown, enumerable: true, configurable: true };

function makeQuote(engine, node, meta, min, max, version) {
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
  q.rate_card = version;
  pending.set(q, { module: engine, version, text: snapshot(node) });
  return q;
}
