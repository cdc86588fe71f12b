#!/usr/bin/env bash
# Rewrites the golden corpus from the current build. Run only when a price change is intended,
# then read the diff: every changed line is a price or a message users will see change.
set -euo pipefail
cd "$(dirname "$0")/.."
credits=build/native/credits
$credits estimate --rate-card demo/rate-card.json < tests/golden/nodes.jsonl > tests/golden/quotes.jsonl
$credits plan --rate-card demo/rate-card.json < demo/canvas.json > tests/golden/canvas-plan.json
$credits plan --rate-card demo/rate-card.json --balance '{"subscription":200,"wallet":150}' \
  < demo/canvas.json > tests/golden/canvas-plan-projected.json
git --no-pager diff --stat -- tests/golden
