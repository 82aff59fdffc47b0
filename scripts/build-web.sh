#!/usr/bin/env bash
# Builds the console and the widget into web/dist/ (served by the local gateway at / and /widget/,
# the demo page at /demo/), installing their npm packages first when the lockfile changed.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null; then
  echo "build-web: npm is missing; install Node.js 20.19 or newer" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
