#!/usr/bin/env bash
# The whole suite: lint, typecheck, then every vitest tier (unit, embedded topology, integration).
# Later tiers provision real services through scripts/services.sh before running.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint (biome)"
npx --no-install biome check .

echo "== typecheck (tsc --noEmit)"
npx --no-install tsc --noEmit -p .

echo "== tests (vitest)"
mkdir -p .sluice
report=.sluice/vitest-report.json
status=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?

# A plain closing line that CI reads whatever the runner.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit "$status"
