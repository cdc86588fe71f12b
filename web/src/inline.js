// @credits/engine/inline: the same package with credits.wasm embedded in the JS (base64, in
// dist/credits-inline.js), for pages where a second request costs more than the bytes: creating
// an engine fetches nothing. The bytes are decoded and compiled once per page, on the first
// createCredits() (or compileCredits()), and every engine of the page shares that module.
import wasmBase64 from '../dist/credits-inline.js';
import createFromOptions, { CreditsEngine, forecast } from './index.js';

let compiled = null;

function decode(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  if (typeof Buffer === 'function') return Buffer.from(text, 'base64');
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** The embedded module, compiled once (for `createCredits({ module })` of either entry). */
export function compileCredits() {
  if (!compiled) {
    compiled = WebAssembly.compile(decode(wasmBase64));
    compiled.catch(() => (compiled = null));
  }
  return compiled;
}

/**
 * Creates an engine from the embedded module: the options of the main entry, except that
 * without `module`, `wasmBinary` or `locateFile` nothing is fetched or read.
 */
export default async function createCredits(options = {}) {
  if (options.module !== undefined || options.wasmBinary || options.locateFile) return createFromOptions(options);
  return createFromOptions({ ...options, module: await compileCredits() });
}

export { createCredits, CreditsEngine, forecast };
