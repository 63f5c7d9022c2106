#!/usr/bin/env bash
# The runs behind experiments/rnn/README.md: four cells on tiny Shakespeare (nanoGPT's CPU
# settings, 1000 steps), the two plain RNNs again without gradient clipping, the ReLU RNN at a
# higher learning rate with and without clipping, then the figures and the table.
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
# A learning rate 3.3x higher (1e-2), where the ReLU RNN's gradient spikes more often.
train rnn_relu_lr1e-2 --config.model.cell=rnn_relu --config.opt.lr=1e-2 --config.opt.min_lr=1e-3
train rnn_relu_lr1e-2_noclip --config.model.cell=rnn_relu --config.opt.lr=1e-2 \
  --config.opt.min_lr=1e-3 --config.opt.grad_clip=0.0
python experiments/rnn/gradient_flow.py --runs="$RUNS"
