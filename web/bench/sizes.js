// What a page downloads: the .wasm and the JS of the package, raw and compressed (Node only).
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILES = ['dist/credits.wasm', 'dist/credits.mjs', 'src/index.js', 'src/encode.js'];

function measure(name, bytes) {
  return {
    name,
    raw: bytes.length,
    gzip9: gzipSync(bytes, { level: 9 }).length,
    gzip6: gzipSync(bytes, { level: 6 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export function packageSizes() {
  const rows = FILES.map((f) => measure(f, readFileSync(path.join(web, f))));
  const js = rows.slice(1);
  const sum = (list, key) => list.reduce((a, r) => a + r[key], 0);
  const total = (name, list) => ({ name, raw: sum(list, 'raw'), gzip9: sum(list, 'gzip9'), gzip6: sum(list, 'gzip6'), brotli: sum(list, 'brotli') });
  const out = [...rows, total('JS (3 files, each compressed)', js), total('all: .wasm + JS', rows)];
  // The inline entry (@credits/engine/inline) downloads no .wasm: the base64 module, the same JS, src/inline.js.
  if (!existsSync(path.join(web, 'src/inline.js'))) return out;  // a package without it
  const inline = [measure('dist/credits-inline.js', readFileSync(path.join(web, 'dist/credits-inline.js'))), ...js,
    measure('src/inline.js', readFileSync(path.join(web, 'src/inline.js')))];
  return [...out, inline[0], total('inline entry, all (5 files)', inline)];
}
