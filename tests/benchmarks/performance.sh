#!/usr/bin/env bash
# The figures of issue "Performance": every train-step and sampling benchmark, one JSON line each.
# Usage: tests/benchmarks/performance.sh [OUT.jsonl]   (about 10 minutes on 2 quiet CPU cores)
# Run it on a quiet machine: other jobs on the cores slow every step and the measured peak alike.
# With PyTorch makemore checked out (MAKEMORE=/path/to/makemore, torch installed), its step times
# are measured in the same run, alternating with ours.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/dev/null}
bench() {  # bench NAME TOPIC ARGS...
  local name=$1 topic=$2
  shift 2
  echo "== $name: python -m jaxdl.bench $topic $*"
  local printed
  printed=$(${PREFIX:-} python -m jaxdl.bench "$topic" "$@")
  echo "$printed"
  tail -1 <<< "$printed" \
    | python -c "import json, sys; print(json.dumps({'name': '$name', **json.load(sys.stdin)}))" >> "$out"
}
nanogpt=experiments/nanogpt/shakespeare_char.py
makemore=experiments/makemore/names.py
bench nanogpt_cpu nanogpt --config=$nanogpt:cpu
# The same step on one core (its peak measured on that core too): how well two cores scale.
if command -v taskset > /dev/null; then
  PREFIX="taskset -c 0" bench nanogpt_cpu_one_core nanogpt --config=$nanogpt:cpu
fi
bench nanogpt_full nanogpt --config=$nanogpt --steps=6 --repeats=3 --warmup=1
# The same with glibc serving XLA's largest buffers from huge pages (jaxdl/runtime.py says why).
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 bench nanogpt_full_hugetlb nanogpt --config=$nanogpt \
  --steps=6 --repeats=3 --warmup=1
for model in transformer bigram mlp rnn gru lstm wavenet; do
  bench "makemore_$model" makemore --config=$makemore:$model --steps=200 --repeats=5
  # PyTorch makemore (no LSTM or WaveNet there), 200 steps: the mean of its printed step times.
  if [ -n "${MAKEMORE:-}" ] && [ "$model" != lstm ] && [ "$model" != wavenet ]; then
    (cd "$MAKEMORE" && python makemore.py -i names.txt -o "$(mktemp -d)" --type $model \
      --max-steps 200 -n 0 | grep -o "step time [0-9.]*" | tail -n 15 \
      | awk -v m=$model '{s += $3} END {printf "PyTorch makemore %s: %.2f ms/step (mean of the last 15 printed)\n", m, s / NR}')
  fi
done
bench sample_cpu_b1 nanogpt --config=$nanogpt:cpu --what=sample --new_tokens=500
bench sample_cpu_b8 nanogpt --config=$nanogpt:cpu --what=sample --new_tokens=500 --sample_batch=8
bench sample_full_b1 nanogpt --config=$nanogpt --what=sample --new_tokens=300 --repeats=2
