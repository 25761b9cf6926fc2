#!/usr/bin/env bash
# The test command for a fresh machine (README, .ci/run): system packages, dependencies (the
# Confluent client is built from source against the system librdkafka deps), then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
CKJS_LINKING=dynamic npm ci
npm test
