#!/usr/bin/env bash
# The runs behind experiments/rnn/README.md: four cells on tiny Shakespeare (nanoGPT's CPU
# settings, 1000 steps), the two plain RNNs again without gradient clipping, then the figures.
#   bash experiments/rnn/reproduce.sh [RUNS_DIR]      (default runs/rnn)
set -euo pipefail
RUNS=${1:-runs/rnn}
train() {  # name, then extra flags
  local name=$1; shift
  python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/shakespeare_char.py:cpu,rnn \
    --workdir="$RUNS/$name" --config.train.steps=1000 --config.train.eval_every=500 --config.train.log_every=10 "$@"
}
for cell in rnn rnn_relu gru lstm; do
  train "$cell" --config.model.cell="$cell"
done
for cell in rnn rnn_relu; do
  train "${cell}_noclip" --config.model.cell="$cell" --config.opt.grad_clip=0.0
done
python experiments/rnn/gradient_flow.py --runs="$RUNS"
