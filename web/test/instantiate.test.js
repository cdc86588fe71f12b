// The ways to create an engine: from a compiled WebAssembly.Module (compileCredits), and the
// inline entry (@credits/engine/inline), whose JS carries the .wasm; each engine still has
// its own instance, memory and card.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import createCredits, { compileCredits } from '../src/index.js';
import createInline, { compileCredits as compileInline } from '../src/inline.js';
import wasmBase64 from '../dist/credits-inline.js';
import { repoFile, lines } from './support.js';

const golden = () => lines(repoFile('tests/golden/nodes.jsonl')).map((l) => JSON.parse(l));
const quotes = () => lines(repoFile('tests/golden/quotes.jsonl'));

test('compileCredits gives a module that createCredits({module}) instantiates, one engine per call', async () => {
  const module = await compileCredits();
  assert.ok(module instanceof WebAssembly.Module);
  const a = await createCredits({ module });
  const b = await createCredits({ module, rateCard: repoFile('tests/data/test-card.json') });
  assert.equal(a.version, '2026-11-01');
  assert.equal(b.version, 'test-1', 'each engine has its own card');
  const want = quotes();
  a.quoteMany(golden()).forEach((q, i) => assert.equal(JSON.stringify(q), want[i]));
  const bytes = readFileSync(new URL('../dist/credits.wasm', import.meta.url));
  assert.ok((await compileCredits({ wasmBinary: bytes })) instanceof WebAssembly.Module);
});

test('createCredits rejects a module that is not a WebAssembly.Module, and an invalid card', async () => {
  await assert.rejects(createCredits({ module: new Uint8Array(8) }), TypeError);
  await assert.rejects(createCredits({ module: await compileCredits(), rateCard: '{"version": 1}' }), /invalid rate card/);
});

test('the inline entry carries the .wasm of the package and quotes as the main entry does', async () => {
  assert.deepEqual(Buffer.from(wasmBase64, 'base64'), readFileSync(new URL('../dist/credits.wasm', import.meta.url)));
  const engine = await createInline();
  assert.equal(engine.version, '2026-11-01');
  const want = quotes();
  golden().forEach((n, i) => assert.equal(JSON.stringify(engine.quote(n)), want[i]));
  assert.equal(compileInline(), compileInline(), 'compiled once');
  const other = await createInline({ module: await compileInline(), rateCard: repoFile('tests/data/test-card.json') });
  assert.equal(other.version, 'test-1');
  assert.equal(engine.version, '2026-11-01');
});
