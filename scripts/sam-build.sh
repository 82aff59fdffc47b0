#!/usr/bin/env bash
# Builds every Lambda function of infra/template.yaml for arm64 the way `sam build` does in a
# deploy: each function crate with cargo-lambda (which cross-compiles with zig), in release mode,
# into .aws-sam/build/. Installs the SAM CLI and cargo-lambda (pip, into .tools/venv) and the
# aarch64 standard library (rustup) first. Prints the time and each function's binary size.
#
# All the builds share the workspace's target/ (the SAM builder reads it from `cargo metadata`;
# CARGO_TARGET_DIR, when set, wins), so the dependencies compile once. On 2 cores a clean build
# took 14 minutes (docs/deploy.md), most of it the fat-LTO link of each binary: too long for CI, which
# runs `sam validate` instead. Run it before a first deploy, or with `nice -n 19` in the background.
#
#   scripts/sam-build.sh [extra `sam build` options, e.g. --config-env prod]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python-tools.sh
python_tools "aws-sam-cli==$SAM_CLI_VERSION" "cargo-lambda==$CARGO_LAMBDA_VERSION"

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  printf '\n== rustup target add aarch64-unknown-linux-gnu\n'
  rustup target add aarch64-unknown-linux-gnu
fi

printf '\n== sam build (arm64, release, cargo-lambda)\n'
started=$(date +%s)
# samconfig.toml names the template and turns on the beta rust-cargolambda build method.
SAM_CLI_TELEMETRY=0 sam build "$@"
elapsed=$(( $(date +%s) - started ))

printf '\n== built in %dm%02ds; binaries (stripped, arm64):\n' $((elapsed / 60)) $((elapsed % 60))
for binary in .aws-sam/build/*/bootstrap; do
  printf '  %-28s %7d KiB  %s\n' "$(basename "$(dirname "$binary")")" $(( $(stat -c %s "$binary") / 1024 )) \
    "$(file -b "$binary" | cut -d, -f1-2)"
done
