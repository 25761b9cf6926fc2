#!/usr/bin/env bash
# Compiles to dist/ and copies the non-TypeScript files the code loads beside itself.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx --no-install tsc -p tsconfig.build.json
cp schemas/*.avsc dist/schemas/
cp sinks/websocket/dashboard.html dist/sinks/websocket/
echo "built dist/ (run: node --max-semi-space-size=64 dist/app/main.js)"
