#!/usr/bin/env bash
# Runs Parlor on this machine: the local gateway (API Gateway WebSocket + HTTP + Management API),
# every function in-process, SQLite in ./.parlor, the console at / and the widget demo at /demo/.
# Installs the web apps' npm packages and what cargo fetches; the first build takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "run: cargo is missing; install Rust 1.95 or newer (rustup), then run this again" >&2
  exit 1
fi
./scripts/build-web.sh
exec cargo run --locked -p parlor-local --bin parlor
