#!/usr/bin/env node
// The demo backend: the part of a product that holds the credit server's token. It seeds a fresh
// ledger whose history ends now, starts `credits serve` on it, and answers the page (demo/API.md):
// who the visitor is, their balances and usage (read as them, so only theirs), top-ups, the
// active workspace, and runs of a canvas through a simulated provider. It prices nothing: every
// price and every balance comes from the credit server. Node 20, standard library only.
//
//   node demo/backend/server.js [--help]
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreditClient, runCli, startCreditServer } from './credits-server.js';
import { Directory, USERS } from './directory.js';
import { Provider } from './provider.js';
import { checkRunRequest, runGraph } from './run.js';
import { checkSeedResults, makeSeed } from './seed.js';
import { priceChange } from './price-change.js';
import { EventFollower, settingsOf } from './events.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HELP = `node demo/backend/server.js: the demo product's backend (demo/API.md, demo/README.md)

Seeds a fresh ledger (a month of history ending now), starts \`credits serve\` on it, serves the
built page from DEMO_DIST and the /api routes the page calls.

Environment (all optional):
  PORT             port to listen on (default 8080; 0 picks a free one, printed at start)
  HOST             address to listen on (default 127.0.0.1)
  CREDITS_BIN      the native CLI (default build/native/credits, relative to the repo root)
  DEMO_DB          the SQLite ledger (default build/demo/ledger.db; deleted and re-seeded at each start)
  DEMO_LATENCY_MS  the simulated provider's latency per call (default 700)
  DEMO_DIST        the built page (default demo/dist; build it with: cd demo && npm ci && node build.mjs)

SIGINT or SIGTERM stops the backend and the credit server.`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknown = process.argv.slice(2).filter((a) => a !== '--help' && a !== '-h');
if (unknown.length) {
  console.error(JSON.stringify({ ok: false, error: { code: 'usage', message: `unknown argument ${unknown[0]}; see --help (settings are environment variables)`, path: '' } }));
  process.exit(2);
}

const fromRoot = (p) => path.resolve(ROOT, p);
const config = {
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST || '127.0.0.1',
  bin: fromRoot(process.env.CREDITS_BIN || 'build/native/credits'),
  db: fromRoot(process.env.DEMO_DB || 'build/demo/ledger.db'),
  latencyMs: Number(process.env.DEMO_LATENCY_MS ?? 700),
  dist: fromRoot(process.env.DEMO_DIST || 'demo/dist'),
  card: fromRoot('demo/rate-card.json'),
};
if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) usage(`PORT must be 0..65535, not ${process.env.PORT}`);
if (!Number.isInteger(config.latencyMs) || config.latencyMs < 0) usage(`DEMO_LATENCY_MS must be a whole number of ms, not ${process.env.DEMO_LATENCY_MS}`);
if (!existsSync(config.bin)) usage(`${config.bin} is missing: build it with scripts/build-native.sh (or set CREDITS_BIN)`);

function usage(message) {
  console.error(JSON.stringify({ ok: false, error: { code: 'usage', message, path: '' } }));
  process.exit(2);
}

// --- start: seed, load, serve ------------------------------------------------------------------

const directory = new Directory();
const provider = new Provider({ latencyMs: config.latencyMs });
let credit; // the running credit server
let client;
let follower; // the balance-event follower (demo/backend/events.js)

async function seedLedger() {
  mkdirSync(path.dirname(config.db), { recursive: true });
  for (const suffix of ['', '-wal', '-shm', '-journal', '.token']) rmSync(config.db + suffix, { force: true });
  const version = JSON.parse(readFileSync(config.card, 'utf8')).version;
  // Every price in the seed comes from `credits estimate` on the same card: one spawn, all nodes.
  const estimate = async (nodes) =>
    (await runCli(config.bin, ['estimate', '--rate-card', config.card], nodes.map((n) => JSON.stringify(n)).join('\n') + '\n')).map((l) => JSON.parse(l));
  const { ops, expect } = await makeSeed({ now: new Date(), estimate, version });
  const text = ops.map((o) => JSON.stringify(o)).join('\n') + '\n';
  const seedFile = config.db.replace(/\.db$/, '') + '.seed.jsonl';
  writeFileSync(seedFile, text);
  const results = await runCli(config.bin, ['ledger', '--db', config.db, '--rate-card', config.card], text);
  checkSeedResults(ops, expect, results);
  // The product's copy of each user's active context, as the seed left it.
  ops.forEach((o, i) => {
    if (o.op === 'switch' && JSON.parse(results[i]).ok) directory.setContext(o.user, o.workspace);
  });
  const refused = expect.filter((e) => e !== undefined).length;
  return { ops: ops.length, refused, seedFile };
}

// --- helpers -------------------------------------------------------------------------------------

const MAX_BODY = 1 << 20;

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}
const error = (code, message, p = '') => ({ ok: false, error: { code, message, path: p } });
// The credit server's answer, passed on as it was (its status, its error).
const relay = (res, r) => sendJson(res, r.status, r.json);

function readBody(req) {
  return new Promise((resolve) => {
    let size = 0;
    const chunks = [];
    let over = false;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (over) return resolve({ error: [413, error('payload_too_large', `the body is over ${MAX_BODY} bytes`)] });
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve({ body: {} });
      try {
        resolve({ body: JSON.parse(text) });
      } catch (e) {
        resolve({ error: [400, error('invalid_json', `the body is not JSON: ${e.message}`)] });
      }
    });
    req.on('error', (e) => resolve({ error: [400, error('bad_request', e.message)] }));
  });
}

function visitor(req) {
  const cookies = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    try {
      cookies[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed cookie counts as none
    }
  }
  // Without a cookie (or with one naming nobody) the visitor is maya, as demo/API.md says.
  return directory.user(cookies.demo_user) ? cookies.demo_user : 'maya';
}

async function me(user) {
  const payer = directory.payerOf(user);
  const [balance, health] = await Promise.all([client.balance(payer, user), client.get('/healthz')]);
  if (balance.status !== 200) return balance;
  const u = directory.user(user);
  return {
    status: 200,
    json: {
      ok: true,
      user: { id: u.id, name: u.name },
      users: USERS.map(({ id, name }) => ({ id, name })),
      context: directory.contextOf(user),
      workspaces: directory.workspacesOf(user),
      payer,
      balance: balance.json,
      rate_card: health.json.rate_card,
    },
  };
}

// A whole number of credits 0..10^15, or null (remove); undefined when absent.
const isBound = (v) => v === null || (Number.isInteger(v) && v >= 0 && v <= 1e15);

// set_alert / set_auto_top_up as the visitor; the ledger's refusal is passed on as it said it.
async function relaySetting(res, user, op) {
  const r = await client.op(op);
  if (r.status !== 200) return relay(res, r);
  // What is set now, as the ledger says it (its balance read carries the settings).
  const balance = await client.balance(op.payer, user);
  if (balance.status !== 200) return relay(res, balance);
  sendJson(res, 200, { ok: true, result: r.json, settings: settingsOf(balance.json) });
}

const fileName = (payer, ext) => `usage-${payer.replace(/[^A-Za-z0-9_-]+/g, '-')}.${ext}`;

// --- the API -------------------------------------------------------------------------------------

const routes = {
  'GET /api/me': async (req, res, user) => {
    const r = await me(user);
    relay(res, r);
  },
  'POST /api/login': async (req, res, user, body) => {
    const id = body.user;
    if (!directory.user(id)) return sendJson(res, 404, error('unknown_user', `no demo user ${JSON.stringify(id)}; the users are ${USERS.map((u) => u.id).join(', ')}`, '/user'));
    const r = await me(id);
    // Who the visitor is, for this demo: a plain cookie. A real product has its own sign-in;
    // what matters is that the backend, not the page, says which user it acts for.
    if (r.status === 200) res.setHeader('Set-Cookie', `demo_user=${encodeURIComponent(id)}; Path=/; HttpOnly; SameSite=Lax`);
    relay(res, r);
  },
  'POST /api/context': async (req, res, user, body) => {
    const ws = body.workspace ?? null;
    if (ws !== null && typeof ws !== 'string') return sendJson(res, 400, error('invalid_op', 'workspace is a workspace id or null (personal)', '/workspace'));
    const r = await client.op({ op: 'switch', user, workspace: ws });
    if (r.status !== 200) return relay(res, r);
    directory.setContext(user, ws);
    relay(res, await me(user));
  },
  'GET /api/rate-card': async (req, res) => {
    const r = await client.rateCard();
    res.writeHead(r.status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Rate-Card-Version': r.headers.get('x-rate-card-version') || '', 'Cache-Control': 'no-store' });
    res.end(r.text);
  },
  'GET /api/billing': async (req, res, user, body, url) => {
    const payer = url.searchParams.get('payer') || directory.payerOf(user);
    const [balance, usage, forecast] = await Promise.all([
      client.balance(payer, user),
      client.usage(payer, user, 50),
      client.forecast(payer, user),
    ]);
    for (const read of [balance, usage, forecast]) if (read.status !== 200) return relay(res, read);
    sendJson(res, 200, { ok: true, payer, balance: balance.json, usage: usage.json, forecast: forecast.json, settings: settingsOf(balance.json) });
  },
  'GET /api/usage.csv': async (req, res, user, body, url) => {
    const payer = url.searchParams.get('payer') || directory.payerOf(user);
    // The credit server writes the export (every generation, the core's one CSV writer); the
    // backend only relays it, or its refusal.
    const csv = await client.usageCsv(payer, user);
    if (csv.status !== 200) return relay(res, csv);
    res.writeHead(200, { 'Content-Type': csv.headers.get('content-type') || 'text/csv; charset=utf-8; header=present', 'Content-Disposition': `attachment; filename="${fileName(payer, 'csv')}"`, 'Cache-Control': 'no-store' });
    res.end(csv.text);
  },
  'GET /api/usage.json': async (req, res, user, body, url) => {
    const payer = url.searchParams.get('payer') || directory.payerOf(user);
    const usage = await client.usage(payer, user, 1000);
    if (usage.status !== 200) return relay(res, usage);
    sendJson(res, 200, usage.json, { 'Content-Disposition': `attachment; filename="${fileName(payer, 'json')}"` });
  },
  'POST /api/topups': async (req, res, user, body) => {
    const payer = body.payer || directory.payerOf(user);
    // A fresh key per click: two clicks are two top-ups. (A product that retries a top-up after a
    // network error would keep the key of the first attempt, so the retry is charged once.)
    const r = await client.topUp({ payer, credits: body.credits, key: `topup-${randomUUID()}`, by: user });
    if (r.status !== 200) return relay(res, r);
    const balance = await client.balance(payer, user);
    if (balance.status !== 200) return relay(res, balance);
    sendJson(res, 200, { ok: true, result: r.json, balance: balance.json });
  },
  'GET /api/events': async (req, res, user, body, url) => {
    const q = url.searchParams;
    if (!q.has('after')) {
      // The page's first look: the follower's recent events of the visitor's payers, newest
      // first, and the seq to long-poll from.
      return sendJson(res, 200, { ok: true, events: follower.recentOf(directory.payersOf(user)), last_seq: follower.lastSeq });
    }
    const after = Number(q.get('after'));
    const waitS = q.has('wait_s') ? Number(q.get('wait_s')) : 0;
    const limit = q.has('limit') ? Number(q.get('limit')) : 100;
    if (!Number.isInteger(after) || after < 0) return sendJson(res, 400, error('invalid_op', 'after is a seq (a whole number, 0 or more)', '/after'));
    if (!Number.isInteger(waitS) || waitS < 0 || waitS > 60) return sendJson(res, 400, error('invalid_op', 'wait_s is whole seconds, 0 to 60', '/wait_s'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return sendJson(res, 400, error('invalid_op', 'limit is 1 to 1000', '/limit'));
    // The long poll ends early if the page goes away.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    let r;
    try {
      r = await client.events({ after, limit, waitS, viewer: user, signal: gone.signal });
    } catch (e) {
      if (e.code === 'aborted') return res.end();
      throw e;
    }
    if (r.status !== 200) return relay(res, r);
    // A top-up request reaches the page once the follower has fulfilled it (or failed to).
    const top = Math.max(0, ...r.json.events.map((e) => e.seq));
    if (top > follower.lastSeq) await follower.waitFor(top, 5000);
    sendJson(res, 200, { ...r.json, events: r.json.events.map((e) => follower.annotate(e)) });
  },
  'POST /api/alerts': async (req, res, user, body) => {
    const payer = body.payer || directory.payerOf(user);
    if (!isBound(body.below)) return sendJson(res, 400, error('invalid_op', 'below is whole credits (0 to 10^15), or null to remove the alert', '/below'));
    await relaySetting(res, user, { op: 'set_alert', payer, below: body.below, by: user });
  },
  'POST /api/auto-top-up': async (req, res, user, body) => {
    const payer = body.payer || directory.payerOf(user);
    if (!isBound(body.below)) return sendJson(res, 400, error('invalid_op', 'below is whole credits (0 to 10^15), or null to remove the auto top-up', '/below'));
    const op = { op: 'set_auto_top_up', payer, below: body.below, by: user };
    if (body.below !== null) {
      if (!Number.isInteger(body.to) || body.to < 0 || body.to > 1e15) return sendJson(res, 400, error('invalid_op', 'to is whole credits (0 to 10^15): what a top-up brings the balance to', '/to'));
      op.to = body.to;
    }
    await relaySetting(res, user, op);
  },
  'POST /api/admin/price-change': async (req, res, user, body) => {
    const percent = body.percent;
    if (!Number.isInteger(percent) || percent < -90 || percent > 1000)
      return sendJson(res, 400, error('invalid_op', 'percent is a whole number from -90 to 1000', '/percent'));
    const card = await client.rateCard();
    if (card.status !== 200) return relay(res, card);
    const next = priceChange(card.json, percent);
    const r = await client.putRateCard(next);
    if (r.status !== 200) return relay(res, r);
    console.error(`price change by ${user}: ${r.json.previous} -> ${r.json.rate_card} (${percent > 0 ? '+' : ''}${percent}%)`);
    sendJson(res, 200, { ok: true, version: r.json.rate_card, previous: r.json.previous });
  },
  'POST /api/rate-card/diff': async (req, res, user, body) => {
    const candidate = await candidateCard(body);
    if (candidate.error) return sendJson(res, candidate.status, candidate.error);
    // The candidate goes to the credit server as its text: the server judges it (an invalid card
    // comes back as its invalid_rate_card, every problem listed) and compares it with the card in force.
    relay(res, await client.diffRateCard(candidate.text));
  },
  'POST /api/runs': async (req, res, user, body) => {
    const problem = checkRunRequest(body);
    if (problem) return sendJson(res, 400, { ok: false, error: problem });
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.socket?.setNoDelay(true);
    res.flushHeaders();
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) gone = true;
    });
    // One line per event, written as it happens. If the page goes away mid-run, the run still
    // finishes (each charge is settled or refunded; nothing is left held), just unseen.
    const emit = (event) => {
      if (!gone) res.write(JSON.stringify(event) + '\n');
    };
    try {
      await runGraph({ client, directory, provider, user, body, emit });
    } catch (e) {
      console.error(`run for ${user}: ${e.stack || e.message}`);
      emit({ type: 'error', error: { code: e.code || 'internal', message: e.message, path: '' } });
    }
    if (gone) console.error(`run for ${user}: the page left before the end; the run finished anyway`);
    res.end();
  },
};

// The candidate of POST /api/rate-card/diff as the text to send: what the visitor pasted or
// uploaded, verbatim, or the card in force with every price scaled by `percent`.
async function candidateCard(sent) {
  const body = sent && typeof sent === 'object' ? sent : {};
  if (typeof body.card_text === 'string') return { text: body.card_text };
  if (body.card !== undefined) return { text: JSON.stringify(body.card) };
  if (body.percent !== undefined) {
    const percent = body.percent;
    if (!Number.isInteger(percent) || percent < -90 || percent > 1000)
      return { status: 400, error: error('invalid_op', 'percent is a whole number from -90 to 1000', '/percent') };
    const card = await client.rateCard();
    if (card.status !== 200) return { status: card.status, error: card.json };
    return { text: JSON.stringify(priceChange(card.json, percent)) };
  }
  return { status: 400, error: error('invalid_op', 'send {card_text}, {card} or {percent}: the candidate rate card', '/card_text') };
}

// --- static files: only the built page -------------------------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const PAGES = new Set(['/', '/billing', '/pricing']);

function notFound(res) {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}

function sendFile(req, res, file) {
  let st;
  try {
    st = statSync(file);
  } catch {
    return notFound(res);
  }
  if (!st.isFile()) return notFound(res);
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
    'Content-Length': st.size,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

function serveStatic(req, res, rawPath) {
  // Segments as sent (before any normalisation): nothing hidden, nothing upward, no odd bytes.
  let segments;
  try {
    segments = rawPath.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return notFound(res);
  }
  if (segments.some((s) => s.startsWith('.') || s.includes('\\') || s.includes('\0') || s.includes('/'))) return notFound(res);
  const clean = '/' + segments.join('/');
  if (PAGES.has(clean)) {
    const index = path.join(config.dist, 'index.html');
    if (!existsSync(index)) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end(`The demo page is not built: ${index} is missing.\nBuild it with:  cd demo && npm ci && node build.mjs\n(the API under /api works without it; see demo/API.md)\n`);
    }
    return sendFile(req, res, index);
  }
  if (segments[0] !== 'assets' || segments.length < 2 || segments.some((s) => s === '')) return notFound(res);
  let assets;
  let real;
  try {
    assets = realpathSync(path.join(config.dist, 'assets'));
    real = realpathSync(path.join(assets, ...segments.slice(1)));
  } catch {
    return notFound(res);
  }
  if (!real.startsWith(assets + path.sep)) return notFound(res);
  sendFile(req, res, real);
}

// --- the server ----------------------------------------------------------------------------------

async function handle(req, res) {
  const rawPath = (req.url || '/').split('?')[0];
  const url = new URL(req.url || '/', 'http://backend');
  if (rawPath.startsWith('/api/')) {
    const handler = routes[`${req.method} ${rawPath}`];
    if (!handler) {
      const exists = Object.keys(routes).some((k) => k.endsWith(` ${rawPath}`));
      return exists
        ? sendJson(res, 405, error('method_not_allowed', `${req.method} is not used on ${rawPath}; see demo/API.md`))
        : sendJson(res, 404, error('not_found', `no route ${req.method} ${rawPath}; see demo/API.md`));
    }
    let body = {};
    if (req.method === 'POST') {
      const r = await readBody(req);
      if (r.error) return sendJson(res, ...r.error);
      body = r.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return sendJson(res, 400, error('invalid_op', 'the body is a JSON object'));
    }
    return handler(req, res, visitor(req), body, url);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, error('method_not_allowed', `${req.method} ${rawPath}`));
  return serveStatic(req, res, rawPath);
}

async function main() {
  const t0 = Date.now();
  const seeded = await seedLedger();
  credit = await startCreditServer({
    bin: config.bin,
    db: config.db,
    rateCard: config.card,
    onExit: (code, signal, stderr) => {
      if (stopping) return;
      console.error(`the credit server stopped unexpectedly (${code ?? signal}):\n${stderr.split('\n').slice(-5).join('\n')}`);
      process.exit(1);
    },
  });
  client = new CreditClient(credit.url, credit.token);
  // Balance events: read the log to its end (fulfilling the seed's outstanding auto top-up
  // request), then follow it for as long as the backend runs.
  follower = new EventFollower({ client, adminOf: (ws) => directory.adminOf(ws) });
  await follower.catchUp();
  follower.start();
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(`${req.method} ${req.url}: ${e.stack || e.message}`);
      if (!res.headersSent) sendJson(res, e.code === 'credit_server_unreachable' ? 502 : 500, error(e.code || 'internal', e.message));
      else res.end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`cannot listen on ${config.host}:${config.port}: ${e.message}`)));
    server.listen(config.port, config.host, resolve);
  });
  const port = server.address().port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `http://${host}:${port}`;
  const built = existsSync(path.join(config.dist, 'index.html'));
  console.log(`Open ${base}/`);
  const shown = (p) => (p.startsWith(ROOT + path.sep) ? path.relative(ROOT, p) : p);
  console.log(`  seeded ${shown(config.db)}: ${seeded.ops} operations (${seeded.refused} refused on purpose), a month ending now; credit server ${credit.url} (its token stays here)`);
  if (!built) console.log(`  the page is not built (${shown(config.dist)}/index.html missing): cd demo && npm ci && node build.mjs`);
  console.log('  try: the canvas at /, Run (provider: reliable, flaky or down); Billing at /billing; Pricing at /pricing;');
  console.log('       switch Workspace to studio and run again; log in as ines (over her studio cap) or leo;');
  console.log(`       Billing's Balance alerts: an alert above the balance shows Low balance; leo's auto top-up was fulfilled at start (${follower.lastSeq} balance events so far);`)
  console.log(`       curl -s ${base}/api/me     curl -s -b demo_user=leo ${base}/api/billing     curl -s ${base}/api/usage.csv`);
  console.log(`  ready in ${Date.now() - t0} ms; Ctrl-C stops the backend and the credit server`);

  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping the backend and the credit server`);
    server.close();
    server.closeAllConnections?.();
    await follower.stop();
    await credit.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

let stopping = false;
main().catch((e) => {
  console.error(JSON.stringify({ ok: false, error: { code: 'start_failed', message: e.message, path: '' } }));
  process.exit(1);
});
