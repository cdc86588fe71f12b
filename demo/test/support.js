// What the demo's browser tests share: starting the real demo backend (which starts the real
// credit server on a fresh ledger), launching Debian's Chromium, and asking the native CLI.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, stat } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CREDITS = path.join(repoRoot, 'build/native/credits');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling out, and this machine's
// closed network refuses it, many times a second.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The native CLI's standard output for `args` with `input` on standard input. */
export function cli(args, input) {
  return execFileSync(CREDITS, args, { input, encoding: 'utf8' });
}

/**
 * Starts `node demo/backend/server.js` on a free port with a fresh ledger in a temporary folder.
 * Resolves to {url, stop()} once it prints "Open http://…/".
 */
export async function startDemo({ latencyMs = 0 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'credits-demo-'));
  const db = path.join(dir, 'ledger.db');
  const child = spawn(process.execPath, [path.join(repoRoot, 'demo/backend/server.js')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_DB: db, DEMO_LATENCY_MS: String(latencyMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo backend did not start in 60 s:\n${output}`)), 60_000);
    const onData = (d) => {
      output += d;
      const m = output.match(/Open (http:\/\/[^\s/]+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the demo backend exited (${code}):\n${output}`)); });
  });
  return {
    url,
    output: () => output,
    // The credit server behind the backend and its bearer token, for a test that holds the page
    // against the server's own reads (the backend prints the address; the token file is beside
    // the ledger).
    creditServer() {
      const m = output.match(/credit server (http:\/\/\S+)/);
      if (!m) throw new Error(`the backend did not print the credit server's address:\n${output}`);
      return { url: m[1], token: readFileSync(db + '.token', 'utf8').trim() };
    },
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium() {
  await new Promise((resolve, reject) => stat(CHROMIUM, (e) => (e
    ? reject(new Error(`Chromium is missing: no ${CHROMIUM}. Install Debian's package (apt-get install -y chromium, as scripts/setup.sh does) or set CHROMIUM_PATH.`))
    : resolve())));
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
