#!/usr/bin/env bash
# Runs N processes of one command on this machine, joined by a coordinator on localhost: the
# multi-process path of a pod, testable on a laptop. Each process sees its own CPU devices
# (XLA_FLAGS, e.g. --xla_force_host_platform_device_count=4) and gets --multihost appended.
#
#   XLA_FLAGS=--xla_force_host_platform_device_count=4 launch/local.sh 2 \
#       python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/shakespeare_char.py:smoke \
#       --workdir=runs/two_processes
#
# Only process 0 prints (jaxdl.logging); the output of the others goes to
# $LOCAL_LOG_DIR/process_<i>.log (default: a temporary folder, named on failure).
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 N command [args...]" >&2
  exit 2
fi
count=$1
shift
port=${JAX_COORDINATOR_PORT:-$((20000 + RANDOM % 20000))}
logs=${LOCAL_LOG_DIR:-$(mktemp -d)}
export JAX_COORDINATOR_ADDRESS=localhost:$port JAXDL_NUM_PROCESSES=$count JAX_PLATFORMS=${JAX_PLATFORMS:-cpu}
pids=()
for ((i = 0; i < count; i++)); do
  if [[ $i == 0 ]]; then
    JAXDL_PROCESS_ID=$i "$@" --multihost &
  else
    JAXDL_PROCESS_ID=$i "$@" --multihost >"$logs/process_$i.log" 2>&1 &
  fi
  pids+=($!)
done
# A process that fails leaves the others waiting at a collective: stop them too.
status=0
for pid in "${pids[@]}"; do
  if ! wait "$pid"; then
    status=1
    kill "${pids[@]}" 2>/dev/null || true
  fi
done
if [[ $status != 0 ]]; then
  echo "$0: a process failed; the other processes' output is in $logs" >&2
fi
exit $status
