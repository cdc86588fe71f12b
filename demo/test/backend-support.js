// Starting the real demo backend (which seeds a fresh ledger and starts the real `credits serve`)
// for the backend's tests, and talking to it as the page does.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CREDITS = path.join(ROOT, 'build/native/credits');

/** The native CLI's stdout for `args` with `input` on stdin. */
export const cli = (args, input) => execFileSync(CREDITS, args, { input, encoding: 'utf8' });

/** Starts `node demo/backend/server.js` on PORT=0 with a temp DEMO_DB; resolves once it prints "Open ...". */
export async function startBackend({ env = {} } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'credits-backend-'));
  const db = path.join(dir, 'ledger.db');
  const child = spawn(process.execPath, [path.join(ROOT, 'demo/backend/server.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_DB: db, DEMO_LATENCY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the backend did not start in 60 s:\n${output}`)), 60_000);
    child.stdout.on('data', (d) => {
      output += d;
      const m = /Open (http:\/\/[^\s/]+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the backend exited (${code}):\n${output}`));
    });
  });
  let user = 'maya';
  const b = {
    url,
    dir,
    db,
    child,
    output: () => output,
    /** Calls the API as the current visitor (the demo_user cookie). */
    async api(method, route, body, { as = user } = {}) {
      const res = await fetch(url + route, {
        method,
        headers: { cookie: `demo_user=${as}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: res.status, headers: res.headers, text, json };
    },
    as(id) {
      user = id;
    },
    /** POST /api/runs; resolves to the list of events once the stream ends. */
    async run(body, { as = user } = {}) {
      const res = await fetch(url + '/api/runs', {
        method: 'POST',
        headers: { cookie: `demo_user=${as}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!(res.headers.get('content-type') || '').includes('ndjson')) return { status: res.status, error: JSON.parse(text) };
      return { status: res.status, events: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
    },
    /** A raw GET with the path as given (fetch would normalise "/../"). */
    raw(p) {
      const { hostname, port } = new URL(url);
      return new Promise((resolve, reject) => {
        const req = http.request({ host: hostname, port, path: p, method: 'GET' }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
        child.kill('SIGTERM');
        const r = await gone;
        rmSync(dir, { recursive: true, force: true });
        return r;
      }
      rmSync(dir, { recursive: true, force: true });
      return { code: child.exitCode, signal: child.signalCode };
    },
  };
  return b;
}
