#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only the Rust toolchain: installs what the client
# packages, the browser tests and the container test need when it is missing (Python's venv, Node.js
# and npm, Chromium, chromedriver, a CJK font, podman and runc, from Debian; the Python tests fetch
# pytest from PyPI into their own virtual environment), then runs `cargo test` and the container test
# (which builds the static release binary, in target/).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
# The client packages are installed and tested in a virtual environment and an npm prefix of their own
# (tests/api/examples.rs): python3 with venv, node with npm. Nothing is installed into this Python.
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# The /__ui tests drive Debian's Chromium over WebDriver; CJK fonts make their screenshots readable.
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
