// Writes JSON Lines for `credits ledger` (BENCHMARKS.md, "Run reservations"): 64 funded users,
// then RUNS runs of one user each: reserve an 8-node graph, the 8 charges drawn from the hold,
// release. Prices come from `credits estimate` on the demo card, so every operation is accepted.
//   node bench/server/reserved-runs.mjs RUNS > runs.jsonl
import { execFileSync } from 'node:child_process';

const runs = Number(process.argv[2] || 10000);
const card = 'demo/rate-card.json';
const models = ['flux-1-dev', 'veo-3', 'elevenlabs-v3', 'gpt-5', 'topaz-image-upscale', 'hailuo-02', 'whisper-large-v3', 'mmaudio-sfx'];
const params = {
  'flux-1-dev': { size: '1024x576', num_images: 4 },
  'veo-3': { resolution: '1080p', duration_s: 8, generate_audio: true },
  'elevenlabs-v3': { characters: 620 },
  'gpt-5': { input_tokens: 1800, max_output_tokens: 2000 },
  'topaz-image-upscale': { scale: 4, megapixels: 2 },
  'hailuo-02': { resolution: '720p', duration_s: 6 },
  'whisper-large-v3': { duration_s: 30 },
  'mmaudio-sfx': { duration_s: 6 },
};
const nodes = models.map((m, i) => ({ id: `n${i}`, model: m, params: params[m] }));
const quotes = execFileSync('build/native/credits', ['estimate', '--rate-card', card], {
  input: nodes.map((n) => JSON.stringify(n)).join('\n') + '\n',
}).toString().trim().split('\n').map((l) => JSON.parse(l));
for (const q of quotes) if (!q.ok) throw new Error(`${q.id}: ${q.error.message}`);
const version = JSON.parse(execFileSync('cat', [card]).toString()).version;
const at = '2026-12-01T10:00:00Z';
const out = [];
for (let u = 0; u < 64; u++) {
  out.push({ op: 'create_user', at, user: `u${u}` });
  out.push({ op: 'top_up', at, payer: `user:u${u}`, credits: 1e15, key: `t${u}` });
}
for (let r = 0; r < runs; r++) {
  const user = `u${r % 64}`;
  const key = `run-${r}`;
  out.push({ op: 'reserve', at, user, key, graph: { nodes }, rate_card: version });
  nodes.forEach((n, i) => {
    const q = quotes[i];
    out.push({ op: 'charge', at, user, key: `${key}-${i}`, node: n, quoted: q.exact ? q.credits : { min: q.min, max: q.max }, rate_card: version, reservation: key });
  });
  out.push({ op: 'release', at, reservation: key });
}
process.stdout.write(out.map((o) => JSON.stringify(o)).join('\n') + '\n');
