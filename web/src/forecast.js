// The forecast of SPEC §12 on the client: from a `usage` result the page already holds, the
// same figures the engine's `forecast` operation answers at the same time (docs/balances.md,
// "Forecast"). Integer arithmetic in BigInt, so amounts past 2^53 and their products stay exact;
// web/test/forecast.test.js checks it against `credits ledger` on the same ledger.
const DAY_MS = 86400000n;
const MAX_TIME = 253402300799999n; // 9999-12-31T23:59:59.999Z, the engine's end of time
const MAX_AMOUNT = 10n ** 15n;     // the largest top-up

const divUp = (a, b) => (a + b - 1n) / b;
const max = (a, b) => (a > b ? a : b);

// RFC 3339 text to milliseconds and back, as the engine writes times (no fraction when whole).
function ms(text) {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new TypeError(`not an RFC 3339 time: ${text}`);
  return BigInt(t);
}
function rfc3339(t) {
  return new Date(Number(t)).toISOString().replace('.000Z', 'Z');
}

function runsOut(credits, burn, from) {
  const t = from + (credits * DAY_MS) / burn;
  return t > MAX_TIME ? null : t;
}

// The subscription is drawn first, then the wallet; the forecast stops at an active reset.
function runOutTimes(f, inPeriod, at) {
  const out = { subscription: null, wallet: null };
  if (f.burn === 0n) return out;
  if (!inPeriod) {
    out.wallet = runsOut(f.wallet, f.burn, at);
    return out;
  }
  const sub = runsOut(f.remaining, f.burn, at);
  if (sub !== null && sub < f.end) {
    out.subscription = sub;
    out.wallet = runsOut(f.remaining + f.wallet, f.burn, at);
  } else if (f.resets === null) {
    out.wallet = runsOut(f.wallet, f.burn, f.end);
  }
  if (f.resets !== null && out.wallet !== null && out.wallet >= f.resets) out.wallet = null;
  return out;
}

/**
 * The forecast of the payer a `usage` result describes, at `at` (RFC 3339; the time that
 * result was read at). Keys as the engine's `forecast` result has them, without `op`/`ok`.
 */
export function forecast(usage, at) {
  const T = ms(at);
  const sub = usage.subscription;
  const inPeriod = sub.period_start !== null;
  const f = {
    start: ms(usage.period.start),
    end: ms(usage.period.end),
    resets: sub.resets_at === null ? null : ms(sub.resets_at),
    spent: usage.by_model.reduce((sum, line) => sum + BigInt(line.credits), 0n),
    remaining: inPeriod ? BigInt(sub.remaining) : 0n,
    wallet: BigInt(usage.wallet),
  };
  const elapsed = max(0n, T - f.start);
  const days = max(1n, divUp(elapsed, DAY_MS));
  f.burn = divUp(max(0n, f.spent), days);
  const times = runOutTimes(f, inPeriod, T);
  const need = divUp(f.burn * max(0n, f.end - T), DAY_MS);
  let topUp = need - (f.remaining + f.wallet);
  topUp = topUp < 0n ? 0n : topUp > MAX_AMOUNT ? MAX_AMOUNT : topUp;
  return {
    at: rfc3339(T),
    burn_per_day: Number(f.burn),
    payer: usage.payer,
    period_end: rfc3339(f.end),
    period_start: rfc3339(f.start),
    remaining: Number(f.remaining),
    resets_at: f.resets === null ? null : rfc3339(f.resets),
    spent: Number(f.spent),
    subscription_runs_out_at: times.subscription === null ? null : rfc3339(times.subscription),
    suggested_top_up: Number(topUp),
    wallet: Number(f.wallet),
    wallet_runs_out_at: times.wallet === null ? null : rfc3339(times.wallet),
  };
}
