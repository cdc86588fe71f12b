// The credit server (`credits serve`) beside the backend: started as a child on the seeded ledger,
// and a small client that calls it with the bearer token. The token is read here and never leaves
// this process: the page talks to the backend only (SPEC §10).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Runs `credits <args>` with `input` on stdin and resolves to its stdout lines. A non-zero exit
 * (a usage error, an invalid card) rejects with the JSON error it printed on stderr.
 */
export function runCli(bin, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('error', (e) => reject(new Error(`cannot run ${bin}: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`credits ${args[0]} exited ${code}: ${err.trim()}`));
      else resolve(out.split('\n').filter((l) => l.length > 0));
    });
    child.stdin.on('error', () => {}); // an early exit is reported by 'close' above
    child.stdin.end(input);
  });
}

/**
 * Starts `credits serve --port 0` and resolves once it printed where it listens:
 * {url, token, proc, stop()}. With setpriv (util-linux) the server gets SIGTERM if this process
 * dies in any way, even by SIGKILL; the 'exit' hook below covers every other way out.
 */
export function startCreditServer({ bin, db, rateCard, onExit }) {
  const args = ['serve', '--db', db, '--rate-card', rateCard, '--port', '0'];
  const wrapped = existsSync('/usr/bin/setpriv');
  const proc = wrapped
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let started = false;
    proc.on('error', (e) => reject(new Error(`cannot start ${bin}: ${e.message}`)));
    proc.on('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      if (!started) reject(new Error(`credits serve exited (${code ?? signal}) before listening:\n${stderr.trim()}`));
      else onExit?.(code, signal, stderr);
    });
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      if (started) return;
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      started = true;
      let info;
      try {
        info = JSON.parse(out.slice(0, nl));
      } catch {
        reject(new Error(`credits serve printed something that is not its JSON start line: ${out.slice(0, nl)}`));
        return;
      }
      const token = readFileSync(info.token_file, 'utf8').trim();
      resolve({
        url: info.listening,
        token,
        info,
        proc,
        stderr: () => stderr,
        stop() {
          return new Promise((r) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return r();
            proc.once('exit', () => r());
            proc.kill('SIGTERM');
          });
        },
      });
    });
  });
}

/**
 * A client of the credit server. Every call resolves to {status, json, text}; a refusal is a
 * result like any other (the caller passes it on), only an unreachable server rejects.
 */
export class CreditClient {
  constructor(url, token) {
    this.url = url;
    this.token = token;
  }

  async call(method, route, body, { headers: extra = {}, signal } = {}) {
    const headers = { Authorization: `Bearer ${this.token}`, ...extra };
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetch(this.url + route, { method, headers, body: payload, signal });
    } catch (e) {
      if (signal?.aborted) throw Object.assign(new Error(`${method} ${route}: aborted`), { code: 'aborted' });
      const err = new Error(`the credit server cannot be reached (${method} ${route}): ${e.cause?.message || e.message}`);
      err.code = 'credit_server_unreachable';
      throw err;
    }
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = { ok: false, error: { code: 'invalid_json', message: `the credit server answered ${res.status} with text that is not JSON`, path: '' } };
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  get(route) {
    return this.call('GET', route);
  }

  post(route, body) {
    return this.call('POST', route, body ?? {});
  }

  // The routes the backend uses, named as docs/server.md names them. `viewer` is the user the
  // backend acts for: reads are checked against what that user may see.
  balance(payer, viewer) {
    return this.get(`/v1/payers/${encodeURIComponent(payer)}/balance?user=${encodeURIComponent(viewer)}`);
  }
  usage(payer, viewer, limit = 50) {
    return this.get(`/v1/payers/${encodeURIComponent(payer)}/usage?user=${encodeURIComponent(viewer)}&limit=${limit}`);
  }
  // The server's forecast (SPEC §12) at its own clock: burn per day, run-out times, the
  // suggested top-up. The backend relays it; the arithmetic is the server's alone.
  forecast(payer, viewer) {
    return this.get(`/v1/payers/${encodeURIComponent(payer)}/forecast?user=${encodeURIComponent(viewer)}`);
  }
  // Every generation of the payer as CSV (text/csv): `text` holds it; a refusal is JSON as ever.
  usageCsv(payer, viewer) {
    return this.get(`/v1/payers/${encodeURIComponent(payer)}/usage.csv?user=${encodeURIComponent(viewer)}`);
  }
  op(operation) {
    return this.post('/v1/ops', operation);
  }
  rateCard() {
    return this.get('/v1/rate-card');
  }
  quote(node) {
    return this.post('/v1/quotes', node);
  }
  charge(body) {
    return this.post('/v1/charges', body);
  }
  fail(key) {
    return this.post(`/v1/charges/${encodeURIComponent(key)}/fail`, {});
  }
  complete(key, usage) {
    return this.post(`/v1/charges/${encodeURIComponent(key)}/complete`, usage ? { usage } : {});
  }
  topUp(body) {
    return this.post('/v1/topups', body);
  }
  // A run's budget (SPEC §11): {user, key, graph, rate_card}; the server plans the graph itself.
  reserve(body) {
    return this.post('/v1/reservations', body);
  }
  release(key) {
    return this.post(`/v1/reservations/${encodeURIComponent(key)}/release`, {});
  }
  // The balance events (SPEC §11) with seq > `after`, oldest first: {status, json: {events,
  // last_seq}}. `viewer` lists only the events of payers that user may view; `waitS` (whole
  // seconds, up to 60) makes it a long poll, answered as soon as such an event is durable or at
  // `waitS` with an empty page; `signal` aborts the wait (docs/server.md, "Balance events").
  events({ after = 0, limit, waitS = 0, viewer, signal } = {}) {
    const q = new URLSearchParams({ after: String(after) });
    if (limit !== undefined) q.set('limit', String(limit));
    if (waitS) q.set('wait_s', String(waitS));
    if (viewer) q.set('user', viewer);
    return this.call('GET', `/v1/events?${q}`, undefined, { signal });
  }
  putRateCard(card) {
    return this.post('/v1/admin/rate-card', card);
  }
  // A candidate card (its JSON text) against the card in force; read only.
  diffRateCard(text) {
    return this.post('/v1/rate-card/diff', text);
  }
}
