// A month of history that ends now, so balances, the current period and the reset date are live
// whatever today's date is. Deterministic for a given "now" (a seeded generator). Every price is
// computed by `credits estimate` on the same card (one spawn, all nodes on stdin); nothing here
// knows what anything costs. The story:
//
//   maya   personal subscription of 1000 taken 45 days ago (so one reset has happened and what
//          was left then expired), a 500 wallet top-up; admin of the workspace `studio`; works
//          mostly personally, with a few sessions in the studio. Ends in her personal context.
//   leo    no subscription, a 300 wallet top-up; works personally at first (one clip refused for
//          insufficient_credits), then in the studio. Ends in the studio.
//   ines   a small personal subscription (200); a studio member with a cap of 600 per studio
//          period, of which 560 is already spent in the current one (one clip over the cap was
//          refused). Ends in the studio, where the sample canvas (about 390) is over her cap.
//   studio subscribed 40 days ago with a quota of 5000, a wallet of 2000.
//
// Balance events (SPEC §11), so the Billing page has some from the start: maya has an alert
// below 200 (never crossed); the studio an alert below 5000 (crossed in its first period,
// recovered at the reset); ines an alert below 100 (crossed in her personal period); leo an auto
// top-up below 150 to 300, whose request is left for the backend to fulfil when it starts (the
// ledger never moves money by itself). None of them moves money in the seed.
//
// Windows are placed by days ago, well clear of the period boundaries (maya's reset falls 14 to
// 17 days ago, the studio's 9 to 12 days ago, depending on the months' lengths), so nothing here
// needs calendar arithmetic. Some generations fail (refunded with `fail`); ranged ones (text
// models) complete with the actual output tokens as `usage`.
import { prng } from './provider.js';

const DAY = 86_400_000;
const MIN = 60_000;

// Node templates: a model and a way to draw its params. Only valid nodes (the card's ranges).
const pick = (next, xs) => xs[next() % xs.length];
const between = (next, lo, hi) => lo + (next() % (hi - lo + 1));
const TEMPLATES = [
  (n) => ({ model: 'veo-3', params: { resolution: pick(n, ['720p', '1080p']), duration_s: between(n, 4, 8), generate_audio: pick(n, [true, false]) } }),
  (n) => ({ model: 'veo-3-fast', params: { duration_s: between(n, 4, 8), generate_audio: pick(n, [true, false]) } }),
  (n) => ({ model: 'sora-2', params: { duration_s: pick(n, [4, 8, 12]) } }),
  (n) => ({ model: 'hailuo-02', params: { resolution: '720p', duration_s: pick(n, [6, 10]) } }),
  (n) => ({ model: 'kling-2-5-turbo-pro', params: { duration_s: pick(n, [5, 10]) } }),
  (n) => ({ model: 'seedance-1-lite', params: { resolution: '720p', duration_s: between(n, 3, 8) } }),
  (n) => ({ model: 'wan-2-5', params: { resolution: pick(n, ['480p', '720p']), duration_s: 5 } }),
  (n) => ({ model: 'flux-1-dev', params: { size: pick(n, ['1024x576', '1024x1024', '1024x768']), num_images: between(n, 1, 4) } }),
  (n) => ({ model: 'flux-1-schnell', params: { size: '1024x1024', num_images: between(n, 1, 4) } }),
  (n) => ({ model: 'ideogram-3', params: { num_images: between(n, 1, 4) } }),
  (n) => ({ model: 'imagen-4', params: { num_images: between(n, 1, 4) } }),
  (n) => ({ model: 'nano-banana', params: { num_images: between(n, 1, 3) } }),
  (n) => ({ model: 'gpt-image-1', params: { quality: pick(n, ['low', 'medium']), size: '1024x1024' } }),
  (n) => ({ model: 'elevenlabs-v3', params: { characters: between(n, 200, 2400) } }),
  (n) => ({ model: 'elevenlabs-flash', params: { characters: between(n, 300, 3000) } }),
  (n) => ({ model: 'sync-lipsync-2', params: { duration_s: between(n, 4, 10) } }),
  (n) => ({ model: 'whisper-large-v3', params: { duration_s: between(n, 30, 900) } }),
  (n) => ({ model: 'topaz-image-upscale', params: { megapixels: pick(n, ['0.589824', '1.048576']), scale: pick(n, [2, 4]) } }),
  (n) => ({ model: 'stable-audio-2-5', params: { duration_s: between(n, 10, 90) } }),
  (n) => ({ model: 'meshy-3d', params: {} }),
  // Ranged: the output tokens are decided by the run; completed with `usage`.
  (n) => ({ model: 'gpt-5', params: { input_tokens: between(n, 500, 6000), max_output_tokens: pick(n, [1000, 2000, 4096]) } }),
  (n) => ({ model: 'claude-sonnet-4-5', params: { input_tokens: between(n, 500, 6000), max_output_tokens: pick(n, [1000, 2000, 4000]) } }),
  (n) => ({ model: 'gemini-2-5-flash', params: { input_tokens: between(n, 500, 8000) } }),
  (n) => ({ model: 'gpt-5-mini', params: { input_tokens: between(n, 500, 4000) } }),
];
// A 1-credit node, to bring ines's current-period spend to exactly the planned figure.
const FILLER = { model: 'flux-1-schnell', params: { size: '1024x1024', num_images: 1 } };

// Who does what, when (days ago), on whose account, for about how much (the sum of what the
// charges hold; the ledger has the last word and refuses what does not fit). `exact`: exact
// prices only and no failures, so the net spend is exactly `budget` (ines's cap story).
const WINDOWS = [
  { user: 'maya', payer: 'user:maya', from: 44.5, to: 18, budget: 640 },
  { user: 'maya', payer: 'user:maya', from: 13, to: 0.004, budget: 330 },
  { user: 'leo', payer: 'user:leo', from: 43.5, to: 31.5, budget: 180 },
  { user: 'leo', payer: 'workspace:studio', from: 29.5, to: 13, budget: 1300 },
  { user: 'leo', payer: 'workspace:studio', from: 8, to: 0.05, budget: 600 },
  { user: 'ines', payer: 'workspace:studio', from: 38.5, to: 25.5, budget: 700 },
  { user: 'ines', payer: 'user:ines', from: 24.5, to: 14.5, budget: 150 },
  { user: 'ines', payer: 'workspace:studio', from: 8, to: 0.2, budget: 560, exact: true },
];
// maya's sessions in the studio: [from, to] days ago, each one switch in, generations, switch out.
const MAYA_STUDIO = [
  [35, 34.9, 420],
  [22, 21.9, 380],
  [6, 5.9, 300],
];

/**
 * Makes the seed. `estimate(nodes)` prices the nodes on the card (resolves to quotes, in order);
 * `now` is a Date; `version` is the card's. Resolves to {ops, expect} where expect[i] is
 * undefined for an operation that must be ok, else the error code it is meant to be refused with.
 */
export async function makeSeed({ now, estimate, version, seed = 7 }) {
  const next = prng(seed);
  const end = now.getTime() - 3 * MIN; // the last operation a few minutes ago, never in the future
  const at = (daysAgo, jitterMin = 0) => Math.min(end, Math.round(now.getTime() - daysAgo * DAY + jitterMin * MIN));

  // A pool of candidate nodes, priced in one spawn.
  const pool = [];
  for (let i = 0; i < 600; i++) pool.push(TEMPLATES[next() % TEMPLATES.length](next));
  // Two nodes meant to be refused (not for their price: for funds and for the cap) and the filler.
  const leoBig = { model: 'sora-2-pro', params: { duration_s: 12, resolution: '1080p' } };
  const overCap = { model: 'veo-3', params: { duration_s: 4, resolution: '720p' } };
  const filler = { ...FILLER };
  pool.push(leoBig, overCap, filler);
  const quotes = await estimate(pool.map((n, i) => ({ id: `p${i}`, ...n })));
  for (let i = 0; i < pool.length; i++) {
    const q = quotes[i];
    if (!q.ok) throw new Error(`seed node ${JSON.stringify(pool[i])} is refused by the card: ${JSON.stringify(q.error)}`);
    pool[i].quote = q;
  }
  pool.length -= 3;
  const quotedOf = (q) => (q.exact ? q.credits : { min: q.min, max: q.max });
  let cursor = 0;

  const events = []; // {t, order, op, expect}
  let order = 0;
  const push = (t, op, expect) => events.push({ t, order: order++, op, expect });

  // People, plans, money in.
  for (const user of ['maya', 'leo', 'ines']) push(at(46), { op: 'create_user', user });
  push(at(45), { op: 'subscribe', payer: 'user:maya', quota: 1000 });
  push(at(45, 2), { op: 'top_up', payer: 'user:maya', credits: 500, key: 'seed-topup-maya-1' });
  push(at(44), { op: 'top_up', payer: 'user:leo', credits: 300, key: 'seed-topup-leo-1' });
  push(at(41), { op: 'create_workspace', workspace: 'studio', admin: 'maya' });
  push(at(41, 1), { op: 'add_member', workspace: 'studio', user: 'leo', by: 'maya' });
  push(at(41, 2), { op: 'add_member', workspace: 'studio', user: 'ines', by: 'maya' });
  push(at(40), { op: 'subscribe', payer: 'workspace:studio', quota: 5000, by: 'maya' });
  push(at(40, 1), { op: 'top_up', payer: 'workspace:studio', credits: 2000, key: 'seed-topup-studio-1', by: 'maya' });
  push(at(40, 2), { op: 'set_member_cap', workspace: 'studio', user: 'ines', cap: 600, by: 'maya' });
  push(at(39), { op: 'switch', user: 'ines', workspace: 'studio' });
  push(at(30), { op: 'switch', user: 'leo', workspace: 'studio' });
  push(at(25), { op: 'switch', user: 'ines', workspace: null });
  push(at(25, 1), { op: 'subscribe', payer: 'user:ines', quota: 200 });
  push(at(14), { op: 'switch', user: 'ines', workspace: 'studio' });
  push(at(45, 3), { op: 'set_alert', payer: 'user:maya', below: 200 });
  push(at(44, 1), { op: 'set_auto_top_up', payer: 'user:leo', below: 150, to: 300 });
  push(at(40, 3), { op: 'set_alert', payer: 'workspace:studio', below: 5000, by: 'maya' });
  push(at(25, 2), { op: 'set_alert', payer: 'user:ines', below: 100 });
  // Meant to be refused: a member topping up the workspace, a clip leo cannot afford, a clip
  // over ines's cap.
  push(at(20), { op: 'top_up', payer: 'workspace:studio', credits: 100, key: 'seed-topup-leo-studio', by: 'leo' }, 'not_admin');
  push(at(31), chargeOp('leo', 'seed-leo-big', leoBig, quotedOf(leoBig.quote), version), 'insufficient_credits');

  let g = 0;
  const generation = (user, t, node, fails) => {
    const key = `seed-gen-${String(++g).padStart(4, '0')}`;
    const q = node.quote;
    push(t, chargeOp(user, key, { model: node.model, params: node.params }, quotedOf(q), version, `n${g}`));
    const later = Math.min(end, t + (20 + (next() % 70)) * 1000);
    if (fails) push(later, { op: 'fail', charge: key });
    else if (q.exact) push(later, { op: 'complete', charge: key });
    else push(later, { op: 'complete', charge: key, usage: usageFor(node, next) });
  };
  const fill = ({ user, from, to, budget, exact }, avoid = []) => {
    let left = budget;
    let misses = 0;
    while (left > 0 && misses < pool.length) {
      const node = pool[cursor++ % pool.length];
      const held = node.quote.max;
      if (held > left || (exact && !node.quote.exact)) {
        misses++;
        continue;
      }
      misses = 0;
      let t;
      do t = at(from - ((next() % 10_000) / 10_000) * (from - to));
      while (avoid.some(([a, b]) => t >= at(a) && t <= at(b)));
      generation(user, t, node, !exact && next() % 8 === 0);
      left -= held;
      if (exact && left > 0 && left < 4) break;
    }
    if (exact) for (; left > 0; left--) generation(user, at(to), filler, false);
  };

  for (const w of WINDOWS) fill(w, w.user === 'maya' ? MAYA_STUDIO.map(([a, b]) => [a + 0.01, b - 0.01]) : []);
  for (const [from, to, budget] of MAYA_STUDIO) {
    push(at(from), { op: 'switch', user: 'maya', workspace: 'studio' });
    fill({ user: 'maya', from: from - 0.001, to: to + 0.001, budget });
    push(at(to), { op: 'switch', user: 'maya', workspace: null });
  }
  // The last generation, a few minutes ago: the billing page's newest row.
  generation('maya', at(0.003), pool.find((n) => n.quote.exact && n.quote.max <= 20 && n.quote.max >= 5), false);
  push(at(0.1), chargeOp('ines', 'seed-ines-over-cap', overCap, quotedOf(overCap.quote), version), 'member_cap_exceeded');

  // In time order; operations at the same time keep the order they were made in.
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  const ops = events.map((e) => ({ ...e.op, at: new Date(e.t).toISOString() }));
  return { ops, expect: events.map((e) => e.expect) };
}

function chargeOp(user, key, node, quoted, version, id = key) {
  return { op: 'charge', user, key, node: { id, model: node.model, params: node.params }, quoted, rate_card: version };
}

// The actual output tokens of a completed text generation: 30–90% of the bound.
function usageFor(node, next) {
  const bound = node.params.max_output_tokens ?? 4096;
  return { output_tokens: Math.floor((bound * (30 + (next() % 61))) / 100) };
}

/** Checks each result against what was meant; throws listing every difference. */
export function checkSeedResults(ops, expect, results) {
  const problems = [];
  if (results.length !== ops.length) problems.push(`${ops.length} operations, ${results.length} results`);
  for (let i = 0; i < Math.min(ops.length, results.length); i++) {
    const r = JSON.parse(results[i]);
    const want = expect[i];
    if (want === undefined && r.ok !== true) problems.push(`line ${i + 1} ${JSON.stringify(ops[i])}: ${results[i]}`);
    if (want !== undefined && (r.ok !== false || r.error?.code !== want))
      problems.push(`line ${i + 1} should be refused with ${want}: ${results[i]}`);
  }
  if (problems.length) throw new Error(`the seed did not load as planned:\n  ${problems.slice(0, 20).join('\n  ')}`);
}
