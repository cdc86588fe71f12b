#!/usr/bin/env bash
# Writes the generated seed corpora into OUT/<seed set>/ from the test suite's inputs: the cards,
# the golden nodes and canvas, the bad-input corpora and the sample month. One file per input
# (JSON Lines files are split into one node per file for quotes, kept whole for ledgers).
# The hand-written seeds are in fuzz/corpus/<seed set>/. Usage: fuzz/seed-corpus.sh OUT
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: fuzz/seed-corpus.sh OUT}
rm -rf "$out"
mkdir -p "$out"/{rate_card,quote,plan,ledger}

# Rate cards: the two cards of the repository, and the sample card cut to each model alone
# (small inputs that reach every block type quickly).
cp demo/rate-card.json "$out/rate_card/sample.json"
cp tests/data/test-card.json "$out/rate_card/test.json"
node -e '
  const fs = require("fs");
  const [card, dir] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(card, "utf8"));
  c.models.forEach((m, i) => fs.writeFileSync(`${dir}/model-${String(i).padStart(2, "0")}.json`,
                                             JSON.stringify({ ...c, models: [m] }, null, 1)));
' demo/rate-card.json "$out/rate_card"

# Quotes: one node per file, from the golden and bad-input corpora.
split_lines() {  # FILE PREFIX DIR: each non-comment, non-blank line into DIR/PREFIX-N
  awk -v dir="$3" -v p="$2" '!/^#/ && NF { n++; f = sprintf("%s/%s-%04d", dir, p, n); print > f; close(f) }' "$1"
}
split_lines tests/golden/nodes.jsonl golden "$out/quote"
split_lines tests/bad-input/nodes.jsonl bad "$out/quote"

# Plans: the sample canvas, and the golden nodes ten at a time as graphs without edges.
cp demo/canvas.json "$out/plan/canvas.json"
awk -v dir="$out/plan" '!/^#/ && NF { nodes = nodes (k++ ? "," : "") $0
      if (k == 10) { f = sprintf("%s/golden-%03d.json", dir, ++n); print "{\"nodes\":[" nodes "]}" > f; close(f); k = 0; nodes = "" } }
    END { if (k) { f = sprintf("%s/golden-%03d.json", dir, ++n); print "{\"nodes\":[" nodes "]}" > f } }' tests/golden/nodes.jsonl

# Ledgers: the sample month whole (its charges name models of the sample card: refused on the
# test card, which exercises refusals), and each bad operation after the set-up of
# tests/bad_input_test.cpp (fuzz/corpus/ledger/setup.jsonl).
cp demo/month.jsonl "$out/ledger/month.jsonl"
cp tests/bad-input/ops.jsonl "$out/ledger/bad-ops.jsonl"
n=0
grep -v '^#' tests/bad-input/ops.jsonl | while IFS= read -r line; do
  n=$((n + 1))
  { cat fuzz/corpus/ledger/setup.jsonl; printf '%s\n' "$line"; } > "$(printf '%s/ledger/bad-%03d.jsonl' "$out" "$n")"
done
