#!/usr/bin/env bash
# Prints what a benchmark's figures depend on, as `key: value` lines for the head of a results file:
# the date (UTC), the commit, the processor, cores, memory, kernel and load average.
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit: $commit"
echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo "cores: $(nproc)"
echo "memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1024/1024}' /proc/meminfo)"
echo "kernel: $(uname -r)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
