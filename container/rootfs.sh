#!/bin/sh
# Builds xxb-mock statically linked (glibc with crt-static, for this machine's architecture) and lays
# out the container image's files under DIR: DIR/rootfs (the binary, /tmp) and DIR/data, the empty
# directory the image gives its user for a database. The Dockerfile runs it in its build stage and
# the suite's container test runs it on the host, so both images hold the same build.
#
#   sh container/rootfs.sh DIR
set -eu
dir=${1:?usage: container/rootfs.sh DIR}
triple=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --release --locked --target "$triple" --bin xxb-mock
mkdir -p "$dir/rootfs/usr/local/bin" "$dir/rootfs/tmp" "$dir/data"
cp "${CARGO_TARGET_DIR:-target}/$triple/release/xxb-mock" "$dir/rootfs/usr/local/bin/xxb-mock"
chmod 1777 "$dir/rootfs/tmp"
