// The balance events (SPEC §11) on the backend's side: one follower per backend reads the credit
// server's event log from the last seq it saw (a long poll), keeps a short recent list per payer
// for the page, and fulfils auto top-ups: on `top_up_requested` it "charges the card on file"
// (simulated) and sends the `top_up` with the event's key and credits, by the workspace's admin
// for a workspace. The key makes that top-up happen once, however often the event is delivered
// (a retry after an error, a restart that reads the log again).
//
// The settings themselves (alert, auto top-up) live in the ledger and come back with every
// `balance` read (settingsOf below); the backend keeps no copy.

const RECENT = 50; // events kept per payer
const WAIT_S = 25; // the follower's long poll
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;

/**
 * The payer's alert and auto top-up as the page shows them, from the ledger's own `balance`
 * result (its `alert` and `auto_top_up`, null when not set).
 */
export function settingsOf(balance) {
  return {
    payer: balance.payer,
    alert_below: balance.alert ? balance.alert.below : null,
    auto_top_up: balance.auto_top_up ? { below: balance.auto_top_up.below, to: balance.auto_top_up.to } : null,
  };
}

export class EventFollower {
  /**
   * `client` a CreditClient (no viewer: the follower reads every payer's events); `adminOf(ws)`
   * the workspace's admin (who "owns the card on file"); `onEvent(event)` called once per event as it is processed; `log` for problems.
   */
  constructor({ client, adminOf, log = (m) => console.error(m), onEvent }) {
    this.client = client;
    this.adminOf = adminOf;
    this.log = log;
    this.onEvent = onEvent;
    this.lastSeq = 0;
    this.recent = new Map(); // payer -> events, oldest first, at most RECENT
    this.fulfilled = new Map(); // key -> {at, credits, by, replayed} or {error}
    this.waiters = []; // {seq, resolve}
    this.stopped = false;
    this.abort = new AbortController();
    this.loop = null;
  }

  /** Reads the log to its end now (at start, before the backend listens), fulfilling what is due. */
  async catchUp() {
    for (;;) {
      const r = await this.client.events({ after: this.lastSeq, limit: 1000 });
      if (r.status !== 200) throw new Error(`the credit server refused the events read: ${r.text}`);
      for (const ev of r.json.events) await this.deliver(ev);
      if (r.json.events.length < 1000) return;
    }
  }

  /** The long-poll loop, until stop(). Errors (the server away, a refusal) back off and retry. */
  start() {
    if (this.loop) return this.loop;
    this.loop = (async () => {
      let backoff = BACKOFF_MIN_MS;
      while (!this.stopped) {
        try {
          const r = await this.client.events({ after: this.lastSeq, limit: 1000, waitS: WAIT_S, signal: this.abort.signal });
          if (this.stopped) break;
          if (r.status !== 200) throw new Error(`events read: HTTP ${r.status} ${r.text.slice(0, 200)}`);
          for (const ev of r.json.events) {
            if (this.stopped) break;
            await this.deliver(ev);
          }
          backoff = BACKOFF_MIN_MS;
        } catch (e) {
          if (this.stopped) break;
          this.log(`event follower: ${e.message}; retrying in ${backoff} ms`);
          await this.sleep(backoff);
          backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
        }
      }
    })();
    return this.loop;
  }

  async stop() {
    this.stopped = true;
    this.abort.abort();
    for (const w of this.waiters.splice(0)) w.resolve(false);
    await this.loop;
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }

  /**
   * Processes one event: a top-up request is fulfilled (throws only when the credit server cannot
   * be reached, so the event is delivered again), then the event joins its payer's recent list.
   * An event delivered twice (seq already seen) is fulfilled again, which the key makes a replay,
   * and is not listed twice.
   */
  async deliver(ev) {
    if (ev.type === 'top_up_requested') await this.fulfil(ev);
    if (ev.seq > this.lastSeq) {
      const list = this.recent.get(ev.payer) || [];
      list.push(ev);
      if (list.length > RECENT) list.splice(0, list.length - RECENT);
      this.recent.set(ev.payer, list);
      this.lastSeq = ev.seq;
      this.onEvent?.(ev);
    }
    for (const w of this.waiters.filter((x) => x.seq <= this.lastSeq)) w.resolve(true);
    this.waiters = this.waiters.filter((x) => x.seq > this.lastSeq);
  }

  /** "Charges the card on file" (simulated) and tops up the wallet with the request's key. */
  async fulfil(ev) {
    // Every request is fulfilled as it is seen (the follower is moments behind the ledger). It does
    // not look at the backend's copy of the settings: the request can arrive before the relayed
    // set_auto_top_up has returned.
    const seen = this.fulfilled.get(ev.key);
    const workspace = ev.payer.startsWith('workspace:') ? ev.payer.slice('workspace:'.length) : null;
    const by = workspace ? this.adminOf(workspace) : ev.payer.slice('user:'.length);
    const r = await this.client.topUp({ payer: ev.payer, credits: ev.credits, key: ev.key, by });
    const at = new Date().toISOString();
    if (r.status === 200 && r.json.ok) {
      // A replay (the same event again) moves nothing; the first fulfilment is what the page shows.
      if (!seen || seen.error) this.fulfilled.set(ev.key, { at, credits: ev.credits, by, replayed: Boolean(r.json.replayed) });
      if (!r.json.replayed) this.log(`auto top-up: ${ev.payer} +${ev.credits} (${ev.key}, by ${by})`);
    } else {
      this.fulfilled.set(ev.key, { at, error: r.json.error || { code: `http_${r.status}`, message: r.text.slice(0, 200) } });
      this.log(`auto top-up ${ev.key} refused: ${r.text.trim()}`);
    }
  }

  /** Resolves once every event up to `seq` was processed (true), or after `ms` (false). */
  waitFor(seq, ms) {
    if (seq <= this.lastSeq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { seq, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(false);
      }, ms);
    });
  }

  /** The event as the page sees it: a top-up request with what became of it. */
  annotate(ev) {
    if (ev.type !== 'top_up_requested') return ev;
    return { ...ev, fulfilled: this.fulfilled.get(ev.key) ?? null };
  }

  /** The newest events of these payers, newest first, at most `limit`. */
  recentOf(payers, limit = RECENT) {
    const all = payers.flatMap((p) => this.recent.get(p) || []);
    return all.sort((a, b) => b.seq - a.seq).slice(0, limit).map((e) => this.annotate(e));
  }
}
