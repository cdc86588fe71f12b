// Hand-written types for @credits/engine (Emscripten 3.1.6 cannot emit them).

/** A structured error: a code from a closed set, a message for people, a JSON Pointer. */
export interface CreditsError {
  code:
    | 'invalid_json' | 'invalid_op' | 'invalid_param' | 'invalid_rate_card' | 'unknown_model'
    | 'insufficient_credits' | 'internal';
  message: string;
  path: string;
}

export interface Failure {
  ok: false;
  error: CreditsError;
}

/** A node on the canvas, as the engine prices it. */
export interface CanvasNode {
  id?: string;
  model: string;
  params?: Record<string, string | number | boolean>;
  /** Input port -> upstream node id (plans only). */
  inputs?: Record<string, string>;
  /** Cached or bypassed: costs nothing (plans only). */
  skip?: boolean;
}

/** One step of how a price arose; amounts are exact decimal strings (running subtotal). */
export interface BreakdownLine {
  block: 'flat' | 'per_unit' | 'table' | 'multiplier' | 'addon' | 'included_units' | 'tokens' | 'clamp' | 'round';
  label: string;
  detail: string;
  effect: string;
  min: string;
  max: string;
}

export interface Quote {
  id: string | null;
  ok: true;
  model: string;
  kind: 'image' | 'video' | 'audio' | 'voice' | 'lipsync' | 'character' | 'transcription' | 'text';
  /** True when every priced input is known: then `credits` is the price. */
  exact: boolean;
  credits?: number;
  min: number;
  max: number;
  rate_card: string;
  breakdown: BreakdownLine[];
  /** In plans, for nodes marked skip: they cost 0 and would otherwise cost this. */
  skipped?: true;
  would_cost?: { min: number; max: number };
}

export interface FailedQuote {
  id: string | null;
  ok: false;
  error: CreditsError;
}

export interface Balances {
  subscription: number;
  wallet: number;
}

export interface Total {
  exact: boolean;
  credits?: number;
  min: number;
  max: number;
}

export interface Projection {
  before: Balances;
  after: Balances;
  from_subscription: number;
  from_wallet: number;
  affordable: boolean;
  /** The first node, in run order, that the balances cannot cover. */
  first_unaffordable: string | null;
  shortfall: number;
}

export interface Plan {
  ok: true;
  rate_card: string;
  nodes: Array<Quote | FailedQuote>;
  /** Node ids in run order: every node after its inputs. */
  order: string[];
  total: Total;
  priced: number;
  unpriced: number;
  skipped: number;
  projection?: Projection;
}

export interface PlanChange {
  ok: true;
  rate_card: string;
  /** Every node priced again: the edited one and what is downstream of it. */
  changed: Array<Quote | FailedQuote>;
  total: Total;
  priced: number;
  unpriced: number;
  skipped: number;
}

export interface Canvas {
  load(graph: { nodes: CanvasNode[] }, balance?: Balances | null): Plan | Failure;
  updateNode(node: CanvasNode & { id: string }): PlanChange | Failure;
  connect(to: string, port: string, from: string): PlanChange | Failure;
  disconnect(to: string, port: string): PlanChange | Failure;
  plan(balance?: Balances | null): Plan | Failure;
}

export interface Split {
  from_subscription: number;
  from_wallet: number;
}

export interface ChargePreview extends Split {
  ok: true;
  after: Balances;
}

export interface ReturnPreview {
  ok: true;
  to_subscription: number;
  to_wallet: number;
  after: Balances;
}

export interface PriceNumbers {
  ok: Uint8Array;
  min: Float64Array;
  max: Float64Array;
}

export interface ModelInfo {
  id: string;
  kind: Quote['kind'];
  label: string;
  provider: string;
  list_price: string;
  params: Record<string, {
    slot: number;
    type: 'int' | 'decimal' | 'string' | 'bool';
    label: string;
    unit: string;
    values?: string[];
    min?: string;
    max?: string;
    step?: string;
    default?: string | boolean;
    decided_by_run?: true;
    input?: { port: string; output: string };
  }>;
  outputs: string[];
}

export interface CreditsEngine {
  /** The loaded rate card's version. */
  readonly version: string;
  readonly modelList: ModelInfo[];
  loadRateCard(card: string | object): { ok: true; version: string } | { ok: false; errors: CreditsError[] };
  models(): { ok: true; version: string; credit_value: string; models: ModelInfo[] } | Failure;
  /**
   * One node's quote, deep-equal to the CLI's line. Nodes of whole numbers, numbers, choices and
   * booleans cross as numbers (the typed path) and their `breakdown` is computed when first
   * read; anything else, and every refusal, comes from the JSON path.
   */
  quote(node: CanvasNode): Quote | FailedQuote;
  /** The CLI's exact line for the node (JSON text), always through the JSON path. */
  quoteText(node: CanvasNode): string;
  quoteMany(nodes: CanvasNode[]): Array<Quote | FailedQuote>;
  priceMany(nodes: CanvasNode[]): PriceNumbers;
  plan(graph: { nodes: CanvasNode[] }, balance?: Balances | null, options?: { run?: string[] }): Plan | Failure;
  readonly canvas: Canvas;
  previewCharge(balance: Balances, price: number): ChargePreview | Failure;
  previewRefund(balance: Balances, split: Split, options?: { hasCurrentPeriod?: boolean }): ReturnPreview | Failure;
  previewSettle(balance: Balances, split: Split, actual: number, options?: { hasCurrentPeriod?: boolean }): ReturnPreview | Failure;
}

export interface CreateOptions {
  /**
   * The engine's WebAssembly, compiled already (compileCredits(), or a module posted from
   * another realm): only instantiated, nothing fetched or compiled.
   */
  module?: WebAssembly.Module;
  /** The .wasm bytes; skips locating and fetching it. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch files from (path -> URL), in browsers. */
  locateFile?: (path: string, prefix: string) => string;
  /** A rate card to load instead of the embedded sample card; an invalid one throws. */
  rateCard?: string | object;
}

/** The `usage` result (GET /v1/payers/{payer}/usage) as far as the forecast reads it. */
export interface UsageForForecast {
  payer: string;
  wallet: number;
  subscription: { remaining: number; period_start: string | null; resets_at: string | null };
  period: { start: string; end: string };
  by_model: Array<{ credits: number }>;
}

/** The engine's `forecast` result without `op`/`ok` (docs/balances.md, "Forecast"). */
export interface Forecast {
  at: string;
  burn_per_day: number;
  payer: string;
  period_end: string;
  period_start: string;
  remaining: number;
  resets_at: string | null;
  spent: number;
  subscription_runs_out_at: string | null;
  suggested_top_up: number;
  wallet: number;
  wallet_runs_out_at: string | null;
}

/**
 * SPEC §12's forecast from a `usage` result read at `at` (RFC 3339): the figures the server's
 * `forecast` (GET /v1/payers/{payer}/forecast) answers at that time. Plain JS, integer arithmetic.
 */
export function forecast(usage: UsageForForecast, at: string): Forecast;

export interface CompileOptions {
  /** Compile these bytes instead of fetching (or, in Node, reading) credits.wasm. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Browsers: where to fetch the .wasm from (default: dist/credits.wasm beside the package). */
  url?: string | URL;
}

/**
 * Compiles the engine's WebAssembly (browsers: WebAssembly.compileStreaming of the .wasm), for
 * createCredits({ module }): start it early, share it between engines or post it to a worker.
 */
export function compileCredits(options?: CompileOptions): Promise<WebAssembly.Module>;

/**
 * Creates an engine. Without `module`, `wasmBinary` or `locateFile`, browsers compile
 * dist/credits.wasm once per page (every later call only instantiates) and Node reads it.
 */
export default function createCredits(options?: CreateOptions): Promise<CreditsEngine>;
export { createCredits };
