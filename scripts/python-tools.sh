# Sourced by the scripts that need Parlor's Python tools: cfn-lint and the SAM CLI (the template's
# checks), cargo-lambda (`sam build`). They live in one virtual environment under .tools/ (ignored
# by git), pinned, so neither the system's Python nor a user's site-packages is touched: Debian's
# own python3 refuses `pip install` outside a venv (PEP 668).
# shellcheck shell=bash

CFN_LINT_VERSION=1.58.0
SAM_CLI_VERSION=1.170.0
# What the SAM CLI above runs to turn the template into CloudFormation (tests/tests/edge.rs runs it).
SAM_TRANSLATOR_VERSION=1.115.0
CARGO_LAMBDA_VERSION=1.9.2
PARLOR_VENV="$PWD/.tools/venv"

# python_tools PACKAGE==VERSION...: installs whichever of them the venv lacks, then puts the venv
# first on PATH. The first install of the SAM CLI takes about 40 s.
python_tools() {
  if [ ! -x "$PARLOR_VENV/bin/pip" ]; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
      if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        printf '\n== installing python3-venv (apt)\n'
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      else
        echo "python3 with the venv module is needed (Debian: apt-get install python3-venv)" >&2
        return 1
      fi
    fi
    python3 -m venv "$PARLOR_VENV"
  fi
  local missing=()
  local wanted
  for wanted in "$@"; do
    # sed reads all of pip's output: with grep -q, pip could die of a broken pipe first.
    if [ "$("$PARLOR_VENV/bin/pip" show "${wanted%%==*}" 2>/dev/null | sed -n 's/^Version: //p')" != "${wanted##*==}" ]; then
      missing+=("$wanted")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    printf '\n== installing %s (pip, into .tools/venv)\n' "${missing[*]}"
    "$PARLOR_VENV/bin/pip" install --quiet --disable-pip-version-check "${missing[@]}"
  fi
  export PATH="$PARLOR_VENV/bin:$PATH"
}
