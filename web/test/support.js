// Shared by the package tests: the repository's files and the native CLI next to it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(repo, 'build/native/credits');

export function repoFile(relative) {
  return readFileSync(path.join(repo, relative), 'utf8');
}

export function lines(text) {
  return text.split('\n').filter((l) => l.length > 0);
}

// Runs the native CLI on stdin text; returns stdout.
export function runCli(args, input) {
  return execFileSync(cli, args, { input, maxBuffer: 1 << 30, encoding: 'utf8' });
}

export function tempFile(name, text) {
  const dir = mkdtempSync(path.join(tmpdir(), 'credits-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

// The corpus generator lives in its own module so a page (the benchmarks) can load it too.
export { prng, randomNodes } from './random-nodes.js';
