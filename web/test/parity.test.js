// Parity: 100,000 random nodes from the sample card (fixed seed) give byte-identical JSON
// natively (the CLI) and through the package in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import createCredits from '../src/index.js';
import { lines, randomNodes, runCli } from './support.js';

test('100,000 random nodes quote to the same bytes in the CLI and the package', () => {
  return createCredits().then((engine) => {
    const nodes = randomNodes(engine.modelList, 100_000, 20261124);
    const expected = lines(runCli(['estimate'], nodes.map((n) => JSON.stringify(n)).join('\n') + '\n'));
    assert.equal(expected.length, nodes.length);
    const many = engine.quoteMany(nodes);
    let errors = 0, ranged = 0;
    for (let i = 0; i < nodes.length; i++) {
      const got = JSON.stringify(many[i]);
      if (got !== expected[i]) assert.fail(`node ${i} ${JSON.stringify(nodes[i])}\n package: ${got}\n cli:     ${expected[i]}`);
      if (!many[i].ok) errors++;
      else if (!many[i].exact) ranged++;
    }
    // The corpus must exercise errors and ranges, not only exact prices.
    assert.ok(errors > 1000, `errors: ${errors}`);
    assert.ok(ranged > 1000, `ranged: ${ranged}`);
  });
});
