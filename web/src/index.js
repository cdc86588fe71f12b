// The credit engine for canvas code: the same C++ the server bills with, as WebAssembly.
// This file only converts between JS values and the engine's JSON or numbers (encode.js) and
// delegates; every rule lives in the C++ core. No call throws: failures are {ok: false, error}.
import createCreditsModule from '../dist/credits.mjs';
import { NodeEncoder, Scratch } from './encode.js';

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

function failure(code, message, path = '') {
  return { ok: false, error: { code, message, path } };
}

// JSON text of a caller's value, or a failure when it cannot be written as JSON.
function toJson(value, what) {
  try {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text === undefined) return { failed: failure('invalid_json', `${what} is not a JSON value`) };
    return { text };
  } catch (e) {
    return { failed: failure('invalid_json', `${what} cannot be written as JSON: ${e.message}`) };
  }
}

class CreditsEngine {
  #m;
  #scratch;
  #index = null;  // the current card's model list and typed-path index, built on first need
  #version = '';

  constructor(module) {
    this.#m = module;
    this.#scratch = new Scratch(module);
    this.#refresh();
  }

  // A new card: its version now (one short string); its index when first needed, so that
  // starting an engine does not write, parse and index the model list (BENCHMARKS.md).
  #refresh() {
    this.#version = this.#m.version();
    this.#index = null;
  }

  // The typed path's index of the card, once per card: from encoderIndex() (names, types and
  // choices only), not models(), so the first quote after a start writes and parses less.
  #indexed() {
    if (this.#index === null) {
      const index = JSON.parse(this.#m.encoderIndex());
      const m = this.#m;
      this.#index = {
        list: null,
        encoder: index.ok ? new NodeEncoder(index, m.cardIndex(), this.#scratch, () => JSON.parse(m.encodedTables())) : null,
      };
    }
    return this.#index;
  }

  /** Every model of the loaded card with its parameters (as models() gives them). */
  get modelList() {
    const index = this.#indexed();
    if (index.list === null) {
      const models = JSON.parse(this.#m.models());
      index.list = models.ok ? models.models : [];
    }
    return index.list;
  }

  /** Loads a rate card (JSON text or object): {ok: true, version} or {ok: false, errors}. */
  loadRateCard(card) {
    const json = toJson(card, 'the rate card');
    if (json.failed) return { ok: false, errors: [json.failed.error] };
    const result = JSON.parse(this.#m.loadRateCard(json.text));
    if (result.ok) this.#refresh();
    return result;
  }

  /** The loaded rate card's version ('' when none). */
  get version() {
    return this.#version;
  }

  /** Every model with its parameters, for pickers. */
  models() {
    return JSON.parse(this.#m.models());
  }

  /** One node's quote, deep-equal to the CLI's line: the typed path, else the JSON path. */
  quote(node) {
    const e = (this.#index ?? this.#indexed()).encoder;
    if (e) {
      try {
        const q = e.quote(node);  // inline, not through #typed: this is the hottest call
        if (q) return q;
      } catch {
        // a getter or a Proxy threw: the JSON path reports it
      }
    }
    return this.#quoteJson(node);
  }

  /** The CLI's exact line for the node (JSON text), through the JSON path. */
  quoteText(node) {
    const json = toJson(node, 'the node');
    if (json.failed) return JSON.stringify({ error: json.failed.error, id: null, ok: false });  // the CLI's key order
    return this.#m.quote(json.text);
  }

  // The typed path, or `otherwise` when there is no card or reading the caller's values threw
  // (a getter, a Proxy): then the JSON path reports it as the engine would, and nothing throws.
  #typed(run, otherwise) {
    const e = this.#indexed().encoder;
    if (e) {
      try {
        return run(e);
      } catch {
        // fall through
      }
    }
    return typeof otherwise === 'function' ? otherwise() : otherwise;
  }

  #quoteJson(node) {
    const json = toJson(node, 'the node');
    if (json.failed) return { id: null, ...json.failed };
    return JSON.parse(this.#m.quote(json.text));
  }

  /**
   * Quotes many nodes at once: an array deep-equal to the CLI's quote lines. The typed path
   * prices in one call; refusals come from the JSON path, in one batch, for their errors.
   */
  quoteMany(nodes) {
    if (!Array.isArray(nodes)) return failure('invalid_param', 'quoteMany takes an array of nodes');
    const out = new Array(nodes.length);
    const all = () => nodes.map((_, i) => i);
    const slow = this.#typed((e) => e.price(nodes, out), all);
    if (slow.length) {
      const batch = [];
      const kept = [];
      for (const i of slow) {
        const json = toJson(nodes[i], 'the node');
        if (json.failed) out[i] = { id: null, ...json.failed };
        else {
          batch.push(json.text);
          kept.push(i);
        }
      }
      if (kept.length) {
        // One call for the batch; if one node's text spoils the whole array (it is not JSON
        // the engine reads), each node is quoted alone so only that one fails.
        const quotes = JSON.parse(this.#m.quoteMany('[' + batch.join(',') + ']'));
        if (Array.isArray(quotes)) kept.forEach((i, k) => (out[i] = quotes[k]));
        else kept.forEach((i, k) => (out[i] = JSON.parse(this.#m.quote(batch[k]))));
      }
    }
    return out;
  }

  /**
   * Prices many nodes to numbers only, for badges and totals on large canvases:
   * {ok: Uint8Array, min: Float64Array, max: Float64Array}, index for index. ok[i] is 0 when
   * node i cannot be priced (quote() says why); exact when min[i] === max[i].
   */
  priceMany(nodes) {
    if (!Array.isArray(nodes)) return failure('invalid_param', 'priceMany takes an array of nodes');
    const numbers = { ok: new Uint8Array(nodes.length), min: new Float64Array(nodes.length), max: new Float64Array(nodes.length) };
    const slow = this.#typed((e) => e.price(nodes, null, numbers), () => {
      numbers.ok.fill(0);
      return nodes.map((_, i) => i);
    });
    for (const i of slow) {
      const q = this.#quoteJson(nodes[i]);
      if (q.ok) {
        numbers.ok[i] = 1;
        numbers.min[i] = q.min;
        numbers.max[i] = q.max;
      }
    }
    return numbers;
  }

  /** A graph's plan, deep-equal to the CLI's; `balance` projects it; `options.run` prices only those ids. */
  plan(graph, balance = null, options = {}) {
    let doc = graph;
    if (options && Array.isArray(options.run) && graph && typeof graph === 'object') doc = { ...graph, run: options.run };
    const g = toJson(doc, 'the graph');
    if (g.failed) return g.failed;
    const b = balance == null ? { text: '' } : toJson(balance, 'the balance');
    if (b.failed) return b.failed;
    return JSON.parse(this.#m.plan(g.text, b.text));
  }

  /**
   * The canvas being edited: load it once, then change one node or edge at a time; only the
   * changed node and what is downstream is priced again.
   */
  get canvas() {
    const m = this.#m;
    return {
      load(graph, balance = null) {
        const g = toJson(graph, 'the graph');
        if (g.failed) return g.failed;
        const b = balance == null ? { text: '' } : toJson(balance, 'the balance');
        if (b.failed) return b.failed;
        return JSON.parse(m.sessionLoad(g.text, b.text));
      },
      updateNode(node) {
        const n = toJson(node, 'the node');
        if (n.failed) return n.failed;
        return JSON.parse(m.sessionUpdateNode(n.text));
      },
      connect(to, port, from) {
        return JSON.parse(m.sessionSetInput(String(to), String(port), String(from)));
      },
      disconnect(to, port) {
        return JSON.parse(m.sessionSetInput(String(to), String(port), ''));
      },
      plan(balance = null) {
        const b = balance == null ? { text: '' } : toJson(balance, 'the balance');
        if (b.failed) return b.failed;
        return JSON.parse(m.sessionPlan(b.text));
      },
    };
  }

  /** What a charge of `price` would take from `balance` {subscription, wallet}, and what is left. */
  previewCharge(balance, price) {
    return this.#preview('charge', { balance, price });
  }

  /** What a refund of a charge that took `split` {from_subscription, from_wallet} gives back. */
  previewRefund(balance, split, { hasCurrentPeriod = true } = {}) {
    return this.#preview('refund', { balance, ...split, has_current_period: hasCurrentPeriod });
  }

  /** What settling a ranged charge that took `split` at the `actual` price gives back. */
  previewSettle(balance, split, actual, { hasCurrentPeriod = true } = {}) {
    return this.#preview('settle', { balance, ...split, actual, has_current_period: hasCurrentPeriod });
  }

  #preview(kind, request) {
    const r = toJson(request, 'the preview');
    if (r.failed) return r.failed;
    return JSON.parse(this.#m.preview(kind, r.text));
  }
}

const defaultWasmUrl = () => new URL('../dist/credits.wasm', import.meta.url);

// Compiling once per page: the compiled module of the default location, shared by every
// createCredits() without options (each still gets its own instance and memory).
let defaultModule = null;

async function compileFetched(url) {
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' }));
    } catch {
      // not served as application/wasm, or no streaming: the bytes, then compile
    }
  }
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`createCredits: cannot fetch ${url}: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Compiles the engine's WebAssembly once, for `createCredits({ module })`: from `wasmBinary`
 * when given, else (browsers) `WebAssembly.compileStreaming` of `url` (default: credits.wasm
 * beside the package), or in Node the package's own file. A page can start it early and share
 * the module between engines, or post it to a worker.
 */
export async function compileCredits(options = {}) {
  if (options.wasmBinary) return WebAssembly.compile(options.wasmBinary);
  if (options.url === undefined && isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(defaultWasmUrl()));
  }
  return compileFetched(options.url === undefined ? defaultWasmUrl() : options.url);
}

function compiledDefault() {
  if (!defaultModule) {
    defaultModule = compileCredits();
    defaultModule.catch(() => (defaultModule = null));  // a failed fetch is tried again next time
  }
  return defaultModule;
}

// Emscripten's options for an instance of an already compiled module, and a promise that
// rejects if instantiating it fails (the hook's failure would otherwise never settle).
function fromModule(module) {
  let fail;
  const failed = new Promise((_, reject) => (fail = reject));
  const options = {
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module), fail);
      return {};
    },
  };
  return { options, failed };
}

/**
 * Creates an engine. `module`: a compiled WebAssembly.Module (compileCredits()); `wasmBinary`:
 * the bytes; `locateFile`: where to fetch credits.wasm from. Without them, browsers compile
 * credits.wasm beside the package once per page (streaming) and Node reads its own file.
 * `rateCard` (JSON text or object) replaces the embedded sample card.
 */
export default async function createCredits(options = {}) {
  let moduleOptions = {};
  let failed = null;
  if (options.module !== undefined) {
    if (!(options.module instanceof WebAssembly.Module)) throw new TypeError('createCredits: module must be a WebAssembly.Module');
    ({ options: moduleOptions, failed } = fromModule(options.module));
  } else if (options.wasmBinary) moduleOptions.wasmBinary = options.wasmBinary;
  else if (options.locateFile) moduleOptions.locateFile = options.locateFile;
  else if (isNode) {
    const { readFile } = await import('node:fs/promises');
    moduleOptions.wasmBinary = await readFile(defaultWasmUrl());
  } else ({ options: moduleOptions, failed } = fromModule(await compiledDefault()));
  const created = createCreditsModule(moduleOptions);
  const module = await (failed ? Promise.race([created, failed]) : created);
  const engine = new CreditsEngine(module);
  if (options.rateCard !== undefined) {
    const loaded = engine.loadRateCard(options.rateCard);
    if (!loaded.ok) {
      const first = loaded.errors[0];
      throw new Error(`createCredits: invalid rate card: ${first.path} ${first.message}`);
    }
  }
  return engine;
}

export { createCredits, CreditsEngine };
// SPEC §12's forecast from a `usage` result the page holds (plain JS: the server owns the ledger).
export { forecast } from './forecast.js';
