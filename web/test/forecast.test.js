// The client-side forecast (src/forecast.js) against the engine's `forecast` operation: for the
// same ledger and time, forecast(usage result) equals what `credits ledger` answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forecast } from '../src/forecast.js';
import { lines, repoFile, runCli } from './support.js';

const video = (key, at) => ({
  op: 'charge', at, user: 'ana', key, quoted: 160, rate_card: '2026-11-01',
  node: { id: 'v', model: 'veo-3', params: { resolution: '720p', duration_s: 4 } },
});
// A heavy month: a 1000-credit subscription, a 100-credit wallet, 320 spent on 2 November.
const HEAVY = [
  { op: 'create_user', at: '2026-11-01T00:00:00Z', user: 'ana' },
  { op: 'subscribe', at: '2026-11-01T00:00:00Z', payer: 'user:ana', quota: 1000 },
  { op: 'top_up', at: '2026-11-01T00:00:00Z', payer: 'user:ana', credits: 100, key: 't1' },
  video('c1', '2026-11-02T00:00:00Z'),
  video('c2', '2026-11-02T00:00:00Z'),
].map((op) => JSON.stringify(op)).join('\n');
// Wallet only: no subscription, so the calendar month and nothing resets.
const WALLET = [
  { op: 'create_user', at: '2026-11-01T00:00:00Z', user: 'ana' },
  { op: 'top_up', at: '2026-11-01T00:00:00Z', payer: 'user:ana', credits: 1000, key: 't1' },
  video('c1', '2026-11-03T07:00:00Z'),
].map((op) => JSON.stringify(op)).join('\n');

// The engine's usage and forecast results for `payer` at `at`, after `ops`.
function engine(ops, payer, at) {
  const reads = [{ op: 'usage', at, payer, limit: 0 }, { op: 'forecast', at, payer }];
  const out = lines(runCli(['ledger'], ops + '\n' + reads.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  const [usage, result] = out.slice(-2).map((l) => JSON.parse(l));
  assert.equal(usage.ok, true, JSON.stringify(usage));
  assert.equal(result.ok, true, JSON.stringify(result));
  const { op, ok, ...figures } = result;
  return { usage, figures };
}

test('forecast() gives the engine forecast for the same usage and time', () => {
  const month = repoFile('demo/month.jsonl');
  const cases = [
    [HEAVY, 'user:ana', '2026-11-09T00:00:00Z'],
    [HEAVY, 'user:ana', '2026-11-11T00:00:00.001Z'],
    [HEAVY, 'user:ana', '2026-11-29T18:30:00Z'],
    [HEAVY, 'user:ana', '2026-12-01T00:00:00Z'], // just reset: nothing spent yet
    [WALLET, 'user:ana', '2026-11-05T00:00:00Z'],
    [WALLET, 'user:ana', '2026-12-02T00:00:00Z'], // a new month: nothing spent yet
    [month, 'workspace:studio', '2026-11-30T12:00:00Z'],
    [month, 'user:maya', '2026-11-30T12:00:00Z'],
    [month, 'user:leo', '2026-11-30T12:00:00Z'],
    [month, 'workspace:studio', '2026-12-20T00:00:00Z'],
  ];
  for (const [ops, payer, at] of cases) {
    const { usage, figures } = engine(ops, payer, at);
    assert.deepEqual(forecast(usage, at), figures, `${payer} at ${at}`);
    assert.deepEqual(Object.keys(forecast(usage, at)), Object.keys(figures), 'the same keys, in byte order');
  }
});

test('forecast() of a heavy month: the figures of docs/balances.md', () => {
  const { usage } = engine(HEAVY, 'user:ana', '2026-11-09T00:00:00Z');
  const f = forecast(usage, '2026-11-09T00:00:00Z');
  assert.equal(f.burn_per_day, 40);
  assert.equal(f.subscription_runs_out_at, '2026-11-26T00:00:00Z');
  assert.equal(f.wallet_runs_out_at, '2026-11-28T12:00:00Z');
  assert.equal(f.suggested_top_up, 100);
});
