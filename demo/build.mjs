// Builds the demo app: demo/app/main.jsx -> demo/dist/assets/app.{js,css}, demo/dist/index.html,
// and the engine's .wasm beside them. `node build.mjs` (or `npm run build`); prints gzipped sizes.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const assets = join(dist, 'assets');
const wasm = join(here, '..', 'web', 'dist', 'credits.wasm');

if (!existsSync(wasm)) {
  console.error(`build.mjs: ${wasm} is missing; build the package first (scripts/build-web.sh)`);
  process.exit(1);
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

await esbuild.build({
  entryPoints: { app: join(here, 'app', 'main.jsx') },
  outdir: assets,
  bundle: true,
  minify: true,
  format: 'esm',
  // The billing and pricing pages are dynamic imports: their own chunks, with recharts.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: ['es2022'],
  platform: 'browser',
  jsx: 'automatic',
  loader: { '.json': 'json' },
  define: { 'process.env.NODE_ENV': '"production"' },
  // The package's Node-only branch (reading the .wasm from disk) is never taken in a browser.
  external: ['node:*'],
  // @credits/engine is a symlink to ../web: its `import 'react'` resolves from demo/node_modules.
  nodePaths: [join(here, 'node_modules')],
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(wasm, join(assets, 'credits.wasm'));
writeFileSync(join(dist, 'index.html'), readFileSync(join(here, 'app', 'index.html')));

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = 0;
const chunks = readdirSync(join(assets, 'chunks')).filter((f) => f.endsWith('.js')).sort().map((f) => `chunks/${f}`);
for (const f of ['app.js', 'app.css', 'credits.wasm', ...chunks]) {
  const bytes = readFileSync(join(assets, f));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.log(`  assets/${f.padEnd(30)} ${kb(bytes.length).padStart(9)}  ${kb(gz).padStart(9)} gzipped`);
}
console.log(`  total (every page)${' '.repeat(22)}${kb(total).padStart(9)} gzipped`);
console.log(`built ${dist}`);
