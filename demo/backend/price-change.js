// Demo only (POST /api/admin/price-change): a new card with every amount of credits scaled by
// (100 + percent) / 100, so that an open canvas quoting the old card meets stale_rate_card. The
// amounts are the price blocks' credits, rates, bases and clamps; multipliers' factors are
// ratios and stay. Exact decimals, rounded up at the card's 18th digit.
import * as D from './decimal.js';

const AMOUNTS = ['rate', 'credits', 'base', 'input_rate', 'output_rate'];

export function priceChange(card, percent) {
  const scale = (v) => D.toCardNumber(D.mulRatioUp(D.parse(v), 100 + percent, 100));
  const next = structuredClone(card);
  next.version = `${card.version}+p${percent}`;
  for (const model of next.models) {
    for (const block of model.price) {
      for (const k of AMOUNTS) if (block[k] !== undefined) block[k] = scale(block[k]);
      if (block.type === 'clamp') for (const k of ['min', 'max']) if (block[k] !== undefined) block[k] = scale(block[k]);
      if (Array.isArray(block.rows)) for (const row of block.rows) if (row.credits !== undefined) row.credits = scale(row.credits);
    }
  }
  return next;
}
