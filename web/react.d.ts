// Hand-written types for @credits/engine/react. The values it shares with the engine are the
// engine's own types (index.d.ts); only `react` is a peer.
import type { BreakdownLine, Balances, CreditsError, Projection, Total } from './index.js';

export type { BreakdownLine, Balances, CreditsError, Projection, Total };

/** A node's quote in a plan: priced, skipped (cached, costs 0) or unpriced. */
export type NodeQuote =
  | {
      id: string | null;
      ok: true;
      model: string;
      kind: string;
      exact: boolean;
      credits?: number;
      min: number;
      max: number;
      rate_card: string;
      breakdown: BreakdownLine[];
      skipped?: true;
      would_cost?: { min: number; max: number };
    }
  | { id: string | null; ok: false; error: CreditsError };

/** The engine as these hooks use it (structurally what `createCredits()` resolves to). */
export interface CanvasEngine {
  readonly version: string;
  readonly canvas: {
    load(graph: { nodes: GraphNode[] }, balance?: Balances | null): any;
    updateNode(node: { id: string; model: string; params?: Record<string, ParamValue>; skip?: boolean }): any;
    connect(to: string, port: string, from: string): any;
    disconnect(to: string, port: string): any;
    plan(balance?: Balances | null): any;
  };
}

export type ParamValue = string | number | boolean;

/** A node as the engine's canvas holds it. */
export interface GraphNode {
  id: string;
  model: string;
  params: Record<string, ParamValue>;
  inputs: Record<string, string>;
  skip: boolean;
}

/** An editor node: React Flow's `Node<{model, params?, skip?}>` fits. */
export interface FlowNode {
  id: string;
  data: { model: string; params?: Record<string, ParamValue>; skip?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

/** An editor edge: the target's input port is the target handle. */
export interface FlowEdge {
  source: string;
  target: string;
  targetHandle?: string | null;
  [key: string]: unknown;
}

export interface CanvasState {
  /** What the engine's session now holds (null when the last full load was refused). */
  graph: { nodes: GraphNode[] } | null;
  version: string;
  quotes: Record<string, NodeQuote>;
  total: Total | null;
  priced: number;
  skipped: number;
  unpriced: number;
  ok: boolean;
  error: CreditsError | null;
  op: 'load' | 'edit' | 'none';
  edits: number;
}

export interface CanvasCosts {
  /** Each node's quote by node id. */
  quotes: Record<string, NodeQuote>;
  total: Total | null;
  priced: number;
  skipped: number;
  unpriced: number;
  /** The balances after the run and the first node they cannot cover (null without a balance). */
  projection: Projection | null;
  /** Node ids in run order. */
  order: string[];
  /** False when the engine refused the graph or an edit (e.g. an edge that makes a cycle). */
  ok: boolean;
  error: CreditsError | null;
}

export interface CreateOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  rateCard?: string | object;
}

/** Editor nodes and edges as the engine's graph (`inputs[targetHandle] = source`). */
export function graphFromFlow(nodes: readonly (FlowNode | GraphNode)[], edges: readonly FlowEdge[]): { nodes: GraphNode[] };

/** Brings the engine's canvas session from `prev` to `next` with the fewest edits. */
export function syncCanvas(
  engine: CanvasEngine,
  prev: CanvasState | null,
  next: { nodes: Array<Partial<GraphNode> & { id: string; model: string }> },
): CanvasState;

/** Creates an engine once: `{engine, error}`, both null while the .wasm loads. */
export function useCreditsEngine<E = CanvasEngine & { [method: string]: any }>(options?: CreateOptions): { engine: E | null; error: Error | null };

/** Live quotes, totals and projection for editor nodes and edges. */
export function useCanvasCosts(
  engine: CanvasEngine | null,
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  balance?: Balances | null,
): CanvasCosts;
