// Hand-written types for @credits/engine/inline: the main entry's engine and options, with the
// .wasm embedded in the JS (base64), so creating an engine fetches nothing.
import type { CreateOptions, CreditsEngine } from './index.js';

export * from './index.js';

/** The embedded module, decoded and compiled once per realm (later calls give the same promise). */
export function compileCredits(): Promise<WebAssembly.Module>;

/**
 * Creates an engine from the embedded module (nothing fetched); with `module`, `wasmBinary` or
 * `locateFile` it is the main entry's createCredits.
 */
export default function createCredits(options?: CreateOptions): Promise<CreditsEngine>;
export { createCredits };
