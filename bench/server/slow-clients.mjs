// /healthz latency while N slow clients are connected (BENCHMARKS.md, "Server"): each slow
// client sends a request line and then one header byte a second, as a slow-loris attack does.
//   node bench/server/slow-clients.mjs URL [--clients 200] [--samples 200]
// Prints one JSON line: answered, timed out (1 s each), latency percentiles in ms.
import net from "node:net";

const url = new URL(process.argv[2] || "http://127.0.0.1:8080");
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const clients = opt("--clients", 200);
const samples = opt("--samples", 200);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const socks = [];
for (let i = 0; i < clients; i++) {
  const sock = net.connect(Number(url.port), url.hostname);
  sock.on("connect", () => sock.write("POST /v1/charges HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  sock.on("error", () => {});
  socks.push(sock);
}
const drip = setInterval(() => socks.forEach((s) => s.writable && s.write("a")), 1000);
await sleep(500);
const open = socks.filter((s) => !s.destroyed).length;

const ms = [];
let timeouts = 0;
for (let i = 0; i < samples && timeouts < 3; i++) {
  const t0 = performance.now();
  try {
    const r = await fetch(url.origin + "/healthz", { signal: AbortSignal.timeout(1000) });
    await r.text();
    if (r.status === 200) ms.push(performance.now() - t0);
  } catch {
    timeouts++;
  }
  await sleep(10);
}
clearInterval(drip);
socks.forEach((s) => s.destroy());
ms.sort((a, b) => a - b);
const pct = (p) => (ms.length ? +ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2) : null);
console.log(JSON.stringify({ slow_clients: clients, still_open_at_start: open, answered: ms.length, timed_out: timeouts,
  p50_ms: pct(0.5), p99_ms: pct(0.99), max_ms: ms.length ? +ms.at(-1).toFixed(2) : null }));
process.exit(0);
