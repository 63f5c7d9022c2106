#!/usr/bin/env bash
# The WaveNet's two forms (makemore's :wavenet, the reshape form, and :cnn, the dilated
# convolution), train step ms with BatchNorm: jaxdl.bench for each, alternating, ROUNDS times,
# so that other load on the machine hits both alike. Prints one line per measurement.
#   bash tests/benchmarks/wavenet_forms.sh [ROUNDS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
for round in $(seq "${1:-3}"); do
  for model in wavenet cnn; do
    python -m jaxdl.bench makemore --config=experiments/makemore/names.py:$model --steps=100 \
      --repeats=10 | tail -1 | python -c "import json, sys; r = json.load(sys.stdin); \
print(f\"round $round  $model  median {r['step_ms']:.2f} ms/step (min {r['step_ms_min']:.2f})\")"
  done
done
