#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only the Rust toolchain: installs what the client
# examples need when it is missing (pytest from PyPI, Node.js from Debian), then runs `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip
fi
if ! python3 -m pytest --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check pytest 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages pytest
fi
if ! command -v node >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
fi
cargo test --locked "$@"
