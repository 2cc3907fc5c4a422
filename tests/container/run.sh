#!/usr/bin/env bash
# The container image, built and run with podman: `bash tests/container/run.sh` (tests/run.sh runs it
# after cargo test, and installs podman and runc when they are missing).
#
# No registry is reachable here, so the Dockerfile's build stage (FROM rust) cannot run. The test builds
# the same static binary with the same script (container/rootfs.sh) on this machine, and the image from
# the Dockerfile's final stage itself, taken from the file, with its `COPY --from=build` reading that
# build from the context instead: the same base, files, user, environment, port, probe, entrypoint and
# command. Containers run under runc with explicit limits (crun cannot start containers here).
#
# Prints one line per check and `container: N passed, M failed`; exits 1 when a check failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

KEY=3cd0914d656e90ab181f1d52ff352cfe
WORK=$(mktemp -d)
IMAGE=localhost/xxb-mock-test:$$
NAME=xxb-mock-test-$$
VOLUME=xxb-mock-test-data-$$
BIN=$WORK/context/rootfs/usr/local/bin/xxb-mock   # what container/rootfs.sh lays out
passed=0
failed=0

cleanup() {
  podman rm --force --time 0 "$NAME" "$NAME-db" "$NAME-db2" > /dev/null 2>&1
  podman volume rm --force "$VOLUME" > /dev/null 2>&1
  podman rmi --force "$IMAGE" > /dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# check NAME FUNCTION: runs FUNCTION, prints ok or not ok with what it said, and counts.
check() {
  local output
  if output=$("$2" 2>&1); then
    passed=$((passed + 1))
    echo "ok - $1"
  else
    failed=$((failed + 1))
    echo "not ok - $1"
    sed 's/^/    /' <<< "$output"
  fi
}

finish() {
  echo "container: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# expect WHAT ACTUAL EXPECTED
expect() {
  if [ "$2" != "$3" ]; then
    printf '%s: expected [%s], got [%s]\n' "$1" "$3" "$2"
    return 1
  fi
}

cat > "$WORK/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
events_logger = "file"
CONF
export CONTAINERS_CONF=$WORK/containers.conf

# published URL of container $1's port 8080
published() { echo "http://$(podman port "$1" 8080/tcp | head -1)"; }

# wait_healthy CONTAINER: the image's own HEALTHCHECK, run inside the container, until it passes
wait_healthy() {
  for _ in $(seq 100); do
    podman healthcheck run "$1" > /dev/null 2>&1 && return 0
    [ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ] || break
    sleep 0.1
  done
  echo "$1 never became healthy; its log:"
  podman logs "$1"
  return 1
}

send() { # send URL USER: a signed sendNotification, prints the answer
  curl -sS -X POST "$("$BIN" sign --key "$KEY" "$1/x.php?m=im&f=sendNotification&code=myAppCode")" \
    --data-binary "{\"users\":[\"$2\"],\"title\":\"容器\",\"contentType\":\"text\",\"sender\":{\"id\":\"ci\",\"name\":\"CI\",\"avatar\":\"https://ci.example.com/a.png\"}}"
}

build() {
  command -v podman > /dev/null || { echo "podman is not installed (tests/run.sh installs it)"; return 1; }
  command -v runc > /dev/null || { echo "runc is not installed (tests/run.sh installs it)"; return 1; }
  sh container/rootfs.sh "$WORK/context" || return 1
  # The Dockerfile's final stage, from its last FROM on, its build-stage files read from the context.
  awk '/^FROM /{stage=""} {stage = stage $0 "\n"} END {printf "%s", stage}' Dockerfile \
    | sed -e 's#--from=build ##' -e 's# /image/# #' > "$WORK/context/Containerfile"
  grep -q '^FROM scratch$' "$WORK/context/Containerfile" || { echo "the final stage is not FROM scratch"; return 1; }
  if grep -q -- '--from=' "$WORK/context/Containerfile"; then echo "a COPY --from was left"; return 1; fi
  podman build --quiet --format docker --tag "$IMAGE" --file "$WORK/context/Containerfile" "$WORK/context"
}

image_config() {
  local config
  config=$(podman image inspect --format \
    '{{.Config.User}}|{{json .Config.ExposedPorts}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{json .HealthCheck.Test}}' \
    "$IMAGE") || return 1
  expect "user|ports|entrypoint|cmd|healthcheck" "$config" \
    '10001:10001|{"8080/tcp":{}}|["/usr/local/bin/xxb-mock"]|["serve"]|["CMD","/usr/local/bin/xxb-mock","health"]'
}

runs_and_listens_on_every_address() {
  podman run --detach --name "$NAME" --publish 127.0.0.1::8080 "$IMAGE" > /dev/null || return 1
  wait_healthy "$NAME" || return 1
  expect "first line" "$(podman logs "$NAME" 2> /dev/null | head -1)" "xxb-mock listening on http://0.0.0.0:8080"
}

probe_from_the_host() {
  local url
  url=$(published "$NAME")
  "$BIN" health --url "$url"
}

answers_through_the_published_port() {
  local url
  url=$(published "$NAME")
  expect "send" "$(send "$url" zhangsan)" '{"result":"success","message":""}' || return 1
  expect "wait" "$(curl -sS -o /dev/null -w '%{http_code}' "$url/__inspect/wait?count=1&user=zhangsan&timeout_ms=5000")" 200
}

runs_as_user_10001() {
  local pid
  pid=$(podman inspect --format '{{.State.Pid}}' "$NAME") || return 1
  expect "uid of the server process" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 10001
}

stops_cleanly_on_sigterm() {
  local url
  url=$(published "$NAME")
  podman stop --time 10 "$NAME" > /dev/null || return 1
  expect "exit code" "$(podman inspect --format '{{.State.ExitCode}}' "$NAME")" 0 || return 1
  if "$BIN" health --url "$url"; then echo "the probe passed with the container stopped"; return 1; fi
}

keeps_state_in_a_volume_at_data() {
  podman volume create "$VOLUME" > /dev/null || return 1
  podman run --detach --name "$NAME-db" --publish 127.0.0.1::8080 --env XXB_MOCK_DB=/data/xxb-mock.db \
    --volume "$VOLUME:/data" "$IMAGE" > /dev/null || return 1
  wait_healthy "$NAME-db" || return 1
  expect "send" "$(send "$(published "$NAME-db")" lisi)" '{"result":"success","message":""}' || return 1
  podman stop --time 10 "$NAME-db" > /dev/null || return 1
  podman run --detach --name "$NAME-db2" --publish 127.0.0.1::8080 --env XXB_MOCK_DB=/data/xxb-mock.db \
    --volume "$VOLUME:/data" "$IMAGE" > /dev/null || return 1
  wait_healthy "$NAME-db2" || return 1
  expect "notifications after a restart" \
    "$(curl -sS "$(published "$NAME-db2")/__inspect/notifications?user=lisi" | grep -o '"total":[0-9]*')" '"total":1'
}

arguments_go_to_the_binary() {
  local version
  version=$(podman run --rm "$IMAGE" --version) || return 1
  expect "--version" "$version" "$("$BIN" --version)"
}

check "the image builds from the Dockerfile's final stage" build
if [ "$failed" -gt 0 ]; then finish; fi
check "the image runs serve as user 10001, exposes 8080 and checks its health with xxb-mock health" image_config
check "a container listens on 0.0.0.0:8080 and its HEALTHCHECK passes" runs_and_listens_on_every_address
check "xxb-mock health on the host reaches it through the published port" probe_from_the_host
check "a signed send through the published port is stored" answers_through_the_published_port
check "the server process runs as uid 10001" runs_as_user_10001
check "SIGTERM stops it with exit code 0, and the probe then fails" stops_cleanly_on_sigterm
check "a database in a volume at /data survives a new container" keeps_state_in_a_volume_at_data
check "arguments after the image go to the binary" arguments_go_to_the_binary
finish
