// The typed path of quote/quoteMany/priceMany: a card's models indexed once, nodes written as
// numbers into the module's memory (records of wasm/encoded_nodes.hpp), breakdowns only when
// read. The engine judges every value; refusals and what JSON.stringify would write otherwise
// go the JSON path, so results and errors are the JSON path's, byte for byte.

// The node's own fields (compared one by one: cheaper than a Set in this loop).
const nodeKey = (k) => k === 'id' || k === 'model' || k === 'params' || k === 'inputs' || k === 'skip';
// Ids the engine takes (docs/balances.md): 1 to 128 of [A-Za-z0-9._:@-]. Only routing: the
// engine judges any other. A table of the characters: about twice as fast as the regex
// /^[A-Za-z0-9._:@-]{1,128}$/ in Chromium.
const ID_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-') ID_CHAR[c.charCodeAt(0)] = 1;
function plainId(id) {
  const n = id.length;
  if (n === 0 || n > 128) return false;
  for (let k = 0; k < n; k++) {
    const c = id.charCodeAt(k);
    if (c >= 128 || ID_CHAR[c] === 0) return false;
  }
  return true;
}

// A plain object (not null, an array, a Date, a Map, a class with toJSON): JSON.stringify writes
// its own keys.
function plainObject(value) {
  if (value == null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Edges a quote ignores, unless their text would fail the JSON path (a lone surrogate is
// invalid_json there): a few plain strings.
const SURROGATE = /[\ud800-\udfff]/;
function plainStrings(inputs) {
  if (!plainObject(inputs)) return false;
  let n = 0;
  for (const k in inputs) {
    const v = inputs[k];
    if (++n > 64 || typeof v !== 'string' || v.length > 128 || k.length > 128 || SURROGATE.test(v) || SURROGATE.test(k)) return false;
  }
  return true;
}

// The key of a record so far with one more value `x` (as written: a choice's index, 0/1, or the
// number), or -1 when `x` is outside the slot's domain: the digits and strides are the
// engine's (EncodedPricer::expose_tables), so the table decides nothing the engine did not.
function tableKey(slot, x, key) {
  if (slot.points !== null) return classKey(slot, x, key);
  if (slot.scale === 0) return x >= 0 && x < slot.size ? key + (x + 1) * slot.stride : -1;
  // k / scale for a whole k: the number itself, or its hundredths when it is one exactly.
  let k = x;
  if (slot.scale !== 1) {
    k = Math.round(x * slot.scale);
    if (k / slot.scale !== x) return -1;
  }
  const digit = k - slot.lo;
  // A whole index in range first: a fractional or outside one makes V8's typed-array read slow.
  if (!(digit >= 0 && digit < slot.size && (digit | 0) === digit)) return -1;
  return slot.allowed === null || slot.allowed[digit] === 1 ? key + (digit + 1) * slot.stride : -1;
}

// Whether the engine reads a number in a record itself (read_here in wasm/encoded_nodes.hpp): a
// whole number, a hundredth between 0 and 10^5, or no finite number. Other fractions are the
// JSON path's, so no table answers them.
function readHere(x) {
  return !Number.isFinite(x) || Number.isInteger(x) || (x > 0 && x < 1e5 && Math.round(x * 100) / 100 === x);
}

// A number's class among the engine's points (ValueClasses): at[j] when it is points[j],
// between[j] when it lies between points[j - 1] and points[j]; NaN falls below every point.
function classKey(slot, x, key) {
  if (slot.whole ? !Number.isInteger(x) : !readHere(x)) return -1;
  const points = slot.points;
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const c = lo < points.length && points[lo] === x ? slot.at[lo] : slot.between[lo];
  return c < 0 ? -1 : key + (c + 1) * slot.stride;
}
let tableEntry = -1;  // set by NodeEncoder.write: an index into HEAP32
// A table entry (EncodedPricer::Table::exact) is an exact price, or one of these.
const EXACT_NOT_COMPUTED = -1;
const EXACT_REFUSED = -2;

// A model the card does not have: the engine refuses it.
const UNKNOWN_MODEL = { index: -1, id: '', kind: '', names: [], specs: [], doubles: 2, table: -1 };

// Scratch memory for records and results, one per engine (every card's encoder shares it).
// WASM memory growth detaches views, so HEAPF64 is re-read after anything that allocates.
export class Scratch {
  constructor(m) {
    this.m = m;
    this.inPtr = 0;
    this.capacity = 0;
    this.outPtr = 0;
    this.outCapacity = 0;
    this.written = null;
    this.starts = null;
    this.reserveIn(1024, 0);
    this.reserveOut(1024);
  }

  // Room for `doubles` doubles, keeping the `used` first.
  reserveIn(doubles, used) {
    if (doubles <= this.capacity) return;
    const capacity = Math.max(doubles, this.capacity * 2);
    const ptr = this.m.allocate(capacity * 8);
    if (used > 0) this.m.HEAPF64.copyWithin(ptr >> 3, this.inPtr >> 3, (this.inPtr >> 3) + used);
    if (this.inPtr) this.m.release(this.inPtr);
    this.inPtr = ptr;
    this.capacity = capacity;
  }

  // Two index arrays of at least n entries, kept between calls: fresh ones of a large batch cost
  // page faults (BENCHMARKS.md). Shared as the records' memory is: price() is not re-entrant.
  indices(n) {
    if (!this.written || this.written.length < n) {
      const size = Math.max(n, 2 * (this.written ? this.written.length : 0));
      this.written = new Int32Array(size);
      this.starts = new Int32Array(size);
    }
    return this;
  }

  reserveOut(nodes) {
    if (nodes * 3 <= this.outCapacity) return;
    if (this.outPtr) this.m.release(this.outPtr);
    this.outCapacity = Math.max(nodes * 3, this.outCapacity * 2);
    this.outPtr = this.m.allocate(this.outCapacity * 8);
  }
}

// The engine's table of one small model (EncodedPricer::expose_tables): where its entries are
// (an index into HEAP32, an int32 each) and, per parameter slot, its domain.
function tableOf(layout) {
  const slots = layout.slots.map((d, slot) => ({
    stride: layout.stride[slot],
    lo: d.lo,
    size: d.size,
    scale: d.scale === undefined ? 0 : d.scale,  // 0: a choice's index or a boolean's 0/1
    allowed: d.allowed === undefined ? null : Uint8Array.from(d.allowed, (c) => (c === '1' ? 1 : 0)),
    points: d.points === undefined ? null : Float64Array.from(d.points),
    at: d.at === undefined ? null : Int32Array.from(d.at),
    between: d.between === undefined ? null : Int32Array.from(d.between),
    whole: d.whole === true,
  }));
  return { base: layout.entries / 4, slots };
}

export class NodeEncoder {
  // `index`: encoderIndex() of the engine's card number `card` (cardIndex()): per model its id,
  // kind and [name, type, choices or null] per parameter slot; `tables()`: that card's tables
  // (encodedTables()), asked for on the first priceMany (making them costs a few ms), then
  // entries the engine has computed answer without a call.
  constructor(index, card, scratch, tables = () => []) {
    this.version = index.version;
    this.card = card;
    this.scratch = scratch;
    this.models = new Map();
    this.byIndex = [];
    this.tables = tables;
    let longest = 0;
    index.models.forEach(([id, kind, params], at) => {
      // Names and choices in small arrays, found by indexOf: a model has a few parameters and
      // a parameter a few choices, and that is cheaper than a Map lookup in this loop.
      const names = [];
      const specs = [];
      for (let k = 0; k < params.length; k += 3) {
        names.push(params[k]);
        specs.push({ slot: k / 3, type: params[k + 1], choices: params[k + 2], table: null });
      }
      // Its longest record: each parameter once, plus up to 4 undeclared (more go the JSON way).
      const meta = { index: at, id, kind, names, specs, doubles: 2 + 2 * (names.length + 4), table: -1 };
      longest = Math.max(longest, meta.doubles);
      this.models.set(id, meta);
      this.byIndex.push(meta);
    });
    scratch.reserveIn(longest, 0);
  }

  // The engine's tables, once.
  #attachTables() {
    const layouts = this.tables();
    this.tables = null;
    if (!Array.isArray(layouts)) return;
    for (const layout of layouts) {
      const meta = this.byIndex[layout.model];
      const table = tableOf(layout);
      for (const spec of meta.specs) spec.table = table.slots[spec.slot];
      meta.table = table.base;
    }
  }

  // The node's model, or undefined to go the JSON way.
  route(node) {
    if (node === null || typeof node !== 'object') return undefined;
    // `model` read before the prototype: the read checks the node's hidden class, which lets
    // V8 fold the prototype check to a constant when the nodes share one (a call otherwise).
    const model = node.model;
    if (typeof model !== 'string' || !plainObject(node)) return undefined;
    const id = node.id;
    if (id !== undefined && (typeof id !== 'string' || !plainId(id))) return undefined;
    for (const k in node) if (!nodeKey(k)) return undefined;
    if (node.skip !== undefined && typeof node.skip !== 'boolean') return undefined;
    if (node.inputs != null && !plainStrings(node.inputs)) return undefined;
    return this.models.get(model) ?? UNKNOWN_MODEL;
  }

  // Writes the record at `pos`; returns its end, or -1 to go the JSON way. Only translates:
  // unknown names and mistyped values are marked (-1, NaN) for the engine to judge; numbers
  // cross as they are (the engine reads them as it reads JSON); what JSON.stringify leaves
  // out is left out. Sets `tableEntry` to the record's entry in its model's table (an index
  // into HEAP32), or -1 when a value is outside the table's domains or the model has none.
  static write(meta, node, f64, pos) {
    const params = node.params;
    f64[pos] = meta.index;
    let count = 0;
    let p = pos + 2;
    let key = meta.table < 0 ? -1 : 0;
    if (meta.index >= 0 && params !== undefined && params !== null) {
      if (!plainObject(params) || typeof params.toJSON === 'function') return -1;
      for (const name in params) {
        if (!Object.prototype.hasOwnProperty.call(params, name)) continue;
        const v = params[name];
        const t = typeof v;
        if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
        // Boxed values, toJSON, BigInt: as JSON.stringify writes them, so the JSON path's.
        if ((t === 'object' && v !== null) || t === 'bigint') return -1;
        const at = meta.names.indexOf(name);
        let slot = -1;
        let x = 0;
        if (at >= 0) {
          const spec = meta.specs[at];
          slot = spec.slot;
          if (spec.type === 'string') x = t === 'string' ? spec.choices.indexOf(v) : -1;
          else if (spec.type === 'bool') x = v === true ? 1 : v === false ? 0 : -1;
          else if (t === 'string') return -1;  // "4.2": the engine may take a decimal string
          else x = t === 'number' ? v : NaN;
          if (key >= 0) key = tableKey(spec.table, x, key);
        } else key = -1;
        if (p + 2 - pos > meta.doubles) return -1;
        f64[p++] = slot;
        f64[p++] = x;
        count++;
      }
    }
    f64[pos + 1] = count;
    tableEntry = key < 0 ? -1 : meta.table + key;
    return p;
  }

  // A quote, or null for the JSON path.
  quote(node) {
    const meta = this.route(node);
    if (meta === undefined) return null;
    const s = this.scratch;
    const m = s.m;
    const base = s.inPtr >> 3;
    const end = NodeEncoder.write(meta, node, m.HEAPF64, base);
    if (end < 0) return null;
    // An exact price the engine has computed already answers without a call.
    const e = tableEntry;
    const exact = e < 0 ? EXACT_NOT_COMPUTED : m.HEAP32[e];
    if (exact === EXACT_REFUSED) return null;
    let min = exact;
    let max = exact;
    if (exact < 0) {
      m._credits_price_encoded(s.inPtr, end - base, 1, s.outPtr);
      const o = s.outPtr >> 3;
      if (m.HEAPF64[o] !== 0) return null;
      min = m.HEAPF64[o + 1];
      max = m.HEAPF64[o + 2];
    }
    const heap = m.HEAPF64;
    // A plain array of the few numbers: cheaper to make than a typed-array slice.
    const record = new Array(end - base);
    for (let k = 0; k < record.length; k++) record[k] = heap[base + k];
    return makeQuote(node, meta, min, max, this, record, 0);
  }

  // Quotes into `out`, or numbers into `numbers`; returns the indices left for the JSON path.
  price(nodes, out, numbers = null) {
    if (numbers && this.tables !== null) this.#attachTables();
    const s = this.scratch;
    const m = s.m;
    const slow = [];
    const { written, starts } = s.indices(nodes.length);
    let count = 0;
    let used = 0;
    let heap = m.HEAPF64;
    let exact = m.HEAP32;
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
        exact = m.HEAP32;
      }
      const base = s.inPtr >> 3;
      const end = NodeEncoder.write(meta, node, heap, base + used);
      if (end < 0) {
        slow.push(i);
        continue;
      }
      // Numbers only: an exact price the engine has computed already answers here (the
      // record is dropped); a refusal leaves ok[i] 0, as below; anything else goes to the
      // engine (which answers a range from its own table).
      const e = tableEntry;
      if (numbers && e >= 0) {
        const price = exact[e];
        if (price >= 0) {
          numbers.ok[i] = 1;
          numbers.min[i] = price;
          numbers.max[i] = price;
          continue;
        }
        if (price === EXACT_REFUSED) continue;
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
    // One copy of the batch's records, to explain breakdowns from.
    const records = numbers ? null : heap.slice(base, base + used);
    const res = s.outPtr >> 3;
    for (let k = 0; k < count; k++) {
      const i = written[k];
      const r = res + 3 * k;
      const status = heap[r];
      if (status !== 0) {
        // A refusal (2) is the JSON path's too: numbers need not ask why.
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

  // The record's breakdown: the engine prices the same numbers on the same card again.
  breakdown(records, at) {
    const s = this.scratch;
    const m = s.m;
    const length = 2 + 2 * records[at + 1];
    const heap = m.HEAPF64;
    const base = s.inPtr >> 3;
    for (let k = 0; k < length; k++) heap[base + k] = records[at + k];
    return JSON.parse(m.quoteEncoded(this.card, s.inPtr, length)).breakdown;
  }
}

// A lazy breakdown's state in private fields of the plain quote (a base constructor that
// returns its argument lets them be stamped on): invisible to JSON.stringify and deep
// equality, and unlike a WeakMap entry per quote no ephemerons to slow the GC (BENCHMARKS.md).
class Pending extends function (target) { return target; } {
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
    if (#encoder in q) q.#records = null;  // lets the batch's records go
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

// The CLI's keys in its order (JSON.stringify gives its bytes); the breakdown explains the
// record as priced, on its card, whatever the caller's node or card later become.
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
