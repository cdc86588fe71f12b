// A tiny static file server for the browser test and the Chromium benchmark: serves the
// repository root on a free loopback port, with the Content-Types a browser insists on
// (text/javascript for modules, application/wasm for streaming compilation). It records every
// request, so a test can check which files the page fetched.
//
// It is also cross-origin isolated (COOP/COEP), which gives pages a finer performance.now().
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * Starts serving `root` (the repository root by default) on 127.0.0.1 at a free port.
 * Resolves to {url, requests, close()}; `requests` lists {path, status, type} in order.
 */
export async function startStaticServer(root = repoRoot) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const record = (status, type) => requests.push({ path: req.url, status, type });
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      record(400, '');
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.join(root, pathname);
    // Nothing outside the root (path.join has already resolved any '..').
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      record(403, '');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      record(405, '');
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      record(200, type);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      record(404, '');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Debian's Chromium through playwright-core, or throws a message that says what to install. */
export async function launchChromium() {
  try {
    await stat(CHROMIUM);
  } catch {
    throw new Error(`Chromium is missing: no ${CHROMIUM}. Install Debian's package ` +
      '(apt-get install -y chromium, as scripts/setup.sh does) or set CHROMIUM_PATH.');
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
