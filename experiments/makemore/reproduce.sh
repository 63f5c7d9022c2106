#!/usr/bin/env bash
# Reproduces the results table of experiments/makemore/README.md and its figures.
# Usage: experiments/makemore/reproduce.sh [RUNS_DIR]   (about 20 minutes on 2 quiet CPU cores)
# Figures go to experiments/makemore/figures/ whatever RUNS_DIR is.
# Needs names.txt in $JAXDL_DATA_DIR or the cache (else it is downloaded once).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs/makemore}
mkdir -p "$runs"
config=experiments/makemore/names.py
train() {  # train NAME PRESETS
  /usr/bin/time -f "wall %e s" python -m jaxdl.experiments.makemore --config=$config:$2 \
    --workdir=$runs/$1 2>&1 | tee $runs/$1.log
}
for model in bigram mlp rnn gru lstm mlp3 wavenet cnn transformer; do
  train $model $model  # makemore's defaults, 2000 steps, makemore's split
done
train mlp3_long mlp3,lectures,long
train wavenet_long wavenet,lectures,long
train lstm_long lstm,long
train transformer_long transformer,long
python -m jaxdl.plot $runs/bigram $runs/mlp $runs/rnn $runs/gru $runs/lstm $runs/mlp3 \
  $runs/wavenet $runs/cnn $runs/transformer --key=train/loss,val/loss \
  --out=experiments/makemore/figures/ladder_2000_steps.png \
  --title="makemore's defaults, 2000 steps (batch 32 names)"
python -m jaxdl.plot $runs/mlp3_long $runs/wavenet_long --key=train/loss,val/loss \
  --out=experiments/makemore/figures/lectures_long.png --title="lectures' split, 20k steps"
python -m jaxdl.experiments.makemore_figures --runs=$runs --out=experiments/makemore/figures
for model in bigram mlp wavenet_long transformer_long; do
  echo "== $model"; python -m jaxdl.experiments.makemore --mode=sample --workdir=$runs/$model --num_samples=10
done
