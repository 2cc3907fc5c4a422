#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only the Rust toolchain: installs what the client
# examples, the browser tests and the container test need when it is missing (pytest from PyPI;
# Node.js, Chromium, chromedriver, a CJK font, podman and runc from Debian), then runs `cargo test`
# and the container test (which builds the static release binary, in target/).
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
# The /__ui tests drive Debian's Chromium over WebDriver; CJK fonts make their screenshots readable.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
# The container image is built and run with Debian's podman, under runc (tests/container/run.sh).
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if [ $# -eq 0 ]; then
  cargo test --locked
  bash tests/container/run.sh
else
  cargo test --locked "$@"
  echo "tests/container/run.sh was not run: arguments narrow the run to cargo test"
fi
