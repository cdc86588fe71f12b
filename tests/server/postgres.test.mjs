// PostgreSQL only (CREDITS_TEST_PG, set by tests/postgres.sh): the writers' lock. Several
// `credits serve` share one database (tests/server/multi_server.test.mjs); `credits ledger --db`
// writes one alone: it is refused while a server runs (exit 2, ledger_in_use, naming the
// holder), and a server is refused while it runs. `credits journal` reads beside either. Once a
// server is gone (stopped, or killed with SIGKILL) the next one starts with everything.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { BIN, PG_URL, SAMPLE_CARD, cli, dbArg, get, post, sleep, startServer, tempDir } from "./lib.mjs";

const lastJson = (text) => JSON.parse(text.trim().split("\n").pop());

// The CLI, without blocking the event loop (the server's keep-alive connections stay served
// while a refused writer waits for the lock); resolves with {code, stdout, stderr}.
const run = (args) =>
  promisify(execFile)(BIN, args, { timeout: 20000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

test("credits ledger --db writes a PostgreSQL ledger alone; servers share it; the next starts once one is gone", { skip: !PG_URL && "needs CREDITS_TEST_PG (tests/postgres.sh)", timeout: 60000 }, async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "one.db");
  const s = await startServer({ t, db });
  assert.equal((await post(s, "/v1/ops", { op: "create_user", user: "ana" })).status, 200);
  assert.equal((await post(s, "/v1/topups", { payer: "user:ana", credits: 70, key: "t1" })).status, 200);

  // A second server shares the ledger, and sees what the first committed.
  const second = await startServer({ t, db });
  assert.equal((await get(second, "/v1/payers/user:ana/balance?user=ana")).json.wallet, 70);
  await second.stop();

  const cliWriter = await run(["ledger", "--db", dbArg(db)]);
  assert.equal(cliWriter.code, 2, cliWriter.stderr);
  const err = lastJson(cliWriter.stderr);
  assert.equal(err.error.code, "ledger_in_use");
  assert.match(err.error.message, new RegExp(`"credits serve \\(pid ${s.proc.pid}\\)"`));
  assert.match(err.error.message, /credits ledger --db writes one alone/);

  // A reader is not a writer: the journal is read beside the server, and the server still serves.
  assert.ok(cli(["journal", "--db", db]).some((l) => l.includes('"key":"t1"')));
  assert.equal((await get(s, "/v1/payers/user:ana/balance?user=ana")).json.wallet, 70);
  assert.match(s.stderr(), /ledger +postgresql:\/\/\/t_\w+\?host=.* \(PostgreSQL 15\.\d+, synchronous_commit=on\)/);

  // Stopped: the next starts, with everything.
  await s.stop();
  const s2 = await startServer({ t, db });
  assert.equal((await get(s2, "/v1/payers/user:ana/balance?user=ana")).json.wallet, 70);
  assert.equal((await post(s2, "/v1/topups", { payer: "user:ana", credits: 5, key: "t2" })).status, 200);
  // Killed: its session ends with its connection, and with it the lock.
  await s2.kill();

  // A command-line writer holds the ledger alone (its stdin open): a server is refused meanwhile.
  const holder = spawn(BIN, ["ledger", "--db", dbArg(db)], { stdio: ["pipe", "pipe", "pipe"] });
  t.after(() => holder.kill("SIGKILL"));
  holder.stdin.write(JSON.stringify({ op: "create_user", at: "2030-01-01T00:00:00Z", user: "zed" }) + "\n");
  let out = "";
  holder.stdout.on("data", (d) => (out += d));
  for (let i = 0; i < 100 && !out.includes("\n"); i++) await sleep(50);
  assert.match(out, /"ok":true/);
  const refused = await run(["serve", "--db", dbArg(db), "--port", "0", "--rate-card", SAMPLE_CARD, "--token-file", db + ".token"]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.equal(lastJson(refused.stderr).error.code, "ledger_in_use");
  assert.match(lastJson(refused.stderr).error.message, /"credits ledger \(pid/);
  holder.stdin.end();
  await new Promise((r) => holder.once("exit", r));

  const s3 = await startServer({ t, db });
  assert.equal((await get(s3, "/v1/payers/user:ana/balance?user=ana")).json.wallet, 75);
  assert.equal((await get(s3, "/v1/payers/user:zed/balance?user=zed")).status, 200);
  assert.equal(s3.info.recovered.ok, true);
  await s3.stop();
});
