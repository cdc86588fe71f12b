// The package's size budget (issue 9): what a page downloads for the main entry, the .wasm and
// the package's JS, gzip -9 each and summed as bench/sizes.js measures it, must stay within
// 150,000 bytes. Nothing else caught the merge that took it over (BENCHMARKS.md, 2026-12-02).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageSizes } from '../bench/sizes.js';

const BUDGET = 150_000;

test(`the package is within its ${BUDGET} B budget (gzip -9: credits.wasm, credits.mjs, index.js, encode.js)`, () => {
  const rows = packageSizes();
  const all = rows.find((r) => r.name === 'all: .wasm + JS');
  assert.ok(all, 'bench/sizes.js gives the total');
  const detail = rows.slice(0, 4).map((r) => `${r.name} ${r.gzip9}`).join(', ');
  assert.ok(all.gzip9 <= BUDGET, `${all.gzip9} B gzipped is over the ${BUDGET} B budget by ${all.gzip9 - BUDGET} B (${detail})`);
});
