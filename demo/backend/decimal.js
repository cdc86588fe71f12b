// Exact decimals for the few numbers the demo backend computes itself: the simulated provider's
// outputs (a voice clip's length, an upscaled image's megapixels) and the demo-only price change.
// Numbers that end up in the ledger never go through binary floating point (SPEC §1), so values
// are BigInts scaled by 10^18, the rate card's finest digit.
const SCALE = 10n ** 18n;

/** A card number (JSON integer or decimal string such as "0.5") as a scaled BigInt. */
export function parse(v) {
  if (typeof v === 'bigint') return v * SCALE;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not a whole number: ${v} (write fractions as decimal strings)`);
    return BigInt(v) * SCALE;
  }
  const m = /^(-?)(\d+)(?:\.(\d{1,18}))?$/.exec(String(v));
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(v)}`);
  const frac = (m[3] || '').padEnd(18, '0');
  const n = BigInt(m[2]) * SCALE + BigInt(frac);
  return m[1] ? -n : n;
}

/** The shortest decimal text of a scaled value: "8", "41.4", "0.589824". */
export function format(n) {
  const neg = n < 0n;
  if (neg) n = -n;
  const whole = n / SCALE;
  let frac = (n % SCALE).toString().padStart(18, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + whole.toString() + (frac ? '.' + frac : '');
}

/** As a card writes it: a JSON integer when whole, else a decimal string. */
export function toCardNumber(n) {
  return n % SCALE === 0n ? Number(n / SCALE) : format(n);
}

export const mulInt = (a, k) => a * BigInt(k);
/** a × num / den, rounded up to the card's 18 digits. */
export function mulRatioUp(a, num, den) {
  const p = a * BigInt(num);
  const d = BigInt(den);
  return p >= 0n ? (p + d - 1n) / d : p / d;
}
/** Rounded up to a multiple of `step` (a scaled value). */
export const ceilTo = (a, step) => ((a + step - 1n) / step) * step;
export const min = (a, b) => (a < b ? a : b);
export const max = (a, b) => (a > b ? a : b);
export const clamp = (a, lo, hi) => max(lo, min(hi, a));
export const ONE = SCALE;
