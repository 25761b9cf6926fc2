#!/usr/bin/env bash
# The whole suite: lint, typecheck, then every vitest tier (unit, embedded topology, and
# integration against a real Kafka broker and Redis server). Services named by KAFKA_BROKERS and
# REDIS_URL are used as they are; anything missing is provisioned by scripts/services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint (biome)"
npx --no-install biome check .

echo "== typecheck (tsc --noEmit)"
npx --no-install tsc --noEmit -p .

echo "== services (Kafka, Redis)"
if [ "${CI:-}" = "true" ]; then
  # In CI nothing may outlive the run; locally the services stay up for fast reruns (npm run services -- down).
  trap 'bash scripts/services.sh down || true' EXIT
fi
if ! bash scripts/services.sh up; then
  echo "test: could not provision Kafka/Redis (see above); set KAFKA_BROKERS and REDIS_URL to use running ones" >&2
  exit 1
fi
# shellcheck disable=SC1091
source .sluice/services/env
echo "using KAFKA_BROKERS=$KAFKA_BROKERS REDIS_URL=$REDIS_URL"

echo "== tests (vitest)"
mkdir -p .sluice
status=0
# Tests that restart shared services (*.serial.test.ts) run alone, after everything else.
npx --no-install vitest run --passWithNoTests --exclude '**/*.serial.test.ts' --exclude 'node_modules/**' \
  --reporter=default --reporter=json --outputFile.json=.sluice/vitest-parallel.json "$@" || status=$?
npx --no-install vitest run --no-file-parallelism --passWithNoTests '.serial.test.ts' \
  --reporter=default --reporter=json --outputFile.json=.sluice/vitest-serial.json "$@" || status=$?

# A plain closing line that CI reads whatever the runner.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`Tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' .sluice/vitest-parallel.json .sluice/vitest-serial.json || true
exit "$status"
